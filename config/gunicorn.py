"""gunicorn's settings for scripts/serve.sh (``--config python:config.gunicorn``); the address
and the number of workers come from its command line. gunicorn's own lines (start, workers
booting and stopping) are written in the portal's log format; each request is logged by the
portal itself, with its request id (LOG_REQUESTS), so gunicorn's access log stays off."""

import os

from config.log_format import FORMATTERS

wsgi_app = "config.wsgi:application"
accesslog = None
graceful_timeout = 30
# A sync worker busy on one request for longer is killed and replaced: room for the largest
# exports, which are streamed by the worker that serves them.
timeout = 120
forwarded_allow_ips = "127.0.0.1"

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": FORMATTERS,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": os.environ.get("PORTAL_LOG_FORMAT", "text"),
        }
    },
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
