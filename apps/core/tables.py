"""Lists declared once: each column's heading, value, sort and place in the CSV.

A list's page (its headings, cells and sort links, rendered by ``core/_table.html`` with
Django's own escaping), its sort options and its CSV export all come from its ``Table``. We
weighed django-tables2 and did not take it: see docs/architecture.md, "Declared lists".
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, ClassVar

from django.http import StreamingHttpResponse
from django.utils import translation

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# First in every CSV download: Excel then reads the file as UTF-8 (Arabic and Chinese headings
# and names are not garbled); other readers skip it.
UTF8_BOM = "\ufeff"
CSV_BATCH = 500  # rows an export reads (and completes with ``prepare``) at a time


class _Lines:
    """The file of a ``csv.writer`` that hands each line back instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_stream(filename: str, rows: Iterable) -> StreamingHttpResponse:
    """``rows`` (the header first, each a list of cells) as a CSV download named ``filename``,
    written while it is sent, a batch of lines at a time: the server's memory stays the same
    whatever the number of rows (100,000 cases or 100). It starts with the UTF-8 byte-order
    mark, and the rows are written in the language of the request that asked for them."""
    language = translation.get_language()
    writer = csv.writer(_Lines())

    def lines():
        yield UTF8_BOM
        with translation.override(language):
            rows_left = iter(rows)
            while batch := list(islice(rows_left, CSV_BATCH)):
                yield "".join(writer.writerow(row) for row in batch)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def spreadsheet_safe(value):
    """Neutralise spreadsheet formulas: a text cell that starts like one gets a quote first."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # translatable (lazy)
    value: Callable[[Any], Any]  # the row's value: the CSV's cell, and the page's unless ``html``
    html: Callable[[Any], Any] | None = None  # the page's cell when it is more than the value
    sort: tuple[str, ...] = ()  # the ordering, ascending; empty: not sortable
    page: bool = True
    csv: bool = True

    def cell(self, row):
        return (self.html or self.value)(row)


def _shown(value):
    return "—" if value is None or value == "" else value


@dataclass(frozen=True)
class Heading:
    column: Column
    sort_link: str  # query string that sorts by this column ("" when not sortable)
    sorted: str  # "ascending", "descending" or ""


class Table:
    """A declared list. Subclasses give ``columns`` and ``default_sort`` (a column key, or
    "-key" for descending), and ``prepare`` what the columns read that the rows' own query
    does not bring (read for a page, or a batch of an export, at once)."""

    columns: ClassVar[tuple[Column, ...]] = ()
    default_sort: ClassVar[str] = ""
    caption: ClassVar[str] = ""

    def __init__(self, *, sort: str = "", query: str = "", selectable: bool = False):
        self.sort = sort if sort in self.sort_options() else self.default_sort
        self.query = query  # the list's query string, without its sort and page
        self.selectable = selectable  # a checkbox per row, named "cases", valued by its key

    def prepare(self, rows: list) -> None:
        """Attach to ``rows`` what the columns read besides the rows themselves."""

    @classmethod
    def sort_options(cls) -> dict[str, tuple[str, ...]]:
        """Every sort the list takes, by name ("key" or "-key"), with its ordering."""
        options = {}
        for column in cls.columns:
            if column.sort:
                options[column.key] = column.sort
                options[f"-{column.key}"] = tuple(
                    field[1:] if field.startswith("-") else f"-{field}" for field in column.sort
                )
        return options

    def ordering(self) -> tuple[str, ...]:
        return self.sort_options()[self.sort]

    def headings(self) -> list[Heading]:
        prefix = f"{self.query}&" if self.query else ""
        headings = []
        for column in self.columns:
            if not column.page:
                continue
            current = self.sort.lstrip("-") == column.key
            descending = self.sort.startswith("-")
            link = ""
            if column.sort:
                link = f"{prefix}sort={'-' if current and not descending else ''}{column.key}"
            state = ("descending" if descending else "ascending") if current else ""
            headings.append(Heading(column, link, state))
        return headings

    def page_rows(self, rows: Iterable) -> list[tuple[Any, list[tuple[str, Any]]]]:
        """Each row of a page with its cells, each beside its column's heading (the label of
        the narrow-screen layout), for ``core/_table.html``; an empty cell is a dash."""
        rows = list(rows)
        self.prepare(rows)
        shown = [(str(column.heading), column) for column in self.columns if column.page]
        return [
            (row, [(heading, _shown(column.cell(row))) for heading, column in shown])
            for row in rows
        ]

    def csv_response(self, rows: Iterable, filename: str) -> StreamingHttpResponse:
        """The rows as a streamed CSV download, read and completed in batches (the queries grow
        with batches, not with rows), with cells that start like a formula neutralised."""
        exported = [column for column in self.columns if column.csv]

        def lines():
            yield [str(column.heading) for column in exported]
            rows_left = iter(rows)
            while batch := list(islice(rows_left, CSV_BATCH)):
                self.prepare(batch)
                for row in batch:
                    yield [spreadsheet_safe(column.value(row)) for column in exported]

        return csv_stream(filename, lines())
