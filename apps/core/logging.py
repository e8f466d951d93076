"""Logging filters of the portal (LOGGING in config/settings/base.py)."""

import logging

from django.urls import reverse


def _traceback_to_one_line(record: logging.LogRecord) -> None:
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
        record.args = ()
    record.exc_info = None
    record.exc_text = None


class ClientErrorWithoutTraceback(logging.Filter):
    """Django logs a refused request (403, 404...) with the exception's whole traceback; an
    ordinary refusal is one line. Server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if status_code is not None and status_code < 500:
            _traceback_to_one_line(record)
        return True


class TracebackAsOneLine(logging.Filter):
    """For loggers whose failures are expected states, not bugs (a health check that fails
    because Redis is down): the error in one line instead of a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        _traceback_to_one_line(record)
        return True


class HealthReportNotAnError(logging.Filter):
    """On ``django.request``: /health/ answering 503 reports a failing part (logged by the
    check as a warning), it is not an error of the portal to e-mail on every probe."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if (
            record.levelno >= logging.ERROR
            and getattr(record, "status_code", None) == 503
            and request is not None
            and request.path == reverse("health")
        ):
            record.levelno = logging.WARNING
            record.levelname = logging.getLevelName(logging.WARNING)
        return True
