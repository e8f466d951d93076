"""Permissions guarded as a whole: every route of the portal asked with every writing method
by every actor. Pages take GET and POST only; a page that only reads refuses a POST; an API
method a route does not declare here answers 405 to everyone signed in (401 to anyone else); a
declared one is refused to anonymous callers. A view given an
open method (a DELETE on organizations, a POST on a page of reading) fails this test before it
reaches anyone."""

import pytest
from django.test import override_settings

from apps.cases.models import Status
from tests.security.test_access_matrix import (
    ACTORS,
    LOGIN,
    MATRIX,
    NEEDS_FUNDING_RECORD,
    _fill,
    _outcome,
    url_patterns,
)

pytestmark = pytest.mark.django_db

METHODS = ("post", "put", "patch", "delete")
# The API's writes, by route: every other method of every API route is not allowed.
API_WRITES = {
    "api:token": {"post"},
    "api:request-list": {"post"},
    "api:request-detail": {"patch"},
    "api:request-transition": {"post"},
    "api:request-feedback-list": {"post"},
    "api:request-feedback-waiver-list": {"post"},
    "api:request-feedback-waiver-detail": {"delete"},
    "api:lesson-list": {"post"},
    "api:lesson-detail": {"delete"},
    "api:meeting-item": {"delete"},
    "api:request-progress-report-list": {"post"},
    "api:request-comment-list": {"post"},
    "api:request-attachment-list": {"post"},
    "api:request-agreement": {"post", "patch"},
    "api:request-agreement-documents": {"post"},
    "api:request-milestone-list": {"post"},
    "api:request-result-list": {"post"},
    "api:request-result-detail": {"patch", "delete"},
    "api:request-indicator-list": {"post"},
    "api:request-indicator-detail": {"patch", "delete"},
    "api:request-milestone-detail": {"patch"},
    "api:request-milestone-complete": {"post"},
    "api:request-milestone-reopen": {"post"},
    "api:meeting-list": {"post"},
    "api:meeting-detail": {"patch"},
    "api:meeting-items": {"post"},
    "api:meeting-item-outcome": {"post"},
    "api:exchange-rate-list": {"post"},
    "api:notification-read": {"post"},
    "api:notification-read-all": {"post"},
    "api:offer-list": {"post"},
    "api:offer-detail": {"patch"},
    "api:interest-list": {"post"},
    "api:interest-withdraw": {"post"},
    "api:request-duplicates": {"post"},
    "api:commitment-list": {"post"},
    "api:commitment-detail": {"patch"},
    "api:commitment-cancel": {"post"},
    "api:commitment-confirm": {"post"},
    "api:commitment-disbursements": {"post"},
}
# Routes anyone may call without signing in, with what they answer to a write (the token's:
# the test client's empty multipart body, a content type it does not take).
OPEN_API = {"api:token": 415, "api:schema": 405, "api:docs": 405, "api:redoc": 405}
# Pages that take a POST from anyone (signing in and out, the language, password resets).
OPEN_PAGES = {
    "login",
    "logout",
    "set_language",
    "password_reset",
    "password_reset_confirm",
    "password_reset_done",
    "password_reset_complete",
    "public-needs",
    "iati-activities",
    "iati-organisation",
    "health",
}
# Pages that only read: a POST is not allowed either.
READ_ONLY_PAGES = {
    "cases:request-list",
    "cases:request-export",
    "cases:attachment-download",
    "notifications:notification-list",
    "reports:dashboard",
    "reports:dashboard-data",
    "reports:export",
    "reports:export-iati",
    "followup:overdue-list",
    "followup:effectiveness",
    "funding:needs",
    "funding:meeting-dossier",
    "funding:meeting-dossier-csv",
    "followup:agreement-document-download",
    "followup:report-attachment-download",
    "public-needs",
    "iati-activities",
    "iati-organisation",
    "health",
    "password_reset_done",
    "password_reset_complete",
}


def expected(name: str, method: str, actor: str):
    """What ``actor`` may get for ``method`` on the route ``name`` (a set of outcomes)."""
    if name == "api:not-found":
        return {404}
    if name.startswith("api:"):
        if name in OPEN_API:
            return {OPEN_API[name]} if method in API_WRITES.get(name, ()) else {405}
        if actor == "anonymous":
            return {401}
        if method not in API_WRITES.get(name, ()):
            return {405}
        return None  # a declared write: the access matrix and the API's tests judge it
    if method != "post":
        return {405}  # pages take GET and POST only, whoever asks
    if actor == "anonymous" and name not in OPEN_PAGES:
        return {LOGIN}
    if name in READ_ONLY_PAGES:
        return {403, 404, 405}  # refused to those who may not see the page, else not allowed
    return None  # a form's POST: the tests of each action judge it


def method_problems(name: str, world) -> list[str]:
    """Every answer of a route to a writing method that the declarations above do not allow."""
    uses_case, _rule = MATRIX[name]
    state = Status.IMPLEMENTATION if uses_case or name in NEEDS_FUNDING_RECORD else None
    wrong = []
    for route in [route for n, route in url_patterns() if n == name]:
        path = _fill(route, name, world, state)
        for actor in ACTORS:
            for method in METHODS:
                allowed = expected(name, method, actor)
                if allowed is None:
                    continue
                got = _outcome(getattr(world.clients[actor], method)(path))
                if got not in allowed:
                    wrong.append(f"{actor} {method.upper()} {path}: {got}, expected {allowed}")
    return wrong


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_no_route_takes_a_method_it_does_not_declare(name, world):
    wrong = method_problems(name, world)
    assert not wrong, "\n".join(wrong)


@override_settings(ROOT_URLCONF="tests.security.urls_open_delete")
def test_an_open_delete_added_to_an_endpoint_is_caught(world):
    # The organization is protected by its cases: the delete then fails with a server error,
    # which the check lists like a success (neither is the 401 an anonymous caller must get).
    for client in world.clients.values():
        client.raise_request_exception = False
    try:
        wrong = "\n".join(method_problems("api:organization-detail", world))
    finally:
        for client in world.clients.values():
            client.raise_request_exception = True
    assert f"anonymous DELETE /api/v1/organizations/{world.orgs.recipient.pk}/: 500" in wrong
