"""Timing and query counting of pages, and their floors, in one process."""

import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><table>{% for row in rows %}<tr>"
    "{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>"
)


@dataclass
class Result:
    name: str
    median_ms: float
    floor_ms: float | None
    queries: int
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.floor_ms:
            return None
        return self.median_ms / self.floor_ms


# Runs before the timed ones: a server runs its pages many times on each connection, and the
# timings are those of that steady state (templates compiled, reference rows cached, SQL built
# once, and PostgreSQL's prepared statements made, which psycopg does at a statement's fifth run).
WARM_UP_RUNS = 5


def _medians_ms(functions: list[Callable[[], object]], repeat: int) -> list[float]:
    """The median time of each function, their runs interleaved (page, floor, page, floor...):
    a slower spell of a shared machine then weighs on both alike, not on one of them."""
    for _run in range(WARM_UP_RUNS):
        for function in functions:
            function()
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, runs in zip(functions, timings, strict=True):
            start = time.perf_counter()
            function()
            runs.append((time.perf_counter() - start) * 1000)
    return [statistics.median(runs) for runs in timings]


def count_queries(function: Callable[[], object]) -> int:
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def page(client: Client, url: str) -> Callable[[], object]:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        # A streaming or lazily rendered page is read to the end, as a browser would.
        return response.content

    return get


def floor(queryset_fn: Callable[[], object], columns: tuple[str, ...]) -> Callable[[], str]:
    """The bare minimum: run the one query the page needs and render its rows."""

    def run():
        rows = list(queryset_fn().values_list(*columns))
        return FLOOR_TEMPLATE.render({"rows": rows})

    return run


def measure(name, function, floor_function, *, repeat: int, note: str = "") -> Result:
    medians = _medians_ms([function, floor_function] if floor_function else [function], repeat)
    return Result(
        name=name,
        median_ms=medians[0],
        floor_ms=medians[1] if floor_function else None,
        queries=count_queries(function),
        note=note,
    )


def peak_memory(function: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
