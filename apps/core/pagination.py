"""Pagination that does not count a whole large table on every page view."""

from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

COUNT_CAP = 1000
UNCAPPED = 2**31 - 2  # the most a database's LIMIT takes: count everything


class CappedPaginator(Paginator):
    """Counts at most ``limit`` rows, plus one to know that there are more.

    The limit is ``cap`` rows, or the rows up to the requested page when that is further, so
    Next always works. Past the limit the template says "more than N" (``capped``): a long
    queue is not counted in full on every page view, and a short filtered view still shows its
    exact count.
    """

    def __init__(self, object_list, per_page, *, page_number: int = 1, cap: int = COUNT_CAP):
        super().__init__(object_list, per_page)
        # Bounded: a page number from the address bar must not overflow the database's LIMIT.
        self.limit = max(cap, min(page_number * per_page, UNCAPPED))

    def counted_rows(self) -> QuerySet:
        """What is counted: only the keys, in no order (any limit + 1 rows tell the count up
        to the limit, and the page's annotations, computed per row, are left out)."""
        return self.object_list.order_by().values("pk")[: self.limit + 1]

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            return self.counted_rows().count()
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
    """The page ``number`` (as given in the query string; anything invalid is page 1) of
    ``object_list``, counted up to ``cap`` rows (``CappedPaginator``)."""
    number = page_number(number)
    return CappedPaginator(object_list, per_page, page_number=number, cap=cap).get_page(number)


@dataclass(frozen=True)
class PeekPage:
    """A page read with one row more than it shows, that row telling whether a next page
    exists: no count at all (see ``peek_page``). Answers what Django's ``Page`` answers to
    pagination links."""

    object_list: list
    number: int
    more: bool

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.more or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def __len__(self) -> int:
        return len(self.object_list)


def peek_page(queryset: QuerySet, per_page: int, number) -> PeekPage:
    """The page ``number`` of ``queryset`` and whether there are more, in one query: for lists
    whose rows are costly to count (a donor's visible cases are checked row by row against
    their permissions, so counting them, even up to the cap, costs more than reading the page).
    A page past the end is empty; its template links back."""
    number = min(page_number(number), UNCAPPED // per_page - 1)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return PeekPage(rows[:per_page], number, len(rows) > per_page)
