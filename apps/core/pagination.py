"""Pagination that does not count a whole large table on every page view."""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

COUNT_CAP = 1000
UNCAPPED = 2**31 - 2  # the most a database's LIMIT takes: count everything


class CappedPaginator(Paginator):
    """Counts at most ``limit`` rows, plus one to know that there are more.

    The limit is ``cap`` rows, or the rows up to the requested page when that is further, so
    Next always works. Past the limit the template says "more than N" (``capped``): a queue of
    100,000 cases is not counted on every page view, and a filtered view of a few hundred cases
    still shows its exact count.
    """

    def __init__(self, object_list, per_page, *, page_number: int = 1, cap: int = COUNT_CAP):
        super().__init__(object_list, per_page)
        # Bounded: a page number from the address bar must not overflow the database's LIMIT.
        self.limit = max(cap, min(page_number * per_page, UNCAPPED))

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            # Only the keys, in no order: any limit + 1 rows tell the count up to the limit,
            # and the page's annotations (computed per row) are left out of the count.
            return self.object_list.order_by().values("pk")[: self.limit + 1].count()
        return len(self.object_list[: self.limit + 1])

    @property
    def capped(self) -> bool:
        return self.count > self.limit


def page_number(raw) -> int:
    """A page number as given in the query string; anything invalid is page 1."""
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def capped_page(object_list, per_page: int, number, *, cap: int = COUNT_CAP) -> Page:
    """The page ``number`` (as given in the query string; anything invalid is page 1)."""
    number = page_number(number)
    return CappedPaginator(object_list, per_page, page_number=number, cap=cap).get_page(number)
