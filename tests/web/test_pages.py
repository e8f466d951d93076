"""Portal pages: status codes, what each role sees, refusals as messages (never a 500)."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.cases.models import AssistanceRequest, Comment, CommentVisibility, Status
from apps.cases.services import comment_add
from apps.funding.models import Commitment, ExpressionOfInterest

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_password_reset_sends_an_email_with_a_working_link(client, users):
    response = client.post("/accounts/password-reset/", {"email": users.recipient.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1].strip()
    page = client.get(path, follow=True)
    assert "Choose a new password" in page.content.decode()


@pytest.mark.parametrize("who", ["recipient", "donor", "unoda"])
def test_home_page_per_role(client, users, make_case, who):
    make_case("published")
    client.force_login(getattr(users, who))
    body = client.get("/").content.decode()
    assert "Welcome" in body
    if who == "unoda":
        assert "Waiting for triage" in body
        assert "Unassigned" in body
    if who == "recipient":
        assert "Questions from UNODA" in body
    if who == "donor":
        assert "Needs matching your offers" in body


def test_recipient_home_shows_the_question_from_unoda(client, users, make_case):
    case = make_case("needs_revision")
    client.force_login(users.recipient)
    body = client.get("/").content.decode()
    assert case.reference in body
    assert "Because the test says so." in body


def test_queue_filters_sort_search_and_csv(client, users, make_case):
    submitted = make_case("submitted", title="=HYPERLINK(evil)")
    published = make_case("published", title="Train customs officers")
    client.force_login(users.unoda)
    body = client.get("/cases/", {"view": "all", "status": "submitted"}).content.decode()
    assert submitted.reference in body
    assert published.reference not in body
    body = client.get("/cases/", {"view": "all", "q": "customs", "sort": "-days"}).content.decode()
    assert published.reference in body
    assert submitted.reference not in body
    exported = client.get("/cases/export.csv", {"view": "all", "status": "submitted"})
    csv = exported.getvalue().decode()
    assert submitted.reference in csv
    assert published.reference not in csv
    assert "'=HYPERLINK(evil)" in csv


def test_a_long_queue_says_more_than_and_pages_on(client, users, make_case, monkeypatch):
    from apps.portal import views

    monkeypatch.setattr(views.RequestListView, "count_cap", 2)
    monkeypatch.setattr(views.RequestListView, "paginate_by", 2)
    for _n in range(5):
        make_case("submitted")
    client.force_login(users.unoda)
    first = client.get("/cases/").content.decode()
    assert "More than 2 cases" in first
    assert "Page 1</span>" in first
    assert "page=2" in first
    third = client.get("/cases/?page=3").content.decode()
    assert "5 cases" in third
    assert "Page 3 of 3" in third


def test_queue_saved_views(client, users, make_case):
    mine = make_case("submitted")
    late = make_case("published")
    AssistanceRequest.objects.filter(pk=late.pk).update(due_date=datetime.date(2020, 1, 1))
    AssistanceRequest.objects.filter(pk=mine.pk).update(case_officer=users.unoda)
    client.force_login(users.unoda)
    body = client.get("/cases/", {"view": "mine"}).content.decode()
    assert mine.reference in body
    assert late.reference not in body
    body = client.get("/cases/", {"view": "overdue"}).content.decode()
    assert late.reference in body
    assert mine.reference not in body
    body = client.get("/cases/", {"view": "unassigned"}).content.decode()
    assert late.reference in body
    assert mine.reference not in body


def test_queue_query_count_does_not_grow_with_rows(
    client, users, make_case, django_assert_max_num_queries
):
    for _index in range(3):
        make_case("published")
    client.force_login(users.unoda)
    with django_assert_max_num_queries(20) as few:
        client.get("/cases/?view=all")
    for _index in range(6):
        # Assigned, with a budget in another currency: every cell of the row is read.
        case = make_case("published", budget_amount=1000, budget_currency="EUR")
        AssistanceRequest.objects.filter(pk=case.pk).update(case_officer=users.unoda)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the EUR rate
        body = client.get("/cases/?view=all").content.decode()
    officer = users.unoda.get_full_name() or users.unoda.username
    assert body.count(f'<td data-label="Case officer">{officer}</td>') == 6


def test_htmx_filter_returns_only_the_table(client, users, make_case):
    make_case("submitted")
    client.force_login(users.unoda)
    body = client.get(
        "/cases/", {"status": "submitted"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    ).content.decode()
    assert "<html" not in body
    assert "table" in body


def test_bulk_assign(client, users, make_case):
    one, two = make_case("submitted"), make_case("submitted")
    officer = users.unoda
    client.force_login(officer)
    response = client.post(
        "/cases/bulk-assign/",
        {"officer": officer.pk, "cases": [one.reference, two.reference]},
        follow=True,
    )
    assert "2 cases assigned" in response.content.decode()
    assert set(AssistanceRequest.objects.values_list("case_officer", flat=True)) == {officer.pk}


def test_bulk_assign_is_refused_to_others(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.recipient)
    response = client.post(
        "/cases/bulk-assign/", {"officer": users.unoda.pk, "cases": [case.reference]}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.case_officer is None


def test_queue_is_scoped_for_donors(client, users, make_case):
    draft, published = make_case("draft"), make_case("published")
    client.force_login(users.donor)
    body = client.get("/cases/?view=all").content.decode()
    assert published.reference in body
    assert draft.reference not in body
    assert "Bulk assign" not in body


def test_step_form_saves_and_unoda_on_behalf_is_recorded(client, users, orgs):
    client.force_login(users.unoda)
    response = client.post(
        "/cases/new/", {"organization": orgs.recipient.pk, "title": "Border posts"}
    )
    case = AssistanceRequest.objects.get()
    assert response["Location"] == f"/cases/{case.reference}/edit/basics/"
    assert case.filled_by_unoda is True
    response = client.post(
        f"/cases/{case.reference}/edit/objectives/",
        {"objectives": "Secure borders.", "activities": "Posts."},
    )
    assert response["Location"] == f"/cases/{case.reference}/edit/results/"
    case.refresh_from_db()
    assert case.objectives == "Secure borders."
    page = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Filled in by UNODA on the State" in page


def test_recipient_creates_only_for_own_state(client, users, orgs):
    client.force_login(users.recipient)
    response = client.post(
        "/cases/new/", {"organization": orgs.other_recipient.pk, "title": "Not ours"}
    )
    assert response.status_code == 200  # the form refuses the choice
    assert not AssistanceRequest.objects.exists()
    client.post("/cases/new/", {"organization": orgs.recipient.pk, "title": "Ours"})
    assert AssistanceRequest.objects.get().filled_by_unoda is False


def test_editing_a_submitted_request_is_refused_to_the_state(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.recipient)
    assert client.get(f"/cases/{case.reference}/edit/basics/").status_code == 403


def test_attachments_checked_and_served_through_the_view(
    client, users, make_case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case("draft")
    client.force_login(users.recipient)
    bad = SimpleUploadedFile("virus.exe", b"MZ")
    response = client.post(
        f"/cases/{case.reference}/attachments/",
        {"kind": "other", "title": "x", "file": bad},
        follow=True,
    )
    assert "not accepted" in response.content.decode()
    good = SimpleUploadedFile("proposal.pdf", b"%PDF-1.4")
    client.post(
        f"/cases/{case.reference}/attachments/", {"kind": "proposal", "title": "P", "file": good}
    )
    attachment = case.attachments.get()
    url = f"/cases/{case.reference}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 200
    client.force_login(users.donor)  # a draft is not the donor's to see
    assert client.get(url).status_code == 404


def test_internal_comments_are_for_unoda_only(client, users, make_case):
    case = make_case("published")
    comment_add(actor=users.unoda, case=case, body="Internal note", visibility="internal")
    comment_add(actor=users.unoda, case=case, body="Shared note")
    client.force_login(users.donor)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Shared note" in body
    assert "Internal note" not in body
    client.force_login(users.unoda)
    assert "Internal note" in client.get(f"/cases/{case.reference}/").content.decode()


def test_a_donor_cannot_post_an_internal_comment(client, users, make_case):
    case = make_case("published")
    client.force_login(users.donor)
    response = client.post(
        f"/cases/{case.reference}/comment/",
        {"body": "Sneaky", "visibility": CommentVisibility.INTERNAL},
    )
    # The case page again, the refusal shown and the text kept for the donor to post shared.
    assert response.status_code == 400
    assert "Only UNODA officers write internal comments" in response.content.decode()
    assert "Sneaky</textarea>" in response.content.decode()
    assert not Comment.objects.exists()


def test_refused_transition_is_a_message_not_a_500(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.recipient)
    response = client.post(
        f"/cases/{case.reference}/transition/", {"transition": "publish"}, follow=True
    )
    assert response.status_code == 400  # the case page again, with the refusal
    assert "not allowed" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_stale_click_is_a_conflict_message(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.unoda)
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {"transition": "start_review", "expected_status": "draft"},
        follow=True,
    )
    assert "changed by someone else" in response.content.decode()


def test_case_page_buttons_follow_the_role(client, users, make_case):
    case = make_case("under_review")
    client.force_login(users.unoda)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Publish to donors" in body
    assert "Return for revision" in body
    client.force_login(users.recipient)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert "Publish to donors" not in body


def test_case_detail_is_404_for_outsiders(client, users, make_case):
    case = make_case("published")
    client.force_login(users.outsider)
    assert client.get(f"/cases/{case.reference}/").status_code == 404


def test_donor_expresses_interest_and_sees_needs(client, users, orgs, make_case):
    case = make_case("published")
    client.force_login(users.donor)
    assert case.reference in client.get("/funding/needs/").content.decode()
    response = client.post(
        f"/funding/{case.reference}/interest/", {"donor": orgs.donor.pk}, follow=True
    )
    assert "Interest recorded" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.DONOR_INTEREST
    again = client.post(
        f"/funding/{case.reference}/interest/", {"donor": orgs.donor.pk}, follow=True
    )
    assert "already expressed interest" in again.content.decode()


def test_donor_cannot_act_for_another_donor(client, users, orgs, make_case):
    case = make_case("published")
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{case.reference}/interest/", {"donor": orgs.other_donor.pk}, follow=True
    )
    assert "your own donor organization" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED


def test_donor_desk_offer_and_commitment_inline_updates(client, users, orgs, make_case):
    case = make_case("published", budget_amount=100000)
    client.force_login(users.donor)
    response = client.post(
        "/funding/offers/new/",
        {
            "donor": orgs.donor.pk,
            "title": "Stockpile help",
            "currency": "USD",
            "cooperation_type": "regional",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    client.post(
        f"/funding/{case.reference}/commitment/",
        {"donor": orgs.donor.pk, "amount": "50000", "currency": "USD", "status": "pledged"},
    )
    commitment = case.commitments.get()
    row = client.post(
        f"/funding/commitments/{commitment.pk}/confirm/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert row.startswith('<tr id="commitment-')
    assert "Committed" in row
    row = client.post(
        f"/funding/commitments/{commitment.pk}/disburse/",
        {f"c{commitment.pk}-amount": "90000", f"c{commitment.pk}-date": "2026-01-01"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "error" in row  # more than committed: refused, shown in the row
    desk = client.get("/funding/desk/").content.decode()
    assert "Stockpile help" in desk
    assert case.reference in desk


def test_agreement_page_is_unoda_only(client, users, make_case):
    case = make_case("donor_interest")
    client.force_login(users.donor)
    assert client.get(f"/followup/{case.reference}/agreement/").status_code == 403
    client.force_login(users.unoda)
    assert client.get(f"/followup/{case.reference}/agreement/").status_code == 200


def test_progress_report_refused_outside_implementation(client, users, make_case):
    case = make_case("agreement")
    client.force_login(users.recipient)
    response = client.post(
        f"/followup/{case.reference}/plan/",
        {
            "form": "report",
            "period_start": "2026-02-01",
            "period_end": "2026-04-30",
            "status": "on_track",
            "percent_done": "10",
            "narrative": "Early.",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "during implementation" in response.content.decode()


def test_static_files_are_served_by_the_app(client):
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_a_refused_transition_keeps_the_reason_typed(client, users, make_case):
    case = make_case("submitted")
    client.force_login(users.unoda)
    response = client.post(
        f"/cases/{case.reference}/transition/",
        {
            "transition": "decline",
            "comment": "Outside the Programme of Action",
            "expected_status": "draft",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "changed by someone else" in content
    assert ">Outside the Programme of Action</textarea>" in content
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_a_pledge_with_a_bad_amount_is_shown_again_with_its_error(client, users, orgs, make_case):
    case = make_case("published")
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{case.reference}/commitment/",
        {"donor": orgs.donor.pk, "amount": "12 thousand", "currency": "eur", "status": "pledged"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter a number, such as 0.92 or 1234.5." in content  # decimal_parse's message
    assert 'value="12 thousand"' in content  # kept as typed
    assert 'value="eur"' in content
    assert not Commitment.objects.exists()


def test_a_refused_interest_keeps_its_message(client, users, orgs, make_case):
    case = make_case("published")
    client.force_login(users.donor)
    response = client.post(
        f"/funding/{case.reference}/interest/",
        {"donor": orgs.other_donor.pk, "message": "We can fund the locks."},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "only express interest for your own donor organization" in content
    assert not ExpressionOfInterest.objects.exists()
