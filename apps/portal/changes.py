"""The case page's "Changes to the records": who changed which field of the case and of the
records around it, when, from what to what (read from django-simple-history's tables, see
apps/core/history.py), each shown only to those who may see the record.

Who sees what:
- the case: everyone who sees the case page; a donor or an implementing partner only the
  edits made while donors could see the case (not the drafts between the State and UNODA),
  and the fields UNODA keeps for itself (``UNODA_ONLY``) only UNODA;
- commitments: the ones the page lists for the reader (a donor its own, the State those on
  its request, UNODA all);
- the agreement and its milestones: UNODA and the agreement's parties, as its other records
  (``can_see_agreement_records``);
- offers: those the page shows with the case (on a meeting's agenda, or asked for by the
  State);
- organisations: the requesting State and the organisations of the records above.

Reads: one query per kind of record that the reader may see, whatever the number of edits,
and one per kind of related row named by a changed value (a new case officer...)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from apps.cases.models import AssistanceRequest
from apps.cases.workflow import DONOR_VISIBLE, Role
from apps.core.history import Edit, edits, shown_fields
from apps.core.translated import translated
from apps.followup.models import Agreement, Milestone
from apps.followup.permissions import can_see_agreement_records
from apps.funding.models import Commitment, Offer
from apps.organizations.models import Organization
from apps.organizations.selectors import member_organization_ids

# Fields of the case that UNODA keeps for its own work: who follows the case and when UNODA
# next looks at it.
UNODA_ONLY = ("case_officer", "due_date")

# How many changes the page shows before "Show every change".
CHANGES_RECENT = 20


@dataclass(frozen=True)
class Changes:
    entries: list[Edit]
    earlier: bool


def _rows(model, **filters):
    return (
        model.history.filter(**filters)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )


def case_changes(
    *,
    access,
    commitments: list[Commitment],
    agreement: Agreement | None,
    offer_ids: set[int],
    recent: int | None = CHANGES_RECENT,
) -> Changes:
    """The edits of the case and its records that the reader of ``access`` may see, newest
    first (``recent``: only so many). ``commitments``, ``agreement`` and ``offer_ids`` are
    what the case page already read for this reader."""
    case, user = access.case, access.user
    close = access.is_unoda or Role.RECIPIENT in access.roles
    found: list[Edit] = []

    def while_visible(before, _row) -> bool:
        return close or before.status in DONOR_VISIBLE

    found += edits(
        _rows(AssistanceRequest, id=case.pk),
        fields=shown_fields(AssistanceRequest, hidden=() if access.is_unoda else UNODA_ONLY),
        shown=while_visible,
    )

    organization_ids = {case.requesting_organization_id}
    if commitments:
        own = member_organization_ids(user)
        by_id = {c.pk: c for c in commitments}

        def named(commitment) -> bool:
            return access.is_unoda or commitment.disclosed or commitment.donor_id in own

        def tranche(row) -> str:
            commitment = by_id[row.id]
            number = _("Tranche %(number)s") % {"number": commitment.tranche}
            return f"{commitment.donor} · {number}" if named(commitment) else number

        found += edits(
            _rows(Commitment, id__in=list(by_id)),
            fields=shown_fields(Commitment, hidden=("request", "donor")),
            name=tranche,
        )
        organization_ids |= {c.donor_id for c in commitments if named(c)}

    if agreement is not None and can_see_agreement_records(user, agreement):
        found += edits(
            _rows(Agreement, id=agreement.pk),
            fields=shown_fields(Agreement, hidden=("request",)),
        )
        found += edits(
            _rows(Milestone, agreement_id=agreement.pk),
            fields=shown_fields(Milestone, hidden=("agreement",)),
            name=lambda row: row.title,
        )
        if agreement.implementing_partner_id:
            organization_ids.add(agreement.implementing_partner_id)

    if offer_ids:
        found += edits(
            _rows(Offer, id__in=sorted(offer_ids)),
            fields=shown_fields(Offer, hidden=("donor",)),
            name=lambda row: row.title,
        )

    found += edits(
        _rows(Organization, id__in=sorted(organization_ids)),
        fields=shown_fields(Organization),
        name=lambda row: str(translated(row, "name")),
    )

    found.sort(key=lambda edit: (edit.when, edit.row.history_id), reverse=True)
    if recent is None:
        return Changes(entries=found, earlier=False)
    return Changes(entries=found[:recent], earlier=len(found) > recent)
