"""Build a synthetic data set at each chosen size, time the main pages, report their growth.

    python manage.py benchmark                          # 10,000 then 100,000 requests
    python manage.py benchmark --sizes 2000,20000 --repeat 10
    DATABASE_URL=postgres://... python manage.py benchmark

Each size is built afresh in a database of its own (SQLite: .cache/benchmark.sqlite3;
PostgreSQL: <name>_benchmark), created, migrated and dropped by the command (--keep keeps the
last one). To measure again after changing a page, without building again:

    python manage.py benchmark --sizes 100000 --keep    # once: build and keep the database
    python manage.py benchmark --reuse --only queue --profile

(--reuse measures the kept data set at its own size; a sweep it measured before has changed
the cases' dates.)
"""

import cProfile
import io
import itertools
import logging
import pstats
import shutil
import time
import warnings
from argparse import ArgumentTypeError
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from apps.core.reference import forget_all
from apps.reports.models import DashboardBuild
from apps.reports.rollup import dashboard_figures_build
from apps.security.testing import force_login_verified
from benchmarks import pages, sweep
from benchmarks.builder import Sizes, build, existing
from benchmarks.measure import (
    BUDGET_MEDIAN_MS,
    BUDGET_P95_MS,
    BUDGET_SIZE,
    BUDGET_VENDOR,
    MACHINE_LOOP,
    Result,
    machine_reference_ms,
)

DEFAULT_SIZES = (10_000, 100_000)
NAME_WIDTH = 40


def sizes_argument(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError as error:
        raise ArgumentTypeError(f"whole numbers separated by commas, not {text!r}") from error
    if not sizes or sizes[0] < 1:
        raise ArgumentTypeError(f"at least one size, each 1 or more, not {text!r}")
    return sizes


class Command(BaseCommand):
    help = (
        "Time the main pages at two sizes of data (median, 95th percentile, queries, growth) "
        "against the budget of issue 19."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=sizes_argument,
            default=list(DEFAULT_SIZES),
            metavar="N,N",
            help="Numbers of requests to build and measure, comma-separated "
            "(default: 10000,100000).",
        )
        parser.add_argument("--requests", type=int, help="One size only (the same as --sizes N).")
        parser.add_argument("--repeat", type=int, default=20, help="Timed runs per page.")
        parser.add_argument(
            "--keep", action="store_true", help="Keep the database of the last size."
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure the data set a --keep run left, at its own size (built at the "
            "largest of --sizes if there is none); implies --keep.",
        )
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TEXT",
            help="Measure only the rows whose name contains TEXT ('sweep' for the sweep).",
        )
        parser.add_argument(
            "--profile",
            action="store_true",
            help="Also print where each measured page spends its time (cProfile), at the "
            "largest size.",
        )

    def handle(self, *args, sizes, requests, repeat, keep, reuse, only, profile, **options):
        # Quiet: a sign-in line per measured page (django-axes), and WhiteNoise's warning
        # about collectstatic not having been run (no static file is measured).
        logging.getLogger("axes").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        if requests is not None:
            sizes = [requests]
        if repeat < 1:
            raise CommandError("--repeat: 1 or more.")
        self.only = [text.lower() for text in only]
        self.profile = profile
        self.repeat = repeat
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            (settings.BASE_DIR / ".cache").mkdir(exist_ok=True)
            test_settings["NAME"] = str(settings.BASE_DIR / ".cache" / "benchmark.sqlite3")
        else:
            test_settings["NAME"] = f"{connection.settings_dict['NAME']}_benchmark"
        self.stdout.write(f"Benchmark database: {test_settings['NAME']} ({connection.vendor})")
        self.stdout.write(
            f"Budget of every page (issue 19): median <= {BUDGET_MEDIAN_MS:.0f} ms and "
            f"p95 <= {BUDGET_P95_MS:.0f} ms at {BUDGET_SIZE:,} cases on PostgreSQL."
        )
        self._machine("before")
        measured: list[tuple[int, list[Result]]] = []
        self._sqlite_template = None
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            CELERY_TASK_ALWAYS_EAGER=True,
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF="benchmarks.urls",
            DEBUG=False,
        ):
            if reuse:
                measured.append(self._in_database(sizes[-1], last=True, reuse=True, keep=True))
            else:
                try:
                    for n, size in enumerate(sizes):
                        last = n == len(sizes) - 1
                        measured.append(self._in_database(size, last=last, reuse=False, keep=keep))
                finally:
                    if self._sqlite_template:
                        Path(self._sqlite_template).unlink(missing_ok=True)
        self._growth(measured)
        self._budget(measured)
        self._machine("after")

    def _machine(self, when: str):
        self.stdout.write(
            f"Machine {when} the run: a Python loop of {MACHINE_LOOP:,} additions takes "
            f"{machine_reference_ms():.1f} ms (compare runs by it)."
        )

    def _in_database(self, size, *, last, reuse, keep) -> tuple[int, list[Result]]:
        """Build (or reuse) the data set of ``size`` requests in a new database and measure it."""
        original = self._create_database(reuse=reuse)
        try:
            built = existing() if reuse else None
            if built is not None:
                self.stdout.write(
                    "\nReusing the kept data set: "
                    + ", ".join(f"{count:,} {name}" for name, count in built.counts.items())
                )
            else:
                start = time.perf_counter()
                built = build(Sizes.scaled(size))
                elapsed = time.perf_counter() - start
                self.stdout.write(
                    f"\nBuilt in {elapsed:.1f} s: "
                    + ", ".join(f"{count:,} {name}" for name, count in built.counts.items())
                )
            forget_all()  # rows were written in bulk: nothing cached from before stands
            if not reuse or not DashboardBuild.objects.exists():
                # The nightly build of the dashboard's figures, as production runs it.
                start = time.perf_counter()
                dashboard_figures_build()
                self.stdout.write(
                    f"Dashboard figures built in {time.perf_counter() - start:.1f} s."
                )
            if connection.vendor == "postgresql":
                # What autovacuum does to a table after so many inserts: the statistics, the
                # visibility map, and the trigram indexes' pending lists merged (a GIN index
                # scans its whole pending list on every search until then).
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE")
                self._checkpoint()
            size = built.counts["requests"]
            results = self._measure(built, size, profile=self.profile and last, plans=last)
        finally:
            if not (keep and last):
                connection.creation.destroy_test_db(original, verbosity=0)
        return size, results

    def _checkpoint(self):
        """Write the build's changed pages to disk before timing anything. Otherwise the pages
        are timed while PostgreSQL and the kernel write back the bulk insert, which slows every
        page and its floor alike (docs/performance.md).
        CHECKPOINT asks for a superuser or the pg_checkpoint role: without either, a note."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("CHECKPOINT")
        except DatabaseError as error:
            self.stdout.write(
                f"No CHECKPOINT before timing ({error}): the first pages may be slower."
            )

    def _create_database(self, *, reuse) -> str:
        """Create and migrate the database of one size; returns the original database name.
        SQLite: the first size's freshly migrated file is kept as a template, and each later
        size starts from a copy of it (``migrate`` then finds nothing left to apply) instead
        of migrating from scratch again (about 27 s a size)."""
        creation = connection.creation
        template = getattr(self, "_sqlite_template", None)
        if connection.vendor == "sqlite" and not reuse and template is not None:
            shutil.copyfile(template, connection.settings_dict["TEST"]["NAME"])
            return creation.create_test_db(
                verbosity=0, autoclobber=True, serialize=False, keepdb=True
            )
        original = creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=reuse
        )
        if connection.vendor == "sqlite" and not reuse:
            connection.close()
            self._sqlite_template = f"{connection.settings_dict['NAME']}.migrated"
            shutil.copyfile(connection.settings_dict["NAME"], self._sqlite_template)
        return original

    def _selected(self, name: str) -> bool:
        return not self.only or any(text in name.lower() for text in self.only)

    def _measure(self, built, size, *, profile, plans) -> list[Result]:
        results: list[Result] = []
        for entry in pages.PAGES:
            if not self._selected(entry.name):
                continue
            client = Client()
            # Signed in as someone who also passed two-factor (UNODA must, see apps.security).
            force_login_verified(client, getattr(built, entry.user))
            results.append(entry.run(client=client, built=built, repeat=self.repeat))
            if profile:
                self._profile(entry.name, client.get, entry.url(built))
        swept = None
        if self._selected(sweep.NAME):
            swept = sweep.run_sweep(
                profile=(lambda run: self._profile(sweep.NAME, run)) if profile else None
            )
            results.append(swept.result)
        self._table(size, results)
        if swept is not None:
            self.stdout.write(
                f"Reminder sweep at {size:,} cases: {swept.due:,} cases made due, "
                f"{swept.sent:,} reminders sent, peak Python memory "
                f"{swept.peak_bytes / 1_048_576:.1f} MiB"
            )
            if plans:
                for code, plan in swept.plans.items():
                    self.stdout.write(f"Query plan of the sweep's read for the rule {code}:")
                    for line in plan:
                        self.stdout.write(f"    {line}")
        return results

    def _profile(self, name, function, *args):
        with CaptureQueriesContext(connection) as captured:
            function(*args)
        self.stdout.write(f"\nQueries of {name} ({len(captured)}), slowest first:")
        for query in sorted(captured, key=lambda q: -float(q["time"]))[:12]:
            self.stdout.write(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:230]}")
        profiler = cProfile.Profile()
        profiler.runcall(function, *args)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(str(settings.BASE_DIR / "apps"), 25)
        stats.sort_stats("tottime").print_stats(15)
        self.stdout.write(f"\nProfile of {name} (the portal's own code, then the most time):")
        self.stdout.write(out.getvalue())

    def _table(self, size, results):
        self.stdout.write(
            f"\nAt {size:,} cases ({connection.vendor}), {self.repeat} timed runs a page "
            "(the floor for information; the sweep is one run):"
        )
        self.stdout.write(
            f"{'page':<{NAME_WIDTH}} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
            f"{'faults':>7} {'floor ms':>9}  budget"
        )
        for r in results:
            p95 = f"{r.p95_ms:.1f}" if r.p95_ms is not None else "-"
            floor_ms = f"{r.floor_ms:.1f}" if r.floor_ms is not None else "-"
            faults = f"{r.faults}" if r.faults is not None else "-"
            verdict = {True: "ok", False: "OVER", None: "-"}[r.within_budget]
            self.stdout.write(
                f"{r.name:<{NAME_WIDTH}} {r.median_ms:>10.1f} {p95:>8} {r.queries:>8} "
                f"{faults:>7} {floor_ms:>9}  {verdict}"
            )

    def _growth(self, measured):
        for (small, before), (large, after) in itertools.pairwise(measured):
            self.stdout.write(
                f"\nGrowth from {small:,} to {large:,} cases (ms at {large:,} / ms at {small:,}):"
            )
            earlier = {r.name: r for r in before}
            for r in after:
                if r.name not in earlier:
                    continue
                old = earlier[r.name]
                times = f"median x{r.median_ms / old.median_ms:.2f}"
                if r.p95_ms is not None and old.p95_ms:
                    times += f", p95 x{r.p95_ms / old.p95_ms:.2f}"
                if r.queries == old.queries:
                    queries = f"queries the same ({r.queries})"
                else:
                    queries = f"queries DIFFER ({old.queries} -> {r.queries})"
                self.stdout.write(f"{r.name:<{NAME_WIDTH}} growth {times}; {queries}")

    def _budget(self, measured):
        binding = [
            r
            for size, results in measured
            if size == BUDGET_SIZE and connection.vendor == BUDGET_VENDOR
            for r in results
            if r.is_page
        ]
        self.stdout.write("")
        if not binding:
            self.stdout.write(
                f"Budget: not checked (no page measured at {BUDGET_SIZE:,} cases on "
                "PostgreSQL); the marks above are for information."
            )
            return
        over = [r.name for r in binding if not r.within_budget]
        if over:
            self.stdout.write(f"Budget at {BUDGET_SIZE:,} cases: OVER for " + "; ".join(over))
        else:
            self.stdout.write(f"Budget at {BUDGET_SIZE:,} cases: ok for every page measured.")
