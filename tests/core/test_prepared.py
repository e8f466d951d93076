"""Reads built once and run again with new values: the same rows as the queryset would give,
for each value, shape and language, in one query and without building the query again."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Subquery
from django.utils import translation

from apps.cases.models import AssistanceRequest
from apps.core.prepared import prepared

pytestmark = pytest.mark.django_db


def counting(build):
    """``build`` that counts how often it is called."""

    def counted(*args, **kwargs):
        counted.calls += 1
        return build(*args, **kwargs)

    counted.calls = 0
    return counted


@pytest.fixture
def groups():
    return {name: Group.objects.create(name=name) for name in ("Alpha", "Beta", "Gamma")}


def test_values_rows_are_those_of_the_queryset_for_each_value(groups):
    def queryset(_shape, name):
        return Group.objects.filter(name=name).values("pk", "name")

    read = prepared(queryset, name=str)
    for name in ("Alpha", "Beta", "Nobody"):
        assert read(name=name) == list(queryset((), name))
    assert read(name="Beta") == [{"pk": groups["Beta"].pk, "name": "Beta"}]


def test_model_rows_bring_their_related_rows_and_annotations(django_assert_num_queries):
    def queryset(_shape, codename):
        return (
            Permission.objects.filter(codename=codename)
            .select_related("content_type")
            .annotate(groups_holding=Count("group"))
        )

    read = prepared(queryset, codename=str)
    expected = queryset((), "view_group").get()
    read(codename="add_group")  # built here, not below
    with django_assert_num_queries(1):
        (found,) = read(codename="view_group")
    assert isinstance(found, Permission)
    assert (found.pk, found.codename, found.groups_holding) == (expected.pk, "view_group", 0)
    assert found.content_type.model == "group"  # no query: it came with the row
    assert found._state.adding is False


def test_values_list_rows_are_tuples(groups):
    read = prepared(
        lambda _shape, pk: Group.objects.filter(pk=pk).values_list("name", "pk"), pk=int
    )
    assert read(pk=groups["Gamma"].pk) == [("Gamma", groups["Gamma"].pk)]


def test_the_query_is_built_once_and_then_only_run(groups, django_assert_num_queries):
    build = counting(lambda _shape, pk: Group.objects.filter(pk=pk).values("name"))
    read = prepared(build, pk=int)
    for group in groups.values():
        with django_assert_num_queries(1):
            assert read(pk=group.pk) == [{"name": group.name}]
    assert build.calls == 1


def test_each_shape_is_built_apart_and_given_to_the_builder(groups):
    build = counting(
        lambda names, pk: Group.objects.filter(name__in=names).exclude(pk=pk).values_list("name")
    )
    read = prepared(build, pk=int)
    alpha = groups["Alpha"].pk
    assert read(shape=("Alpha", "Beta"), pk=alpha) == [("Beta",)]
    assert read(shape=("Gamma",), pk=alpha) == [("Gamma",)]
    assert read(shape=("Alpha", "Beta"), pk=groups["Beta"].pk) == [("Alpha",)]
    assert build.calls == 2


def test_each_language_is_built_apart(make_case):
    """modeltranslation names a translated field's column by the current language."""
    case = make_case(title="Marking and tracing")
    AssistanceRequest.objects.filter(pk=case.pk).update(title_fr="Marquage et traçage")
    build = counting(lambda _shape, title: AssistanceRequest.objects.filter(title=title))
    read = prepared(build, title=str)
    with translation.override("en"):
        assert [found.pk for found in read(title="Marking and tracing")] == [case.pk]
        assert read(title="Marquage et traçage") == []
    with translation.override("fr"):
        assert [found.pk for found in read(title="Marquage et traçage")] == [case.pk]
    assert build.calls == 2


def test_a_query_that_can_find_nothing_runs_no_sql(django_assert_num_queries):
    read = prepared(
        lambda names, pk: Group.objects.filter(name__in=names, pk=pk).values("name"), pk=int
    )
    with django_assert_num_queries(0):
        assert read(shape=(), pk=1) == []


def test_a_value_changed_on_its_way_to_the_sql_is_refused():
    read = prepared(lambda _shape, name: Group.objects.filter(name__icontains=name), name=str)
    with pytest.raises(ImproperlyConfigured, match="did not reach the SQL"):
        read(name="Alpha")


def test_prefetching_and_flat_rows_are_refused():
    prefetching = prepared(
        lambda _shape, pk: Group.objects.filter(pk=pk).prefetch_related("permissions"), pk=int
    )
    with pytest.raises(ImproperlyConfigured):
        prefetching(pk=1)
    flat = prepared(
        lambda _shape, pk: Group.objects.filter(pk=pk).values_list("pk", flat=True), pk=int
    )
    with pytest.raises(ImproperlyConfigured):
        flat(pk=1)


def test_values_are_named_as_declared():
    read = prepared(lambda _shape, pk: Group.objects.filter(pk=pk), pk=int)
    with pytest.raises(TypeError):
        read(id=1)


def test_the_rows_are_read_in_the_transaction_of_the_caller(groups):
    """Prepared reads run on the caller's connection: they see its uncommitted rows."""
    from django.db import transaction

    read = prepared(lambda _shape, name: Group.objects.filter(name=name).values("name"), name=str)
    assert read(name="Delta") == []
    with transaction.atomic():
        Group.objects.create(name="Delta")
        assert read(name="Delta") == [{"name": "Delta"}]


def test_values_are_converted_as_the_queryset_converts_them(make_case):
    """A JSON document, a date and time (text on SQLite) and an amount come back as the
    queryset gives them: the converters are found once, then applied to every row."""
    from decimal import Decimal

    from apps.security.models import AuditEvent
    from apps.security.services import audit_record

    event = audit_record(kind="view_confidential", detail={"amount": "1.50", "list": [1, 2]})
    case = make_case("draft", budget_amount=Decimal("1234.50"))

    def queryset(_shape, pk, case_id):
        return AuditEvent.objects.filter(pk=pk).values(
            "detail",
            "created_at",
            amount=Subquery(AssistanceRequest.objects.filter(pk=case_id).values("budget_amount")),
        )

    def models(_shape, pk):
        return AuditEvent.objects.filter(pk=pk)

    rows, instances = prepared(queryset, pk=int, case_id=int), prepared(models, pk=int)
    for _time in range(2):
        assert rows(pk=event.pk, case_id=case.pk) == list(queryset((), event.pk, case.pk))
        (row,) = rows(pk=event.pk, case_id=case.pk)
        assert row["detail"] == {"amount": "1.50", "list": [1, 2]}
        assert row["created_at"] == event.created_at
        assert row["amount"] == Decimal("1234.50")
        (found,) = instances(pk=event.pk)
        assert (found.detail, found.created_at) == (event.detail, event.created_at)
