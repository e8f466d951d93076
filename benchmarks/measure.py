"""Timing and query counting of pages, and their floors, in one process."""

import resource
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

# The budget of every page (issue 19), at 100,000 cases on PostgreSQL.
BUDGET_MEDIAN_MS = 40.0
BUDGET_P95_MS = 80.0
BUDGET_SIZE = 100_000
BUDGET_VENDOR = "postgresql"


@dataclass
class Result:
    name: str
    median_ms: float
    p95_ms: float | None
    floor_ms: float | None
    queries: int
    is_page: bool = True
    note: str = ""
    # Memory pages first touched during one run (minor page faults): a page that maps memory
    # on every call shows here (apps/core/stack.py); a steady page touches a few dozen.
    faults: int | None = None

    @property
    def within_budget(self) -> bool | None:
        """Whether a page keeps the budget's median and 95th percentile (None: not a page)."""
        if not self.is_page or self.p95_ms is None:
            return None
        return self.median_ms <= BUDGET_MEDIAN_MS and self.p95_ms <= BUDGET_P95_MS


# Runs before the timed ones: a server runs its pages many times on each connection, and the
# timings are those of that steady state (templates compiled, caches warm, and PostgreSQL's
# prepared statements made where they are on, which psycopg does at a statement's fifth run).
WARM_UP_RUNS = 5


def percentile_95(runs: list[float]) -> float:
    """The 95th percentile of the runs (interpolated between the two nearest; one run: itself)."""
    if len(runs) < 2:
        return runs[0]
    return statistics.quantiles(runs, n=20, method="inclusive")[18]


def timed_runs(functions: list[Callable[[], object]], repeat: int) -> list[list[float]]:
    """The times in ms of ``repeat`` runs of each function, their runs interleaved (page, floor,
    page, floor...): a slower spell of a shared machine then weighs on both alike."""
    for _run in range(WARM_UP_RUNS):
        for function in functions:
            function()
    timings: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, runs in zip(functions, timings, strict=True):
            start = time.perf_counter()
            function()
            runs.append((time.perf_counter() - start) * 1000)
    return timings


MACHINE_LOOP = 3_000_000


def machine_reference_ms() -> float:
    """The fastest of five runs of a plain Python loop (``MACHINE_LOOP`` additions), in ms: what
    the machine itself is worth at the moment, to compare runs made on different machines or
    at different hours (the same page has measured half again as long an hour later)."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        total = 0
        for number in range(MACHINE_LOOP):
            total += number
        runs.append((time.perf_counter() - start) * 1000)
    return min(runs)


def count_queries_and_faults(function: Callable[[], object]) -> tuple[int, int]:
    """The queries of one run of ``function``, and the memory pages it first touched."""
    reset_queries()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def page(client: Client, url: str) -> Callable[[], object]:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        # A streaming or lazily rendered page is read to the end, as a browser would.
        return response.content

    return get


def without_kept_figures(get: Callable[[], object]) -> Callable[[], object]:
    """``get`` after forgetting what the pages keep in the cache of what they work out: the
    dashboard's figures (UNODA's, and those kept per scope for a donor or a State) and the
    rankings of the needs matching a donor's offers. Each run works them out afresh, not the
    cache in front."""
    from apps.core.reference import new_generation
    from apps.funding.matching import RANKINGS
    from apps.reports.selectors import DASHBOARD_CACHE, DASHBOARD_LIVE

    def cold():
        for name in (DASHBOARD_CACHE, DASHBOARD_LIVE, RANKINGS):
            new_generation(name)
        return get()

    return cold


def render_rows(rows) -> str:
    return FLOOR_TEMPLATE.render({"rows": rows})


def measure(name, function, floor_function, *, repeat: int, note: str = "") -> Result:
    """The page's median and 95th percentile, its floor's median, and the page's queries."""
    functions = [function, floor_function] if floor_function else [function]
    timings = timed_runs(functions, repeat)
    queries, faults = count_queries_and_faults(function)
    return Result(
        name=name,
        median_ms=statistics.median(timings[0]),
        p95_ms=percentile_95(timings[0]),
        floor_ms=statistics.median(timings[1]) if floor_function else None,
        queries=queries,
        note=note,
        faults=faults,
    )


def peak_memory(function: Callable[[], object]) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
