"""/health/: the public reads "ok" or "error" only; staff and a monitor with the token read
each check. Redis down answers 503, never a 500; a killed worker turns the report red and a
new one turns it green again."""

import datetime
import json

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django_celery_beat.schedulers import DatabaseScheduler

from apps.core.beat import HeartbeatScheduler
from apps.core.health import BEAT_HEARTBEAT_KEY, CeleryBeat, beat_heartbeat_record
from tests.factories import UserFactory

from ..support.smtp import free_port
from ..support.worker import RedisServer, celery_worker, publishing_to

pytestmark = pytest.mark.django_db

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def details(response) -> dict:
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_the_public_reads_ok_and_nothing_else(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_redis_down_is_a_503_without_details(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.content == b"error\n"


def test_staff_read_each_check(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    client.force_login(UserFactory(is_staff=True))
    report = details(client.get("/health/"))
    assert report["status"] == "error"
    assert report["checks"]["database"]["status"] == "ok"
    assert report["checks"]["redis"]["status"] == "error"
    assert "Redis" in report["checks"]["redis"]["detail"]


def test_other_users_read_ok_only(client):
    client.force_login(UserFactory())
    assert client.get("/health/").content == b"ok\n"


def test_a_monitor_with_the_token_reads_each_check(client, settings):
    settings.PORTAL_HEALTH_TOKEN = "monitor-token"
    assert client.get("/health/", HTTP_AUTHORIZATION="Bearer wrong").content == b"ok\n"
    report = details(client.get("/health/", HTTP_AUTHORIZATION="Bearer monitor-token"))
    assert report["status"] == "ok"
    assert set(report["checks"]) == {"database", "redis"}  # tasks run in-process here


def test_the_beat_is_down_when_its_last_run_is_old(settings):
    settings.PORTAL_BEAT_MAX_AGE_SECONDS = 60
    cache.delete(BEAT_HEARTBEAT_KEY)
    assert "No beat has run" in str(async_to_sync(CeleryBeat().get_result)().error)
    beat_heartbeat_record()
    assert async_to_sync(CeleryBeat().get_result)().error is None
    # Frozen there: a loaded machine must not make it "91 s ago".
    with time_machine.travel(datetime.timedelta(seconds=90), tick=False):
        assert "90 s ago" in str(async_to_sync(CeleryBeat().get_result)().error)


def test_each_run_of_the_beat_records_it(monkeypatch):
    cache.delete(BEAT_HEARTBEAT_KEY)
    monkeypatch.setattr(DatabaseScheduler, "tick", lambda self, *args, **kwargs: 5)
    scheduler = HeartbeatScheduler.__new__(HeartbeatScheduler)  # no database schedule needed
    assert scheduler.tick() == 5
    assert cache.get(BEAT_HEARTBEAT_KEY) is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_worker_turns_the_report_red_and_a_new_one_green(client, settings, tmp_path):
    redis = RedisServer(free_port())
    redis.start()
    settings.PORTAL_HEALTH_TOKEN = "monitor-token"
    beat_heartbeat_record()

    def workers() -> dict:
        response = client.get("/health/", HTTP_AUTHORIZATION="Bearer monitor-token")
        return details(response)["checks"]["celery_workers"]

    try:
        with publishing_to(redis.url):
            # Inside: Celery reads the setting through Django's, so publishing_to must save
            # (and give back) the eager mode the other tests run with, not this test's.
            settings.CELERY_TASK_ALWAYS_EAGER = False
            with celery_worker(broker_url=redis.url, log_dir=tmp_path) as worker:
                assert workers()["status"] == "ok"
                worker.kill()
                worker.wait(10)
                assert workers()["status"] == "error"
            with celery_worker(broker_url=redis.url, log_dir=tmp_path):
                assert workers()["status"] == "ok"
    finally:
        redis.stop()
