"""Feedback waivers are in the audit log, recorded and withdrawn, like the rest."""

import pytest

from apps.followup import services
from apps.security.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_waiver_and_its_withdrawal_are_audited(feedback_case, orgs, users):
    waiver = services.feedback_waive(
        actor=users.unoda,
        case=feedback_case,
        organization=orgs.other_donor,
        reason="The ministry was dissolved.",
    )
    services.feedback_waiver_withdraw(actor=users.unoda, case=feedback_case, waiver_id=waiver.pk)
    rows = [
        (e.detail["action"], e.actor, e.object_id, e.organization, e.detail["reason"])
        for e in AuditEvent.objects.order_by("pk")
        if e.detail.get("action", "").startswith("feedback_waive")
    ]
    assert rows == [
        (
            "feedback_waive",
            users.unoda,
            feedback_case.reference,
            "Norway",
            "The ministry was dissolved.",
        ),
        (
            "feedback_waiver_withdraw",
            users.unoda,
            feedback_case.reference,
            "Norway",
            "The ministry was dissolved.",
        ),
    ]
