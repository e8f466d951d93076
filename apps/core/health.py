"""What /health/ checks (django-health-check's checks, and two of the portal's own): the
database; Redis when the portal uses it; the Celery workers and the age of the beat's last run
when tasks leave the web process (not on the embedded default, where they run in-process)."""

import dataclasses
import datetime
import time

from django.conf import settings
from django.core.cache import cache
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.celery import Ping
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from kombu.exceptions import OperationalError
from redis.asyncio import Redis as RedisClient
from redis.exceptions import RedisError

BEAT_HEARTBEAT_KEY = "portal:celery-beat:last-run"


def beat_heartbeat_record() -> None:
    """Called by the beat on each run of its loop (apps.core.beat.HeartbeatScheduler)."""
    cache.set(BEAT_HEARTBEAT_KEY, time.time(), timeout=None)


def beat_heartbeat_age() -> float | None:
    """Seconds since the beat's last run, or None if no beat ever ran on this cache."""
    last_run = cache.get(BEAT_HEARTBEAT_KEY)
    return None if last_run is None else max(0.0, time.time() - last_run)


@dataclasses.dataclass
class CeleryWorkers(Ping):
    """At least one worker answers a ping and consumes the default queue. The broker is
    connected to first without retries, so that a Redis that is down makes the check fail at
    once instead of waiting on kombu's reconnection loop."""

    # The whole check's budget: the broker connection, a ping that waits ``ping_timeout`` for
    # every worker to answer, then the question of which queues they consume.
    timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=4), repr=False
    )
    ping_timeout: datetime.timedelta = dataclasses.field(
        default=datetime.timedelta(seconds=1), repr=False
    )
    detail: str = dataclasses.field(default="", repr=False)

    def run(self):
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0)
            replies = self.app.control.ping(timeout=self.ping_timeout.total_seconds())
        except (OSError, OperationalError) as error:
            raise ServiceUnavailable("Celery broker unreachable") from error
        if not replies:
            raise ServiceUnavailable("No Celery worker answered")
        self.check_active_queues(*self.active_workers(replies))
        self.detail = f"{len(replies)} worker(s) answered"


@dataclasses.dataclass
class CeleryBeat(HealthCheck):
    """The beat's loop ran within ``max_age`` (it runs every few seconds while the beat is up)."""

    max_age: datetime.timedelta = dataclasses.field(
        default_factory=lambda: datetime.timedelta(seconds=settings.PORTAL_BEAT_MAX_AGE_SECONDS)
    )
    detail: str = dataclasses.field(default="", repr=False)

    def run(self):
        try:
            age = beat_heartbeat_age()
        except RedisError as error:
            raise ServiceUnavailable("Cannot read the beat's last run") from error
        if age is None:
            raise ServiceUnavailable("No beat has run")
        self.detail = f"last beat run {age:.0f} s ago"
        if age > self.max_age.total_seconds():
            raise ServiceUnavailable(f"The beat's last run was {age:.0f} s ago")


def _redis_client() -> RedisClient:
    return RedisClient.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def health_checks() -> dict[str, HealthCheck]:
    """The checks that apply to this configuration, by the name the report gives them."""
    checks: dict[str, HealthCheck] = {"database": Database()}
    if settings.REDIS_URL:
        checks["redis"] = Redis(client_factory=_redis_client)
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["celery_workers"] = CeleryWorkers()
        checks["celery_beat"] = CeleryBeat()
    return checks
