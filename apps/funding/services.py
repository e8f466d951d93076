"""The only code that writes the donor side. Each function is atomic and checks access first."""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.cases.events import Event
from apps.cases.models import Activity, AssistanceRequest, HistoryEvent, Status
from apps.cases.services import request_transition
from apps.cases.workflow import OPEN_NEEDS
from apps.core.exceptions import ApplicationError
from apps.core.history import by
from apps.core.services import require_coordinator
from apps.core.text import plain_text
from apps.notifications.services import Amount, notify
from apps.organizations.models import Organization
from apps.security.models import AuditKind
from apps.security.services import audit_record

from .models import (
    STANDING_INTEREST,
    Commitment,
    CommitmentChange,
    CommitmentStatus,
    CooperationType,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
    MatchmakingMeeting,
    MeetingDecision,
    MeetingItem,
    Offer,
    OfferReferral,
    OfferRegion,
    ReferralStatus,
    without_trailing_zeros,
)
from .permissions import (
    can_act_for_donor,
    can_ask_offer_referral,
    can_express_interest,
    can_handle_offer_referrals,
    can_manage_meetings,
    can_manage_offer,
    can_record_commitment,
    can_update_commitment,
    is_member,
    organization_may_see_request,
    require,
)
from .selectors import BASE_CURRENCY, Rate, converted, month_start, rate_before, rate_of_day

OFFER_FIELDS = (
    "title",
    "description",
    "amount_min",
    "amount_max",
    "currency",
    "valid_from",
    "valid_until",
    "cooperation_type",
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
                "covers": ngettext(
                    "Only the activities of this request (%(reference)s) can be covered; "
                    "%(count)s of the activities chosen belongs to another request or no "
                    "longer exists.",
                    "Only the activities of this request (%(reference)s) can be covered; "
                    "%(count)s of the activities chosen belong to another request or no "
                    "longer exist.",
                    len(ids - own),
                )
                % {"reference": case.reference, "count": len(ids - own)}
            }
        )
    return sorted(ids)


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


def _offer_check_cooperation_type(value) -> None:
    """Every offer says what type of cooperation it is; once recorded it is never emptied
    again (offers from before the rule keep an empty value until their donor edits them)."""
    if value not in CooperationType.values:
        raise ValidationError(
            {
                "cooperation_type": _(
                    "Choose the type of cooperation: North-South, South-South, triangular, "
                    "regional or multilateral."
                )
            }
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
    _offer_check_cooperation_type(fields.get("cooperation_type", ""))
    fields.setdefault("valid_from", timezone.localdate())
    offer = Offer(donor=donor, created_by=actor, **fields)
    offer.full_clean()
    by(offer, actor)
    offer.save()
    _offer_set_relations(offer, categories=categories, kinds=kinds, regions=regions)
    _audit_offer(actor, offer, "offer_create")
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
    if "cooperation_type" in fields:
        _offer_check_cooperation_type(fields["cooperation_type"])
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    by(locked, actor)
    locked.save()
    _offer_set_relations(locked, categories=categories, kinds=kinds, regions=regions)
    relations = {"categories": categories, "kinds": kinds, "regions": regions}
    changed = sorted([*fields, *(name for name, given in relations.items() if given is not None)])
    _audit_offer(actor, locked, "offer_update", fields=changed)
    return locked


def _audit_offer(actor, offer: Offer, action: str, **detail) -> None:
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=offer,
        organization=offer.donor,
        detail={"action": action, "offer": offer.pk, **detail},
    )


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
    funding = (
        Commitment.objects.filter(request=locked, donor=donor)
        .exclude(status=CommitmentStatus.CANCELLED)
        .order_by("tranche")
        .first()
    )
    if funding is not None:
        raise ValidationError(
            {
                "donor": _(
                    "%(donor)s already funds this request (tranche %(tranche)s, “%(status)s”): "
                    "its interest is on record. Add a tranche instead of a new interest."
                )
                % {
                    "donor": donor,
                    "tranche": funding.tranche,
                    "status": funding.get_status_display(),
                }
            }
        )
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
            event=HistoryEvent.INTEREST_EXPRESSED,
            organization=donor,
            values={"disclosed": bool(disclosed)},
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
    _notify_record(Event.INTEREST_EXPRESSED, interest, actor, values={"comment": interest.message})
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
            event=HistoryEvent.INTEREST_WITHDRAWN,
            organization=locked.donor,
            values={"disclosed": locked.disclosed},
        )
    interest.status = locked.status
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=case,
        organization=locked.donor,
        detail={"action": "interest_withdraw", "interest": locked.pk},
    )
    _notify_record(Event.INTEREST_WITHDRAWN, locked, actor)
    return locked


def _notify_record(event, record, actor, **options) -> None:
    """Notify ``event`` of a donor's ``record`` (an interest, a commitment): its donor named
    only to those who may see the name."""
    notify(
        event,
        case=record.request,
        actor=actor,
        donor=record.donor,
        disclosed=record.disclosed,
        **options,
    )


def _tranche(commitment: Commitment):
    """The tranche and its status, written in the reader's language."""
    return lambda: (
        _("tranche %(tranche)s, %(status)s")
        % {
            "tranche": commitment.tranche,
            "status": commitment.get_status_display(),
        }
    )


def _notify_commitment(event, commitment: Commitment, actor, comment: str = "") -> None:
    _notify_record(
        event,
        commitment,
        actor,
        values={
            "amount": Amount(commitment.amount, commitment.currency),
            "record": _tranche(commitment),
        },
        note=comment,
    )


# --- The rate of the day --------------------------------------------------------------------


class MissingRate(ValidationError):
    """No exchange rate of ``currency`` for ``day``'s month (``selectors.rate_of_day``): the
    amount cannot be recorded until UNODA records one; ``proposed`` is the nearest earlier rate
    (or None), for the exchange-rate page to offer."""

    def __init__(self, currency: str, day: datetime.date):
        self.currency, self.day = currency, day
        self.proposed: Rate | None = rate_before(currency, day)
        message = _(
            "There is no exchange rate of %(currency)s for %(date)s. The UN sets its rates "
            "monthly: UNODA must first record the rate of %(currency)s for %(month)s (valid on "
            "or before %(date)s); nothing was recorded."
        ) % {
            "currency": currency,
            "date": date_format(day),
            "month": date_format(day, "YEAR_MONTH_FORMAT"),
        }
        if self.proposed is None:
            message += " " + _("No earlier rate of %(currency)s is recorded.") % {
                "currency": currency
            }
        else:
            message += " " + _(
                "The nearest earlier rate is 1 USD = %(rate)s %(currency)s (valid on %(on)s)."
            ) % {
                "rate": number_format(without_trailing_zeros(self.proposed.per_usd)),
                "currency": currency,
                "on": date_format(self.proposed.valid_on),
            }
        super().__init__(message, code="missing_rate")

    @property
    def form_initial(self) -> dict[str, str]:
        """What the exchange-rate page's form is pre-filled with (its query string)."""
        initial = {"currency": self.currency, "valid_on": month_start(self.day).isoformat()}
        if self.proposed is not None:
            initial["rate_per_usd"] = str(without_trailing_zeros(self.proposed.per_usd))
        return initial


RATE_FIELDS = (
    "rate_per_usd",
    "rate_valid_on",
    "rate_source",
    "amount_usd",
    "case_currency",
    "case_rate_per_usd",
    "case_rate_valid_on",
    "amount_case",
)


def _fix_rate(record: Commitment | Disbursement, *, on: datetime.date) -> list[str]:
    """Store on a commitment or disbursement (not yet saved, or locked) the rate of its
    currency of the day ``on`` (its own date), its amount in US dollars and in the case's
    budget currency (with that currency's rate of the same day); raise ``MissingRate`` (and
    change nothing) when a month has no rate. Returns the fields set, for ``update_fields``."""
    commitment = record.commitment if isinstance(record, Disbursement) else record
    currency, target = commitment.currency, commitment.request.budget_currency
    rate = rate_of_day(currency, on)
    if rate is None:
        raise MissingRate(currency, on)
    case_rate = rate if target == currency else rate_of_day(target, on)
    if case_rate is None:
        raise MissingRate(target, on)
    amount = Decimal(str(record.amount))
    record.rate_per_usd, record.rate_valid_on = rate.per_usd, rate.valid_on or on
    record.rate_source = rate.source
    record.amount_usd = converted(amount, rate, Rate(BASE_CURRENCY, Decimal(1), None))
    record.case_currency, record.case_rate_per_usd = target, case_rate.per_usd
    record.case_rate_valid_on = case_rate.valid_on or on
    record.amount_case = converted(amount, rate, case_rate)
    return list(RATE_FIELDS)


def _record_date(commitment: Commitment) -> datetime.date:
    """A commitment's own date: when it was committed, before that when it was pledged."""
    return commitment.committed_on or commitment.pledged_on


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
    pledged_on = pledged_on or today
    if pledged_on > today:
        raise ValidationError({"pledged_on": _("A pledge cannot be dated in the future.")})
    if expected_commitment_date is not None and expected_commitment_date < pledged_on:
        raise ValidationError(
            {
                "expected_commitment_date": _(
                    "The pledge cannot be expected to become firm before it was made (%(date)s)."
                )
                % {"date": date_format(pledged_on)}
            }
        )
    # The next tranche of this donor on this request: numbered under the case's row lock, so
    # that two tranches recorded at the same moment get two numbers.
    last = Commitment.objects.filter(request=locked, donor=donor).aggregate(last=Max("tranche"))
    commitment = Commitment(
        request=locked,
        donor=donor,
        tranche=(last["last"] or 0) + 1,
        amount=_positive(amount),
        currency=currency,
        status=status,
        pledged_on=pledged_on,
        expected_commitment_date=expected_commitment_date,
        committed_on=pledged_on if status == CommitmentStatus.COMMITTED else None,
        note=note,
        created_by=actor,
    )
    lines = _covered_lines(locked, covers)
    commitment.disclosed = bool(disclosed)
    commitment.full_clean()
    _fix_rate(commitment, on=_record_date(commitment))
    by(commitment, actor)
    commitment.save()
    if lines:
        commitment.covers.set(lines)
    _log(
        commitment,
        actor,
        "created",
        {
            "tranche": [None, commitment.tranche],
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
            event=HistoryEvent.FUNDING_PLEDGED,
            organization=donor,
            values={"disclosed": bool(disclosed)},
        )
    case.status = locked.status
    commitment.request = locked
    _notify_commitment(Event.COMMITMENT_MADE, commitment, actor, note)
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
    if {"amount", "currency"} & set(changes):
        _fix_rate(locked, on=_record_date(locked))
    if "amount" in changes and disbursed:
        locked.status = (
            CommitmentStatus.DISBURSED
            if disbursed >= locked.amount
            else CommitmentStatus.PARTIALLY_DISBURSED
        )
    by(locked, actor)
    locked.save()
    _log(locked, actor, "updated", changes, comment)
    _notify_commitment(Event.COMMITMENT_CHANGED, locked, actor, comment)
    return locked


@transaction.atomic
def commitment_confirm(
    *, actor, commitment: Commitment, on: datetime.date | None = None, comment: str = ""
) -> Commitment:
    """Turn a pledge into a firm commitment (from then on it counts as funded)."""
    locked = _lock_commitment(actor, commitment)
    if locked.status != CommitmentStatus.PLEDGED:
        raise ApplicationError(_("Only a pledge can be committed."), code="not_pledged")
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("A commitment cannot be dated in the future.")})
    if on < locked.pledged_on:
        raise ValidationError(
            {
                "on": _("A pledge cannot become firm before it was made (%(date)s).")
                % {"date": date_format(locked.pledged_on)}
            }
        )
    locked.status = CommitmentStatus.COMMITTED
    locked.committed_on = on
    locked.full_clean()
    rate_fields = _fix_rate(locked, on=locked.committed_on)
    by(locked, actor)
    locked.save(update_fields=["status", "committed_on", "updated_at", *rate_fields])
    _log(locked, actor, "committed", {"status": ["pledged", "committed"]}, comment)
    _notify_commitment(Event.COMMITMENT_CHANGED, locked, actor, comment)
    return locked


@transaction.atomic
def commitment_cancel(*, actor, commitment: Commitment, comment: str = "") -> Commitment:
    comment = plain_text(comment, field="comment")
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
    by(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    _log(locked, actor, "cancelled", {"status": [old, "cancelled"]}, comment)
    _notify_commitment(Event.COMMITMENT_CHANGED, locked, actor, comment)
    return locked


# The same disbursement recorded again by the same person within this time is most likely sent
# twice (two tabs, a retry): refused unless confirmed.
REPEAT_WINDOW = datetime.timedelta(minutes=1)


@transaction.atomic
def disbursement_record(
    *,
    actor,
    commitment: Commitment,
    amount,
    date: datetime.date | None = None,
    note: str = "",
    confirm_repeat: bool = False,
) -> Disbursement:
    """Record money paid out on one tranche; it becomes partially disbursed or disbursed.

    The same amount on the same tranche and date, recorded by the same person within
    ``REPEAT_WINDOW``, is refused unless ``confirm_repeat`` (the money would count twice).

    Under the tranche's row lock: the disbursements never add up to more than the tranche (the
    database cannot hold a constraint on a sum), and each is dated between the tranche's date
    and today. UNODA may still record one after the case is closed (money that arrives late);
    the donor's own members may not (``can_update_commitment``)."""
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
    if date < locked.start_date:
        message = (
            _("A disbursement cannot be dated before its tranche was committed (%(date)s).")
            if locked.committed_on
            else _("A disbursement cannot be dated before its tranche was pledged (%(date)s).")
        )
        raise ValidationError({"date": message % {"date": date_format(locked.start_date)}})
    repeat = Disbursement.objects.filter(
        commitment=locked,
        amount=amount,
        date=date,
        recorded_by=actor,
        created_at__gte=timezone.now() - REPEAT_WINDOW,
    )
    if not confirm_repeat and repeat.exists():
        raise ValidationError(
            {
                "confirm_repeat": _(
                    "You recorded this same disbursement (%(amount)s %(currency)s on %(date)s) "
                    "a moment ago. If it was paid twice, confirm to record it again."
                )
                % {"amount": amount, "currency": locked.currency, "date": date_format(date)}
            },
            code="repeat",
        )
    disbursed = _disbursed_total(locked)
    if disbursed + amount > locked.amount:
        raise ValidationError(
            {
                "amount": _(
                    "This would disburse %(total)s %(currency)s on tranche %(tranche)s, more "
                    "than the %(committed)s committed: %(left)s %(currency)s is left to "
                    "disburse."
                )
                % {
                    "total": disbursed + amount,
                    "currency": locked.currency,
                    "tranche": locked.tranche,
                    "committed": locked.amount,
                    "left": locked.amount - disbursed,
                }
            }
        )
    disbursement = Disbursement(
        commitment=locked, amount=amount, date=date, note=note, recorded_by=actor
    )
    disbursement.full_clean()
    _fix_rate(disbursement, on=date)
    disbursement.save()
    old = locked.status
    locked.status = (
        CommitmentStatus.DISBURSED
        if disbursed + amount == locked.amount
        else CommitmentStatus.PARTIALLY_DISBURSED
    )
    by(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    changes = {"disbursed": [str(disbursed), str(disbursed + amount)]}
    if old != locked.status:
        changes["status"] = [old, locked.status]
    _log(locked, actor, "disbursed", changes, note)
    _notify_record(
        Event.DISBURSEMENT,
        locked,
        actor,
        values={"amount": Amount(amount, locked.currency), "date": date},
        note=note,
    )
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


def _awaiting_rate(queryset, case_path: str):
    return queryset.filter(
        Q(rate_per_usd__isnull=True)
        | Q(amount_case__isnull=True)
        | ~Q(case_currency=F(f"{case_path}__budget_currency"))
    )


@transaction.atomic
def stored_rates_fill(*, actor) -> tuple[int, int]:
    """Give the amounts that await a rate (recorded before rates were stored, in a month that
    had none then, or converted into a budget currency the case no longer has) the rate of
    their own date, now that UNODA may have recorded it. Rates already stored are never
    rewritten: they are the rates used. Returns how many amounts were filled and how many
    still await a rate. For UNODA coordinators."""
    require_coordinator(actor)
    filled = waiting = 0
    commitments = _awaiting_rate(Commitment.objects.all(), "request")
    for commitment in commitments.select_for_update(of=("self",)).select_related("request"):
        try:
            fields = _fix_rate(commitment, on=_record_date(commitment))
        except MissingRate:
            waiting += 1
            continue
        by(commitment, actor)
        commitment.save(update_fields=fields)
        filled += 1
    disbursements = _awaiting_rate(Disbursement.objects.all(), "commitment__request")
    for disbursement in disbursements.select_for_update(of=("self",)).select_related(
        "commitment__request"
    ):
        try:
            fields = _fix_rate(disbursement, on=disbursement.date)
        except MissingRate:
            waiting += 1
            continue
        disbursement.save(update_fields=fields)
        filled += 1
    if filled:
        audit_record(
            kind=AuditKind.CHANGE,
            actor=actor,
            obj=None,
            detail={"action": "stored_rates_fill", "filled": filled, "awaiting": waiting},
        )
    return filled, waiting


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
    if locked.request_id is not None:
        notify(
            Event.MEETING_OUTCOME,
            case=locked.request,
            actor=actor,
            donor=locked.offer.donor if locked.offer_id else None,
            values={
                "record": locked_meeting.title,
                "status": locked.get_decision_display,
                "comment": locked.outcome,
            },
        )
    return locked


# --- Offers a State asks UNODA to bring to its request -----------------------------------------


def _referral_notify(event, referral: OfferReferral, actor) -> None:
    """Notify ``event`` of a referral, with the State's note or UNODA's answer and the meeting
    that will present the offer, if one was chosen."""
    meeting = referral.meeting if event == Event.REFERRAL_BROUGHT else None

    def comment():
        # The State's note is for UNODA; UNODA's answer for the State and the donor.
        lines = [referral.note if event == Event.REFERRAL_ASKED else referral.unoda_note]
        if meeting is not None:
            lines.append(
                _("It is on the agenda of the matchmaking meeting “%(meeting)s” on %(date)s.")
                % {"meeting": meeting.title, "date": date_format(meeting.date)}
            )
        return "\n".join(line for line in lines if line)

    notify(
        event,
        case=referral.request,
        actor=actor,
        donor=referral.offer.donor,
        values={"record": referral.offer.title, "comment": comment},
    )


def _audit_referral(actor, referral: OfferReferral, action: str, **detail) -> None:
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=referral.request,
        organization=referral.request.requesting_organization,
        detail={
            "action": action,
            "referral": referral.pk,
            "offer": referral.offer_id,
            "status": referral.status,
            **detail,
        },
    )


def _lock_referral_case(case_id: int) -> AssistanceRequest:
    return (
        AssistanceRequest.objects.select_for_update(of=("self",))
        .select_related("requesting_organization", "case_officer")
        .get(pk=case_id)
    )


@transaction.atomic
def offer_referral_ask(
    *, actor, offer: Offer, case: AssistanceRequest, note: str = ""
) -> OfferReferral:
    """A State asks UNODA to bring a donor's offer to one of its own requests. Only a member of
    the requesting State, for a request that may still receive help (an open need), and an
    offer that is active and not expired, not the State's own; one open referral per offer and
    request (a double click makes one). UNODA hears of it: the case officer, or every officer
    while none is assigned."""
    locked = _lock_referral_case(case.pk)
    require(
        is_member(actor, locked.requesting_organization_id),
        _("Only members of the requesting State may ask UNODA to bring an offer to its request."),
    )
    if not can_ask_offer_referral(actor, locked):
        raise ApplicationError(
            _(
                "This request cannot receive help from an offer now (it is “%(status)s”): only "
                "a published request, or one still seeking co-funding, can."
            )
            % {"status": locked.get_status_display()},
            code="not_open",
        )
    offer = Offer.objects.select_for_update(of=("self",)).select_related("donor").get(pk=offer.pk)
    if not _offer_is_open(offer, timezone.localdate()):
        raise ApplicationError(
            _("This offer is no longer available (withdrawn by the donor or past its validity)."),
            code="offer_closed",
        )
    if offer.donor_id == locked.requesting_organization_id:
        raise ValidationError({"request": _("This is your own organization's offer.")})
    existing = OfferReferral.objects.filter(
        offer=offer, request=locked, status=ReferralStatus.OPEN
    ).first()
    if existing is not None:
        raise ValidationError(
            {
                "request": _(
                    "UNODA was already asked on %(date)s to bring this offer to %(reference)s "
                    "and has not answered yet."
                )
                % {"date": date_format(existing.created_at.date()), "reference": locked.reference}
            },
            code="already_asked",
        )
    referral = OfferReferral(
        offer=offer,
        request=locked,
        organization=locked.requesting_organization,
        asked_by=actor,
        note=(note or "").strip(),
    )
    referral.full_clean()
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:  # the constraint behind the check above
        raise ValidationError(
            {"request": _("UNODA has already been asked to bring this offer to this request.")},
            code="already_asked",
        ) from None
    _audit_referral(actor, referral, "offer_referral_ask")
    referral.request = locked
    _referral_notify(Event.REFERRAL_ASKED, referral, actor)
    return referral


def _lock_open_referral(actor, referral: OfferReferral) -> tuple[AssistanceRequest, OfferReferral]:
    require(
        can_handle_offer_referrals(actor),
        _("Only UNODA brings offers to requests when a State asks."),
    )
    case = _lock_referral_case(referral.request_id)
    locked = (
        OfferReferral.objects.select_for_update(of=("self",))
        .select_related("offer__donor")
        .get(pk=referral.pk)
    )
    locked.request = case
    if locked.status != ReferralStatus.OPEN:
        raise ApplicationError(
            _("This request of the State was already answered (“%(status)s”).")
            % {"status": locked.get_status_display()},
            code="already_handled",
        )
    return case, locked


@transaction.atomic
def offer_referral_bring(
    *,
    actor,
    referral: OfferReferral,
    meeting: MatchmakingMeeting | None = None,
    note: str = "",
) -> OfferReferral:
    """UNODA brings the offer to the State's request: the donor's members are told of the
    request (and the State of the answer), and, when a matchmaking meeting still to come is
    chosen, the request with the offer goes on its agenda (``meeting_add_item``, unless the
    pair is there already). The donor must be one the request's visibility admits."""
    if meeting is not None:
        # The meeting first, as meeting_add_item takes its locks (meeting, then case).
        meeting = _lock_meeting(
            actor, meeting.pk, _("Only UNODA brings offers to requests when a State asks.")
        )
    case, locked = _lock_open_referral(actor, referral)
    offer = locked.offer
    errors = {}
    if case.status not in OPEN_NEEDS:
        errors["request"] = _(
            "The request can no longer receive help from an offer (it is “%(status)s”): "
            "decline with a reason instead."
        ) % {"status": case.get_status_display()}
    if not _offer_is_open(offer, timezone.localdate()):
        errors["offer"] = _(
            "This offer is no longer available (withdrawn by the donor or past its validity): "
            "decline with a reason instead."
        )
    elif not organization_may_see_request(offer.donor, case):
        errors["offer"] = _(
            "The request is shown to selected donors only and %(donor)s is not among them: "
            "add it to the request's selected donors first."
        ) % {"donor": offer.donor}
    if meeting is not None and meeting.date < timezone.localdate():
        errors["meeting"] = _("This meeting has taken place: choose one still to come.")
    if errors:
        raise ValidationError(errors)
    if meeting is not None and not meeting.items.filter(request=case, offer=offer).exists():
        meeting_add_item(actor=actor, meeting=meeting, request=case, offer=offer)
    locked.status = ReferralStatus.BROUGHT
    locked.meeting = meeting
    locked.unoda_note = (note or "").strip()
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    locked.full_clean()
    locked.save(
        update_fields=["status", "meeting", "unoda_note", "handled_by", "handled_at", "updated_at"]
    )
    referral.status = locked.status
    _audit_referral(
        actor, locked, "offer_referral_bring", meeting=meeting.pk if meeting is not None else None
    )
    _referral_notify(Event.REFERRAL_BROUGHT, locked, actor)
    return locked


@transaction.atomic
def offer_referral_decline(*, actor, referral: OfferReferral, reason: str) -> OfferReferral:
    """UNODA declines to bring the offer to the State's request, saying why (the State is told
    and sees the reason)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the offer is not brought to the request.")})
    _case, locked = _lock_open_referral(actor, referral)
    locked.status = ReferralStatus.DECLINED
    locked.unoda_note = reason
    locked.handled_by = actor
    locked.handled_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "unoda_note", "handled_by", "handled_at", "updated_at"])
    referral.status = locked.status
    _audit_referral(actor, locked, "offer_referral_decline")
    _referral_notify(Event.REFERRAL_DECLINED, locked, actor)
    return locked
