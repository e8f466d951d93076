"""The benchmark command runs end to end (tiny size, SQLite, in a process of its own)."""

import os
import subprocess
import sys

from django.conf import settings

from apps.benchmarks.pages import PAGES


def test_benchmark_command_measures_every_page():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    result = subprocess.run(
        [sys.executable, "manage.py", "benchmark", "--requests", "150", "--repeat", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "Built in" in out
    for entry in PAGES:
        assert entry.name in out
    assert "reminder sweep (1% due)" in out
    assert "peak Python memory" in out


def test_page_and_floor_runs_are_interleaved(db):
    """A page and its floor take turns, so that a slow spell of the machine weighs on both."""
    from apps.benchmarks.measure import WARM_UP_RUNS, measure

    log = []
    result = measure("page", lambda: log.append("page"), lambda: log.append("floor"), repeat=3)
    # Warm-up runs in turns (five: psycopg prepares a statement at its fifth run), then page,
    # floor, page, floor...; then the page once more, its queries counted.
    assert WARM_UP_RUNS == 5
    assert log == ["page", "floor"] * WARM_UP_RUNS + ["page", "floor"] * 3 + ["page"]
    assert result.median_ms >= 0
    assert result.floor_ms >= 0
