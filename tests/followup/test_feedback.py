"""Feedback rules: ratings 1-5, parties only, once each, sealed; closing needs all or a waiver.
Every refusal is a clear error and changes nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from apps.cases import services as case_services
from apps.cases.models import AssistanceRequest, Status, StatusChange
from apps.core.exceptions import ApplicationError
from apps.followup import services
from apps.followup.models import Feedback, FeedbackStatus, FeedbackWaiver, PartyRole
from apps.followup.selectors import feedback_list

from ..conftest import RATINGS


def state(case):
    case = AssistanceRequest.objects.get(pk=case.pk)
    return (
        case.status,
        StatusChange.objects.filter(request=case).count(),
        [model_to_dict(f) | {"status": f.status} for f in Feedback.objects.filter(request=case)],
        FeedbackWaiver.objects.filter(request=case).count(),
    )


@pytest.mark.parametrize("value", [0, 6, -1, 99])
@pytest.mark.parametrize("service", ["feedback_save", "feedback_submit"])
def test_rating_outside_1_to_5_is_refused(feedback_case, users, value, service):
    before = state(feedback_case)
    with pytest.raises(ValidationError) as error:
        getattr(services, service)(
            actor=users.recipient, case=feedback_case, **{**RATINGS, "impact": value}
        )
    assert "impact" in error.value.message_dict
    assert state(feedback_case) == before


def test_the_database_refuses_ratings_outside_1_to_5(feedback_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.filter(request=feedback_case).update(overall=6)


@pytest.mark.parametrize("actor", ["other_recipient", "outsider", "unoda"])
def test_feedback_by_someone_not_party_to_the_case_is_refused(feedback_case, users, actor):
    before = state(feedback_case)
    with pytest.raises(PermissionDenied) as error:
        services.feedback_submit(actor=getattr(users, actor), case=feedback_case, **RATINGS)
    assert "Only the parties of this case" in str(error.value)
    assert state(feedback_case) == before


def test_implementing_partner_is_not_a_feedback_party(feedback_case, partner_user):
    before = state(feedback_case)
    with pytest.raises(PermissionDenied):
        services.feedback_submit(actor=partner_user, case=feedback_case, **RATINGS)
    assert state(feedback_case) == before


def test_a_second_feedback_by_the_same_party_is_refused(feedback_case, users):
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    before = state(feedback_case)
    with pytest.raises(ApplicationError) as error:
        services.feedback_submit(actor=users.donor, case=feedback_case, **{**RATINGS, "overall": 1})
    assert error.value.code == "already_submitted"
    assert "already been submitted" in str(error.value)
    with pytest.raises(ApplicationError):
        services.feedback_save(actor=users.donor, case=feedback_case, what_worked="Changed")
    assert state(feedback_case) == before
    # Nor can a second row be slipped in next to it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(
            request=feedback_case, organization=users.donor.organizations.get(), role="donor"
        )


def test_submitting_needs_every_rating(feedback_case, users):
    before = state(feedback_case)
    with pytest.raises(ValidationError) as error:
        services.feedback_submit(actor=users.recipient, case=feedback_case, relevance=3)
    assert set(error.value.message_dict) == {
        "coherence",
        "effectiveness",
        "efficiency",
        "impact",
        "sustainability",
        "overall",
    }
    assert state(feedback_case) == before


def test_feedback_before_completion_is_refused(cofunded_case, users):
    before = state(cofunded_case)
    with pytest.raises(ApplicationError) as error:
        services.feedback_submit(actor=users.recipient, case=cofunded_case, **RATINGS)
    assert error.value.code == "feedback_not_open"
    assert state(cofunded_case) == before


def test_draft_feedback_stays_with_its_party(feedback_case, users):
    services.feedback_save(actor=users.donor, case=feedback_case, what_worked="Quick start")
    saved = Feedback.objects.get(request=feedback_case, role=PartyRole.DONOR, what_worked__gt="")
    assert saved.status == FeedbackStatus.PENDING
    assert saved not in feedback_list(user=users.recipient, case=feedback_case)
    assert saved not in feedback_list(user=users.other_donor, case=feedback_case)
    assert saved in feedback_list(user=users.donor, case=feedback_case)


def test_closing_without_feedback_or_waiver_is_refused(feedback_case, users):
    services.feedback_submit(actor=users.recipient, case=feedback_case, **RATINGS)
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    before = state(feedback_case)
    with pytest.raises(ApplicationError) as error:
        case_services.request_transition(actor=users.unoda, case=feedback_case, transition="close")
    assert error.value.code == "guard_failed"
    assert "feedback is missing from Norway" in str(error.value)
    assert state(feedback_case) == before


def test_closing_with_a_waiver_for_the_missing_party(feedback_case, orgs, users):
    services.feedback_submit(actor=users.recipient, case=feedback_case, **RATINGS)
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    waiver = services.feedback_waive(
        actor=users.unoda,
        case=feedback_case,
        organization=orgs.other_donor,
        reason="The ministry was dissolved.",
    )
    assert waiver.recorded_by == users.unoda
    case_services.request_transition(actor=users.unoda, case=feedback_case, transition="close")
    feedback_case.refresh_from_db()
    assert feedback_case.status == Status.CLOSED
    # The round is closed: the parties now see each other's submitted feedback.
    assert feedback_list(user=users.donor, case=feedback_case).count() == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_waiver_needs_a_reason(feedback_case, orgs, users, reason):
    before = state(feedback_case)
    with pytest.raises(ValidationError) as error:
        services.feedback_waive(
            actor=users.unoda, case=feedback_case, organization=orgs.donor, reason=reason
        )
    assert "reason" in error.value.message_dict
    assert state(feedback_case) == before


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_only_unoda_waives(feedback_case, orgs, users, actor):
    before = state(feedback_case)
    with pytest.raises(PermissionDenied):
        services.feedback_waive(
            actor=getattr(users, actor), case=feedback_case, organization=orgs.donor, reason="x"
        )
    assert state(feedback_case) == before


def test_no_waiver_for_submitted_feedback_or_a_non_party(feedback_case, orgs, users):
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    before = state(feedback_case)
    with pytest.raises(ApplicationError):
        services.feedback_waive(
            actor=users.unoda, case=feedback_case, organization=orgs.donor, reason="x"
        )
    with pytest.raises(ValidationError):
        services.feedback_waive(
            actor=users.unoda, case=feedback_case, organization=orgs.other_recipient, reason="x"
        )
    assert state(feedback_case) == before
