"""Feedback waivers, lessons learned, taking an item off a meeting's agenda and the meeting's
dossier through the API: scoped as their pages, written through the same services."""

import csv as csv_module
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.followup.models import Feedback, FeedbackStatus, FeedbackWaiver, Lesson
from apps.followup.services import feedback_submit
from apps.funding.models import MeetingItem, Offer
from apps.funding.selectors import meeting_dossier
from apps.funding.services import meeting_add_item, meeting_create, meeting_record_outcome
from apps.security.models import AuditEvent
from apps.security.testing import otp_verify_client
from tests.conftest import RATINGS, fire_step

from .test_requests import assert_error

pytestmark = pytest.mark.django_db


def _audited(action):
    return AuditEvent.objects.filter(detail__action=action).count()


def test_unoda_waives_a_partys_feedback_and_withdraws_the_waiver(
    api, client, users, orgs, make_case
):
    case = make_case("feedback")
    url = f"/api/v1/requests/{case.reference}/feedback-waivers/"
    body = {"organization": orgs.donor.pk, "reason": "No answer after three reminders."}
    assert_error(api(users.recipient).post(url, body, format="json"), 403)
    assert_error(api(users.other_recipient).post(url, body, format="json"), 404)  # unseen case
    assert_error(api(users.unoda).post(url, {**body, "reason": " "}, format="json"), 400)
    assert_error(api(users.unoda).post(url, {**body, "extra": 1}, format="json"), 400)
    assert not FeedbackWaiver.objects.exists()

    response = api(users.unoda).post(url, body, format="json")
    assert response.status_code == 201, response.content
    waiver = FeedbackWaiver.objects.get()
    assert response.json()["organization"] == orgs.donor.pk
    assert _audited("feedback_waive") == 1
    assert_error(api(users.unoda).post(url, body, format="json"), 409)  # already waived
    # Read as on the feedback page: UNODA sees the waiver, the parties an empty list.
    assert [row["id"] for row in api(users.unoda).get(url).json()["results"]] == [waiver.pk]
    assert api(users.recipient).get(url).json()["results"] == []
    assert api(users.unoda).get(f"{url}{waiver.pk}/").json()["reason"] == body["reason"]
    assert_error(api(users.recipient).get(f"{url}{waiver.pk}/"), 404)
    client.force_login(users.unoda)
    otp_verify_client(client, users.unoda)
    page = client.get(f"/followup/{case.reference}/feedback/").content.decode()
    assert body["reason"] in page

    assert_error(api(users.recipient).delete(f"{url}{waiver.pk}/"), 403)
    assert FeedbackWaiver.objects.exists()
    response = api(users.unoda).delete(f"{url}{waiver.pk}/")
    assert response.status_code == 204, response.content
    assert not FeedbackWaiver.objects.exists()
    assert _audited("feedback_waiver_withdraw") == 1
    assert_error(api(users.unoda).delete(f"{url}{waiver.pk}/"), 404)


def _closed_case_with_shared_lessons(users, orgs, make_case):
    case = make_case("feedback")
    members = [users.recipient, users.donor, users.other_donor]
    for feedback in Feedback.objects.filter(request=case, status=FeedbackStatus.PENDING):
        member = next(
            u for u in members if u.memberships.filter(organization=feedback.organization).exists()
        )
        feedback_submit(
            actor=member, case=case, lessons_learned="Fences first.", share_lessons=True, **RATINGS
        )
    fire_step(orgs=orgs, users=users, case=case, transition="close", comment="Done.")
    return case


def test_unoda_publishes_a_lesson_everyone_reads_it_unoda_withdraws_it(
    api, client, users, orgs, make_case
):
    case = _closed_case_with_shared_lessons(users, orgs, make_case)
    body = {"request": case.reference, "title": "Fences first", "body": "Secure the depot."}
    assert_error(api(users.donor).post("/api/v1/lessons/", body, format="json"), 403)
    assert_error(
        api(users.unoda).post("/api/v1/lessons/", {**body, "title": ""}, format="json"), 400
    )
    open_case = make_case("feedback")
    refused = api(users.unoda).post(
        "/api/v1/lessons/", {**body, "request": open_case.reference}, format="json"
    )
    assert assert_error(refused, 409)["code"] == "invalid_state"
    assert not Lesson.objects.exists()

    response = api(users.unoda).post("/api/v1/lessons/", body, format="json")
    assert response.status_code == 201, response.content
    lesson = Lesson.objects.get()
    assert response.json()["request"] == case.reference
    assert _audited("lesson_publish") == 1

    # Every signed-in user reads it, without the case named (but to UNODA), as on the page.
    for user in (users.recipient, users.donor, users.other_recipient):
        rows = api(user).get("/api/v1/lessons/").json()["results"]
        assert [(row["id"], row["request"]) for row in rows] == [(lesson.pk, None)], user
        assert rows[0]["categories"] == [c.code for c in case.categories.all()]
    assert api(None).get("/api/v1/lessons/").status_code == 401
    assert api(users.donor).get("/api/v1/lessons/", {"q": "depot"}).json()["count"] == 1
    assert api(users.donor).get("/api/v1/lessons/", {"q": "nothing"}).json()["count"] == 0
    client.force_login(users.donor)
    assert "Secure the depot." in client.get("/followup/lessons/").content.decode()

    assert_error(api(users.donor).delete(f"/api/v1/lessons/{lesson.pk}/"), 403)
    response = api(users.unoda).delete(f"/api/v1/lessons/{lesson.pk}/")
    assert response.status_code == 204, response.content
    assert not Lesson.objects.exists()
    assert _audited("lesson_withdraw") == 1
    assert_error(api(users.unoda).delete(f"/api/v1/lessons/{lesson.pk}/"), 404)


def _meeting_with_items(users, orgs, make_case):
    meeting = meeting_create(
        actor=users.unoda, title="Donor round", date=timezone.localdate(), invited=[orgs.donor]
    )
    case = make_case("published")
    offer = Offer.objects.create(
        donor=orgs.other_donor,
        title="Norwegian training",
        currency="USD",
        amount_max=50000,
        valid_from=datetime.date(2026, 1, 1),
        created_by=users.other_donor,
        cooperation_type="north_south",
    )
    first = meeting_add_item(actor=users.unoda, meeting=meeting, request=case)
    second = meeting_add_item(actor=users.unoda, meeting=meeting, offer=offer)
    return meeting, case, offer, first, second


def test_unoda_takes_an_item_off_the_agenda_unless_its_outcome_is_recorded(
    api, users, orgs, make_case
):
    meeting, _case, _offer, first, second = _meeting_with_items(users, orgs, make_case)
    meeting_record_outcome(
        actor=users.unoda, item=first, decision="follow_up_agreed", follow_up="A proposal."
    )
    base = f"/api/v1/meetings/{meeting.pk}/items/"
    assert_error(api(users.donor).delete(f"{base}{second.pk}/"), 403)
    assert assert_error(api(users.unoda).delete(f"{base}{first.pk}/"), 409)["code"] == (
        "has_outcome"
    )
    assert_error(api(users.unoda).delete(f"{base}999999/"), 404)
    assert MeetingItem.objects.count() == 2
    response = api(users.unoda).delete(f"{base}{second.pk}/")
    assert response.status_code == 204, response.content
    assert list(MeetingItem.objects.values_list("pk", flat=True)) == [first.pk]
    assert_error(api(users.unoda).delete(f"{base}{second.pk}/"), 404)
    assert_error(api(users.unoda).get(f"{base}{first.pk}/"), 405)


def test_the_meeting_dossier_as_json_matches_the_page(api, client, users, orgs, make_case):
    meeting, case, offer, first, second = _meeting_with_items(users, orgs, make_case)
    url = f"/api/v1/meetings/{meeting.pk}/dossier/"
    assert_error(api(users.donor).get(url), 403)
    assert_error(api(users.recipient).get(url), 403)
    assert api(None).get(url).status_code == 401
    unoda = api(users.unoda)
    response = unoda.get(url)
    assert response.status_code == 200, response.content
    dossier = response.json()
    assert (dossier["id"], dossier["title"]) == (meeting.pk, "Donor round")
    rows = dossier["rows"]
    assert [(row["item"], row["request"], row["offer"]) for row in rows] == [
        (first.pk, case.reference, None),
        (second.pk, None, offer.pk),
    ]
    assert rows[0]["categories"] == [c.code for c in case.categories.all()]
    assert rows[1]["amount"] == "50000.00"
    assert rows[1]["committed"] is None
    assert rows[0]["decision"] == "pending"
    # The same rows as the dossier's CSV, in the same order.
    client.force_login(users.unoda)
    otp_verify_client(client, users.unoda)
    csv = b"".join(client.get(f"/funding/meetings/{meeting.pk}/dossier.csv").streaming_content)
    lines = list(csv_module.reader(io.StringIO(csv.decode("utf-8-sig"))))[1:]
    assert [line[2] for line in lines] == [case.reference, f"OFFER-{offer.pk}"]
    assert [line[3] for line in lines] == [row["title"] for row in rows]
    assert_error(unoda.get("/api/v1/meetings/999999/dossier/"), 404)
    # The serializer reads nothing the dossier's selector has not (no query per item).
    with CaptureQueriesContext(connection) as selector:
        meeting_dossier(meeting=meeting)
    with CaptureQueriesContext(connection) as answered:
        assert unoda.get(url).status_code == 200
    assert len(answered) <= len(selector) + 8  # token, user, OTP device, meeting, throttle...
