"""The admin: every model registered, transitions as an action through the service."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import timezone
from simple_history.models import HistoricalChanges

from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.cases.workflow import path_to
from apps.funding.services import interest_express

from ..factories import UserFactory

PROJECT_APPS = {
    "accounts",
    "organizations",
    "cases",
    "notifications",
    "core",
    "funding",
    "followup",
    "reminders",
}


def test_every_project_model_is_in_the_admin():
    skip = {
        "OfferRegion",
        "MeetingItem",
        "ReferenceCounter",
        "RequestUserObjectPermission",
        "RequestGroupObjectPermission",
    }
    missing = [
        model.__name__
        for config in apps.get_app_configs()
        if config.label in PROJECT_APPS
        for model in config.get_models()
        if model.__name__ not in skip
        # django-simple-history's tables, read on each record's "History" page in the admin.
        and not issubclass(model, HistoricalChanges)
        and not admin.site.is_registered(model)
    ]
    assert missing == []


@pytest.fixture
def admin_client_user(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def fire(client, case, transition, comment=""):
    return client.post(
        "/admin/cases/assistancerequest/",
        {
            "action": "fire_transition",
            "_selected_action": [case.pk],
            "apply": "1",
            "transition": transition,
            "comment": comment,
        },
        follow=True,
    )


def record_agreement_in_admin(client, case, donor):
    return client.post(
        "/admin/followup/agreement/add/",
        {
            "request": case.pk,
            "signed_on": timezone.localdate().isoformat(),  # the case was made today
            "donors": [donor.pk],
            "amount": "50000",
            "currency": "USD",
            "start_date": "2026-02-01",
            "end_date": "2026-12-31",
            "cooperation_type": "south_south",
            "reporting_interval_months": "3",
            "documents-TOTAL_FORMS": "0",
            "documents-INITIAL_FORMS": "0",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "0",
            "milestones-0-title": "Armoury doors fitted",
            "milestones-0-due_date": "2026-06-30",
            "reports-TOTAL_FORMS": "0",
            "reports-INITIAL_FORMS": "0",
        },
    )


def test_walk_a_case_from_draft_to_closed_in_the_admin(admin_client_user, make_case, orgs, users):
    case = make_case("draft")
    for name in path_to(Status.CLOSED):
        if name == "register_interest":
            # Interest is recorded by the funding service, which fires this transition.
            interest_express(actor=users.donor, case=case, donor=orgs.donor)
            continue
        if name == "record_agreement":
            # Firing it without an agreement is refused with a clear message...
            response = fire(admin_client_user, case, name)
            assert "Record the agreement" in response.content.decode()
            case.refresh_from_db()
            assert case.status == Status.DONOR_INTEREST
            # ...recording the agreement in the admin moves the case on.
            response = record_agreement_in_admin(admin_client_user, case, orgs.donor)
            assert response.status_code == 302, response.content.decode()[:3000]
            continue
        if name == "close":
            response = fire(admin_client_user, case, name)
            assert "feedback is missing from Japan, Sierra Leone" in response.content.decode()
            case.refresh_from_db()
            assert case.status == Status.FEEDBACK
            for party in (orgs.donor, orgs.recipient):
                response = admin_client_user.post(
                    "/admin/followup/feedbackwaiver/add/",
                    {"request": case.pk, "organization": party.pk, "reason": "No answer."},
                )
                assert response.status_code == 302, response.content.decode()[:3000]
        response = fire(admin_client_user, case, name)
        assert response.status_code == 200
    case.refresh_from_db()
    assert case.agreement.milestones.get().title == "Armoury doors fitted"
    assert case.status == Status.CLOSED
    assert [c.transition for c in StatusChange.objects.filter(request=case)] == path_to(
        Status.CLOSED
    )
    page = admin_client_user.get(f"/admin/cases/assistancerequest/{case.pk}/change/")
    assert page.status_code == 200
    # The status history inline lists every step.
    shown = re.findall(r'field-transition">\s*<p>(\w+)</p>', page.content.decode())
    assert shown == path_to(Status.CLOSED)


def test_admin_action_asks_for_the_comment_when_required(admin_client_user, make_case):
    case = make_case("under_review")
    response = fire(admin_client_user, case, "return_for_revision")
    assert "a comment is required" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW
    fire(admin_client_user, case, "return_for_revision", "Add beneficiaries")
    case.refresh_from_db()
    assert case.status == Status.NEEDS_REVISION


def test_admin_action_reports_wrong_state_and_changes_nothing(admin_client_user, make_case):
    case = make_case("draft")
    response = fire(admin_client_user, case, "close")
    assert "not possible while the case is" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.DRAFT


def test_admin_action_shows_intermediate_form(admin_client_user, make_case):
    case = make_case("draft")
    response = admin_client_user.post(
        "/admin/cases/assistancerequest/",
        {"action": "fire_transition", "_selected_action": [case.pk]},
    )
    assert response.status_code == 200
    assert "Fire a transition" in response.content.decode()
    assert case.reference in response.content.decode()


def test_status_is_not_editable_in_the_admin(admin_client_user, make_case):
    case = make_case("draft")
    response = admin_client_user.get(f"/admin/cases/assistancerequest/{case.pk}/change/")
    assert 'name="status"' not in response.content.decode()


def test_admin_creates_a_request_through_the_service(admin_client_user, orgs, users):
    response = admin_client_user.post(
        "/admin/cases/assistancerequest/add/",
        {
            "requesting_organization": orgs.recipient.pk,
            "title": "Marking machines",
            "budget_currency": "USD",
            "budget_amount": "25000",
            "priority": "1",
            "visibility": "all_donors",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = AssistanceRequest.objects.get()
    assert case.reference.startswith("REQ-")
    assert case.status == Status.DRAFT
    recipient = type(users.recipient).objects.get(pk=users.recipient.pk)
    assert recipient.has_perm("cases.view_assistancerequest", case)
    assert recipient.has_perm("cases.change_assistancerequest", case)
    assert not users.other_recipient.has_perm("cases.view_assistancerequest", case)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/cases/assistancerequest/",
        "/admin/cases/category/",
        "/admin/organizations/organization/",
        "/admin/accounts/user/",
        "/admin/cases/statuschange/",
        "/admin/notifications/notification/",
    ],
)
def test_admin_pages_render(admin_client_user, make_case, url):
    make_case("published")
    assert admin_client_user.get(url).status_code == 200


def test_a_requests_admin_history_shows_its_changes_and_reverts_nothing(
    admin_client_user, make_case, users
):
    from apps.cases import services

    case = make_case("published")
    services.request_update(actor=users.unoda, case=case, title="Mark every rifle")
    page = admin_client_user.get(f"/admin/cases/assistancerequest/{case.pk}/history/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Mark every rifle" in body
    assert str(users.unoda) in body
    latest = case.history.order_by("-history_date", "-history_id").first()
    revert = f"/admin/cases/assistancerequest/{case.pk}/history/{latest.history_id}/"
    assert admin_client_user.get(revert).status_code == 200  # an earlier version, to read
    assert admin_client_user.post(revert, {"title_en": "Put back"}).status_code == 403
    case.refresh_from_db()
    assert case.title_en == "Mark every rifle"
