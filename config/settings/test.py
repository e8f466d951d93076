"""Test settings: the real PostgreSQL and Redis on loopback unless DATABASE_URL says otherwise.

Tasks run in-process unless a test starts a real worker (tests/support/worker.py), which runs
with these settings too and reads CELERY_TASK_ALWAYS_EAGER, DJANGO_EMAIL_BACKEND and
EMAIL_FILE_PATH from its environment.
"""

from .base import *  # noqa: F403
from .base import env, without_jit

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
CELERY_BROKER_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/15")
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
