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


def _median_ms(function: Callable[[], object], repeat: int) -> float:
    function()  # warm caches (templates, connections) once
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


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
    return Result(
        name=name,
        median_ms=_median_ms(function, repeat),
        floor_ms=_median_ms(floor_function, repeat) if floor_function else None,
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
