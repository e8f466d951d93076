"""The benchmark command runs end to end (two tiny sizes, SQLite, in a process of its own), and
it is a tool: installed by the local and test settings, not by production, and the product
imports nothing from it."""

import ast
import mmap
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from benchmarks.pages import PAGES
from benchmarks.sweep import NAME as SWEEP

ROOT = Path(settings.BASE_DIR)


def _run(args, **env_extra):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(env_extra)
    return subprocess.run(  # noqa: S603 - this project's manage.py, arguments from the tests
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _row(out: str, heading: str, name: str) -> str:
    """The line of ``name`` in the table that follows ``heading``."""
    section = out.split(heading, 1)[1]
    return next(line for line in section.splitlines() if line.startswith(name))


def test_benchmark_command_reports_every_page_at_two_sizes():
    result = _run(
        ["benchmark", "--sizes", "200,400", "--repeat", "2"],
        DJANGO_SETTINGS_MODULE="config.settings.local",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert out.count("Built in") == 2
    assert "median ms" in out
    assert "p95 ms" in out
    assert "queries" in out
    assert "median <= 40 ms and p95 <= 80 ms at 100,000 cases on PostgreSQL" in out
    # What the machine is worth, before and after the run (to compare runs across machines).
    for when in ("before", "after"):
        line = next(line for line in out.splitlines() if line.startswith(f"Machine {when}"))
        assert float(line.split(" takes ")[1].split(" ms")[0]) > 0
    for size in ("200", "400"):
        heading = f"At {size} cases (sqlite)"
        assert heading in out
        for entry in PAGES:
            cells = _row(out, heading, entry.name)[len(entry.name) :].split()
            median, p95, queries, faults, floor, verdict = cells
            assert float(median) > 0
            assert float(p95) >= float(median)
            assert int(queries) > 0
            assert int(faults) >= 0
            assert float(floor) > 0
            assert verdict in {"ok", "OVER"}
        sweep = _row(out, heading, SWEEP)[len(SWEEP) :].split()
        assert sweep[1] == "-"  # one sweep: no percentile
        assert sweep[3] == "-"  # nor page faults of a page
        assert sweep[5] == "-"  # no page budget
    growth = out.split("Growth from 200 to 400 cases", 1)[1]
    for entry in PAGES:
        line = next(line for line in growth.splitlines() if line.startswith(entry.name))
        assert "growth median x" in line
        assert ", p95 x" in line
        assert "queries the same" in line or "queries DIFFER" in line
    assert SWEEP in growth
    assert "peak Python memory" in out
    assert "Budget: not checked" in out  # neither 100,000 cases nor PostgreSQL


def test_page_and_floor_runs_are_interleaved(db):
    """A page and its floor take turns, so that a slow spell of the machine weighs on both."""
    from benchmarks.measure import WARM_UP_RUNS, measure

    log = []
    result = measure("page", lambda: log.append("page"), lambda: log.append("floor"), repeat=3)
    # Warm-up runs in turns, then page, floor, page, floor...; then the page once more, its
    # queries counted.
    assert log == ["page", "floor"] * WARM_UP_RUNS + ["page", "floor"] * 3 + ["page"]
    assert result.median_ms >= 0
    assert result.p95_ms >= result.median_ms
    assert result.floor_ms >= 0


def test_a_run_that_touches_fresh_memory_shows_its_page_faults(db):
    from benchmarks.measure import count_queries_and_faults

    pages = 256  # 1 MiB: too small for a huge page, so each page is touched on its own

    def touch_fresh_pages():
        # Mapped from the kernel for this run (memory from malloc may be reused, already
        # touched), and written to once per page.
        with mmap.mmap(-1, pages * mmap.PAGESIZE) as memory:
            for offset in range(0, len(memory), mmap.PAGESIZE):
                memory[offset] = 1

    queries, faults = count_queries_and_faults(touch_fresh_pages)
    assert queries == 0
    assert faults >= pages


def test_the_percentile_and_the_budget():
    from benchmarks.measure import Result, percentile_95

    assert percentile_95([5.0]) == 5.0
    assert percentile_95([float(n) for n in range(1, 21)]) == 19.05
    assert Result("page", 40.0, 80.0, None, 4).within_budget is True
    assert Result("page", 40.1, 50.0, None, 4).within_budget is False
    assert Result("page", 10.0, 80.1, None, 4).within_budget is False
    assert Result("sweep", 10.0, None, None, 4, is_page=False).within_budget is None


def test_the_tool_is_installed_by_local_and_test_settings_only():
    assert "benchmarks" in settings.INSTALLED_APPS  # the test settings
    local = _run(["help", "benchmark"], DJANGO_SETTINGS_MODULE="config.settings.local")
    assert local.returncode == 0, local.stderr[-2000:]
    production = _run(
        ["help", "benchmark"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="sqlite:////tmp/unused.db",
        REDIS_URL="redis://127.0.0.1:6379/0",
        PORTAL_IATI_REPORTING_ORG_REF="XI-IATI-EXAMPLE",
    )
    assert production.returncode != 0
    assert "Unknown command: 'benchmark'" in production.stderr


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_the_product_imports_nothing_from_the_benchmark():
    for package in ("apps", "config"):
        for path in (ROOT / package).rglob("*.py"):
            for module in _imported_modules(path):
                assert module.split(".")[0] != "benchmarks", path


def test_floors_read_the_models_only():
    """The floors are plain: they import the portal's models and workflow constants, not its
    selectors, views or pagination."""
    for module in _imported_modules(ROOT / "benchmarks" / "pages.py"):
        if module.startswith("apps."):
            assert module.endswith(".models") or module == "apps.cases.workflow", module
