"""Donor side: offers, expressions of interest, commitments, exchange rates, meetings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.cases.currencies import currency_choices
from apps.core.choices import display_of
from apps.core.models import TimeStampedModel
from apps.organizations.models import Region

MONEY = {"max_digits": 14, "decimal_places": 2}
POSITIVE = [MinValueValidator(0.01)]


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
        ]
        indexes = [models.Index(fields=["is_active", "valid_until"], name="offer_active_until")]

    def __str__(self) -> str:
        return f"{self.donor}: {self.title}"


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
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CONVERTED = "converted", _("Converted into a commitment")


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
    PLEDGED = "pledged", _("Pledged")
    COMMITTED = "committed", _("Committed")
    PARTIALLY_DISBURSED = "partially_disbursed", _("Partially disbursed")
    DISBURSED = "disbursed", _("Disbursed")
    CANCELLED = "cancelled", _("Cancelled")


# Statuses that count towards funded totals (a pledge is shown but does not count).
FUNDED_STATUSES = (
    CommitmentStatus.COMMITTED,
    CommitmentStatus.PARTIALLY_DISBURSED,
    CommitmentStatus.DISBURSED,
)


class Commitment(TimeStampedModel):
    """One donor's funding of one request, tracked as in humanitarian funding tracking."""

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
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ("request", "donor", "pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="commitment_amount_positive",
                violation_error_message=_("The amount must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values), name="commitment_status_valid"
            ),
            models.UniqueConstraint(
                fields=["request", "donor"],
                condition=~Q(status="cancelled"),
                name="commitment_one_per_donor_per_request",
                violation_error_message=_("This donor already has a commitment on this request."),
            ),
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
        ]

    def __str__(self) -> str:
        return f"{self.donor}: {self.amount} {self.currency} ({self.status})"

    def get_status_display(self) -> str:
        return display_of(CommitmentStatus, self.status)


class Disbursement(models.Model):
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="disbursements",
        verbose_name=_("commitment"),
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
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.amount}"


class CommitmentChange(models.Model):
    """The history of a commitment: who changed what, when (written by the services only)."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="changes", verbose_name=_("commitment")
    )
    action = models.CharField(_("action"), max_length=30)
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
    position = models.PositiveSmallIntegerField(_("position"), default=0)
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
