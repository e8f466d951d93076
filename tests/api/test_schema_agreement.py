"""The server takes exactly what the schema takes (schemathesis's positive_data_acceptance and
negative_data_rejection, tests/api/test_schema.py, judge it on generated data; these say it
on the cases that made the two disagree): 400 is what the schema refuses; a request the schema
takes is refused only by a rule (409, with the messages per field), a record that is not
there (404) or a permission (403)."""

import re

import pytest
from django.utils import timezone

from apps.api.schema import NON_BLANK_TEXT_PATTERN, TEXT_PATTERN
from apps.api.serializers import URL_PATTERN
from apps.cases.models import Comment
from apps.followup.models import Milestone
from apps.funding.models import MatchmakingMeeting

from .test_requests import assert_error

pytestmark = pytest.mark.django_db


def test_a_json_value_of_another_type_is_refused_not_converted(api, users, make_case):
    case = make_case("published")
    url = f"/api/v1/requests/{case.reference}/comments/"
    error = assert_error(api(users.recipient).post(url, {"body": 12345}, format="json"), 400)
    assert list(error["fields"]) == ["body"]
    assert_error(api(users.recipient).post(url, {"body": True}, format="json"), 400)
    assert not Comment.objects.exists()
    commitment_body = {"request": case.reference, "donor": "1", "amount": "10", "currency": "USD"}
    assert (
        "donor"
        in assert_error(
            api(users.donor).post("/api/v1/commitments/", commitment_body, format="json"), 400
        )["fields"]
    )


def test_a_body_naming_only_records_that_do_not_exist_is_a_404(api, users, orgs):
    body = {"request": "REQ-2000-99999", "donor": orgs.donor.pk, "amount": "10", "currency": "USD"}
    error = assert_error(api(users.donor).post("/api/v1/commitments/", body, format="json"), 404)
    assert list(error["fields"]) == ["request"]
    # With another error besides, it is bad input.
    body["amount"] = "ten"
    assert_error(api(users.donor).post("/api/v1/commitments/", body, format="json"), 400)


def test_a_rule_of_the_portal_refusing_schema_valid_data_is_a_409_with_its_fields(
    api, users, make_case
):
    case = make_case("implementation")
    url = f"/api/v1/requests/{case.reference}/milestones/"
    body = {"title": "Too late", "due_date": "2099-01-01"}  # after the agreement ends
    error = assert_error(api(users.unoda).post(url, body, format="json"), 409)
    assert error["fields"]
    assert not Milestone.objects.filter(title="Too late").exists()


def test_the_token_for_wrong_credentials_is_a_401(client, users):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "donor", "password": "wrong"},
        content_type="application/json",
    )
    assert assert_error(response, 401)["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("value", ["0", "0.00", "1e3", " 5", "5.123", "-1", "1,000", "."])
def test_an_amount_outside_the_schemas_pattern_is_refused(api, users, make_case, value):
    case = make_case("implementation")
    body = {"request": case.reference, "donor": 1, "amount": value, "currency": "USD"}
    error = assert_error(api(users.donor).post("/api/v1/commitments/", body, format="json"), 400)
    assert "amount" in error["fields"]


def test_the_schemas_patterns_say_what_the_server_takes(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    amount = components["DisbursementCreateRequest"]["properties"]["amount"]["pattern"]
    assert re.match(amount, "0.01")
    assert re.match(amount, "1500")
    assert not re.match(amount, "0.00")
    assert not re.match(amount, "-5")
    body = components["CommentCreateRequest"]["properties"]["body"]
    assert body["pattern"] == NON_BLANK_TEXT_PATTERN
    assert not re.match(NON_BLANK_TEXT_PATTERN, "   ")
    assert not re.match(TEXT_PATTERN, "a\x07b")
    link = components["MeetingWriteRequest"]["properties"]["online_link"]
    assert link["pattern"] == URL_PATTERN
    assert "format" not in link
    parameters = schema["paths"]["/api/v1/lessons/"]["get"]["parameters"]
    ordering = next(p for p in parameters if p["name"] == "ordering")
    assert re.match(ordering["schema"]["pattern"], "-created_at,title")
    assert not re.match(ordering["schema"]["pattern"], " title")


def test_a_web_address_outside_the_pattern_is_refused(api, users):
    body = {"title": "Round", "date": str(timezone.localdate()), "online_link": "http://localhost"}
    assert_error(api(users.unoda).post("/api/v1/meetings/", body, format="json"), 400)
    body["online_link"] = "https://meet.example.org/round-1"
    assert api(users.unoda).post("/api/v1/meetings/", body, format="json").status_code == 201
    assert MatchmakingMeeting.objects.count() == 1


@pytest.mark.parametrize("value", ["1", "True", "yes", "-1.5"])
def test_a_boolean_filter_takes_true_or_false_only(api, users, value):
    assert_error(api(users.recipient).get("/api/v1/notifications/", {"unread": value}), 400)
    assert api(users.recipient).get("/api/v1/notifications/", {"unread": "true"}).status_code == 200


def test_ordering_with_spaces_is_refused_as_the_schema_does(api, users):
    assert_error(api(users.recipient).get("/api/v1/lessons/", {"ordering": " title"}), 400)
    assert api(users.recipient).get("/api/v1/lessons/", {"ordering": "-title"}).status_code == 200


def test_an_idempotency_key_outside_printable_ascii_is_refused(api, users, make_case):
    case = make_case("published")
    response = api(users.recipient).post(
        f"/api/v1/requests/{case.reference}/comments/",
        {"body": "Hello"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="clé-1",
    )
    assert_error(response, 400)
    assert not Comment.objects.exists()
