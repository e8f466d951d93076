"""The only code that writes the donor side. Each function is atomic and checks access first."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.cases.models import Activity, AssistanceRequest, Status
from apps.cases.services import request_transition
from apps.cases.workflow import OPEN_NEEDS
from apps.core.exceptions import ApplicationError
from apps.core.services import require_coordinator
from apps.organizations.models import Organization
from apps.security.models import AuditKind
from apps.security.services import audit_record

from .models import (
    STANDING_INTEREST,
    Commitment,
    CommitmentChange,
    CommitmentStatus,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
    MatchmakingMeeting,
    MeetingDecision,
    MeetingItem,
    Offer,
    OfferRegion,
)
from .permissions import (
    can_act_for_donor,
    can_express_interest,
    can_manage_meetings,
    can_manage_offer,
    can_record_commitment,
    can_update_commitment,
    require,
)

OFFER_FIELDS = (
    "title",
    "description",
    "amount_min",
    "amount_max",
    "currency",
    "valid_from",
    "valid_until",
    "is_active",
)


def _lock_case(case: AssistanceRequest) -> AssistanceRequest:
    return AssistanceRequest.objects.select_for_update().get(pk=case.pk)


# --- Coordination: what a donor's interest or commitment covers --------------------------------


def _covered_lines(case: AssistanceRequest, covers) -> list[int]:
    """The ids of the activity lines ``covers`` names (lines or their ids), each of which must
    be a line of ``case`` (locked by the caller); otherwise a clear error and nothing is
    written."""
    ids = set()
    for line in covers or ():
        try:
            ids.add(line.pk if isinstance(line, Activity) else int(line))
        except (TypeError, ValueError):
            raise ValidationError(
                {"covers": _("Choose the activities among the lines of this request.")}
            ) from None
    own = set(Activity.objects.filter(request=case, pk__in=ids).values_list("pk", flat=True))
    if ids - own:
        raise ValidationError(
            {
                "covers": _(
                    "Only the activities of this request (%(reference)s) can be covered; "
                    "%(count)s of the activities chosen belong to another request or no "
                    "longer exist."
                )
                % {"reference": case.reference, "count": len(ids - own)}
            }
        )
    return sorted(ids)


def _named(donor: Organization, disclosed: bool) -> str:
    """The donor as the case's history names it: every party reads the history, so a donor
    that withheld its name from other donors is not named there either."""
    return str(donor) if disclosed else _("an undisclosed donor")


def _set_coverage(record, ids: list[int] | None, disclosed: bool | None) -> dict:
    """Write the coverage and disclosure of an interest or commitment (locked by the caller);
    returns what changed as {field: [old, new]}."""
    changes = {}
    if ids is not None:
        before = sorted(record.covers.values_list("pk", flat=True))
        if before != ids:
            record.covers.set(ids)
            changes["covers"] = [before, ids]
    if disclosed is not None and record.disclosed != bool(disclosed):
        changes["disclosed"] = [record.disclosed, bool(disclosed)]
        record.disclosed = bool(disclosed)
        record.save(update_fields=["disclosed", "updated_at"])
    return changes


# --- Offers ------------------------------------------------------------------------------------


def _offer_set_relations(offer, *, categories=None, kinds=None, regions=None) -> None:
    if categories is not None:
        offer.categories.set(categories)
    if kinds is not None:
        offer.kinds.set(kinds)
    if regions is not None:
        offer.regions.exclude(region__in=regions).delete()
        for region in regions:
            OfferRegion.objects.get_or_create(offer=offer, region=region)


def _offer_check_fields(fields: dict) -> None:
    unknown = set(fields) - set(OFFER_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )


@transaction.atomic
def offer_create(
    *, actor, donor: Organization, categories=(), kinds=(), regions=(), **fields
) -> Offer:
    require(
        can_manage_offer(actor, donor),
        _("Only members of the donor organization may post its offers."),
    )
    _offer_check_fields(fields)
    fields.setdefault("valid_from", timezone.localdate())
    offer = Offer(donor=donor, created_by=actor, **fields)
    offer.full_clean()
    offer.save()
    _offer_set_relations(offer, categories=categories, kinds=kinds, regions=regions)
    return offer


@transaction.atomic
def offer_update(
    *, actor, offer: Offer, categories=None, kinds=None, regions=None, **fields
) -> Offer:
    locked = Offer.objects.select_for_update().select_related("donor").get(pk=offer.pk)
    require(
        can_manage_offer(actor, locked.donor),
        _("Only members of the donor organization may change its offers."),
    )
    _offer_check_fields(fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    _offer_set_relations(locked, categories=categories, kinds=kinds, regions=regions)
    return locked


# --- Expressions of interest -------------------------------------------------------------------


@transaction.atomic
def interest_express(
    *,
    actor,
    case: AssistanceRequest,
    donor: Organization,
    message: str = "",
    covers=(),
    disclosed: bool = True,
) -> ExpressionOfInterest:
    """Record a donor's interest; the first one moves a published case to 'donor interest'.
    ``covers``: the activity lines of the case it is about (none: not specified);
    ``disclosed``: whether other donors see the donor's name."""
    locked = _lock_case(case)
    if not can_act_for_donor(actor, donor):
        raise PermissionDenied(_("You may only express interest for your own donor organization."))
    if not can_express_interest(actor, donor, locked):
        raise ApplicationError(
            _("This request is not open to donor interest (it is “%(status)s”).")
            % {"status": locked.get_status_display()},
            code="not_open",
        )
    if ExpressionOfInterest.objects.filter(
        request=locked, donor=donor, status=InterestStatus.ACTIVE
    ).exists():
        raise ValidationError({"donor": _("This donor has already expressed interest.")})
    lines = _covered_lines(locked, covers)
    interest = ExpressionOfInterest(
        request=locked,
        donor=donor,
        message=message.strip(),
        disclosed=bool(disclosed),
        created_by=actor,
    )
    interest.full_clean()
    interest.save()
    if lines:
        interest.covers.set(lines)
    if locked.status == Status.PUBLISHED:
        request_transition(
            actor=actor,
            case=locked,
            transition="register_interest",
            comment=_("Interest expressed by %(donor)s.") % {"donor": _named(donor, disclosed)},
        )
    case.status = locked.status
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=locked,
        organization=donor,
        detail={
            "action": "interest_express",
            "interest": interest.pk,
            "covers": lines,
            "disclosed": interest.disclosed,
        },
    )
    return interest


@transaction.atomic
def interest_withdraw(*, actor, interest: ExpressionOfInterest) -> ExpressionOfInterest:
    """Withdraw an active interest; when none stands any more, the case goes back to published."""
    case = _lock_case(interest.request)
    locked = (
        ExpressionOfInterest.objects.select_for_update().select_related("donor").get(pk=interest.pk)
    )
    require(
        can_act_for_donor(actor, locked.donor),
        _("You may only withdraw your own organization's interest."),
    )
    if locked.status != InterestStatus.ACTIVE:
        raise ApplicationError(_("Only an active interest can be withdrawn."), code="not_active")
    locked.status = InterestStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    standing = ExpressionOfInterest.objects.filter(request=case, status__in=STANDING_INTEREST)
    if case.status == Status.DONOR_INTEREST and not standing.exists():
        request_transition(
            actor=actor,
            case=case,
            transition="interest_withdrawn",
            comment=_("%(donor)s withdrew its interest.")
            % {"donor": _named(locked.donor, locked.disclosed)},
        )
    interest.status = locked.status
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=locked.donor,
        detail={"action": "interest_withdraw", "interest": locked.pk},
    )
    return locked


# --- Commitments -------------------------------------------------------------------------------


def _log(commitment, actor, action, changes=None, comment="") -> CommitmentChange:
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=commitment.request,
        organization=commitment.donor,
        detail={"action": f"commitment_{action}", "commitment": commitment.pk},
    )
    return CommitmentChange.objects.create(
        commitment=commitment, actor=actor, action=action, changes=changes or {}, comment=comment
    )


def _jsonable(value):
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    return value


def _positive(amount, field="amount") -> Decimal:
    if amount is None:
        raise ValidationError({field: _("An amount is required.")})
    amount = Decimal(str(amount))
    if amount <= 0:
        raise ValidationError({field: _("The amount must be greater than zero.")})
    return amount


@transaction.atomic
def commitment_create(
    *,
    actor,
    case: AssistanceRequest,
    donor: Organization,
    amount,
    currency: str,
    status: str = CommitmentStatus.PLEDGED,
    pledged_on: datetime.date | None = None,
    expected_commitment_date: datetime.date | None = None,
    note: str = "",
    covers=(),
    disclosed: bool = True,
) -> Commitment:
    """Record a donor's pledge (or firm commitment) on a request; converts its interest.
    ``covers`` and ``disclosed`` as for ``interest_express``."""
    locked = _lock_case(case)
    if not can_act_for_donor(actor, donor):
        raise PermissionDenied(_("You may only record funding for your own donor organization."))
    if not can_record_commitment(actor, donor, locked):
        raise ApplicationError(
            _("Funding cannot be recorded on this request while it is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="not_fundable",
        )
    if status not in (CommitmentStatus.PLEDGED, CommitmentStatus.COMMITTED):
        raise ValidationError({"status": _("A new commitment is either pledged or committed.")})
    today = timezone.localdate()
    commitment = Commitment(
        request=locked,
        donor=donor,
        amount=_positive(amount),
        currency=currency,
        status=status,
        pledged_on=pledged_on or today,
        expected_commitment_date=expected_commitment_date,
        committed_on=(pledged_on or today) if status == CommitmentStatus.COMMITTED else None,
        note=note,
        created_by=actor,
    )
    lines = _covered_lines(locked, covers)
    commitment.disclosed = bool(disclosed)
    commitment.full_clean()
    commitment.save()
    if lines:
        commitment.covers.set(lines)
    _log(
        commitment,
        actor,
        "created",
        {
            "status": [None, status],
            "amount": [None, str(commitment.amount)],
            "currency": [None, currency],
        },
    )
    converted = ExpressionOfInterest.objects.filter(
        request=locked, donor=donor, status=InterestStatus.ACTIVE
    ).update(status=InterestStatus.CONVERTED, updated_at=timezone.now())
    if not converted and locked.status == Status.PUBLISHED:
        # Funding is the firmest interest there is: record it as such and move the case on.
        ExpressionOfInterest.objects.create(
            request=locked, donor=donor, status=InterestStatus.CONVERTED, created_by=actor
        )
        request_transition(
            actor=actor,
            case=locked,
            transition="register_interest",
            comment=_("Funding pledged by %(donor)s.") % {"donor": _named(donor, disclosed)},
        )
    case.status = locked.status
    return commitment


def _lock_commitment(actor, commitment: Commitment) -> Commitment:
    locked = (
        Commitment.objects.select_for_update()
        .select_related("donor", "request")
        .get(pk=commitment.pk)
    )
    require(
        can_update_commitment(actor, locked),
        _("You may only update your own organization's commitments while the case is open."),
    )
    return locked


def _disbursed_total(commitment: Commitment) -> Decimal:
    return commitment.disbursements.aggregate(total=Sum("amount"))["total"] or Decimal(0)


EDITABLE_COMMITMENT_FIELDS = ("amount", "currency", "expected_commitment_date", "note")


@transaction.atomic
def commitment_update(*, actor, commitment: Commitment, comment: str = "", **fields) -> Commitment:
    """Change amount, currency, expected date or note; every change goes into the history."""
    unknown = set(fields) - set(EDITABLE_COMMITMENT_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    locked = _lock_commitment(actor, commitment)
    if locked.status == CommitmentStatus.CANCELLED:
        raise ApplicationError(_("A cancelled commitment cannot be changed."), code="cancelled")
    if "amount" in fields:
        fields["amount"] = _positive(fields["amount"])
    disbursed = _disbursed_total(locked)
    if "amount" in fields and fields["amount"] < disbursed:
        raise ValidationError(
            {"amount": _("The amount cannot be less than what was already disbursed.")}
        )
    if "currency" in fields and fields["currency"] != locked.currency and disbursed:
        raise ValidationError(
            {"currency": _("The currency cannot change once money was disbursed.")}
        )
    changes = {}
    for name, value in fields.items():
        old = getattr(locked, name)
        if old != value:
            changes[name] = [_jsonable(old), _jsonable(value)]
            setattr(locked, name, value)
    if not changes:
        return locked
    locked.full_clean()
    if "amount" in changes and disbursed:
        locked.status = (
            CommitmentStatus.DISBURSED
            if disbursed >= locked.amount
            else CommitmentStatus.PARTIALLY_DISBURSED
        )
    locked.save()
    _log(locked, actor, "updated", changes, comment)
    return locked


@transaction.atomic
def commitment_confirm(
    *, actor, commitment: Commitment, on: datetime.date | None = None, comment: str = ""
) -> Commitment:
    """Turn a pledge into a firm commitment (from then on it counts as funded)."""
    locked = _lock_commitment(actor, commitment)
    if locked.status != CommitmentStatus.PLEDGED:
        raise ApplicationError(_("Only a pledge can be committed."), code="not_pledged")
    locked.status = CommitmentStatus.COMMITTED
    locked.committed_on = on or timezone.localdate()
    locked.full_clean()
    locked.save(update_fields=["status", "committed_on", "updated_at"])
    _log(locked, actor, "committed", {"status": ["pledged", "committed"]}, comment)
    return locked


@transaction.atomic
def commitment_cancel(*, actor, commitment: Commitment, comment: str = "") -> Commitment:
    locked = _lock_commitment(actor, commitment)
    if locked.status not in (CommitmentStatus.PLEDGED, CommitmentStatus.COMMITTED):
        raise ApplicationError(
            _("A commitment with disbursements (or already cancelled) cannot be cancelled."),
            code="not_cancellable",
        )
    if not comment.strip():
        raise ValidationError({"comment": _("Please say why the commitment is cancelled.")})
    old = locked.status
    locked.status = CommitmentStatus.CANCELLED
    locked.save(update_fields=["status", "updated_at"])
    _log(locked, actor, "cancelled", {"status": [old, "cancelled"]}, comment)
    return locked


@transaction.atomic
def disbursement_record(
    *, actor, commitment: Commitment, amount, date: datetime.date | None = None, note: str = ""
) -> Disbursement:
    """Record money paid out; the commitment becomes partially disbursed or disbursed."""
    locked = _lock_commitment(actor, commitment)
    if locked.status not in (CommitmentStatus.COMMITTED, CommitmentStatus.PARTIALLY_DISBURSED):
        raise ApplicationError(
            _("Money can only be disbursed on a firm commitment (this one is “%(status)s”).")
            % {"status": locked.get_status_display()},
            code="not_committed",
        )
    amount = _positive(amount)
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": _("A disbursement cannot be dated in the future.")})
    disbursed = _disbursed_total(locked)
    if disbursed + amount > locked.amount:
        raise ValidationError(
            {
                "amount": _(
                    "This would disburse %(total)s %(currency)s, more than the %(committed)s "
                    "committed."
                )
                % {
                    "total": disbursed + amount,
                    "currency": locked.currency,
                    "committed": locked.amount,
                }
            }
        )
    disbursement = Disbursement(
        commitment=locked, amount=amount, date=date, note=note, recorded_by=actor
    )
    disbursement.full_clean()
    disbursement.save()
    old = locked.status
    locked.status = (
        CommitmentStatus.DISBURSED
        if disbursed + amount == locked.amount
        else CommitmentStatus.PARTIALLY_DISBURSED
    )
    locked.save(update_fields=["status", "updated_at"])
    changes = {"disbursed": [str(disbursed), str(disbursed + amount)]}
    if old != locked.status:
        changes["status"] = [old, locked.status]
    _log(locked, actor, "disbursed", changes, note)
    return disbursement


# --- Coordination ------------------------------------------------------------------------------


@transaction.atomic
def interest_coverage_update(
    *, actor, interest: ExpressionOfInterest, covers=None, disclosed: bool | None = None
) -> ExpressionOfInterest:
    """The donor changes which activity lines of the case its active interest covers
    (``covers``: lines or ids of that case; an empty list: not specified) and whether other
    donors see its name (``disclosed``). ``None`` leaves a part as it is. Audited."""
    case = _lock_case(interest.request)
    locked = (
        ExpressionOfInterest.objects.select_for_update().select_related("donor").get(pk=interest.pk)
    )
    require(
        can_act_for_donor(actor, locked.donor),
        _("You may only change your own organization's interest."),
    )
    if locked.status != InterestStatus.ACTIVE:
        raise ApplicationError(
            _("Only an active interest can be changed (this one is “%(status)s”).")
            % {"status": locked.get_status_display()},
            code="not_active",
        )
    lines = None if covers is None else _covered_lines(case, covers)
    changes = _set_coverage(locked, lines, disclosed)
    if changes:
        audit_record(
            kind=AuditKind.CHANGE,
            actor=actor,
            obj=case,
            organization=locked.donor,
            detail={"action": "interest_coverage", "interest": locked.pk, "changes": changes},
        )
    return locked


@transaction.atomic
def commitment_coverage_update(
    *, actor, commitment: Commitment, covers=None, disclosed: bool | None = None, comment=""
) -> Commitment:
    """As ``interest_coverage_update``, for a commitment that is not cancelled (by whoever may
    update it); the change goes into the commitment's history."""
    case = _lock_case(commitment.request)
    locked = _lock_commitment(actor, commitment)
    if locked.status == CommitmentStatus.CANCELLED:
        raise ApplicationError(_("A cancelled commitment cannot be changed."), code="cancelled")
    lines = None if covers is None else _covered_lines(case, covers)
    changes = _set_coverage(locked, lines, disclosed)
    if changes:
        _log(locked, actor, "coverage", changes, comment)
    return locked


# --- Exchange rates ----------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(
    *, actor, currency: str, rate_per_usd, valid_on: datetime.date, source: str = ""
) -> ExchangeRate:
    """Set how many units of ``currency`` one US dollar buys on ``valid_on`` (today or an
    earlier day), replacing that day's rate if it has one; audited with the old and new rate.
    For UNODA coordinators (and the admin)."""
    require_coordinator(actor)
    try:
        rate_per_usd = Decimal(str(rate_per_usd).strip())
    except InvalidOperation:
        raise ValidationError({"rate_per_usd": _("Enter a number.")}) from None
    if not rate_per_usd.is_finite() or rate_per_usd <= 0:
        raise ValidationError({"rate_per_usd": _("The rate must be greater than zero.")})
    rate = (
        ExchangeRate.objects.select_for_update()
        .filter(currency=currency, valid_on=valid_on)
        .first()
    )
    old = rate.rate_per_usd if rate else None
    rate = rate or ExchangeRate(currency=currency, valid_on=valid_on)
    rate.rate_per_usd = rate_per_usd
    rate.source = (source or "").strip()
    rate.full_clean(validate_unique=False)  # the currency and the day: ExchangeRate.clean
    # As stored (and as the audit line then reads): to the field's decimal places.
    places = ExchangeRate._meta.get_field("rate_per_usd").decimal_places
    rate.rate_per_usd = rate_per_usd = rate_per_usd.quantize(Decimal(1).scaleb(-places))
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError:  # another coordinator set the same day's rate at the same moment
        rate = ExchangeRate.objects.select_for_update().get(currency=currency, valid_on=valid_on)
        old = rate.rate_per_usd
        rate.rate_per_usd, rate.source = rate_per_usd, (source or "").strip()
        rate.save(update_fields=["rate_per_usd", "source"])
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=rate,
        detail={
            "action": "exchange_rate_set",
            "currency": currency,
            "valid_on": valid_on.isoformat(),
            "rate_per_usd": [None if old is None else str(old), str(rate.rate_per_usd)],
            "source": rate.source,
        },
    )
    return rate


# --- Matchmaking meetings ----------------------------------------------------------------------

MEETING_FIELDS = ("title", "date", "place", "is_online", "online_link", "notes")
OUTCOME_FIELDS = ("decision", "outcome", "interest_shown", "follow_up")


def _lock_meeting(actor, meeting_id: int, message: str) -> MatchmakingMeeting:
    """The meeting, locked, once the actor may prepare meetings: every change of a meeting or
    its agenda takes this lock first, so two officers (or a double click) go one after the
    other and the second sees what the first did."""
    require(can_manage_meetings(actor), message)
    locked = MatchmakingMeeting.objects.select_for_update().filter(pk=meeting_id).first()
    if locked is None:
        raise ApplicationError(_("This meeting no longer exists."), code="not_found")
    return locked


def _lock_item(meeting: MatchmakingMeeting, item: MeetingItem) -> MeetingItem:
    locked = (
        MeetingItem.objects.select_for_update(of=("self",))
        .select_related("request__requesting_organization", "offer")
        .filter(pk=item.pk, meeting=meeting)
        .first()
    )
    if locked is None:
        raise ApplicationError(_("This item is no longer on the agenda."), code="not_found")
    return locked


def _audit_meeting(actor, meeting, action: str, item: MeetingItem | None = None, **detail):
    case = item.request if item is not None and item.request_id else None
    if item is not None:
        detail.update(
            item=item.pk,
            request=case.reference if case is not None else None,
            offer=item.offer_id,
        )
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=meeting,
        organization=case.requesting_organization if case is not None else None,
        detail={"action": action, "meeting": meeting.pk, **detail},
    )


def _outcomes_recorded(meeting: MatchmakingMeeting) -> bool:
    return meeting.items.filter(
        ~Q(decision=MeetingDecision.PENDING)
        | ~Q(outcome="")
        | ~Q(follow_up="")
        | Q(interest_shown=True)
    ).exists()


@transaction.atomic
def meeting_create(*, actor, invited=(), **fields) -> MatchmakingMeeting:
    require(can_manage_meetings(actor), _("Only UNODA prepares matchmaking meetings."))
    meeting = MatchmakingMeeting(
        created_by=actor, **{k: fields[k] for k in fields if k in MEETING_FIELDS}
    )
    meeting.full_clean()
    meeting.save()
    meeting.invited.set(invited)
    _audit_meeting(
        actor,
        meeting,
        "meeting_create",
        date=meeting.date.isoformat(),
        invited=sorted(o.pk for o in invited),
    )
    return meeting


@transaction.atomic
def meeting_update(
    *, actor, meeting: MatchmakingMeeting, invited=None, **fields
) -> MatchmakingMeeting:
    """Change a meeting's details and invitations. Once outcomes are recorded the meeting has
    taken place: it cannot be moved to a day still to come."""
    locked = _lock_meeting(actor, meeting.pk, _("Only UNODA prepares matchmaking meetings."))
    changed = []
    for name in MEETING_FIELDS:
        if name in fields and getattr(locked, name) != fields[name]:
            setattr(locked, name, fields[name])
            changed.append(name)
    if "date" in changed and locked.date > timezone.localdate() and _outcomes_recorded(locked):
        raise ValidationError(
            {
                "date": _(
                    "Outcomes have already been recorded for this meeting: it cannot be moved "
                    "to a day still to come."
                )
            }
        )
    locked.full_clean()
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    if invited is not None:
        before = set(locked.invited.values_list("pk", flat=True))
        after = {organization.pk for organization in invited}
        if before != after:
            locked.invited.set(invited)
            changed.append("invited")
    if changed:
        _audit_meeting(actor, locked, "meeting_update", fields=changed)
    return locked


def _offer_is_open(offer: Offer, on: datetime.date) -> bool:
    return offer.is_active and (offer.valid_until is None or offer.valid_until >= on)


@transaction.atomic
def meeting_add_item(
    *,
    actor,
    meeting: MatchmakingMeeting,
    request: AssistanceRequest | None = None,
    offer: Offer | None = None,
) -> MeetingItem:
    """Put a case, an offer, or a case with an offer on a meeting's agenda (at the end). The
    case must be an open need (published, with donor interest, or seeking co-funding), the
    offer active; the same case, offer or pair is on an agenda once."""
    locked = _lock_meeting(actor, meeting.pk, _("Only UNODA prepares matchmaking meetings."))
    if request is None and offer is None:
        raise ValidationError(_("Choose a case, an offer or both."))
    errors = {}
    if request is not None:
        request = _lock_case(request)
        if request.status not in OPEN_NEEDS:
            errors["request"] = _(
                "Only a case open to donors or seeking co-funding can be presented at a "
                "meeting; this one is “%(status)s”."
            ) % {"status": request.get_status_display()}
    if offer is not None:
        offer = Offer.objects.select_related("donor").get(pk=offer.pk)
        if not _offer_is_open(offer, timezone.localdate()):
            errors["offer"] = _("This offer is no longer active.")
    if errors:
        raise ValidationError(errors)
    if locked.items.filter(request=request, offer=offer).exists():
        if request is None:
            raise ValidationError({"offer": _("This offer is already on the agenda.")})
        if offer is None:
            raise ValidationError({"request": _("This case is already on the agenda.")})
        raise ValidationError({"offer": _("This case is already on the agenda with this offer.")})
    last = locked.items.aggregate(last=Max("position"))["last"] or 0
    item = MeetingItem(meeting=locked, request=request, offer=offer, position=last + 1)
    item.full_clean()
    item.save()
    _audit_meeting(actor, locked, "meeting_item_add", item)
    return item


@transaction.atomic
def meeting_remove_item(*, actor, item: MeetingItem) -> None:
    """Take an item off the agenda, as long as nothing of its outcome is recorded (an
    outcome stays on the record)."""
    locked_meeting = _lock_meeting(
        actor, item.meeting_id, _("Only UNODA prepares matchmaking meetings.")
    )
    locked = _lock_item(locked_meeting, item)
    if locked.has_outcome:
        raise ApplicationError(
            _("The outcome of this item has been recorded: it stays on the agenda."),
            code="has_outcome",
        )
    _audit_meeting(actor, locked_meeting, "meeting_item_remove", locked)
    locked.delete()


@transaction.atomic
def meeting_record_outcome(
    *,
    actor,
    item: MeetingItem,
    decision: str = MeetingDecision.PENDING,
    outcome: str = "",
    interest_shown: bool = False,
    follow_up: str = "",
) -> MeetingItem:
    """Record what came of an item: the decision, a note and the follow-up agreed. An
    outcome is recorded from the day of the meeting on; agreeing a follow-up says which.
    Recording the same outcome again (a double click) changes and logs nothing."""
    locked_meeting = _lock_meeting(
        actor, item.meeting_id, _("Only UNODA records meeting outcomes.")
    )
    locked = _lock_item(locked_meeting, item)
    values = {
        "decision": decision,
        "outcome": (outcome or "").strip(),
        "interest_shown": bool(interest_shown),
        "follow_up": (follow_up or "").strip(),
    }
    changed = [name for name in OUTCOME_FIELDS if getattr(locked, name) != values[name]]
    if not changed:
        return locked
    if timezone.localdate() < locked_meeting.date:
        raise ValidationError(
            _("The meeting takes place on %(date)s: its outcomes can be recorded from that day on.")
            % {"date": date_format(locked_meeting.date)},
            code="too_early",
        )
    if values["decision"] == MeetingDecision.FOLLOW_UP_AGREED and not values["follow_up"]:
        raise ValidationError({"follow_up": _("Say what follow-up was agreed.")})
    for name in changed:
        setattr(locked, name, values[name])
    locked.full_clean()
    locked.save(update_fields=changed)
    _audit_meeting(
        actor, locked_meeting, "meeting_outcome", locked, decision=locked.decision, fields=changed
    )
    return locked
