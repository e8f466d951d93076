"""Scaling out (README, "Scaling out"): two web servers on two ports, two Celery workers and one
beat, each its own process started with ``scripts/serve.sh --only`` and its production-like
settings, on one PostgreSQL database (this test's) and one Redis (a private redis-server).

A session opened on one web server is valid on the other, and signing out on one ends it on
both. Reminders made due are swept by the beat every two seconds (the admin's periodic task,
shortened for the test); whichever worker is free takes each sweep and each e-mail, so both take
part: each reminder is written once, and each e-mail, the reminders' and one a page wrote, goes
out once. Then one worker is killed (SIGKILL) and the other carries on alone. A second beat,
started beside the first, refuses to run."""

import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
from datetime import timedelta
from html.parser import HTMLParser
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.cases.events import Event
from apps.cases.models import AssistanceRequest
from apps.notifications.models import EmailState, Notification
from apps.reminders.models import ReminderLog, ReminderRule, Stage

from ..support.smtp import free_port
from ..support.worker import ROOT, RedisServer, mails_in, wait_until
from ..support.worker import test_database_url as database_url

PASSWORD = "scale-out-2026"
STARTUP_SECONDS = 180  # five processes importing Django on a busy two-core machine
# The reminders' sweep line (apps.reminders.tasks.run_sweep), in a worker's JSON log.
SWEEP = re.compile(r"Reminder sweep: (\d+) sent")
TASK_RECEIVED = re.compile(r"Task [\w.]+\[[\w-]+\] received")


class Part:
    """One process of the portal: ``scripts/serve.sh --only <part>``, in its own process
    group (gunicorn's and Celery's children with it), its output in a log file."""

    def __init__(self, name: str, part: str, *, env: dict, log_dir, port: int | None = None):
        self.name = name
        self.port = port
        self.log = log_dir / f"{name}.log"
        options = ["--port", str(port)] if port else []
        with self.log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - the project's own script
                ["bash", "scripts/serve.sh", "--only", part, *options],  # noqa: S607
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def celery_name(self) -> str:
        """A worker's node name: serve.sh names it after its own process id, which it hands
        on to the worker (exec)."""
        return f"portal-{self.process.pid}@{socket.gethostname()}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition, what: str):
        """Wait until ``condition`` holds; if it never does, fail with the end of the log."""
        try:
            wait_until(condition, timeout=STARTUP_SECONDS, what=f"{self.name} {what}")
        except AssertionError as error:
            raise AssertionError(f"{error}; its log ends:\n{self.text()[-3000:]}") from None

    def signal(self, number: int):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, number)

    def stop(self):
        """After SIGTERM (sent to all parts first, so they stop side by side)."""
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(10)
        self.signal(signal.SIGKILL)  # a child left behind by a killed parent


class Browser:
    """What a browser keeps for 127.0.0.1: one cookie jar for every port, so a load balancer
    may send each request to either web server."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        headers = {"Host": f"127.0.0.1:{port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{port}"
        connection = HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def submit(self, port: int, page: str, action: str, fields: dict):
        """Open ``page`` on ``port`` and send its form whose action ends with ``action`` (the
        page itself when empty), with the form's hidden fields (the CSRF and one-time tokens)
        and ``fields``."""
        status, _headers, html = self.get(port, page)
        assert status == 200, f"{page} on {port}: {status}"
        target, hidden = next(
            (a, f) for a, f in forms_in(html) if (a.endswith(action) if action else not a)
        )
        return self.request(port, "POST", target or page, {**hidden, **fields})


def forms_in(html: str) -> list[tuple[str, dict]]:
    """Each form of a page: its action and its hidden fields."""

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form":
                self.found.append((attrs.get("action") or "", {}))
            elif tag == "input" and attrs.get("type") == "hidden" and self.found:
                self.found[-1][1][attrs["name"]] = attrs.get("value") or ""

    parser = Forms()
    parser.feed(html)
    return parser.found


def healthy(port: int) -> bool:
    try:
        return Browser().get(port, "/health/")[0] == 200
    except OSError:
        return False


def signed_in_as(browser: Browser, port: int) -> str | None:
    """Whom the web server on ``port`` takes the browser for (the header's sign-out button)."""
    status, _headers, html = browser.get(port, "/")
    found = re.search(r"Sign out \(([^)]+)\)", html)
    return found.group(1) if status == 200 and found else None


def tasks_taken(worker: Part) -> int:
    """How many tasks ``worker`` has taken from the queue (its log's "received" lines)."""
    return len(TASK_RECEIVED.findall(worker.text()))


def sweeps(part: Part) -> list[int]:
    """The reminders each sweep a worker ran reported sending."""
    return [int(sent) for sent in SWEEP.findall(part.text())]


def due_cases(make_case, *, reminded: int, escalated: int) -> int:
    """Submitted cases untriaged long enough for a reminder (8 days) or also for its escalation
    (15 days); returns how many reminders and escalations they are due."""
    now = timezone.now()
    for days, count in ((8, reminded), (15, escalated)):
        pks = [make_case("submitted").pk for _ in range(count)]
        AssistanceRequest.objects.filter(pk__in=pks).update(
            status_changed_at=now - timedelta(days=days)
        )
    return reminded + 2 * escalated


@pytest.fixture
def portal(users, tmp_path, settings):
    """The portal scaled out: web A and web B, worker 1 and worker 2, one beat."""
    # The served processes check passwords with the production hashers, not the tests' MD5.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    users.recipient.set_password(PASSWORD)
    users.recipient.save(update_fields=["password"])
    # Only the rule this test makes due, and the sweep every two seconds instead of fifteen
    # minutes (both are the admin's to change).
    ReminderRule.objects.exclude(code="submitted-not-triaged").update(is_active=False)
    every_two = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)
    assert PeriodicTask.objects.filter(name="Reminder sweep").update(interval=every_two) == 1

    redis_server = RedisServer(free_port())
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    web_ports = (free_port(), free_port())
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(
            ("DJANGO_", "DATABASE_", "REDIS_", "PORTAL_", "CELERY_", "EMAIL_", "SENTRY_")
        )
    }
    env.update(
        {
            # One PostgreSQL, one Redis and one secret key for every process.
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_server.url,
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "PORTAL_SITE_URL": f"http://127.0.0.1:{web_ports[0]}",
            "EMAIL_FILE_PATH": str(mail_dir),
            "PORTAL_BEAT_PIDFILE": str(tmp_path / "celerybeat.pid"),
            "PORTAL_WEB_WORKERS": "2",
            # One task at a time: while a worker runs a sweep, the e-mails it queues go to the
            # other worker.
            "PORTAL_TASK_CONCURRENCY": "1",
        }
    )
    parts = {}
    redis_server.start()
    try:
        prepare = subprocess.run(
            ["bash", "scripts/serve.sh", "--only", "prepare"],  # noqa: S607
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert prepare.returncode == 0, prepare.stdout + prepare.stderr
        for name, part, port in (
            ("web_a", "web", web_ports[0]),
            ("web_b", "web", web_ports[1]),
            ("worker_1", "worker", None),
            ("worker_2", "worker", None),
            ("beat", "beat", None),
        ):
            parts[name] = Part(name, part, env=env, log_dir=tmp_path, port=port)
        for worker in (parts["worker_1"], parts["worker_2"]):
            worker.wait_for(lambda w=worker: f"{w.celery_name} ready." in w.text(), "ready")
        # /health/ answers 200 only with the database, Redis, a worker and the beat's last
        # run all well.
        for web in (parts["web_a"], parts["web_b"]):
            web.wait_for(lambda w=web: healthy(w.port), "healthy")
        # Exactly one beat: a second one, started from the same place, refuses to run while
        # the first holds its pid file.
        parts["beat_2"] = Part("beat_2", "beat", env=env, log_dir=tmp_path)
        yield SimpleNamespace(**parts, mail_dir=mail_dir)
    finally:
        for part in parts.values():
            part.signal(signal.SIGTERM)
        for part in parts.values():
            part.stop()
        redis_server.stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_web_servers_two_workers_and_one_beat_share_one_postgresql_and_one_redis(
    portal, make_case, users
):
    web_a, web_b = portal.web_a.port, portal.web_b.port
    worker_1, worker_2 = portal.worker_1, portal.worker_2
    mail_dir = portal.mail_dir

    # A session opened on web A is valid on web B.
    browser = Browser()
    assert signed_in_as(browser, web_b) is None
    status, headers, _html = browser.submit(
        web_a,
        "/accounts/login/",
        "",
        {"username": users.recipient.username, "password": PASSWORD},
    )
    assert (status, headers["Location"]) == (302, "/")
    assert signed_in_as(browser, web_a) == users.recipient.username
    assert signed_in_as(browser, web_b) == users.recipient.username

    # A page on web B writes with it (a comment: UNODA hears of it by e-mail).
    case = make_case("submitted")
    page = reverse("cases:request-detail", args=[case.reference])
    status, headers, _html = browser.submit(
        web_b, page, "/comment/", {"body": "Written on web B with web A's session."}
    )
    assert status == 302, _html[-2000:]
    assert case.comments.get().author == users.recipient

    # Reminders due: beat sweeps every two seconds, whichever worker is free takes each sweep
    # and each e-mail.
    taken = {worker: tasks_taken(worker) for worker in (worker_1, worker_2)}
    expected_reminders = due_cases(make_case, reminded=3, escalated=3)
    # (The cases' own notifications are this test process's, not the workers'.)
    by_the_workers = Notification.objects.filter(
        Q(reminder__isnull=False) | Q(kind=Event.COMMENT, request=case)
    )
    wait_until(
        lambda: (
            ReminderLog.objects.count() == expected_reminders
            and not by_the_workers.filter(email_state=EmailState.PENDING).exists()
        ),
        timeout=120,
        what="the reminders and their e-mails",
    )
    # A few more sweeps find nothing more to send.
    swept = len(sweeps(worker_1)) + len(sweeps(worker_2))
    wait_until(
        lambda: len(sweeps(worker_1)) + len(sweeps(worker_2)) >= swept + 3,
        timeout=60,
        what="three more sweeps",
    )

    # No duplicate reminder: one log row per case and stage, and the sweeps of both workers
    # together reported each reminder once.
    assert ReminderLog.objects.count() == expected_reminders
    assert ReminderLog.objects.filter(stage=Stage.ESCALATION).count() == 3
    assert sum(sweeps(worker_1)) + sum(sweeps(worker_2)) == expected_reminders
    for worker in (worker_1, worker_2):
        assert tasks_taken(worker) > taken[worker], f"{worker.name} took tasks"

    # No lost e-mail, none twice: the comment's and each reminder's, each once.
    emailed = by_the_workers.exclude(email_state__in=[EmailState.NONE, EmailState.DIGEST])
    assert set(emailed.values_list("email_state", flat=True)) == {EmailState.SENT}
    assert emailed.filter(reminder__isnull=False).count() == expected_reminders
    assert emailed.filter(kind=Event.COMMENT).count() >= 1
    message_ids = [
        re.search(r"^Message-ID: (.+)$", mail, re.MULTILINE).group(1).strip()
        for mail in mails_in(mail_dir)
    ]
    assert sorted(message_ids) == sorted(
        f"<notification-{pk}@portal.localhost>" for pk in emailed.values_list("pk", flat=True)
    )

    # Signing out on web B ends the session on web A too: its cookie, sent again, is refused.
    session = browser.cookies["sessionid"]
    status, _headers, _html = browser.submit(web_b, "/", "/accounts/logout/", {})
    assert status == 302
    replayed = Browser()
    replayed.cookies["sessionid"] = session
    assert signed_in_as(replayed, web_a) is None

    # Worker 1 dies (SIGKILL, no goodbye): worker 2 alone sends what falls due next.
    worker_1.signal(signal.SIGKILL)
    worker_1.process.wait(10)
    before = ReminderLog.objects.count()
    more = due_cases(make_case, reminded=2, escalated=0)
    wait_until(
        lambda: (
            ReminderLog.objects.count() == before + more
            and not by_the_workers.filter(email_state=EmailState.PENDING).exists()
        ),
        timeout=120,
        what="the reminders after worker 1 died",
    )
    assert len(mails_in(mail_dir)) == len(message_ids) + more
    assert healthy(web_a)
    assert healthy(web_b)

    # The second beat never ran.
    assert portal.beat_2.process.wait(30) != 0
    assert "already exists" in portal.beat_2.text()
