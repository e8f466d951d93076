"""Every transition for every role, allowed and refused; refusals change nothing."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.cases import services
from apps.cases.models import AssistanceRequest, Status, StatusChange, Visibility
from apps.cases.workflow import DONOR_VISIBLE, TRANSITIONS, Role, path_to, transitions_from
from apps.core.exceptions import ApplicationError
from apps.followup.models import Agreement
from apps.funding.models import ExpressionOfInterest, InterestStatus
from apps.funding.services import interest_withdraw
from apps.notifications.models import Notification

from ..conftest import AGREEMENT, COMMENT, fire_step, submit_all_feedback

ACTORS = ["recipient", "other_recipient", "donor", "other_donor", "unoda", "outsider"]
CASES = [
    (name, source, actor)
    for name, t in TRANSITIONS.items()
    for source in sorted(t.source)
    for actor in ACTORS
]


def expected_allowed(transition, source, actor) -> bool:
    roles = TRANSITIONS[transition].roles
    if actor == "recipient":
        return Role.RECIPIENT in roles
    if actor == "donor":
        return Role.DONOR in roles and source in DONOR_VISIBLE
    if actor == "unoda":
        return Role.UNODA in roles
    return False


def satisfy_guards(*, users, case, transition):
    """Build what a transition's guards ask for, so the test is about roles and states."""
    if transition == "record_agreement" and not hasattr(case, "agreement"):
        # The row ``agreement_record`` writes just before it fires the transition.
        Agreement.objects.create(request=case, **AGREEMENT)
    if transition == "close":
        submit_all_feedback(users=users, case=case)


def snapshot(case):
    case = AssistanceRequest.objects.get(pk=case.pk)
    return (
        case.status,
        case.status_changed_at,
        StatusChange.objects.filter(request=case).count(),
        Notification.objects.count(),
    )


def satisfy_interest_guards(case, transition, orgs):
    """Set up the funding records the interest guards look at (tested in tests/funding)."""
    if transition == "register_interest":
        ExpressionOfInterest.objects.create(request=case, donor=orgs.donor)
    elif transition == "interest_withdrawn":
        case.interests.update(status=InterestStatus.WITHDRAWN)


@pytest.mark.parametrize(("transition", "source", "actor"), CASES)
def test_transition_by_role(
    make_case, orgs, users, django_capture_on_commit_callbacks, transition, source, actor
):
    # Only the donor "donor" is selected, so "other_donor" is a donor the visibility excludes.
    case = make_case(source, visibility=Visibility.SELECTED_DONORS)
    satisfy_interest_guards(case, transition, orgs)
    user = getattr(users, actor)
    satisfy_guards(users=users, case=case, transition=transition)
    before = snapshot(case)

    if expected_allowed(transition, source, actor):
        with django_capture_on_commit_callbacks(execute=True):
            change = services.request_transition(
                actor=user, case=case, transition=transition, comment=COMMENT
            )
        case.refresh_from_db()
        assert case.status == TRANSITIONS[transition].target
        assert (change.from_status, change.to_status) == (source, case.status)
        assert change.actor == user
        assert change.comment == COMMENT
        assert StatusChange.objects.filter(request=case).count() == before[2] + 1
    else:
        with pytest.raises(PermissionDenied):
            services.request_transition(
                actor=user, case=case, transition=transition, comment=COMMENT
            )
        assert snapshot(case) == before


WRONG_STATE = [
    (name, status) for name, t in TRANSITIONS.items() for status in Status if status not in t.source
]


@pytest.mark.parametrize(("transition", "status"), WRONG_STATE)
def test_transition_from_wrong_state_is_refused(make_case, users, transition, status):
    case = make_case(status)
    before = snapshot(case)
    with pytest.raises(ApplicationError) as error:
        services.request_transition(
            actor=users.unoda, case=case, transition=transition, comment=COMMENT
        )
    assert error.value.code == "invalid_transition"
    assert "not possible while the case is" in str(error.value)
    assert snapshot(case) == before


def test_unknown_transition_is_refused(make_case, users):
    case = make_case("under_review")
    before = snapshot(case)
    with pytest.raises(ApplicationError) as error:
        services.request_transition(actor=users.unoda, case=case, transition="teleport")
    assert error.value.code == "unknown_transition"
    assert "teleport" in str(error.value)
    assert snapshot(case) == before


@pytest.mark.parametrize("transition", [n for n, t in TRANSITIONS.items() if t.comment_required])
@pytest.mark.parametrize("comment", ["", "   "])
def test_required_comment_missing(make_case, users, transition, comment):
    source = sorted(TRANSITIONS[transition].source)[0]
    case = make_case(source)
    before = snapshot(case)
    with pytest.raises(ValidationError) as error:
        services.request_transition(
            actor=users.unoda, case=case, transition=transition, comment=comment
        )
    assert "comment" in error.value.message_dict
    assert snapshot(case) == before


def test_comment_required_exactly_for_revision_decline_withdraw():
    assert {n for n, t in TRANSITIONS.items() if t.comment_required} == {
        "return_for_revision",
        "decline",
        "withdraw",
    }


def test_every_state_is_reachable_and_has_a_way_on():
    terminal = {Status.CLOSED, Status.WITHDRAWN, Status.DECLINED}
    for status in Status:
        path_to(status)  # raises KeyError if unreachable
        assert bool(transitions_from(status)) == (status not in terminal)


def test_walk_draft_to_closed_records_every_step(make_case, orgs, users):
    case = make_case("draft")
    steps = path_to(Status.CLOSED)
    for name in steps:
        fire_step(orgs=orgs, users=users, case=case, transition=name)
    history = list(StatusChange.objects.filter(request=case).order_by("created_at", "pk"))
    assert [h.transition for h in history] == steps
    assert history[0].from_status == Status.DRAFT
    assert history[-1].to_status == Status.CLOSED
    assert all(a.to_status == b.from_status for a, b in itertools.pairwise(history))


def test_interest_withdrawn_returns_to_published(make_case, users):
    case = make_case("donor_interest")
    interest_withdraw(actor=users.donor, interest=case.interests.get())
    case.refresh_from_db()
    assert case.status == Status.PUBLISHED
    assert StatusChange.objects.filter(request=case).last().transition == "interest_withdrawn"


@pytest.mark.parametrize("transition", ["register_interest", "interest_withdrawn"])
def test_interest_transitions_are_guarded(make_case, users, transition):
    # Without an interest record (or with one still standing) the bare transition is refused.
    case = make_case("published" if transition == "register_interest" else "donor_interest")
    before = snapshot(case)
    with pytest.raises(ApplicationError) as error:
        services.request_transition(actor=users.unoda, case=case, transition=transition)
    assert error.value.code == "guard_failed"
    assert snapshot(case) == before


class TestPublishGuard:
    def test_unoda_only_visibility_cannot_be_published(self, make_case, users):
        case = make_case("under_review", visibility=Visibility.UNODA_ONLY)
        with pytest.raises(ApplicationError) as error:
            services.request_transition(actor=users.unoda, case=case, transition="publish")
        assert error.value.code == "guard_failed"
        case.refresh_from_db()
        assert case.status == Status.UNDER_REVIEW

    def test_selected_donors_needs_a_donor(self, make_case, users):
        case = make_case("under_review", visibility=Visibility.SELECTED_DONORS, selected_donors=[])
        with pytest.raises(ApplicationError, match="Select at least one donor"):
            services.request_transition(actor=users.unoda, case=case, transition="publish")
        case.refresh_from_db()
        assert case.status == Status.UNDER_REVIEW

    def test_completeness_threshold(self, make_case, users, settings):
        settings.PORTAL_PUBLISH_MIN_COMPLETENESS = 50
        case = make_case("under_review")  # objectives, beneficiaries, ownership, duration
        with pytest.raises(ApplicationError, match="40% complete"):
            services.request_transition(actor=users.unoda, case=case, transition="publish")
        services.request_update(
            actor=users.unoda,
            case=case,
            sustainability="The ministry budgets the maintenance from the third year on.",
        )
        services.request_transition(actor=users.unoda, case=case, transition="publish")
        case.refresh_from_db()
        assert case.status == Status.PUBLISHED


def test_expected_status_mismatch_is_a_conflict(make_case, users):
    case = make_case("under_review")
    stale = AssistanceRequest.objects.get(pk=case.pk)
    services.request_transition(actor=users.unoda, case=case, transition="publish")
    before = snapshot(case)
    from apps.core.exceptions import ConflictError

    with pytest.raises(ConflictError, match="changed by someone else"):
        services.request_transition(
            actor=users.unoda,
            case=stale,
            transition="decline",
            comment=COMMENT,
            expected_status=Status.UNDER_REVIEW,
        )
    assert snapshot(case) == before
