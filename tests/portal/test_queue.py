"""UNODA's queue (``apps.portal.selectors.request_queue``) and its declaration
(``apps.portal.tables.QueueTable``): filters, sorts, search and scope."""

import csv
import datetime
import io

import pytest

from apps.cases.models import AssistanceRequest, Status
from apps.cases.selectors import visible_cases
from apps.portal.selectors import request_queue
from apps.portal.tables import QueueTable

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(make_case, users):
    cases = [
        make_case(status)
        for status in ("submitted", "submitted", "published", "published", "under_review", "draft")
    ]
    Category = cases[0].categories.model
    cases[2].categories.set(Category.objects.filter(code__in=["legislation", "marking"]))
    cases[3].categories.set(Category.objects.filter(code="legislation"))
    AssistanceRequest.objects.filter(pk=cases[0].pk).update(case_officer=users.unoda)
    AssistanceRequest.objects.filter(pk=cases[2].pk).update(due_date=datetime.date(2020, 1, 1))
    return cases


def _refs(queryset) -> list[str]:
    return [case.reference for case in queryset]


@pytest.mark.parametrize("who", ["unoda", "donor", "recipient"])
def test_the_queue_holds_exactly_the_cases_the_user_may_see(users, queue, who):
    user = getattr(users, who)
    assert sorted(_refs(request_queue(user=user))) == sorted(_refs(visible_cases(user)))


def test_filters(users, queue):
    def refs(**filters):
        return set(_refs(request_queue(user=users.unoda, filters=filters)))

    assert refs(status=Status.SUBMITTED) == {queue[0].reference, queue[1].reference}
    assert refs(category="legislation") == {queue[2].reference, queue[3].reference}
    assert refs(category="marking") == {queue[2].reference}
    assert refs(overdue=True) == {queue[2].reference}
    assert queue[0].reference not in refs(unassigned=True)
    assert refs(officer=users.unoda.pk) == {queue[0].reference}
    assert refs(region="europe") == set()


def test_every_sort_of_the_declaration_orders_the_queue(users, queue):
    table = QueueTable()
    options = table.sort_options()
    assert {"reference", "-reference", "state", "status", "officer", "days", "-days"} <= set(
        options
    )
    assert "gap" not in options  # computed with exchange rates, not stored: not a sort key
    by_reference = _refs(request_queue(user=users.unoda, ordering=options["reference"]))
    assert by_reference == sorted(by_reference)
    assert _refs(request_queue(user=users.unoda, ordering=options["-reference"])) == list(
        reversed(by_reference)
    )
    oldest_first = request_queue(user=users.unoda, ordering=options["days"])
    changed = [case.status_changed_at for case in oldest_first]
    assert changed == sorted(changed)


def test_an_unknown_sort_is_the_default(users):
    assert QueueTable(sort="nonsense").sort == QueueTable.default_sort
    assert QueueTable(sort="-officer").ordering() == ("-case_officer__username", "-reference")


def test_the_page_headings_and_the_csv_come_from_one_declaration(client, users, queue):
    client.force_login(users.unoda)
    page = client.get("/cases/?view=all").content.decode()
    shown = [c for c in QueueTable.columns if c.page]
    for column in shown:
        assert f">{column.heading}<" in page
    exported = (
        client.get("/cases/export.csv?view=all&sort=reference").getvalue().decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == [str(c.heading) for c in QueueTable.columns if c.csv]
    assert [row[0] for row in rows[1:]] == sorted(case.reference for case in queue)


def test_a_search_ignores_case_and_takes_wildcards_as_themselves(users, make_case):
    plain = make_case("submitted", title="Train CUSTOMS officers")
    percent = make_case("submitted", title="Mark 100% of the stock")

    def found(search):
        return set(_refs(request_queue(user=users.unoda, search=search)))

    assert found("customs") == {plain.reference}
    assert found("0%") == {percent.reference}
    assert found("%") == {percent.reference}
    assert found("_") == set()
    assert found(plain.reference.lower()) == {plain.reference}
    assert found("sierra") == {plain.reference, percent.reference}  # the State's name


def test_search_finds_a_title_in_any_language_and_follows_its_changes(users, make_case):
    """The search column is written by the database from the reference and the six titles:
    a translation added later is found, Cyrillic is matched in any case, and a changed title
    is found by its new words only."""
    russian = make_case("submitted", title="Обучение таможенников")
    translated = make_case("submitted", title="Train border police")

    def found(search):
        return set(_refs(request_queue(user=users.unoda, search=search)))

    assert found("ТАМОЖЕН") == {russian.reference}
    assert found("police des frontières") == set()
    AssistanceRequest.objects.filter(pk=translated.pk).update(
        title_fr="Former la police des frontières"
    )
    assert found("POLICE DES FRONTIÈRES") == {translated.reference}
    AssistanceRequest.objects.filter(pk=russian.pk).update(title_en="Train customs officers")
    assert found("customs") == {russian.reference}


def test_a_needs_search_ignores_case_and_takes_wildcards_as_themselves(users, make_case):
    from apps.funding import selectors as funding_selectors

    plain = make_case("published", title="Train customs officers")
    percent = make_case("published", title="Mark 100% of the stock")

    def found(q):
        page = funding_selectors.needs_page(user=users.donor, filters={"q": q}, number=1)
        return {case.reference for case in page.object_list}

    assert found("CUSTOMS") == {plain.reference}
    assert found("0%") == {percent.reference}
    assert found("_") == set()


def test_trigram_index_serves_the_search_of_the_cases_own_columns(make_case):
    """Migration cases 0012 made the GIN trigram index of ``search_text`` (in place of 0009's
    seven), and PostgreSQL can answer a search on the case's own columns (the needs search)
    with it (on a test table too small to need it, with sequential scans turned off to see
    that it can)."""
    from django.db import connection

    from apps.cases.selectors import search_condition

    make_case("published", title="Train customs officers")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"])
        names = {row[0] for row in cursor.fetchall()}
        assert "assistancere_search_text_trgm" in names
        assert "assistancere_title_en_trgm" not in names
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # only bitmap scans: the GIN indexes
        searched = AssistanceRequest.objects.filter(search_condition("customs", state=False))
        plan = searched.values("pk").explain()
    assert "assistancere_search_text_trgm" in plan
