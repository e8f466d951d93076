"""The whole follow-up of a co-funded case, from publication to closure, through the services."""

import datetime

from apps.cases import selectors as case_selectors
from apps.cases import services as case_services
from apps.cases.models import Status, StatusChange
from apps.cases.permissions import access_of
from apps.followup import selectors, services
from apps.followup.models import Feedback, FeedbackStatus, PartyRole, ProgressStatus
from apps.funding.services import interest_express

from ..conftest import RATINGS
from .conftest import TODAY, agreement_data


def visible_feedback(user, case):
    return {f.organization.name for f in selectors.feedback_list(user=user, case=case)}


def test_published_to_closed_with_two_cofunding_donors(
    make_case, orgs, users, partner, partner_user
):
    case = make_case("published")
    interest_express(actor=users.donor, case=case, donor=orgs.donor, message="Interested")
    assert not case_selectors.request_list(user=partner_user).filter(pk=case.pk).exists()

    # Agreement: recording it moves the case on, in one step.
    agreement = services.agreement_record(
        actor=users.unoda,
        case=case,
        donors=[orgs.donor, orgs.other_donor],
        implementing_partner=partner,
        **agreement_data(),
    )
    case.refresh_from_db()
    assert case.status == Status.AGREEMENT
    assert set(agreement.donors.all()) == {orgs.donor, orgs.other_donor}
    # The implementing partner now sees the case.
    assert case_selectors.request_list(user=partner_user).filter(pk=case.pk).exists()

    # Implementation: UNODA and the State set milestones; the partner and the State report.
    case_services.request_transition(
        actor=users.unoda, case=case, transition="start_implementation"
    )
    services.milestone_create(
        actor=users.unoda, agreement=agreement, title="Assessment", due_date=TODAY.replace(month=3)
    )
    late = services.milestone_create(
        actor=users.recipient,
        agreement=agreement,
        title="Doors fitted",
        due_date=TODAY.replace(month=6),
    )
    services.progress_report_submit(
        actor=partner_user,
        agreement=agreement,
        period_start=datetime.date(2026, 2, 1),
        period_end=datetime.date(2026, 4, 30),
        status=ProgressStatus.ON_TRACK,
        percent_done=30,
        narrative="Assessment done.",
    )
    services.progress_report_submit(
        actor=users.recipient,
        agreement=agreement,
        period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 7, 31),
        status=ProgressStatus.DELAYED,
        percent_done=45,
        narrative="Procurement slow.",
    )
    services.milestone_complete(
        actor=users.unoda,
        milestone=agreement.milestones.get(title="Assessment"),
        completed_on=TODAY.replace(month=3),
    )
    overview = selectors.implementation_overview(access=access_of(users.unoda, case), today=TODAY)
    assert [m.title for m in overview.overdue_milestones] == [late.title]
    assert [(p.start, p.reported) for p in overview.periods] == [
        (datetime.date(2026, 2, 1), True),
        (datetime.date(2026, 5, 1), True),
        (datetime.date(2026, 8, 1), False),
    ]
    assert overview.overdue_periods == []  # the third period has not ended yet
    assert len(overview.reports) == 2

    # Completion opens one feedback request per party.
    case_services.request_transition(actor=users.unoda, case=case, transition="complete")
    case.refresh_from_db()
    assert case.status == Status.FEEDBACK
    assert {(f.organization, f.role, f.status) for f in Feedback.objects.filter(request=case)} == {
        (orgs.recipient, PartyRole.RECIPIENT, FeedbackStatus.PENDING),
        (orgs.donor, PartyRole.DONOR, FeedbackStatus.PENDING),
        (orgs.other_donor, PartyRole.DONOR, FeedbackStatus.PENDING),
    }

    # Feedback is sealed until every party has submitted.
    services.feedback_save(actor=users.recipient, case=case, relevance=4)
    services.feedback_submit(actor=users.recipient, case=case, **RATINGS)
    services.feedback_submit(actor=users.donor, case=case, **{**RATINGS, "overall": 5})
    assert visible_feedback(users.donor, case) == {"Japan"}
    assert visible_feedback(users.recipient, case) == {"Sierra Leone"}
    assert visible_feedback(users.unoda, case) == {"Sierra Leone", "Japan", "Norway"}
    assert visible_feedback(partner_user, case) == set()
    services.feedback_submit(
        actor=users.other_donor, case=case, would_work_together_again=True, **RATINGS
    )
    assert visible_feedback(users.donor, case) == {"Sierra Leone", "Japan", "Norway"}
    assert visible_feedback(users.recipient, case) == {"Sierra Leone", "Japan", "Norway"}
    assert visible_feedback(users.outsider, case) == set()
    assert visible_feedback(users.other_recipient, case) == set()

    case_services.request_transition(actor=users.unoda, case=case, transition="close")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert list(StatusChange.objects.filter(request=case).values_list("transition", flat=True))[
        -5:
    ] == ["register_interest", "record_agreement", "start_implementation", "complete", "close"]
    # Donors of the agreement and the partner keep seeing the closed case.
    for user in (users.donor, users.other_donor, partner_user):
        assert case_selectors.request_list(user=user).filter(pk=case.pk).exists()
