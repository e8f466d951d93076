"""Hostile input everywhere: every page and API endpoint of the access matrix, asked by every
actor with a fixed set of hostile values in its query string, in every form it shows and in
JSON bodies, never answers a server error, and a refused request writes nothing.

The forms are the ones the pages really show (read from their HTML, hidden fields included),
plus the fields the POST-only endpoints read, so that a new form is fuzzed without an edit here.
"""

import json
from functools import partial

import lxml.html
import pytest
from django.apps import apps
from django.db import connection

from apps.cases.models import Status
from tests.security.test_access_matrix import (
    MATRIX,
    NEEDS_FUNDING_RECORD,
    _fill,
    url_patterns,
)

pytestmark = pytest.mark.django_db

HOSTILE = (
    "abc",  # a word where an id or a number is expected
    "-1",
    "99999999999999999999999999",
    "1,000.50",  # a number pasted with a thousands separator
    "   ",
    "a\x00b\x07\x1b[31m",  # NUL (PostgreSQL refuses it in text) and other control characters
    "\u202eevil.exe مرحبا 世界",  # a right-to-left override in mixed scripts
    "2026-02-30",  # a date that does not exist
    "x" * 20_000,  # huge
)
# The names of the fields every POST-only endpoint may read, besides its forms'.
FIELD_NAMES = (
    "body", "officer", "donor", "amount", "currency", "date", "transition", "comment", "reason",
    "title", "name", "query", "shared", "cases", "kind", "decision", "visibility",
    "organization", "category", "region", "year", "status", "next", "offer", "request",
    "language", "disbursed_on", "confirm", "percent_done", "rating",
)  # fmt: skip
QUERY_NAMES = (
    "q", "status", "region", "category", "priority", "document", "officer", "donor", "kind",
    "view", "saved", "sort", "page", "page_size", "year", "period", "from", "to", "format",
    "overdue", "unassigned", "ordering", "search", "cursor", "language",
)  # fmt: skip
SIGNED_IN = ("recipient", "donor_allowed", "donor_denied", "unoda")
# A case at a busy point of its life: most forms are shown (funding, agreement, reports).
STATE = Status.IMPLEMENTATION
APPS = {"cases", "funding", "followup", "organizations", "accounts", "notifications", "portal"}


def snapshot() -> tuple:
    """Row counts of every table of the portal's own apps, in one query."""
    tables = sorted(
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in APPS and not model._meta.proxy
    )
    with connection.cursor() as cursor:
        # The table names come from the models, not from input.
        counts = ", ".join(
            f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})"  # noqa: S608
            for t in tables
        )
        cursor.execute(f"SELECT {counts}")
        return cursor.fetchone()


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def forms_of(response) -> list[tuple[str, list[str]]]:
    """The POST forms of an HTML page: (action, the names of their fields)."""
    if "text/html" not in response.get("Content-Type", "") or not response.content.strip():
        return []
    document = lxml.html.fromstring(response.content)
    found = []
    for form in document.forms:
        if (form.method or "GET").upper() != "POST":
            continue
        names = sorted(
            {
                element.name
                for element in form.inputs
                if element.name
                and element.name != "csrfmiddlewaretoken"
                and getattr(element, "type", "") != "file"
            }
        )
        found.append((form.get("action") or "", names))
    return found


@pytest.fixture
def clients(world):
    """The matrix's clients, answering a server error as a 500 instead of raising it: every
    problem is listed, not only the first."""
    for client in world.clients.values():
        client.raise_request_exception = False
    yield world.clients
    for client in world.clients.values():
        client.raise_request_exception = True


def _path(name: str, route: str, world) -> str:
    uses_case, _rule = MATRIX[name]
    return _fill(route, name, world, STATE if uses_case or name in NEEDS_FUNDING_RECORD else None)


def _problems(send, label: str, value: str) -> list[str]:
    """Send one request (``send()``): a server error, or a refusal that wrote rows, is a
    problem."""
    before = snapshot()
    response = send()
    if response.status_code >= 500:
        return [f"{label} with {value[:30]!r}: {response.status_code}"]
    if response.status_code >= 400 and snapshot() != before:
        return [f"{label} with {value[:30]!r}: refused but wrote rows"]
    return []


# The forms of the layout (the language switch, signing out): fuzzed on the home page only.
LAYOUT_FORMS = ("/i18n/setlang/", "/accounts/logout/")


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_hostile_values_never_give_a_server_error(name, world, clients):
    routes = [route for n, route in url_patterns() if n == name]
    problems = []
    seen = set()  # each form once, as the first actor shown it
    for route in routes:
        path = _path(name, route, world)
        for actor in ("anonymous", *SIGNED_IN):
            client = clients[actor]
            forms = []
            for action, names in forms_of(client.get(path)):
                if (action, tuple(names)) in seen or (action in LAYOUT_FORMS and name != "home"):
                    continue
                seen.add((action, tuple(names)))
                forms.append((action, names))
            for value in HOSTILE:
                query = dict.fromkeys(QUERY_NAMES, value)
                problems += _problems(
                    partial(client.get, path, query), f"{actor} GET {path}", value
                )
                if name.startswith("api:"):
                    body = json.dumps(dict.fromkeys(FIELD_NAMES, value))
                    for method in ("post", "patch"):
                        send = getattr(client, method)
                        problems += _problems(
                            partial(send, path, body, content_type="application/json"),
                            f"{actor} {method.upper()} {path}",
                            value,
                        )
                    continue
                data = dict.fromkeys(FIELD_NAMES, value)
                problems += _problems(
                    partial(client.post, path, data), f"{actor} POST {path}", value
                )
                for action, names in forms:
                    target, data = action or path, dict.fromkeys(names, value)
                    problems += _problems(
                        partial(client.post, target, data), f"{actor} POST form {target}", value
                    )
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("name", sorted(n for n in MATRIX if n.startswith("api:")))
def test_hostile_bodies_to_the_api(name, world, clients):
    routes = [route for n, route in url_patterns() if n == name]
    bodies = {
        "nested": (deep_json(5000), "application/json"),
        "nested object": ('{"a":' * 3000 + "1" + "}" * 3000, "application/json"),
        "not json": ("{'title': 'x'", "application/json"),
        "NUL": ('{"title": "a\\u0000b"}', "application/json"),
        "wrong type": ("title=x", "text/plain"),
        "form": ("title=x&amount=abc", "application/x-www-form-urlencoded"),
        "xml": ("<title>x</title>", "application/xml"),
    }
    problems = []
    for route in routes:
        path = _path(name, route, world)
        for actor in ("anonymous", *SIGNED_IN):
            client = clients[actor]
            for label, (body, content_type) in bodies.items():
                for method in ("post", "put", "patch"):
                    send = getattr(client, method)
                    problems += _problems(
                        partial(send, path, body, content_type=content_type),
                        f"{actor} {method.upper()} {path}",
                        label,
                    )
    assert not problems, "\n".join(sorted(set(problems)))
