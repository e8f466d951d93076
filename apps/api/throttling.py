"""The API's rate limits, kept in the cache (Redis in production). When the cache cannot be
reached the limits fail open: the request is served and a warning logged, so that Redis
restarting does not turn every API call into a server error (the pages keep working too)."""

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError) as error:
            logger.warning("API rate limit not applied, the cache is unreachable: %s", error)
            return True


class AnonThrottle(_FailOpen, AnonRateThrottle):
    pass


class UserThrottle(_FailOpen, UserRateThrottle):
    pass
