"""Effects of lifecycle transitions on follow-up records (see apps/cases/workflow.py)."""

from .models import Agreement, Feedback, PartyRole


def open_feedback_requests(case, *, actor, change) -> None:
    """One pending feedback per party: the recipient and each donor of the agreement."""
    agreement = Agreement.objects.filter(request_id=case.pk).first()
    parties = [(case.requesting_organization_id, PartyRole.RECIPIENT)]
    if agreement is not None:
        parties += [
            (org_id, PartyRole.DONOR)
            for org_id in agreement.donors.values_list("pk", flat=True)
            if org_id != case.requesting_organization_id
        ]
    for organization_id, role in parties:
        Feedback.objects.get_or_create(
            request_id=case.pk, organization_id=organization_id, defaults={"role": role}
        )
