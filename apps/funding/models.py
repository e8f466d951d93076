"""Donor side: offers, expressions of interest, commitments, exchange rates, meetings."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.currencies import currency_choices
from apps.core.choices import display_of
from apps.core.models import TimeStampedModel
from apps.organizations.models import Region

MONEY = {"max_digits": 14, "decimal_places": 2}
POSITIVE = [MinValueValidator(0.01)]


class CooperationType(models.TextChoices):
    """The kind of cooperation an agreement or an offer is (the discussion paper's terms).

    Recorded on each agreement and each offer; required whenever one is recorded. Rows from
    before it was asked keep an empty value, shown as "not recorded". Its IATI code (where one
    exists) is in apps/reports/iati.py."""

    NORTH_SOUTH = "north_south", _("North-South")
    SOUTH_SOUTH = "south_south", _("South-South")
    TRIANGULAR = "triangular", _("Triangular")
    REGIONAL = "regional", _("Regional")
    MULTILATERAL = "multilateral", _("Multilateral (through a UN entity or fund)")


COOPERATION_NOT_RECORDED = _("not recorded")


def cooperation_type_field():
    """The field, the same on agreements and offers (blank only on rows from before it)."""
    return models.CharField(
        _("type of cooperation"),
        max_length=20,
        choices=CooperationType.choices,
        blank=True,
        help_text=_(
            "North-South, South-South, triangular (a third partner supports cooperation between "
            "two countries of the South), regional, or multilateral (through a UN entity or fund)."
        ),
    )


def cooperation_label(value: str) -> str:
    """The type's label in the reader's language, or "not recorded" for an empty value."""
    return display_of(CooperationType, value) if value else str(COOPERATION_NOT_RECORDED)


def cooperation_type_valid(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(cooperation_type__in=[*CooperationType.values, ""]),
        name=name,
        violation_error_message=_("Choose a type of cooperation from the list."),
    )


class Offer(TimeStampedModel):
    """A donor's standing offer of available assistance."""

    donor = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="offers",
        limit_choices_to={"is_donor": True},
        verbose_name=_("donor"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    categories = models.ManyToManyField(
        "cases.Category", related_name="offers", blank=True, verbose_name=_("categories")
    )
    kinds = models.ManyToManyField(
        "cases.AssistanceKind", related_name="offers", blank=True, verbose_name=_("kinds of help")
    )
    amount_min = models.DecimalField(
        _("smallest amount"), **MONEY, null=True, blank=True, validators=POSITIVE
    )
    amount_max = models.DecimalField(
        _("largest amount"), **MONEY, null=True, blank=True, validators=POSITIVE
    )
    currency = models.CharField(_("currency"), max_length=3, choices=currency_choices())
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    cooperation_type = cooperation_type_field()
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ("-valid_from", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True) | Q(amount_min__gt=0),
                name="offer_amount_min_positive",
                violation_error_message=_("Amounts must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount_max__isnull=True) | Q(amount_max__gt=0),
                name="offer_amount_max_positive",
                violation_error_message=_("Amounts must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True)
                | Q(amount_max__isnull=True)
                | Q(amount_min__lte=F("amount_max")),
                name="offer_amount_range_ordered",
                violation_error_message=_("The smallest amount cannot exceed the largest."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="offer_validity_ordered",
                violation_error_message=_("The offer cannot end before it starts."),
            ),
            cooperation_type_valid("offer_cooperation_type_valid"),
        ]
        indexes = [models.Index(fields=["is_active", "valid_until"], name="offer_active_until")]

    def __str__(self) -> str:
        return f"{self.donor}: {self.title}"

    @property
    def cooperation_label(self) -> str:
        return cooperation_label(self.cooperation_type)


class OfferRegion(models.Model):
    """A region an offer covers ('global' covers all)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="regions")
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)

    class Meta:
        verbose_name = _("offer region")
        verbose_name_plural = _("offer regions")
        constraints = [
            models.UniqueConstraint(fields=["offer", "region"], name="offerregion_unique")
        ]

    def __str__(self) -> str:
        return self.get_region_display()


class InterestStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("interest status", "Active")
    WITHDRAWN = "withdrawn", pgettext_lazy("interest status", "Withdrawn")
    CONVERTED = "converted", _("Converted into a commitment")
    # The case ended (closed, withdrawn or declined): the interest stands no more and cannot
    # be withdrawn (set by ``effects.conclude_interests`` in the transition's transaction).
    CONCLUDED = "concluded", pgettext_lazy("interest status", "Concluded")


# Interest that still stands behind a case in "donor interest".
STANDING_INTEREST = (InterestStatus.ACTIVE, InterestStatus.CONVERTED)


class ExpressionOfInterest(TimeStampedModel):
    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.CASCADE,
        related_name="interests",
        verbose_name=_("assistance request"),
    )
    donor = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="interests",
        verbose_name=_("donor"),
    )
    message = models.TextField(_("message"), blank=True)
    # Coordination: which activity lines of the request the interest is about (none: not
    # specified), and whether other donors may see who it is.
    covers = models.ManyToManyField(
        "cases.Activity",
        related_name="covering_interests",
        blank=True,
        verbose_name=_("activities covered"),
    )
    disclosed = models.BooleanField(
        _("disclosed to other donors"),
        default=True,
        help_text=_("Other donors see the donor's name; otherwise “an undisclosed donor”."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=InterestStatus.choices,
        default=InterestStatus.ACTIVE,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "donor"],
                condition=Q(status="active"),
                name="interest_one_active_per_donor",
                violation_error_message=_("This donor has already expressed interest."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} → {self.request_id} ({self.status})"


class CommitmentStatus(models.TextChoices):
    PLEDGED = "pledged", pgettext_lazy("funding status", "Pledged")
    COMMITTED = "committed", pgettext_lazy("funding status", "Committed")
    PARTIALLY_DISBURSED = "partially_disbursed", _("Partially disbursed")
    DISBURSED = "disbursed", pgettext_lazy("funding status", "Disbursed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that count towards funded totals (a pledge is shown but does not count).
FUNDED_STATUSES = (
    CommitmentStatus.COMMITTED,
    CommitmentStatus.PARTIALLY_DISBURSED,
    CommitmentStatus.DISBURSED,
)

# Statuses of the tranches that wait for their donor: a pledge to make firm, a commitment to
# disburse.
AWAITING_DONOR = (
    CommitmentStatus.PLEDGED,
    CommitmentStatus.COMMITTED,
    CommitmentStatus.PARTIALLY_DISBURSED,
)


def awaiting_donor_first():
    """The first sort key of the donor desk: 0 for a tranche awaiting its donor, else 1. One
    expression for the query and its index (the index serves only the same expression)."""
    return models.Case(
        models.When(status__in=AWAITING_DONOR, then=models.Value(0)),
        default=models.Value(1),
    )


class RateUsed(models.Model):
    """The exchange rate a commitment or a disbursement was converted with, fixed by the
    services when it is recorded (and when its amount, currency or date changes): the UN
    operational rate of its currency in force on its own date (``selectors.rate_of_day``), the
    amount in US dollars, and the amount in the case's budget currency with that currency's
    rate of the same day. Empty on older rows whose month had no rate ("rate missing")."""

    rate_per_usd = models.DecimalField(
        _("rate used (units per 1 USD)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        editable=False,
    )
    rate_valid_on = models.DateField(_("rate valid on"), null=True, blank=True, editable=False)
    rate_source = models.CharField(_("rate source"), max_length=120, blank=True, editable=False)
    amount_usd = models.DecimalField(
        _("amount in USD"), **MONEY, null=True, blank=True, editable=False
    )
    case_currency = models.CharField(_("case currency"), max_length=3, blank=True, editable=False)
    case_rate_per_usd = models.DecimalField(
        _("case currency rate (units per 1 USD)"),
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        editable=False,
    )
    case_rate_valid_on = models.DateField(
        _("case currency rate valid on"), null=True, blank=True, editable=False
    )
    amount_case = models.DecimalField(
        _("amount in the case currency"), **MONEY, null=True, blank=True, editable=False
    )

    class Meta:
        abstract = True

    @staticmethod
    def rate_constraints(prefix: str) -> list:
        """A rate and its converted amount are stored together or not at all."""
        return [
            models.CheckConstraint(
                condition=Q(rate_per_usd__isnull=True, amount_usd__isnull=True)
                | Q(rate_per_usd__gt=0, amount_usd__isnull=False, rate_valid_on__isnull=False),
                name=f"{prefix}_rate_with_usd",
            ),
            models.CheckConstraint(
                condition=Q(case_rate_per_usd__isnull=True, amount_case__isnull=True)
                | Q(case_rate_per_usd__gt=0, amount_case__isnull=False) & ~Q(case_currency=""),
                name=f"{prefix}_case_rate_with_amount",
            ),
        ]

    @property
    def rate_missing(self) -> bool:
        return self.rate_per_usd is None

    @property
    def rate_shown(self) -> Decimal | None:
        return without_trailing_zeros(self.rate_per_usd)

    @property
    def case_rate_shown(self) -> Decimal | None:
        return without_trailing_zeros(self.case_rate_per_usd)


def without_trailing_zeros(value: Decimal | None) -> Decimal | None:
    """149.876500 -> 149.8765, 150.000000 -> 150 (never 1.5E+2), for showing a rate."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class Commitment(RateUsed, TimeStampedModel):
    """One tranche of a donor's funding of one request, tracked as in humanitarian funding
    tracking. A donor may fund a request in several tranches, numbered 1, 2, ... per donor and
    request (``services.commitment_create`` numbers them under the case's row lock), each with
    its own dates, amount, status and disbursements."""

    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("assistance request"),
    )
    donor = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("donor"),
    )
    tranche = models.PositiveIntegerField(
        _("tranche"),
        default=1,
        editable=False,
        help_text=_("The number of this tranche among the donor's funding of the request."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PLEDGED,
        editable=False,
    )
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    currency = models.CharField(_("currency"), max_length=3, choices=currency_choices())
    pledged_on = models.DateField(_("pledged on"))
    expected_commitment_date = models.DateField(
        _("expected commitment date"),
        null=True,
        blank=True,
        help_text=_("When the pledge should become a firm commitment."),
    )
    committed_on = models.DateField(_("committed on"), null=True, blank=True, editable=False)
    note = models.TextField(_("note"), blank=True)
    # Coordination, as on ``ExpressionOfInterest``.
    covers = models.ManyToManyField(
        "cases.Activity",
        related_name="covering_commitments",
        blank=True,
        verbose_name=_("activities covered"),
    )
    disclosed = models.BooleanField(
        _("disclosed to other donors"),
        default=True,
        help_text=_("Other donors see the donor's name; otherwise “an undisclosed donor”."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = pgettext_lazy("firm funding promised by a donor", "commitment")
        verbose_name_plural = pgettext_lazy("firm funding promised by a donor", "commitments")
        ordering = ("request", "donor", "tranche", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="commitment_amount_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values), name="commitment_status_valid"
            ),
            models.CheckConstraint(condition=Q(tranche__gte=1), name="commitment_tranche_positive"),
            models.UniqueConstraint(
                fields=["request", "donor", "tranche"],
                name="commitment_tranche_unique",
                violation_error_message=_("This donor already has a tranche with this number."),
            ),
            *RateUsed.rate_constraints("commitment"),
        ]
        indexes = [
            models.Index(fields=["request", "status"], name="commitment_request_status"),
            # The reminder sweep's finders: pledges past their expected date or the ageing
            # window, and commitments not disbursed some time after they were made.
            models.Index(
                fields=["status", "expected_commitment_date", "pledged_on"],
                name="commitment_pledge_ageing",
            ),
            models.Index(fields=["status", "committed_on"], name="commitment_status_since"),
            # The donor desk's order (``selectors.desk_commitment_list``), read a page at a
            # time without sorting every tranche.
            models.Index(
                awaiting_donor_first(),
                F("request"),
                F("donor"),
                F("tranche"),
                F("id"),
                name="commitment_desk_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} #{self.tranche}: {self.amount} {self.currency} ({self.status})"

    def get_status_display(self) -> str:
        return display_of(CommitmentStatus, self.status)

    @property
    def start_date(self):
        """The day the tranche's money may flow from: its commitment, else its pledge."""
        return self.committed_on or self.pledged_on

    @property
    def disbursed_amount(self):
        """What was disbursed on this tranche (from the prefetched ``disbursements``)."""
        return sum((d.amount for d in self.disbursements.all()), Decimal(0))

    @property
    def undisbursed_amount(self):
        """What is left to disburse on a firm commitment (0 for a pledge or a cancellation)."""
        if self.status not in FUNDED_STATUSES:
            return Decimal(0)
        return max(self.amount - self.disbursed_amount, Decimal(0))


class Disbursement(RateUsed):
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=pgettext_lazy("firm funding promised by a donor", "commitment"),
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    note = models.CharField(_("note"), max_length=250, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ("date", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="disbursement_amount_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
            *RateUsed.rate_constraints("disbursement"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.amount}"


class CommitmentChange(models.Model):
    """The history of a commitment: who changed what, when (written by the services only)."""

    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=pgettext_lazy("firm funding promised by a donor", "commitment"),
    )
    action = models.CharField(
        pgettext_lazy("what was done to a commitment", "action"), max_length=30
    )
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("commitment change")
        verbose_name_plural = _("commitment history")
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.action}"


class ExchangeRate(models.Model):
    """How many units of ``currency`` one US dollar buys on ``valid_on`` (USD itself is 1)."""

    currency = models.CharField(_("currency"), max_length=3, choices=currency_choices())
    rate_per_usd = models.DecimalField(
        _("units per 1 USD"),
        max_digits=18,
        decimal_places=6,
        validators=[MinValueValidator(0.000001)],
    )
    valid_on = models.DateField(_("valid on"))
    source = models.CharField(_("source"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ("currency", "-valid_on")
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_on"], name="exchangerate_unique"),
            models.CheckConstraint(
                condition=Q(rate_per_usd__gt=0),
                name="exchangerate_positive",
                violation_error_message=_("The rate must be greater than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"1 USD = {self.rate_per_usd} {self.currency} ({self.valid_on})"

    def clean(self):
        errors = {}
        if self.currency == "USD":  # the base currency (selectors.BASE_CURRENCY)
            errors["currency"] = _("The US dollar is the base currency: its rate is always 1.")
        if self.valid_on and self.valid_on > timezone.localdate():
            errors["valid_on"] = _("A rate can only be set for today or an earlier day.")
        if errors:
            raise ValidationError(errors)


class MatchmakingMeeting(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    online_link = models.URLField(_("online link"), blank=True)
    invited = models.ManyToManyField(
        "organizations.Organization",
        related_name="meetings",
        blank=True,
        verbose_name=_("invited organizations"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("matchmaking meeting")
        verbose_name_plural = _("matchmaking meetings")
        ordering = ("-date", "-pk")

    def __str__(self) -> str:
        return f"{self.date}: {self.title}"


class MeetingDecision(models.TextChoices):
    """What came of an agenda item. Anything but "pending" counts as decided."""

    PENDING = "pending", _("Pending")
    FOLLOW_UP_AGREED = "follow_up_agreed", _("Follow-up agreed")
    DECLINED = "declined", _("Declined")
    DEFERRED = "deferred", _("Deferred")


class MeetingItem(models.Model):
    """A request, an offer, or a request with an offer presented at a meeting, with what came
    of it: a decision, a free-text outcome note and the follow-up agreed."""

    meeting = models.ForeignKey(
        MatchmakingMeeting,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("meeting"),
    )
    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_items",
        verbose_name=_("request"),
    )
    offer = models.ForeignKey(
        Offer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_items",
        verbose_name=_("offer"),
    )
    position = models.PositiveSmallIntegerField(
        pgettext_lazy("order in a list", "position"), default=0
    )
    decision = models.CharField(
        _("decision"),
        max_length=20,
        choices=MeetingDecision.choices,
        default=MeetingDecision.PENDING,
    )
    outcome = models.TextField(_("outcome"), blank=True)
    interest_shown = models.BooleanField(_("interest shown"), default=False)
    follow_up = models.TextField(_("follow-up"), blank=True)

    class Meta:
        verbose_name = _("meeting item")
        verbose_name_plural = _("meeting items")
        ordering = ("meeting", "position", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(offer__isnull=False),
                name="meetingitem_request_or_offer",
                violation_error_message=_("An item presents a request, an offer or both."),
            ),
            models.CheckConstraint(
                condition=Q(decision__in=MeetingDecision.values),
                name="meetingitem_decision_valid",
            ),
            # One item per request alone, per offer alone and per request with an offer.
            models.UniqueConstraint(
                fields=["meeting", "request"],
                condition=Q(offer__isnull=True),
                name="meetingitem_unique_request",
                violation_error_message=_("This request is already on the agenda."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "offer"],
                condition=Q(request__isnull=True),
                name="meetingitem_unique_offer",
                violation_error_message=_("This offer is already on the agenda."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "request", "offer"],
                name="meetingitem_unique_request_offer",
                violation_error_message=_("This request is already on the agenda with this offer."),
            ),
        ]

    def __str__(self) -> str:
        if self.request_id and self.offer_id:
            return f"{self.request} + {self.offer}"
        return str(self.request or self.offer)

    @property
    def has_outcome(self) -> bool:
        """Whether anything of the meeting's outcome has been recorded on the item."""
        return bool(
            self.decision != MeetingDecision.PENDING
            or self.outcome
            or self.follow_up
            or self.interest_shown
        )


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Waiting for UNODA")
    BROUGHT = "brought", _("Brought to the donor by UNODA")
    DECLINED = "declined", _("Declined by UNODA")


class OfferReferral(TimeStampedModel):
    """A State's request to UNODA to bring a donor's offer to one of its requests, and what
    UNODA did about it (brought it to the donor, at a meeting or not, or declined with a
    reason). Written by the services only."""

    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("offer")
    )
    request = models.ForeignKey(
        "cases.AssistanceRequest",
        on_delete=models.PROTECT,
        related_name="offer_referrals",
        verbose_name=_("assistance request"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="offer_referrals",
        verbose_name=_("asked by (State)"),
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("asked by"),
    )
    note = models.TextField(_("the State's note"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.OPEN,
        editable=False,
    )
    unoda_note = models.TextField(_("UNODA's note"), blank=True)
    meeting = models.ForeignKey(
        MatchmakingMeeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("brought to the meeting"),
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("handled by"),
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("offer referral")
        verbose_name_plural = _("offer referrals")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="offerreferral_status_valid"
            ),
            # A double click, or two members of the State asking at once, make one referral.
            models.UniqueConstraint(
                fields=["offer", "request"],
                condition=Q(status="open"),
                name="offerreferral_one_open_per_pair",
                violation_error_message=_(
                    "UNODA has already been asked to bring this offer to this request."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(handled_at__isnull=True))
                | (~Q(status="open") & Q(handled_at__isnull=False)),
                name="offerreferral_handled_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(unoda_note=""),
                name="offerreferral_decline_has_reason",
                violation_error_message=_("Say why the offer is not brought to the request."),
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="offerreferral_status")]

    def __str__(self) -> str:
        return f"{self.request_id} ← {self.offer_id} ({self.status})"

    def get_status_display(self) -> str:
        return display_of(ReferralStatus, self.status)
