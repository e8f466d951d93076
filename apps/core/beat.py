"""The beat's scheduler: django-celery-beat's (schedules in the database), which also records
each run of its loop for /health/ (apps.core.health.CeleryBeat)."""

import logging

from django_celery_beat.schedulers import DatabaseScheduler
from redis.exceptions import RedisError

from .health import beat_heartbeat_record

logger = logging.getLogger(__name__)


class HeartbeatScheduler(DatabaseScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        try:
            beat_heartbeat_record()
        except RedisError as error:
            # The beat goes on; /health/ reports its last run as old.
            logger.warning("Could not record the beat's run: %s", error)
        return interval
