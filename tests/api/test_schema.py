"""The OpenAPI schema is valid, and every operation in it answers as the schema says.

The schemathesis run uses the seeded demo database and a token per role (the State, a donor,
the implementing partner, UNODA; and no token), with a
bounded number of generated examples per operation so that it fits in CI.
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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
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
]
MAX_EXAMPLES = int(os.environ.get("PORTAL_SCHEMATHESIS_EXAMPLES", "10"))


@pytest.mark.django_db
def test_schema_is_valid_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())


@pytest.mark.django_db
def test_the_schema_says_what_the_server_enforces(client):
    """Bodies take no undeclared field (the server refuses them), the year filter is a whole
    year from 2000, amounts are not negative and say their minimum."""
    schema = client.get("/api/schema/?format=json").json()
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
    assert client.get("/api/schema/").status_code == 200
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
    call_command("seed_demo", stdout=StringIO())
    headers = [{}]  # anonymous
    for username in ("recipient", "donor", "partner", "officer"):
        token, _ = Token.objects.get_or_create(user=User.objects.get(username=username))
        headers.append({"Authorization": f"Token {token.key}"})
    return headers


def test_every_operation_answers_as_the_schema_says(role_headers):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:
        for headers in role_headers:
            _exercise(operation, headers)


def _exercise(operation, headers):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    run()
