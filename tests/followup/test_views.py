"""Pages: a party's feedback form (sealed from the others), UNODA's plan and overdue pages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.followup import services
from apps.followup.models import Feedback, FeedbackStatus
from apps.followup.views import OverdueListView

from ..conftest import RATINGS


def test_party_fills_and_submits_its_feedback_on_the_page(client, feedback_case, users, orgs):
    client.force_login(users.donor)
    url = f"/followup/{feedback_case.reference}/feedback/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="overall"' in page.content.decode()
    response = client.post(url, {**RATINGS, "what_worked": "Fast start", "seal": ""})
    assert response.status_code == 302
    own = Feedback.objects.get(request=feedback_case, organization=orgs.donor)
    assert own.status == FeedbackStatus.SUBMITTED
    assert own.what_worked == "Fast start"
    # Read-only after submission: no form any more.
    assert 'name="overall"' not in client.get(url).content.decode()


def test_page_refuses_a_rating_of_6_and_changes_nothing(client, feedback_case, users, orgs):
    client.force_login(users.recipient)
    url = f"/followup/{feedback_case.reference}/feedback/"
    response = client.post(url, {**RATINGS, "overall": 6, "seal": ""})
    assert response.status_code == 400
    own = Feedback.objects.get(request=feedback_case, organization=orgs.recipient)
    assert (own.status, own.overall) == (FeedbackStatus.PENDING, None)


def test_sealed_feedback_is_not_shown_to_the_other_party(client, feedback_case, users):
    services.feedback_submit(
        actor=users.donor, case=feedback_case, what_worked="Secret donor view", **RATINGS
    )
    client.force_login(users.recipient)
    page = client.get(f"/followup/{feedback_case.reference}/feedback/").content.decode()
    assert "Secret donor view" not in page
    client.force_login(users.unoda)
    page = client.get(f"/followup/{feedback_case.reference}/feedback/").content.decode()
    assert "Secret donor view" in page


def test_feedback_page_is_404_for_who_cannot_see_the_case(client, feedback_case, users):
    client.force_login(users.other_recipient)
    assert client.get(f"/followup/{feedback_case.reference}/feedback/").status_code == 404


def test_plan_page_shows_overdue_to_the_case_parties(client, feedback_case, users):
    milestone = feedback_case.agreement.milestones.create(
        title="Depot fence", due_date=datetime.date(2020, 1, 1)
    )
    client.force_login(users.unoda)
    page = client.get(f"/followup/{feedback_case.reference}/plan/")
    assert page.status_code == 200
    assert milestone.title in page.content.decode()
    assert "Overdue" in page.content.decode()
    # The State follows its own plan (and files its reports there); outsiders get a 404.
    client.force_login(users.recipient)
    assert client.get(f"/followup/{feedback_case.reference}/plan/").status_code == 200
    client.force_login(users.outsider)
    assert client.get(f"/followup/{feedback_case.reference}/plan/").status_code == 404


@pytest.mark.parametrize(("actor", "status"), [("unoda", 200), ("donor", 403)])
def test_overdue_list_page(client, users, actor, status, db):
    client.force_login(getattr(users, actor))
    assert client.get("/followup/overdue/").status_code == status


def test_case_page_links_to_the_follow_up(client, feedback_case, users):
    client.force_login(users.recipient)
    page = client.get(f"/cases/{feedback_case.reference}/").content.decode()
    assert f"/followup/{feedback_case.reference}/feedback/" in page
    assert f"/followup/{feedback_case.reference}/plan/" in page
    client.force_login(users.unoda)
    page = client.get(f"/cases/{feedback_case.reference}/").content.decode()
    assert f"/followup/{feedback_case.reference}/plan/" in page


def test_feedback_draft_and_submit_are_two_buttons(client, feedback_case, users, orgs):
    client.force_login(users.recipient)
    url = f"/followup/{feedback_case.reference}/feedback/"
    page = client.get(url).content.decode()
    assert 'name="save_draft"' in page
    assert 'name="seal" data-confirm=' in page
    response = client.post(url, {**RATINGS, "what_worked": "Draft words", "save_draft": ""})
    assert response.status_code == 302
    own = Feedback.objects.get(request=feedback_case, organization=orgs.recipient)
    assert (own.status, own.what_worked) == (FeedbackStatus.PENDING, "Draft words")
    # Without a button's choice nothing is saved or sealed.
    client.post(url, {**RATINGS, "what_worked": "Other words"})
    own.refresh_from_db()
    assert (own.status, own.what_worked) == (FeedbackStatus.PENDING, "Draft words")


def test_unoda_waives_a_silent_partys_feedback_and_withdraws_the_waiver(
    client, feedback_case, users, orgs
):
    from apps.followup.models import FeedbackWaiver

    assert not users.unoda.is_staff
    client.force_login(users.unoda)
    url = f"/followup/{feedback_case.reference}/feedback/"
    page = client.get(url).content.decode()
    assert "Waive a party" in page
    # A waiver needs its reason: refused next to the field, nothing recorded.
    response = client.post(url, {"form": "waive", "organization": orgs.donor.pk, "reason": " "})
    assert response.status_code == 400
    assert not FeedbackWaiver.objects.exists()
    client.post(url, {"form": "waive", "organization": orgs.donor.pk, "reason": "No answer"})
    waiver = FeedbackWaiver.objects.get(request=feedback_case)
    assert (waiver.organization, waiver.reason) == (orgs.donor, "No answer")
    # The same party cannot be waived twice (a double click): it is no longer offered.
    response = client.post(url, {"form": "waive", "organization": orgs.donor.pk, "reason": "x"})
    assert response.status_code == 400
    assert FeedbackWaiver.objects.count() == 1
    assert "No answer" in client.get(url).content.decode()
    client.post(url, {"form": "withdraw-waiver", "waiver": waiver.pk})
    assert not FeedbackWaiver.objects.exists()
    # A State official cannot waive.
    client.force_login(users.recipient)
    response = client.post(
        url, {"form": "waive", "organization": orgs.donor.pk, "reason": "x"}, follow=True
    )
    assert not FeedbackWaiver.objects.exists()
    assert "no feedback to waive" in response.content.decode()


def test_overdue_list_reads_as_many_queries_for_more_cases_and_pages_through_them(
    client, make_case, users, monkeypatch
):
    def late_case():
        case = make_case("implementation")
        agreement = case.agreement
        services.milestone_create(
            actor=users.unoda,
            agreement=agreement,
            title="Late",
            due_date=agreement.start_date + datetime.timedelta(days=1),
        )
        return case

    monkeypatch.setattr(OverdueListView, "PER_PAGE", 2)
    client.force_login(users.unoda)
    cases = [late_case()]
    client.get("/followup/overdue/")
    with CaptureQueriesContext(connection) as few:
        client.get("/followup/overdue/")
    cases += [late_case() for _ in range(3)]
    make_case("implementation")  # nothing overdue: not listed
    with CaptureQueriesContext(connection) as more:
        first = client.get("/followup/overdue/").content.decode()
    assert len(more) == len(few)
    second = client.get("/followup/overdue/?page=2").content.decode()
    references = sorted(case.reference for case in cases)
    # Page 1 shows the first two, with a link to page 2, which shows the two that did not fit.
    assert [ref for ref in references if ref in first] == references[:2]
    assert "?page=2" in first
    assert [ref for ref in references if ref in second] == references[2:]
