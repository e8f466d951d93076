"""The OpenAPI schema is valid, and every operation in it answers as the schema says.

The schemathesis run uses the seeded demo database and a token per role (the State, a donor,
the implementing partner, UNODA; and no token), with a bounded number of generated examples per
operation so that it fits in CI, and every check on: no server error, no status, content type
or body outside the schema, no request the schema takes refused with a 400
(positive_data_acceptance: a rule's 409, a 403 or a 404 are refusals the schema declares), no
request the schema refuses accepted (negative_data_rejection, on generated invalid data).
"""

import os
from io import StringIO

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import User
from config.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
]
MAX_EXAMPLES = int(os.environ.get("PORTAL_SCHEMATHESIS_EXAMPLES", "10"))


@pytest.mark.django_db
def test_schema_is_valid_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


@pytest.mark.django_db
def test_the_schema_says_what_the_server_enforces(client):
    """Bodies take no undeclared field (the server refuses them), the year filter is a whole
    year from 2000, amounts are not negative and say their minimum."""
    schema = client.get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                ref = media["schema"]["$ref"].rsplit("/", 1)[-1]
                if path != "/api/v1/auth/token/":
                    assert components[ref]["additionalProperties"] is False, (method, path)
    year = next(
        p for p in schema["paths"]["/api/v1/requests/"]["get"]["parameters"] if p["name"] == "year"
    )
    assert year["schema"]["type"] == "integer"
    assert year["schema"]["minimum"] == 2000
    amount = components["DisbursementCreateRequest"]["properties"]["amount"]
    assert not amount["pattern"].startswith("^-")
    assert "At least 0.01." in amount["description"]
    # Every list takes the same paging and ordering parameters.
    for path in ("/api/v1/requests/", "/api/v1/requests/{reference}/comments/"):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size", "ordering"} <= names, path


@pytest.mark.django_db
def test_docs_pages_answer(client):
    assert client.get("/api/v1/schema/").status_code == 200
    for url in ("/api/docs/", "/api/docs/redoc/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"cdn" not in response.content.lower()


@pytest.fixture
def keep_db_connection():
    """The WSGI handler closes the database connection after each request; inside a test
    transaction it must stay open (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def role_headers(db, keep_db_connection):
    """The headers of each role, by role: no token (anonymous), then a token per demo user."""
    call_command("seed_demo", stdout=StringIO())
    headers = {"anonymous": {}}
    for username in ("recipient", "donor", "partner", "officer"):
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        headers[username] = {"Authorization": f"Token {token.key}"}
    return headers


TOKEN_OPERATION = "POST /api/v1/auth/token/"


def test_every_operation_answers_as_the_schema_says(role_headers):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        _exercise(operation, role_headers, GenerationMode.POSITIVE)
        # Invalid data where there is something to make invalid (a header alone cannot be: the
        # request could not be sent), sent by every role that reaches the operation's checks.
        if operation.body or operation.query or operation.path_parameters:
            roles = {
                role: headers
                for role, headers in role_headers.items()
                if headers or operation.label == TOKEN_OPERATION
            }
            _exercise(operation, roles, GenerationMode.NEGATIVE)


def _exercise(operation, role_headers, mode):
    """Each generated request is sent once per role: the data is generated once for all of
    them (generating it is most of the run's time)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for role, headers in role_headers.items():
            # The role's name in a header of its own: the failure's curl line (which hides the
            # token) says who sent it.
            response = case.call(headers={**headers, "X-Test-Role": role})
            case.validate_response(response, checks=CHECKS)

    run()
