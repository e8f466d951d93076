"""The follow-up admin: saves go through the services; refusals are messages, nothing saved."""

import pytest

from apps.followup import services
from apps.followup.models import FeedbackWaiver, Milestone, ProgressReport

from ..conftest import RATINGS
from ..factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_waiver_for_a_party_that_submitted_is_a_message(admin_client, feedback_case, orgs, users):
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    response = admin_client.post(
        "/admin/followup/feedbackwaiver/add/",
        {"request": feedback_case.pk, "organization": orgs.donor.pk, "reason": "Late."},
        follow=True,
    )
    assert response.status_code == 200
    assert "has already submitted its feedback" in response.content.decode()
    assert not FeedbackWaiver.objects.exists()


def test_progress_report_in_the_admin_goes_through_the_service(
    admin_client, feedback_case, partner
):
    # The case is past implementation: the service refuses, the admin says so.
    response = admin_client.post(
        "/admin/followup/progressreport/add/",
        {
            "agreement": feedback_case.agreement.pk,
            "organization": partner.pk,
            "period_start": "2026-02-01",
            "period_end": "2026-04-30",
            "status": "on_track",
            "percent_done": "10",
            "narrative": "Late report.",
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
        follow=True,
    )
    assert "during implementation" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_milestone_admin_action_marks_done(admin_client, cofunded_case, users):
    milestone = services.milestone_create(
        actor=users.unoda, agreement=cofunded_case.agreement, title="Fence", due_date="2026-05-01"
    )
    admin_client.post(
        "/admin/followup/milestone/",
        {"action": "mark_done", "_selected_action": [milestone.pk]},
    )
    assert Milestone.objects.get(pk=milestone.pk).completed_on is not None


@pytest.mark.parametrize(
    "url",
    [
        "/admin/followup/agreement/",
        "/admin/followup/agreementchange/",
        "/admin/followup/feedback/",
        "/admin/followup/feedbackwaiver/",
        "/admin/followup/progressreport/",
        "/admin/followup/milestone/",
    ],
)
def test_admin_lists_load(admin_client, feedback_case, url):
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(f"{url}?q={feedback_case.reference}").status_code == 200


def test_admin_change_pages_load(admin_client, feedback_case):
    agreement = feedback_case.agreement
    assert admin_client.get(f"/admin/followup/agreement/{agreement.pk}/change/").status_code == 200
    feedback = feedback_case.feedback.first()
    page = admin_client.get(f"/admin/followup/feedback/{feedback.pk}/change/")
    assert page.status_code == 200
    assert 'name="overall"' not in page.content.decode()  # the party's voice is read-only


def test_a_progress_report_cannot_be_deleted_in_the_admin(admin_client, make_case, users):
    import datetime

    from apps.followup.services import progress_report_submit

    case = make_case("implementation")
    report = progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 4, 30),
        status="on_track",
        percent_done=20,
        narrative="Doors fitted.",
    )
    response = admin_client.post(
        f"/admin/followup/progressreport/{report.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    response = admin_client.post(
        "/admin/followup/progressreport/",
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )
    assert ProgressReport.objects.filter(pk=report.pk).exists()


def _admin_agreement_data(agreement, **overrides):
    data = {
        "signed_on": agreement.signed_on.isoformat(),
        "donors": [d.pk for d in agreement.donors.all()],
        "implementing_partner": agreement.implementing_partner_id or "",
        "amount": str(agreement.amount),
        "currency": agreement.currency,
        "start_date": agreement.start_date.isoformat(),
        "end_date": agreement.end_date.isoformat(),
        "cooperation_type": agreement.cooperation_type,
        "reporting_interval_months": agreement.reporting_interval_months,
        "notes": agreement.notes,
    }
    for prefix in ("documents", "milestones", "reports"):
        data[f"{prefix}-TOTAL_FORMS"] = "0"
        data[f"{prefix}-INITIAL_FORMS"] = "0"
    data.update(overrides)
    return data


def test_an_agreement_change_in_the_admin_says_why_and_is_kept(admin_client, cofunded_case):
    from apps.followup.models import AgreementChange

    agreement = cofunded_case.agreement
    url = f"/admin/followup/agreement/{agreement.pk}/change/"
    refused = admin_client.post(url, _admin_agreement_data(agreement, notes="Fixed"))
    assert refused.status_code == 200  # the form again, with its errors
    assert "Please say why the agreement changes." in refused.content.decode()
    assert not AgreementChange.objects.exists()
    response = admin_client.post(
        url,
        _admin_agreement_data(
            agreement, notes="Fixed", change_kind="correction", change_reason="Typo."
        ),
    )
    assert response.status_code == 302
    change = AgreementChange.objects.get()
    assert change.changes == {"notes": ["", "Fixed"]}
    assert change.reason == "Typo."
    assert "Notes: \N{EN DASH} → Fixed" in admin_client.get(url).content.decode()
