"""Production-like on one machine (scripts/serve.sh): the production settings, served over
plain HTTP on loopback. Only what HTTPS would need differs: no redirect to HTTPS, no HSTS, and
cookies not marked Secure (a browser would not send them back over HTTP). Nothing else is
relaxed: DEBUG off, the secret key, database and Redis from the environment, static files
collected and hashed, tasks on Celery workers. Do not use it behind a public address."""

from .production import *  # noqa: F403
from .production import env

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# No SMTP server on one machine: e-mails (notifications, the ADMINS' error reports) are written
# as files to var/mail/ unless DJANGO_EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))  # noqa: F405
LOG_REQUESTS = env.bool("PORTAL_LOG_REQUESTS", default=True)
