"""Capped counts: exact for small lists, "more than" for large ones, any page reachable."""

import pytest
from django.contrib.auth.models import Group

from apps.core.pagination import CappedPaginator, capped_page

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
