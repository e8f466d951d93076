"""Embedded default for running on a laptop: SQLite, in-process tasks, e-mail to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic
# The benchmark command (benchmarks/, a tool): in the local and test settings only.
INSTALLED_APPS = [*INSTALLED_APPS, "benchmarks"]  # noqa: F405
# IATI: an example reporting-organisation identifier (production reads the registered one).
PORTAL_IATI_REPORTING_ORG_REF = env("PORTAL_IATI_REPORTING_ORG_REF", default="XI-IATI-EXAMPLE")
