"""Every answer under /api/ is in the API's error format, even when no view of the API ran."""

import json

import pytest
from django.test import RequestFactory, override_settings

from config import urls

from .test_requests import ERROR_KEYS, assert_error

pytestmark = pytest.mark.django_db


def json_error(response, status_code) -> dict:
    """The error of a handler's response (called directly, without the test client)."""
    assert response.status_code == status_code
    assert response["Content-Type"] == "application/json"
    error = json.loads(response.content)["error"]
    assert set(error) == ERROR_KEYS
    return error


def test_a_newline_in_the_path_is_a_json_404(api, users):
    assert_error(api(users.unoda).get("/api/v1/requests%0A/"), 404)
    assert_error(api(users.unoda).get("/api/v1/%0A"), 404)


@pytest.mark.parametrize(
    ("handler", "status_code"),
    [(urls.handler400, 400), (urls.handler403, 403), (urls.handler404, 404)],
)
def test_django_error_handlers_answer_json_under_the_api(handler, status_code):
    response = handler(RequestFactory().get("/api/v1/requests/"), Exception("boom"))
    json_error(response, status_code)
    page = handler(RequestFactory().get("/cases/"), Exception("boom"))
    assert page.status_code == status_code
    assert page["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json_and_a_page_elsewhere():
    error = json_error(urls.handler500(RequestFactory().get("/api/v1/requests/")), 500)
    assert error["code"] == "server_error"
    page = urls.handler500(RequestFactory().get("/cases/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")


@override_settings(AXES_FAILURE_LIMIT=2)
def test_a_locked_out_account_asking_for_a_token_is_told_when_to_retry(client, users):
    for _attempt in range(2):
        bad = client.post(
            "/api/v1/auth/token/",
            {"username": "donor", "password": "wrong"},
            content_type="application/json",
        )
        assert_error(bad, 401)
    # Locked now: even the right password gets 429 with the time to wait.
    locked = client.post(
        "/api/v1/auth/token/",
        {"username": "donor", "password": "a-long-test-password"},
        content_type="application/json",
    )
    assert_error(locked, 429)
    assert int(locked["Retry-After"]) > 0


def test_nested_field_errors_are_flat_dotted_paths(api, users):
    """A list field's error is named by its path (``regions.1``), never a nested object: the
    envelope keeps its schema, a list of messages per field."""
    response = api(users.donor).post(
        "/api/v1/offers/",
        {
            "title": "Training",
            "currency": "USD",
            "cooperation_type": "north_south",
            "donor": users.donor.memberships.get().organization_id,
            "regions": ["africa", "atlantis"],
        },
        format="json",
    )
    error = assert_error(response, 400)
    assert list(error["fields"]) == ["regions.1"]
    assert all(isinstance(message, str) for message in error["fields"]["regions.1"])


def test_a_nul_character_in_a_reference_or_code_is_not_found_not_a_server_error(api, users):
    client = api(users.donor)
    response = client.post(
        "/api/v1/interests/",
        {"request": "bb\x00X", "donor": users.donor.memberships.get().organization_id},
        format="json",
    )
    assert list(assert_error(response, 404)["fields"]) == ["request"]
    response = client.post(
        "/api/v1/requests/",
        {"title": "A need", "organization": 1, "categories": ["mark\x00ing"]},
        format="json",
    )
    assert "categories" in assert_error(response, 404)["fields"]
