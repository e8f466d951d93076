"""The broker and the cache on separate Redis databases, and the start-up warning when the
broker's Redis may evict queued tasks."""

import pytest
import redis
from django.test import override_settings

from apps.core.checks import broker_keeps_its_tasks
from config.settings.base import next_redis_database
from tests.support.smtp import free_port
from tests.support.worker import RedisServer


@pytest.mark.parametrize(
    ("broker", "cache"),
    [
        ("redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379/15"),
        ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/0"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@redis.example:6380/0", "redis://:secret@redis.example:6380/1"),
        (
            "rediss://:secret@redis.example:6380/2?ssl_cert_reqs=required",
            "rediss://:secret@redis.example:6380/3?ssl_cert_reqs=required",
        ),
    ],
)
def test_the_cache_is_on_the_next_database(broker, cache):
    assert next_redis_database(broker) == cache


@pytest.fixture
def private_redis():
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


def test_a_broker_that_evicts_is_warned_of(private_redis):
    client = redis.Redis.from_url(private_redis.url)
    with override_settings(CELERY_BROKER_URL=private_redis.url):
        client.config_set("maxmemory-policy", "noeviction")
        assert broker_keeps_its_tasks() == []
        client.config_set("maxmemory-policy", "allkeys-lru")
        (warning,) = broker_keeps_its_tasks()
    assert warning.id == "portal.W001"
    assert "allkeys-lru" in warning.msg


def test_no_warning_when_redis_is_unreachable_or_not_the_broker():
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
        assert broker_keeps_its_tasks() == []
    with override_settings(CELERY_BROKER_URL="memory://localhost/"):
        assert broker_keeps_its_tasks() == []
