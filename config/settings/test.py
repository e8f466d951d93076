"""Test settings: the real PostgreSQL and Redis on loopback unless DATABASE_URL says otherwise.

Tasks run in-process unless a test starts a real worker (tests/support/worker.py), which runs
with these settings too and reads CELERY_TASK_ALWAYS_EAGER, DJANGO_EMAIL_BACKEND and
EMAIL_FILE_PATH from its environment.
"""

import os

from .base import *  # noqa: F403
from .base import env, redis_database, without_jit

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {
    "default": without_jit(
        env.db("DATABASE_URL", default="postgres://postgres:postgres@127.0.0.1:5432/portal")
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# scripts/test.sh runs the suite in pytest-xdist's workers (gw0, gw1...). Each has its own test
# database (pytest-django adds the worker's name to it) and its own Redis databases, three apart
# counting down from the given ones: the broker's (REDIS_URL), the cache's (REDIS_CACHE_URL, by
# default the broker's next one) and a spare one for the tests that need a Redis to themselves
# (tests/core/test_reference.py, tests/reminders/test_worker.py). Worker gw0, and a run without
# workers, keep the given databases.
_STEP = -3 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URL = redis_database(env("REDIS_URL", default="redis://127.0.0.1:6379/15"), _STEP)
CELERY_BROKER_URL = REDIS_URL
TEST_SPARE_REDIS_URL = redis_database(REDIS_URL, -1)
if REDIS_CACHE_URL:  # noqa: F405
    location = redis_database(REDIS_CACHE_URL, _STEP)  # noqa: F405
    CACHES = {"default": {**CACHES["default"], "LOCATION": location}}  # noqa: F405
PORTAL_EMAIL_RETRY_BASE_SECONDS = 1
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
}
WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic
# The benchmark command (benchmarks/, a tool): in the local and test settings only.
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # noqa: F405
# IATI: an example reporting-organisation identifier (production reads the registered one).
PORTAL_IATI_REPORTING_ORG_REF = env("PORTAL_IATI_REPORTING_ORG_REF", default="XI-IATI-EXAMPLE")
