"""Capped counts: exact for small lists, "more than" for large ones, any page reachable; and
pages read with one row more than they show, not counted at all."""

import pytest
from django.contrib.auth.models import Group

from apps.core.pagination import CappedPaginator, capped_page, peek_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows():
    Group.objects.bulk_create(Group(name=f"Pagination {n:02d}") for n in range(8))
    return Group.objects.filter(name__startswith="Pagination").order_by("name")


def test_a_list_under_the_cap_is_counted_exactly(rows):
    page = capped_page(rows, 3, "1", cap=10)
    assert page.paginator.count == 8
    assert not page.paginator.capped
    assert page.paginator.num_pages == 3


def test_a_list_over_the_cap_says_more_and_keeps_a_next_page(rows):
    page = capped_page(rows, 3, "1", cap=5)
    assert page.paginator.count == 6  # the cap plus the one row that shows there are more
    assert page.paginator.capped
    second = capped_page(rows, 3, "2", cap=5)
    assert second.has_next()


def test_a_page_past_the_cap_is_counted_up_to_that_page(rows):
    page = capped_page(rows, 3, "3", cap=5)
    assert page.number == 3
    assert [group.name for group in page] == ["Pagination 06", "Pagination 07"]
    assert page.paginator.count == 8
    assert not page.paginator.capped


@pytest.mark.parametrize("number", ["", "x", "-4", "0", None, "99999999999999999999"])
def test_any_page_number_gives_a_page(rows, number):
    page = capped_page(rows, 3, number, cap=5)
    assert page.number >= 1
    assert len(page.object_list) >= 1


def test_the_paginator_counts_with_one_bounded_query(rows, django_assert_num_queries):
    paginator = CappedPaginator(rows, 3, cap=5)
    with django_assert_num_queries(1):
        assert paginator.count == 6


def test_a_plain_list_is_counted_too():
    page = capped_page(list(range(8)), 3, "1", cap=5)
    assert page.paginator.count == 6
    assert page.paginator.capped
    assert list(page) == [0, 1, 2]


def test_a_peeked_page_reads_one_row_more_in_one_query_and_counts_nothing(
    rows, django_assert_num_queries
):
    with django_assert_num_queries(1) as captured:
        page = peek_page(rows, 3, "2")
    assert "COUNT" not in captured.captured_queries[0]["sql"].upper()
    names = [group.name for group in page.object_list]
    assert names == ["Pagination 03", "Pagination 04", "Pagination 05"]
    assert (page.number, page.has_previous(), page.has_next()) == (2, True, True)
    assert (page.previous_page_number(), page.next_page_number()) == (1, 3)


def test_the_last_peeked_page_has_no_next(rows):
    page = peek_page(rows, 3, "3")
    assert [group.name for group in page.object_list] == ["Pagination 06", "Pagination 07"]
    assert not page.has_next()
    exact = peek_page(rows, 4, "2")  # a last page that is exactly full
    assert len(exact) == 4
    assert not exact.has_next()
    assert not peek_page(rows, 10, "1").has_other_pages()


@pytest.mark.parametrize("number", ["", "x", "-4", "0", None])
def test_a_peeked_page_number_that_is_not_one_gives_the_first(rows, number):
    page = peek_page(rows, 3, number)
    assert page.number == 1
    assert len(page) == 3


def test_a_peeked_page_past_the_end_is_empty_and_links_back(rows):
    page = peek_page(rows, 3, "99999999999999999999")  # bounded: the database takes the offset
    assert page.object_list == []
    assert page.has_previous()
    assert not page.has_next()


def test_a_page_counts_at_most_its_cap(rows, django_assert_num_queries):
    with django_assert_num_queries(2) as captured:  # the capped count, then the rows
        page = capped_page(rows, 3, "2", cap=5)
        names = [group.name for group in page]
        assert (page.paginator.count, page.paginator.capped) == (7, True)  # up to page 2, + 1
        assert (page.has_previous(), page.has_next()) == (True, True)
    assert names == ["Pagination 03", "Pagination 04", "Pagination 05"]
    assert "LIMIT 7" in captured.captured_queries[0]["sql"].upper()
    exact = capped_page(rows, 3, "1", cap=10)
    assert (exact.paginator.count, exact.paginator.capped, exact.paginator.num_pages) == (
        8,
        False,
        3,
    )


def test_a_page_past_the_end_is_the_last_page(rows):
    page = capped_page(rows, 3, "9", cap=100)
    assert page.number == 3
    assert [group.name for group in page] == ["Pagination 06", "Pagination 07"]
    assert not page.has_next()


def test_rows_as_dictionaries_are_counted_apart(rows, django_assert_num_queries):
    with django_assert_num_queries(2):
        page = capped_page(rows.values("name"), 3, "1", cap=5)
        assert page.paginator.count == 6
        assert list(page) == [{"name": f"Pagination 0{n}"} for n in range(3)]
