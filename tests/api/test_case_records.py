"""The case's records in the API: scoped as the pages scope them, written through the same
services (the same audit lines, notifications and pages), paginated and ordered alike."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.cases import services as case_services
from apps.cases.models import Comment, Visibility
from apps.core.selectors import COORDINATORS_GROUP
from apps.followup import services as followup_services
from apps.followup.models import (
    AgreementDocument,
    Feedback,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
)
from apps.funding.models import ExchangeRate, MatchmakingMeeting, MeetingItem, Offer
from apps.notifications.models import Notification
from apps.organizations.models import OrganizationKind
from apps.security.models import AuditEvent
from tests.conftest import RATINGS
from tests.factories import UserFactory, make_member, make_organization

from .test_requests import assert_error

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _url(case, tail):
    return f"/api/v1/requests/{case.reference}/{tail}"


def _rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _audited(action):
    return AuditEvent.objects.filter(detail__action=action).count()


# --- Comments ----------------------------------------------------------------------------------


def test_internal_comments_are_unodas_only(api, users, make_case, client):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    url = _url(case, "comments/")
    response = api(users.recipient).post(url, {"body": "When is the visit?"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["visibility"] == "shared"
    response = api(users.unoda).post(
        url, {"body": "Check the budget first.", "visibility": "internal"}, format="json"
    )
    assert response.status_code == 201, response.content

    assert [row["body"] for row in _rows(api(users.unoda).get(url))] == [
        "When is the visit?",
        "Check the budget first.",
    ]
    for user in (users.recipient, users.donor):
        assert [row["body"] for row in _rows(api(user).get(url))] == ["When is the visit?"]
    # The same rule as the case page's timeline.
    client.force_login(users.recipient)
    page = client.get(f"/cases/{case.reference}/")
    assert "When is the visit?" in page.content.decode()
    assert "Check the budget first." not in page.content.decode()


def test_a_comment_through_the_api_is_the_pages_comment(api, users, make_case):
    case = make_case("published")
    before = Notification.objects.count()
    response = api(users.donor).post(
        _url(case, "comments/"), {"body": "We can fund the doors."}, format="json"
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(request=case)
    assert comment.author == users.donor
    assert _audited("comment_add") == 1
    assert Notification.objects.count() > before  # the parties hear of it, as from the page


def test_internal_comment_refused_to_others_and_nothing_written(api, users, make_case):
    case = make_case("published")
    response = api(users.recipient).post(
        _url(case, "comments/"), {"body": "Psst", "visibility": "internal"}, format="json"
    )
    assert_error(response, 403)
    assert_error(api(users.recipient).post(_url(case, "comments/"), {"body": "x", "y": 1}), 400)
    assert not Comment.objects.exists()
    assert _audited("comment_add") == 0


def test_another_donor_gets_404_for_every_record_of_a_case(api, users, make_case):
    case = make_case("implementation", visibility=Visibility.SELECTED_DONORS)
    client = api(users.other_donor)
    for tail in (
        "comments/",
        "attachments/",
        "agreement/",
        "milestones/",
        "progress-reports/",
        "feedback/",
        "meeting-items/",
    ):
        assert_error(client.get(_url(case, tail)), 404)
    assert_error(client.post(_url(case, "comments/"), {"body": "Hello"}, format="json"), 404)
    assert not Comment.objects.exists()
    assert_error(api().get(_url(case, "comments/")), 401)


def test_lists_are_paginated_and_ordered_alike(api, users, make_case):
    case = make_case("published")
    for number in range(3):
        case_services.comment_add(actor=users.recipient, case=case, body=f"Comment {number}")
    client = api(users.unoda)
    first = client.get(_url(case, "comments/"), {"page_size": 2, "ordering": "-created_at"})
    body = first.json()
    assert body["count"] == 3
    assert body["count_capped"] is False
    assert [row["body"] for row in body["results"]] == ["Comment 2", "Comment 1"]
    second = client.get(body["next"])
    assert [row["body"] for row in _rows(second)] == ["Comment 0"]
    oldest = _rows(client.get(_url(case, "comments/")))[0]
    assert oldest["body"] == "Comment 0"
    error = assert_error(client.get(_url(case, "comments/"), {"ordering": "body"}), 400)
    assert "ordering" in error["fields"]
    assert_error(client.get(_url(case, "comments/"), {"page_size": 101}), 400)
    assert_error(client.get(_url(case, "comments/"), {"visibility": "secret"}), 400)
    # The existing lists take the same parameter.
    assert_error(client.get("/api/v1/requests/", {"ordering": "title"}), 400)
    assert client.get("/api/v1/requests/", {"ordering": "-created_at"}).status_code == 200


# --- Documents and the agreement ---------------------------------------------------------------


def test_case_documents_listed_and_downloaded_by_who_sees_the_case(api, users, make_case):
    case = make_case("published", visibility=Visibility.SELECTED_DONORS)
    # A document attached while the proposal could be edited.
    draft = make_case("draft", visibility=Visibility.SELECTED_DONORS)
    attachment = case_services.attachment_add(
        actor=users.recipient,
        case=draft,
        kind="proposal",
        title="Assessment",
        file=SimpleUploadedFile("assessment.pdf", PDF),
    )
    rows = _rows(api(users.recipient).get(_url(draft, "attachments/")))
    assert [row["title"] for row in rows] == ["Assessment"]
    response = api(users.recipient).get(_url(draft, f"attachments/{attachment.pk}/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(kind="download").count() == 1
    assert_error(api(users.donor).get(_url(draft, f"attachments/{attachment.pk}/")), 404)
    # Another case's document under this case's reference does not exist.
    assert_error(api(users.recipient).get(_url(case, f"attachments/{attachment.pk}/")), 404)


def _implementation_case(make_case, users, visibility=Visibility.ALL_DONORS):
    case = make_case("implementation", visibility=visibility)
    agreement = case.agreement
    AgreementDocument.objects.create(
        agreement=agreement,
        title="Signed agreement",
        file=SimpleUploadedFile("signed.pdf", PDF),
        uploaded_by=users.unoda,
    )
    return case, agreement


def test_agreement_documents_and_amendments_to_its_parties_only(api, users, make_case, orgs):
    case, agreement = _implementation_case(make_case, users)
    followup_services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind="amendment",
        reason="Longer period agreed.",
        end_date=agreement.end_date + datetime.timedelta(days=30),
    )
    body = api(users.donor).get(_url(case, "agreement/")).json()
    assert body["donors"] == [orgs.donor.pk]
    assert [d["title"] for d in body["documents"]] == ["Signed agreement"]
    assert [c["reason"] for c in body["changes"]] == ["Longer period agreed."]
    document = body["documents"][0]["id"]
    response = api(users.donor).get(_url(case, f"agreement/documents/{document}/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    # A donor that reads the case (every donor may) but did not sign: no documents, no history.
    other = api(users.other_donor).get(_url(case, "agreement/")).json()
    assert other["documents"] == []
    assert other["changes"] == []
    assert other["amount"] == body["amount"]
    assert_error(api(users.other_donor).get(_url(case, f"agreement/documents/{document}/")), 404)
    before = make_case("published")
    assert_error(api(users.unoda).get(_url(before, "agreement/")), 404)


# --- Milestones --------------------------------------------------------------------------------


def test_milestones_set_done_and_reopened_through_the_services(api, users, make_case):
    case, agreement = _implementation_case(make_case, users)
    url = _url(case, "milestones/")
    due = str(agreement.start_date + datetime.timedelta(days=60))
    response = api(users.recipient).post(url, {"title": "Doors fitted", "due_date": due})
    assert response.status_code == 201, response.content
    milestone = Milestone.objects.get(agreement=agreement)
    assert_error(api(users.donor).post(url, {"title": "Mine", "due_date": due}), 403)
    assert Milestone.objects.count() == 1
    outside = str(agreement.end_date + datetime.timedelta(days=400))
    assert_error(api(users.recipient).post(url, {"title": "Late", "due_date": outside}), 409)

    detail = f"{url}{milestone.pk}/"
    response = api(users.unoda).patch(detail, {"title": "Armoury doors fitted"}, format="json")
    assert response.json()["title"] == "Armoury doors fitted"
    notified = Notification.objects.count()
    response = api(users.recipient).post(
        f"{detail}complete/",
        {"note": "All six doors.", "evidence": SimpleUploadedFile("photo.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["completed_on"] == str(timezone.localdate())
    assert response.json()["evidence"] is not None
    assert _audited("milestone_complete") == 1
    assert Notification.objects.count() > notified
    assert_error(api(users.recipient).post(f"{detail}complete/", {}, format="json"), 409)
    response = api(users.unoda).post(f"{detail}reopen/")
    assert response.json()["completed_on"] is None
    assert [m["title"] for m in _rows(api(users.other_donor).get(url, {"done": "false"}))] == [
        "Armoury doors fitted"
    ]


# --- Progress reports --------------------------------------------------------------------------


def test_progress_report_with_an_attachment_is_on_the_plan_page(api, users, make_case, client):
    case, agreement = _implementation_case(make_case, users)
    url = _url(case, "progress-reports/")
    response = api(users.recipient).post(
        url,
        {
            "period_start": str(agreement.start_date),
            "period_end": str(agreement.start_date + datetime.timedelta(days=89)),
            "status": "on_track",
            "percent_done": 25,
            "narrative": "Armoury doors ordered.",
            "attachments": [SimpleUploadedFile("invoice.pdf", PDF)],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    report = ProgressReport.objects.get(agreement=agreement)
    attachment = ProgressReportAttachment.objects.get(report=report)
    assert response.json()["attachments"] == [
        {
            "id": attachment.pk,
            "title": "invoice.pdf",
            "created_at": response.json()["attachments"][0]["created_at"],
        }
    ]
    assert _audited("progress_report_submit") == 1
    client.force_login(users.unoda)
    assert (
        "Armoury doors ordered." in client.get(f"/followup/{case.reference}/plan/").content.decode()
    )

    # The signing donor downloads it; a donor that only reads the case sees how many there are.
    download = _url(case, f"progress-reports/{report.pk}/attachments/{attachment.pk}/")
    response = api(users.donor).get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    other = _rows(api(users.other_donor).get(url))
    assert other[0]["attachment_count"] == 1
    assert other[0]["attachments"] == []
    assert_error(api(users.other_donor).get(download), 404)
    # A file that is not what its name says is refused, and nothing is stored.
    response = api(users.recipient).post(
        url,
        {
            "period_start": str(agreement.start_date),
            "period_end": str(agreement.start_date + datetime.timedelta(days=89)),
            "status": "on_track",
            "percent_done": 30,
            "narrative": "More.",
            "attachments": [SimpleUploadedFile("fake.pdf", b"MZ not a pdf")],
        },
        format="multipart",
    )
    assert_error(response, 409)  # the service's check of the file: a rule, not the schema
    assert ProgressReport.objects.count() == 1


# --- Feedback ----------------------------------------------------------------------------------


def test_feedback_sealed_until_every_party_submitted(api, users, make_case, orgs):
    case = make_case("feedback")
    url = _url(case, "feedback/")
    response = api(users.recipient).post(url, {"submit": True, **RATINGS}, format="json")
    assert response.status_code == 200, response.content
    donor_rows = _rows(api(users.donor).get(url))
    assert [row["organization"] for row in donor_rows] == [orgs.donor.pk]
    assert len(_rows(api(users.unoda).get(url))) == 2
    assert _rows(api(users.other_donor).get(url)) == []  # reads the case, is no party
    response = api(users.donor).post(url, {"submit": True, **RATINGS}, format="json")
    assert response.status_code == 200, response.content
    # Every party submitted: the parties see each other's, as on the feedback page.
    rows = _rows(api(users.donor).get(url, {"ordering": "role"}))
    assert sorted(row["role"] for row in rows) == ["donor", "recipient"]
    assert [row["role"] for row in rows] == ["donor", "recipient"]
    assert Feedback.objects.filter(request=case, status="submitted").count() == 2


# --- Meetings ----------------------------------------------------------------------------------


def test_meetings_are_unodas_and_outcomes_reach_the_case(api, users, orgs, make_case):
    case = make_case("published")
    assert_error(api(users.donor).get("/api/v1/meetings/"), 403)
    assert_error(api(users.recipient).post("/api/v1/meetings/", {}, format="json"), 403)
    response = api(users.unoda).post(
        "/api/v1/meetings/",
        {"title": "Donor round", "date": str(timezone.localdate()), "invited": [orgs.donor.pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    meeting = MatchmakingMeeting.objects.get()
    offer = Offer.objects.create(
        donor=orgs.other_donor,
        title="Norwegian training",
        currency="USD",
        valid_from=datetime.date(2026, 1, 1),
        created_by=users.other_donor,
        cooperation_type="north_south",
    )
    items = f"/api/v1/meetings/{meeting.pk}/items/"
    response = api(users.unoda).post(
        items, {"request": case.reference, "offer": offer.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    item = MeetingItem.objects.get()
    assert_error(
        api(users.unoda).post(items, {"request": case.reference, "offer": offer.pk}, format="json"),
        409,
    )
    response = api(users.unoda).post(
        f"/api/v1/meetings/{meeting.pk}/items/{item.pk}/outcome/",
        {"decision": "follow_up_agreed", "follow_up": "Norway sends a proposal."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert _audited("meeting_outcome") == 1
    response = api(users.unoda).post(items, {"offer": offer.pk}, format="json")  # an offer alone
    assert response.status_code == 201, response.content
    detail = api(users.unoda).get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert [item["decision"] for item in detail["items"]] == ["follow_up_agreed", "pending"]
    assert detail["items"][1]["request"] is None

    # On the case: the State and UNODA see the item; Japan was invited, so it sees it too;
    # a donor neither invited nor presenting sees nothing of it.
    for user in (users.unoda, users.recipient, users.donor, users.other_donor):
        rows = _rows(api(user).get(_url(case, "meeting-items/")))
        assert [row["follow_up"] for row in rows] == ["Norway sends a proposal."], user
    MatchmakingMeeting.invited.through.objects.all().delete()
    assert _rows(api(users.donor).get(_url(case, "meeting-items/"))) == []


# --- Exchange rates and notifications -----------------------------------------------------------


def test_exchange_rates_read_by_unoda_set_by_coordinators(api, users):
    assert_error(api(users.donor).get("/api/v1/exchange-rates/"), 403)
    assert api(users.unoda).get("/api/v1/exchange-rates/").status_code == 200
    body = {"currency": "EUR", "rate_per_usd": "0.92", "valid_on": str(timezone.localdate())}
    assert_error(api(users.unoda).post("/api/v1/exchange-rates/", body, format="json"), 403)
    assert not ExchangeRate.objects.filter(currency="EUR", valid_on=timezone.localdate()).exists()
    coordinator = UserFactory(username="coordinator", is_unoda_officer=True)
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(coordinator)
    response = api(coordinator).post("/api/v1/exchange-rates/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["rate_per_usd"] == "0.920000"
    assert _audited("exchange_rate_set") == 1
    rows = _rows(api(users.unoda).get("/api/v1/exchange-rates/", {"currency": "EUR"}))
    assert Decimal(rows[0]["rate_per_usd"]) == Decimal("0.92")


def test_notifications_are_ones_own(api, users, make_case):
    case = make_case("published")
    case_services.comment_add(actor=users.donor, case=case, body="A question.")
    mine = Notification.objects.filter(user=users.recipient)
    assert mine.exists()
    rows = _rows(api(users.recipient).get("/api/v1/notifications/", {"unread": "true"}))
    assert {row["id"] for row in rows} == set(mine.values_list("pk", flat=True))
    other = Notification.objects.exclude(user=users.recipient).first()
    if other is not None:
        assert_error(api(users.recipient).get(f"/api/v1/notifications/{other.pk}/"), 404)
    first = mine.first()
    response = api(users.recipient).post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.json()["read"] is True
    response = api(users.recipient).post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": mine.count() - 1}
    assert _rows(api(users.recipient).get("/api/v1/notifications/", {"unread": "true"})) == []


def test_agreement_recorded_amended_and_documented_through_the_api(api, users, make_case, orgs):
    case = make_case("donor_interest")
    url = _url(case, "agreement/")
    today = timezone.localdate()
    terms = {
        "signed_on": str(today),
        "donors": [orgs.donor.pk],
        "amount": "120000.00",
        "currency": "USD",
        "start_date": str(today),
        "end_date": str(today + datetime.timedelta(days=365)),
        "cooperation_type": "north_south",
        "documents": [SimpleUploadedFile("signed.pdf", PDF)],
    }
    assert_error(api(users.donor).post(url, terms, format="multipart"), 403)
    assert not AgreementDocument.objects.exists()
    terms["documents"] = [SimpleUploadedFile("signed.pdf", PDF)]  # the refused call read it
    response = api(users.unoda).post(url, terms, format="multipart")
    assert response.status_code == 201, response.content
    assert [d["title"] for d in response.json()["documents"]] == ["signed.pdf"]
    case.refresh_from_db()
    assert case.status == "agreement"
    terms["documents"] = []
    assert_error(api(users.unoda).post(url, terms, format="multipart"), 409)  # recorded once

    response = api(users.unoda).patch(url, {"amount": "125000.00"}, format="json")
    assert_error(response, 409)  # why, and what kind of change, are required
    response = api(users.unoda).patch(
        url,
        {"kind": "amendment", "reason": "Budget topped up.", "amount": "125000.00"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "125000.00"
    assert response.json()["changes"][0]["changes"] == {"amount": ["120000.00", "125000.00"]}
    response = api(users.unoda).post(
        f"{url}documents/",
        {"title": "Annex", "file": SimpleUploadedFile("annex.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert AgreementDocument.objects.count() == 2
    assert _audited("agreement_record") == 1
    assert _audited("agreement_amendment") == 1


def test_whole_follow_up_through_the_api_shows_on_the_pages(api, users, make_case, client):
    case, agreement = _implementation_case(make_case, users)
    due = str(agreement.start_date + datetime.timedelta(days=30))
    api(users.unoda).post(_url(case, "milestones/"), {"title": "Guards trained", "due_date": due})
    api(users.recipient).post(
        _url(case, "progress-reports/"),
        {
            "period_start": str(agreement.start_date),
            "period_end": str(agreement.start_date + datetime.timedelta(days=89)),
            "status": "delayed",
            "percent_done": 10,
            "narrative": "Waiting for the contractor.",
            "attachments": [SimpleUploadedFile("letter.pdf", PDF)],
        },
        format="multipart",
    )
    client.force_login(users.recipient)
    page = client.get(f"/followup/{case.reference}/plan/").content.decode()
    assert "Guards trained" in page
    assert "Waiting for the contractor." in page
    assert "letter.pdf" in page


def test_a_document_attached_to_a_draft_through_the_api(api, users, make_case):
    draft = make_case("draft")
    url = _url(draft, "attachments/")
    body = {"kind": "proposal", "title": "Plan", "file": SimpleUploadedFile("plan.pdf", PDF)}
    response = api(users.recipient).post(url, body, format="multipart")
    assert response.status_code == 201, response.content
    assert [row["title"] for row in _rows(api(users.unoda).get(url))] == ["Plan"]
    published = make_case("published")
    body["file"] = SimpleUploadedFile("plan.pdf", PDF)
    assert_error(
        api(users.recipient).post(_url(published, "attachments/"), body, format="multipart"), 403
    )


def test_the_implementing_partner_reports_and_reads_as_on_the_plan_page(api, users, make_case):
    case, agreement = _implementation_case(make_case, users, Visibility.SELECTED_DONORS)
    partner_org = make_organization("UNREC", kind=OrganizationKind.UN_ENTITY, country="TG")
    followup_services.agreement_update(
        actor=users.unoda,
        agreement=agreement,
        kind="correction",
        reason="The partner was left out.",
        implementing_partner=partner_org,
    )
    partner = make_member(partner_org, username="partner")
    client = api(partner)
    response = client.post(
        _url(case, "progress-reports/"),
        {
            "period_start": str(agreement.start_date),
            "period_end": str(agreement.start_date + datetime.timedelta(days=89)),
            "status": "on_track",
            "percent_done": 20,
            "narrative": "Trainers deployed.",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["organization"] == partner_org.pk
    # A party of the agreement: its documents; not a party that rates, nor one that plans.
    assert [d["title"] for d in client.get(_url(case, "agreement/")).json()["documents"]] == [
        "Signed agreement"
    ]
    assert _rows(client.get(_url(case, "feedback/"))) == []
    due = str(agreement.start_date + datetime.timedelta(days=30))
    assert_error(client.post(_url(case, "milestones/"), {"title": "X", "due_date": due}), 403)
    assert not Milestone.objects.exists()
