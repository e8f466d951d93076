"""Build a synthetic data set in its own database, then time the main pages against floors.

    python manage.py benchmark                 # 100,000 requests on the configured engine
    python manage.py benchmark --requests 10000 --repeat 5
    DATABASE_URL=postgres://... python manage.py benchmark

The data set goes into a database of its own (SQLite: .cache/benchmark.sqlite3; PostgreSQL:
<name>_benchmark), created, migrated and dropped by the command (--keep keeps it).
To measure again after changing a page, without building again:

    python manage.py benchmark --keep                  # once: build and keep the database
    python manage.py benchmark --reuse --only queue --profile

(--reuse measures a kept data set; a sweep it measured before has changed the cases' dates.)
"""

import cProfile
import io
import logging
import pstats
import time
import warnings

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from apps.benchmarks import pages
from apps.benchmarks.builder import Sizes, build, existing
from apps.benchmarks.measure import Result, peak_memory
from apps.core.reference import forget_all
from apps.security.testing import force_login_verified


class Command(BaseCommand):
    help = "Benchmark the main pages at a chosen size against bare-query floors."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=7, help="Timed runs per page.")
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark database.")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure the data set a --keep run left (built anew if there is none); "
            "implies --keep.",
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
            help="Also print where each measured page spends its time (cProfile).",
        )

    def handle(self, *args, requests, repeat, keep, reuse, only, profile, **options):
        # Quiet: a sign-in line per measured page (django-axes), and WhiteNoise's warning
        # about collectstatic not having been run (no static file is measured).
        logging.getLogger("axes").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        self.only = [text.lower() for text in only]
        self.profile = profile
        test_settings = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "sqlite":
            (settings.BASE_DIR / ".cache").mkdir(exist_ok=True)
            test_settings["NAME"] = str(settings.BASE_DIR / ".cache" / "benchmark.sqlite3")
        else:
            test_settings["NAME"] = f"{connection.settings_dict['NAME']}_benchmark"
        self.stdout.write(f"Benchmark database: {test_settings['NAME']} ({connection.vendor})")
        original = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=reuse
        )
        try:
            with override_settings(
                EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
                CELERY_TASK_ALWAYS_EAGER=True,
                ALLOWED_HOSTS=["testserver"],
                ROOT_URLCONF="apps.benchmarks.urls",
                DEBUG=False,
            ):
                self._run(requests, repeat, reuse=reuse)
        finally:
            if not (keep or reuse):
                connection.creation.destroy_test_db(original, verbosity=0)

    def _selected(self, name: str) -> bool:
        return not self.only or any(text in name.lower() for text in self.only)

    def _run(self, requests, repeat, *, reuse):
        built = existing() if reuse else None
        if built is not None:
            self.stdout.write(
                "Reusing the kept data set: "
                + ", ".join(f"{count:,} {name}" for name, count in built.counts.items())
            )
        else:
            start = time.perf_counter()
            built = build(Sizes.scaled(requests))
            forget_all()  # rows were written in bulk: nothing cached from before stands
            elapsed = time.perf_counter() - start
            self.stdout.write(
                f"Built in {elapsed:.1f} s: "
                + ", ".join(f"{count:,} {name}" for name, count in built.counts.items())
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")

        results: list[Result] = []
        for entry in pages.PAGES:
            if not self._selected(entry.name):
                continue
            client = Client()
            # Signed in as someone who also passed two-factor (UNODA must, see apps.security).
            force_login_verified(client, getattr(built, entry.user))
            results.append(entry.run(client=client, built=built, repeat=repeat))
            if self.profile:
                self._profile(entry.name, client.get, entry.url(built))

        if self._selected("reminder sweep"):
            results.append(self._sweep(built))
        self._table(results)

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

    def _sweep(self, built) -> Result:
        from apps.reminders.models import ReminderLog
        from apps.reminders.services import reminders_sweep
        from config import celery_app

        due = pages.make_one_percent_due(built)
        if connection.vendor == "postgresql":  # plans from statistics of the data as it is now
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        plans = pages.sweep_plans()
        # As in production, the sweep only queues the e-mails; workers send them.
        celery_app.conf.update(task_always_eager=False, broker_url="memory://localhost/")
        celery_app._after_fork()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            report = reminders_sweep(now=timezone.now())
            elapsed_ms = (time.perf_counter() - start) * 1000
        # Memory is traced in a second, identical sweep (tracing slows Python down a lot).
        ReminderLog.objects.all().delete()
        _report, peak = peak_memory(lambda: reminders_sweep(now=timezone.now()))
        if self.profile:
            ReminderLog.objects.all().delete()
            self._profile("reminder sweep", reminders_sweep)
        ReminderLog.objects.all().delete()  # the floor finds the same items due
        floor_ms = pages.sweep_floor_ms()
        self.stdout.write("")
        self.stdout.write(
            f"Reminder sweep: {due:,} cases made due, {report.total:,} reminders "
            f"sent, peak Python memory {peak / 1_048_576:.1f} MiB"
        )
        for code, plan in plans.items():
            self.stdout.write(f"Query plan of the sweep's read for the rule {code}:")
            for line in plan:
                self.stdout.write(f"    {line}")
        return Result(
            "reminder sweep (1% due)",
            elapsed_ms,
            floor_ms,
            queries=len(captured),
            note=f"{report.total} sent",
        )

    def _table(self, results):
        self.stdout.write("")
        self.stdout.write(
            f"{'page':<44} {'median ms':>10} {'floor ms':>9} {'ratio':>6} {'queries':>8}"
        )
        for r in results:
            ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
            floor_ms = f"{r.floor_ms:.1f}" if r.floor_ms is not None else "-"
            queries = str(r.queries) if r.queries >= 0 else "-"
            self.stdout.write(
                f"{r.name:<44} {r.median_ms:>10.1f} {floor_ms:>9} {ratio:>6} {queries:>8}"
            )
