"""The queue's default view, "needs my action" (``apps.portal.selectors.needs_action``): for
each role the cases that wait on it, most urgent first."""

import datetime

import pytest
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Status
from apps.followup.models import Agreement, Feedback, FeedbackStatus
from apps.funding.models import Commitment
from apps.funding.services import commitment_create
from apps.portal.selectors import Urgency, needs_action
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _refs(queryset) -> list[str]:
    return [case.reference for case in queryset]


def _set(case, **fields):
    AssistanceRequest.objects.filter(pk=case.pk).update(**fields)


def _aged(case, days):
    _set(case, status_changed_at=timezone.now() - datetime.timedelta(days=days))


def test_unoda_sees_new_submissions_and_its_own_due_cases_most_urgent_first(users, make_case):
    today = timezone.localdate()
    colleague = UserFactory(username="colleague", is_unoda_officer=True)
    old_submission, new_submission = make_case("submitted"), make_case("submitted")
    _aged(old_submission, 10)
    _aged(new_submission, 1)
    reviewing_mine = make_case("under_review")
    _set(reviewing_mine, case_officer=users.unoda)
    reviewing_theirs = make_case("under_review")
    _set(reviewing_theirs, case_officer=colleague)
    late_mine = make_case("published")
    _set(late_mine, case_officer=users.unoda, due_date=today - datetime.timedelta(days=2))
    soon_mine = make_case("published")
    _set(soon_mine, case_officer=users.unoda, due_date=today + datetime.timedelta(days=3))
    later_mine = make_case("published")
    _set(later_mine, case_officer=users.unoda, due_date=today + datetime.timedelta(days=60))
    make_case("draft")  # the State's to write
    make_case("published")  # the donors' turn, nobody's date

    rows = list(needs_action(user=users.unoda))

    assert _refs(rows) == [
        late_mine.reference,
        soon_mine.reference,
        old_submission.reference,  # new submissions: the oldest first
        new_submission.reference,
        reviewing_mine.reference,
    ]
    assert [row.urgency for row in rows] == [
        Urgency.OVERDUE,
        Urgency.DUE_SOON,
        Urgency.NEW,
        Urgency.NEW,
        Urgency.WAITING,
    ]
    assert reviewing_theirs.reference in _refs(needs_action(user=colleague))
    assert late_mine.reference not in _refs(needs_action(user=colleague))


def test_a_state_sees_its_drafts_questions_and_reports_due(users, make_case):
    draft = make_case("draft")
    revision = make_case("needs_revision")
    make_case("submitted")  # UNODA's turn
    implementing = make_case("implementation")
    Agreement.objects.filter(request=implementing).update(
        first_unreported_period_end=timezone.localdate() - datetime.timedelta(days=5)
    )

    rows = list(needs_action(user=users.recipient))

    assert _refs(rows)[0] == implementing.reference
    assert rows[0].urgency == Urgency.OVERDUE
    assert set(_refs(rows)) == {draft.reference, revision.reference, implementing.reference}
    assert needs_action(user=users.other_recipient).count() == 0


def test_a_donor_sees_its_pledges_and_feedback_due(users, orgs, make_case):
    today = timezone.localdate()
    pledged_late = make_case("donor_interest")
    commitment_create(
        actor=users.donor,
        case=pledged_late,
        donor=orgs.donor,
        amount=1000,
        currency="USD",
        expected_commitment_date=today + datetime.timedelta(days=3),
    )
    feedback_due = make_case("feedback")
    make_case("published")  # interest is the donor's choice, not a duty
    assert Feedback.objects.filter(
        request=feedback_due, organization=orgs.donor, status=FeedbackStatus.PENDING
    ).exists()

    rows = list(needs_action(user=users.donor))

    assert _refs(rows) == [pledged_late.reference, feedback_due.reference]
    assert [row.urgency for row in rows] == [Urgency.DUE_SOON, Urgency.WAITING]
    Commitment.objects.filter(request=pledged_late).update(
        expected_commitment_date=today - datetime.timedelta(days=1)
    )
    assert needs_action(user=users.donor)[0].urgency == Urgency.OVERDUE
    assert needs_action(user=users.other_donor).count() == 0


def test_someone_of_no_side_needs_to_do_nothing(users, make_case):
    make_case("submitted")
    assert needs_action(user=users.outsider).count() == 0


def test_the_default_queue_is_needs_my_action_and_all_cases_are_one_tab_away(
    client, users, make_case
):
    submitted, published = make_case("submitted"), make_case("published")
    client.force_login(users.unoda)
    body = client.get("/cases/").content.decode()
    assert submitted.reference in body
    assert published.reference not in body
    assert "New submission" in body
    assert 'href="?view=needs" aria-current="page"' in body
    body = client.get("/cases/", {"view": "all"}).content.decode()
    assert published.reference in body
    assert submitted.reference in body


def test_the_needs_tab_counts_on_the_needs_view_only(client, users, make_case):
    for _n in range(3):
        make_case("submitted")
    make_case("published")
    client.force_login(users.unoda)
    body = client.get("/cases/").content.decode()
    assert 'aria-current="page">Needs my action <span class="count">3</span>' in body
    assert body.count("New submission") == 3  # each row's urgency, read with its key
    # Another view does not pay the needs view's query for the figure.
    assert '<span class="count">' not in client.get("/cases/", {"view": "all"}).content.decode()


def test_new_submissions_are_on_the_first_page(client, users, make_case, monkeypatch):
    from apps.portal import views

    monkeypatch.setattr(views.RequestListView, "paginate_by", 2)
    for _n in range(3):
        old = make_case("under_review")
        _set(old, case_officer=users.unoda)
        _aged(old, 100)
    submitted = make_case("submitted")
    client.force_login(users.unoda)
    assert submitted.reference in client.get("/cases/").content.decode()


def test_the_needs_view_reads_a_bounded_number_of_queries(
    client, users, make_case, django_assert_max_num_queries
):
    for status in ("submitted", "under_review"):
        make_case(status)
    client.force_login(users.unoda)
    with django_assert_max_num_queries(22) as few:
        client.get("/cases/")
    for status in ("submitted", "under_review", "submitted", "agreement"):
        make_case(status)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/cases/")


@pytest.mark.parametrize("who", ["recipient", "donor"])
def test_others_than_unoda_have_needs_and_all_only(client, users, who):
    client.force_login(getattr(users, who))
    body = client.get("/cases/").content.decode()
    assert "?view=needs" in body
    assert "?view=all" in body
    assert "?view=unassigned" not in body
    assert client.get("/cases/", {"view": "unassigned"}).status_code == 200


def test_status_is_a_filter_within_the_view(users, make_case):
    submitted = make_case("submitted")
    make_case("under_review")
    rows = needs_action(user=users.unoda, filters={"status": Status.SUBMITTED})
    assert _refs(rows) == [submitted.reference]


def test_a_state_and_a_donor_read_the_same_queries_whatever_waits_on_them(
    client, users, orgs, make_case
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_rows():
        make_case("draft")
        make_case("needs_revision")
        pledged = make_case("donor_interest")
        commitment_create(
            actor=users.donor, case=pledged, donor=orgs.donor, amount=1000, currency="USD"
        )
        return pledged

    first = add_rows()
    counts = {}
    for who in ("recipient", "donor"):
        client.force_login(getattr(users, who))
        client.get("/cases/")  # the reference data and the session, read once
        with CaptureQueriesContext(connection) as few:
            assert client.get("/cases/").status_code == 200
        counts[who] = len(few)
    more = [add_rows() for _n in range(3)]
    for who in ("recipient", "donor"):
        client.force_login(getattr(users, who))
        client.get("/cases/")
        with CaptureQueriesContext(connection) as many:
            body = client.get("/cases/").content.decode()
        assert len(many) == counts[who]
    # The donor's page lists every pledge it has to make firm.
    for case in [first, *more]:
        assert case.reference in body
