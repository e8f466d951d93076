"""The people of a case's parties (``apps.cases.events.Party``), for notifications and reminders.

Read through the case's relations in a fixed number of queries, whoever is asked for."""

from collections import defaultdict

from django.contrib.auth import get_user_model

from apps.followup.models import Agreement
from apps.funding.models import Commitment, CommitmentStatus, ExpressionOfInterest, InterestStatus
from apps.organizations.models import Membership


def unoda_officers() -> list:
    return list(get_user_model().objects.filter(is_active=True, is_unoda_officer=True))


def case_officers(case) -> list:
    """The case officer, or every UNODA officer while none is assigned (or the one assigned is
    no longer active)."""
    if case.case_officer_id and case.case_officer.is_active:
        return [case.case_officer]
    return unoda_officers()


def members_by_organization(organization_ids) -> dict[int, set]:
    members: dict[int, set] = defaultdict(set)
    for membership in Membership.objects.filter(
        organization_id__in=organization_ids, user__is_active=True
    ).select_related("user"):
        members[membership.organization_id].add(membership.user)
    return members


def by_case(rows) -> dict[int, set]:
    grouped: dict[int, set] = defaultdict(set)
    for case_id, value in rows:
        grouped[case_id].add(value)
    return grouped


def case_donor_organization_ids(case_ids) -> dict[int, set]:
    """Donors involved in each case: an interest that stood until the end (active, converted,
    or concluded when the case ended), a live commitment, or the agreement."""
    donors = by_case(
        ExpressionOfInterest.objects.filter(
            request_id__in=case_ids,
            status__in=[InterestStatus.ACTIVE, InterestStatus.CONVERTED, InterestStatus.CONCLUDED],
        ).values_list("request_id", "donor_id")
    )
    for rows in (
        Commitment.objects.filter(request_id__in=case_ids)
        .exclude(status=CommitmentStatus.CANCELLED)
        .values_list("request_id", "donor_id"),
        Agreement.donors.through.objects.filter(agreement__request_id__in=case_ids).values_list(
            "agreement__request_id", "organization_id"
        ),
    ):
        for case_id, donor_id in rows:
            donors[case_id].add(donor_id)
    return donors


def agreement_parties(case) -> tuple[set[int], int | None]:
    """The donors named in the case's agreement and its implementing partner (none without
    an agreement)."""
    agreement = (
        Agreement.objects.filter(request_id=case.pk)
        .only("pk", "implementing_partner_id")
        .prefetch_related("donors")
        .first()
    )
    if agreement is None:
        return set(), None
    return {donor.pk for donor in agreement.donors.all()}, agreement.implementing_partner_id
