"""Errors and logs: ADMINS from PORTAL_ADMINS, ERROR lines e-mailed to them, a request id in
every log line of a request, no traceback for an ordinary refusal, Sentry only with a DSN."""

import json
import logging
import sys

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path
from pythonjsonlogger.json import JsonFormatter

from apps.core.logging import ClientErrorWithoutTraceback
from config.errors import admins_from, sentry_init
from config.log_format import FORMATTERS

pytestmark = pytest.mark.django_db

request_logger = logging.getLogger("tests.ops.request")


def refused(request):
    request_logger.info("about to refuse")
    raise PermissionDenied


def broken(request):
    request_logger.info("about to fail")
    raise RuntimeError("boom")


def fine(request):
    request_logger.info("first line")
    request_logger.warning("second line")
    return HttpResponse("fine")


urlpatterns = [
    path("refused/", refused),
    path("broken/", broken),
    path("fine/", fine),
    path("", include("config.urls")),  # the error pages' links
]


class Collect(logging.Handler):
    """The console handler's filters on a handler that keeps the formatted lines."""

    def __init__(self, formatter: logging.Formatter):
        from log_request_id.filters import RequestIDFilter

        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(formatter)
        self.addFilter(RequestIDFilter())
        self.addFilter(ClientErrorWithoutTraceback())

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines():
    options = {key: value for key, value in FORMATTERS["json"].items() if key != "()"}
    handler = Collect(JsonFormatter(**options))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)


@override_settings(ROOT_URLCONF=__name__)
def test_every_line_of_a_request_carries_its_id(client, json_lines):
    response = client.get("/fine/")
    records = [json.loads(line) for line in json_lines if "line" in line]
    assert [r["message"] for r in records] == ["first line", "second line"]
    assert {r["request_id"] for r in records} == {response["X-Request-ID"]}
    assert set(records[0]) >= {"timestamp", "level", "logger", "request_id", "message"}
    other = client.get("/fine/")
    assert other["X-Request-ID"] != response["X-Request-ID"]


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_is_one_line_without_traceback(client, json_lines):
    assert client.get("/refused/").status_code == 403
    refusal = next(json.loads(line) for line in json_lines if "Forbidden" in line)
    assert refusal["level"] == "WARNING"
    assert "exc_info" not in refusal
    assert "Traceback" not in "".join(json_lines)


@override_settings(
    ROOT_URLCONF=__name__, ADMINS=[("Ops", "ops@example.org")], DEBUG_PROPAGATE_EXCEPTIONS=False
)
def test_a_server_error_is_mailed_to_the_admins_with_its_traceback(client, json_lines):
    client.raise_request_exception = False
    assert client.get("/broken/").status_code == 500
    assert [message.to for message in mail.outbox] == [["ops@example.org"]]
    assert "RuntimeError" in mail.outbox[0].body
    assert any("exc_info" in line and "boom" in line for line in json_lines)


def test_admins_are_read_from_portal_admins():
    value = "Ada Admin <ada@example.org>, ops@example.org, not-an-address"
    assert admins_from(value) == [("Ada Admin", "ada@example.org"), ("", "ops@example.org")]
    assert admins_from("") == []


def test_sentry_starts_only_with_a_dsn(monkeypatch):
    import sentry_sdk

    assert sentry_sdk.get_client().is_active() is False  # no SENTRY_DSN in the tests
    started = {}
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: started.update(kwargs))
    sentry_init(dsn="https://key@sentry.example.org/1", environment="test", traces_sample_rate=0)
    assert started["dsn"] == "https://key@sentry.example.org/1"
    assert started["send_default_pii"] is False
    assert "sentry_sdk" in sys.modules
