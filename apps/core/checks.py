"""Start-up checks of the services the portal runs on."""

from django.conf import settings
from django.core.checks import Warning, register


@register("redis")
def broker_keeps_its_tasks(app_configs=None, **kwargs):
    """The broker's Redis must not evict keys (a task evicted under memory pressure is an
    e-mail or a reminder lost): warn when its ``maxmemory-policy`` is not ``noeviction``."""
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url.startswith(("redis://", "rediss://")):
        return []
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        policy = client.config_get("maxmemory-policy").get("maxmemory-policy")
    except redis.exceptions.RedisError:
        return []  # unreachable or CONFIG refused (a managed Redis): /health/ reports it
    if policy and policy != "noeviction":
        return [
            Warning(
                f"The broker's Redis evicts keys (maxmemory-policy {policy}): queued tasks "
                "can be lost under memory pressure.",
                hint="Set maxmemory-policy noeviction on the broker's Redis (docs/security.md, "
                "Redis); a cache that evicts (allkeys-lru) needs a Redis server of its own.",
                id="portal.W001",
            )
        ]
    return []
