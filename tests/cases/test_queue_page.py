"""The queue's page (``selectors.queue_page``): read with SQL built once, it gives what the
queryset of ``request_queue`` gives, page by page, for every filter, sort and scope."""

import datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.cases import selectors
from apps.cases.models import AssistanceRequest, Status
from apps.core.pagination import capped_page

pytestmark = pytest.mark.django_db

PER_PAGE = 2


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


def _seen(page):
    return (
        [(case.reference, case.is_overdue, case.category_keys) for case in page.object_list],
        page.number,
        page.paginator.count,
        page.paginator.capped,
    )


ASKED = [
    ({}, "days", ""),
    ({}, "-reference", ""),
    ({"status": Status.SUBMITTED}, "days", ""),
    ({"overdue": True}, "days", ""),
    ({"unassigned": True, "status": ""}, "-days", ""),
    ({"officer": "officer"}, "days", ""),
    ({"region": "africa", "category": "legislation"}, "state", ""),
    ({"region": "europe"}, "days", ""),
    ({}, "days", "REQ"),
]


@pytest.mark.parametrize("who", ["unoda", "donor", "recipient"])
def test_queue_page_gives_the_rows_of_request_queue(users, queue, who):
    user = getattr(users, who)
    for filters, sort, search in ASKED:
        filters = {k: (users.unoda.pk if v == "officer" else v) for k, v in filters.items()}
        asked = {"filters": filters, "sort": sort, "search": search}
        queryset = selectors._queue_rows(selectors.request_queue(user=user, **asked))
        for number in ("1", "2", "3", "99", "x"):
            expected = _seen(capped_page(queryset, PER_PAGE, number, cap=3))
            for _time in range(2):  # built, then run again as built
                page = selectors.queue_page(
                    user=user, **asked, per_page=PER_PAGE, number=number, cap=3
                )
                assert _seen(page) == expected, (filters, sort, search, number)


def _counted_builds(monkeypatch, read) -> list:
    """The shapes ``read`` builds its SQL for from now on (none kept from before)."""
    built = []
    build = read.build

    def counting(shape, **markers):
        built.append(shape)
        return build(shape, **markers)

    connections["default"].__dict__.pop("portal_prepared", None)
    monkeypatch.setattr(read, "build", counting)
    return built


def test_queue_page_builds_its_sql_once_per_shape_and_language(users, queue, monkeypatch):
    built = _counted_builds(monkeypatch, selectors._QUEUE_PAGE)
    searched = _counted_builds(monkeypatch, selectors._QUEUE_SEARCH_PAGE)
    asked = {"filters": {}, "sort": "days", "per_page": PER_PAGE, "cap": 3}
    selectors.queue_page(user=users.unoda, **asked, search="", number=1)
    AssistanceRequest.objects.filter(pk=queue[1].pk).update(status=Status.UNDER_REVIEW)
    with CaptureQueriesContext(connection) as again:
        page = selectors.queue_page(user=users.unoda, **asked, search="", number=1)
    assert len(built) == 1  # built for the first call only
    assert len(again) == 1
    assert queue[1].reference in {case.reference for case in page.object_list}  # read anew
    selectors.queue_page(user=users.unoda, **asked, search="", number=2)
    assert len(built) == 2  # another page, another shape
    with translation.override("ar"), CaptureQueriesContext(connection) as arabic:
        selectors.queue_page(user=users.unoda, **asked, search="", number=1)
    assert len(built) == 3  # another language
    assert "title_ar" in arabic[0]["sql"]
    for text in ("REQ", "armoury", "100%"):
        selectors.queue_page(user=users.unoda, **asked, search=text, number=1)
    assert len(searched) == 1  # a search is a value: one build for every text


def test_a_search_ignores_case_and_takes_wildcards_as_themselves(users, make_case):
    plain = make_case("submitted", title="Train CUSTOMS officers")
    percent = make_case("submitted", title="Mark 100% of the stock")
    asked = {"filters": {}, "sort": "days", "per_page": 10, "number": 1, "cap": 100}

    def found(search):
        page = selectors.queue_page(user=users.unoda, search=search, **asked)
        return {case.reference for case in page.object_list}

    assert found("customs") == {plain.reference}
    assert found("0%") == {percent.reference}
    assert found("%") == {percent.reference}
    assert found("_") == set()
    assert found(plain.reference.lower()) == {plain.reference}
    assert found("sierra") == {plain.reference, percent.reference}  # the State's name


def test_a_needs_search_is_one_prepared_read_whatever_the_text(users, make_case, monkeypatch):
    from apps.funding import selectors as funding_selectors

    plain = make_case("published", title="Train customs officers")
    percent = make_case("published", title="Mark 100% of the stock")
    built = _counted_builds(monkeypatch, funding_selectors._NEEDS_SEARCH_PAGE)

    def found(q):
        page = funding_selectors.needs_page(user=users.donor, filters={"q": q}, number=1)
        return {case.reference for case in page.object_list}

    assert found("CUSTOMS") == {plain.reference}
    assert found("0%") == {percent.reference}
    assert found("_") == set()
    assert len(built) == 1  # one build, whatever the text
