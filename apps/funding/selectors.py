"""Reads of the donor side, always scoped to what the user may see; funding figures per request.

Lists and details share one scoping function per entity. Funding totals add up the converted
amounts stored with each commitment and disbursement (converted with the rate of its own date,
``rate_of_day``); an amount stored without a rate (its month had none) is reported as awaiting a
rate, never guessed. ``rates_on`` (the latest rate on or before a day) serves only what has no
date of its own: offers in matching and the budgets on the dashboard.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext

from apps.cases.models import Activity, AssistanceRequest
from apps.cases.selectors import (
    from_document,
    in_region,
    list_deferred_fields,
    request_list,
    search_condition,
)
from apps.cases.workflow import OPEN_NEEDS
from apps.core.pagination import peek_page
from apps.core.reference import cached
from apps.core.selectors import portal_settings, portal_settings_read
from apps.organizations.models import Region
from apps.organizations.selectors import (
    member_organization_ids,
    user_is_unoda,
    user_memberships,
)
from apps.security.services import audit_refused_access

from .models import (
    FUNDED_STATUSES,
    Commitment,
    CommitmentStatus,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    InterestStatus,
    MatchmakingMeeting,
    MeetingDecision,
    MeetingItem,
    Offer,
    OfferReferral,
    ReferralStatus,
    awaiting_donor_first,
)

CENT = Decimal("0.01")
BASE_CURRENCY = "USD"


def _org_ids(user) -> list[int]:
    return sorted(member_organization_ids(user))


def _active(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


# --- Scoping -----------------------------------------------------------------------------------


def offer_list(*, user, filters: dict | None = None) -> QuerySet[Offer]:
    """UNODA sees every offer; a donor's members see their own organization's offers only."""
    if not _active(user):
        return Offer.objects.none()
    queryset = Offer.objects.all()
    if not user_is_unoda(user):
        queryset = queryset.filter(donor_id__in=_org_ids(user))
    filters = filters or {}
    if (active := filters.get("active")) is not None:
        queryset = queryset.filter(is_active=active)
    return queryset.select_related("donor").prefetch_related("categories", "kinds", "regions")


OFFERS_PER_PAGE = 25


def offer_catalogue(*, user, filters: dict | None = None) -> QuerySet[Offer]:
    """Offers of assistance to browse, every donor's: the ones available today (active, in
    their validity window) for any signed-in member; UNODA may also ask for the inactive and
    the expired ones (``status``). Filters: ``q`` (title or description), ``donor`` (an
    organization id), ``category``, ``kind``, ``region`` and ``cooperation`` (codes)."""
    if not _active(user):
        return Offer.objects.none()
    filters = filters or {}
    today = timezone.localdate()
    available = Q(is_active=True, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    status = (filters.get("status") or "available") if user_is_unoda(user) else "available"
    queryset = Offer.objects.all()
    if status == "available":
        queryset = queryset.filter(available)
    elif status == "inactive":
        queryset = queryset.filter(is_active=False)
    elif status == "expired":
        queryset = queryset.filter(is_active=True, valid_until__lt=today)
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if donor := filters.get("donor"):
        queryset = queryset.filter(donor_id=donor)
    if category := filters.get("category"):
        queryset = queryset.filter(categories__code=category)
    if kind := filters.get("kind"):
        queryset = queryset.filter(kinds__code=kind)
    if region := filters.get("region"):
        queryset = queryset.filter(regions__region__in=[region, Region.GLOBAL])
    if cooperation := filters.get("cooperation"):
        queryset = queryset.filter(cooperation_type=cooperation)
    return (
        queryset.distinct()
        .select_related("donor")
        .prefetch_related("categories", "kinds", "regions")
        .order_by("donor__name", "title", "pk")
    )


def offers_page(*, user, filters: dict, number):
    """A page of ``offer_catalogue`` (``peek_page``: no count)."""
    return peek_page(offer_catalogue(user=user, filters=filters), OFFERS_PER_PAGE, number)


def own_active_offers(*, user) -> QuerySet[Offer]:
    """The active offers of the user's own donor organizations, for matching."""
    if not _active(user):
        return Offer.objects.none()
    return (
        Offer.objects.filter(is_active=True, donor_id__in=_org_ids(user), donor__is_donor=True)
        .select_related("donor")
        .prefetch_related("categories", "kinds", "regions")
    )


def offer_get(*, user, pk: int) -> Offer:
    """An offer the user may see, or ``Offer.DoesNotExist`` (the refusal of one that exists
    is in the audit log)."""
    return _get_or_refuse(offer_list(user=user), Offer, user=user, pk=pk)


def _get_or_refuse(visible: QuerySet, model, *, user, pk):
    """The row ``pk`` of ``visible``, or ``model.DoesNotExist``, with the refusal in the audit
    log when the row exists but is not among the ones the user may see."""
    try:
        return visible.get(pk=pk)
    except model.DoesNotExist:
        audit_refused_access(user=user, records=model.objects.filter(pk=pk), what=str(pk))
        raise


def _scope(user) -> tuple[int, ...] | None:
    """Whose interests and commitments the user sees: ``None`` for every one (UNODA), else
    the user's organizations (as donor, or as the State that requests)."""
    return None if user_is_unoda(user) else tuple(_org_ids(user))


def _of_organizations(queryset: QuerySet, organizations: tuple[int, ...] | None) -> QuerySet:
    if organizations is None:
        return queryset
    # The State's requests as a subquery: a condition on the joined case, OR-ed with one on the
    # record itself, would have PostgreSQL scan every case.
    requests = AssistanceRequest.objects.filter(requesting_organization_id__in=organizations)
    return queryset.filter(Q(donor_id__in=organizations) | Q(request_id__in=requests.values("pk")))


def interest_list(*, user) -> QuerySet[ExpressionOfInterest]:
    """UNODA all; a donor its own interests; a State the interests in its own requests."""
    if not _active(user):
        return ExpressionOfInterest.objects.none()
    return _of_organizations(ExpressionOfInterest.objects.all(), _scope(user)).select_related(
        "request", "donor"
    )


def commitment_list(*, user, filters: dict | None = None) -> QuerySet[Commitment]:
    """UNODA all; a donor its own commitments; a State the commitments on its own requests."""
    if not _active(user):
        return Commitment.objects.none()
    queryset = _of_organizations(Commitment.objects.all(), _scope(user))
    filters = filters or {}
    if request := filters.get("request"):
        queryset = queryset.filter(request=request)
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    return queryset.select_related("request", "donor").order_by(
        "request_id", "donor__name", "donor_id", "tranche", "pk"
    )


DESK_PER_PAGE = 25


def desk_commitment_list(*, user, donor_ids: Iterable[int], case: str = "") -> QuerySet[Commitment]:
    """The tranches on a donor desk: UNODA every donor's, anyone else those of the donors
    ``donor_ids`` (the user's own donor organizations) among ``commitment_list``; only those
    of the case whose reference is ``case`` if given (a case page links there). The ones
    waiting for their donor come first (``AWAITING_DONOR``), then by case, donor and tranche
    (a donor's tranches of a case together), in the order of an index. Each comes with its
    disbursements and ``is_last_tranche``:
    whether it is the donor's last tranche of the case (no later one), where a tranche may be
    added; computed in the query, so it holds whatever page the tranche falls on."""
    queryset = commitment_list(user=user)
    if not user_is_unoda(user):
        queryset = queryset.filter(donor_id__in=list(donor_ids))
    if case:
        queryset = queryset.filter(request__reference=case)
    later = Commitment.objects.filter(
        request_id=OuterRef("request_id"),
        donor_id=OuterRef("donor_id"),
        tranche__gt=OuterRef("tranche"),
    )
    # The cases are read apart, by key, for the page's rows only: joined, all of them would be
    # read to sort the tranches.
    cases = AssistanceRequest.objects.defer(*list_deferred_fields())
    return (
        queryset.select_related(None)
        .select_related("donor")
        .annotate(is_last_tranche=~Exists(later))
        .prefetch_related(Prefetch("request", queryset=cases), "disbursements")
        .order_by(awaiting_donor_first(), "request_id", "donor_id", "tranche", "pk")
    )


def case_interests(*, user, case: AssistanceRequest) -> QuerySet[ExpressionOfInterest]:
    """The interests in ``case`` the user may see (``interest_list``), each with its donor."""
    return (
        interest_list(user=user).filter(request=case).select_related(None).select_related("donor")
    )


def case_commitments(*, user, case: AssistanceRequest) -> QuerySet[Commitment]:
    """The tranches on ``case`` the user may see (``commitment_list``), a donor's together in
    their order, each with its disbursements (oldest first)."""
    return (
        commitment_list(user=user)
        .filter(request=case)
        .select_related(None)
        .select_related("donor")
        .prefetch_related(
            Prefetch("disbursements", queryset=Disbursement.objects.order_by("date", "pk"))
        )
        .order_by("donor__name", "donor_id", "tranche", "pk")
    )


def commitment_get(*, user, pk: int) -> Commitment:
    return _get_or_refuse(commitment_list(user=user), Commitment, user=user, pk=pk)


def meeting_list(*, user) -> QuerySet[MatchmakingMeeting]:
    """Meetings are UNODA's working files: each with its invitations, the number of items on
    its agenda (``item_count``) and of those decided (``decided_count``)."""
    if not user_is_unoda(user):
        return MatchmakingMeeting.objects.none()
    return MatchmakingMeeting.objects.prefetch_related("invited").annotate(
        item_count=Count("items"),
        decided_count=Count("items", filter=~Q(items__decision=MeetingDecision.PENDING)),
    )


def meeting_get(*, user, pk: int) -> MatchmakingMeeting:
    return meeting_list(user=user).get(pk=pk)


def meeting_items(*, meeting: MatchmakingMeeting) -> QuerySet[MeetingItem]:
    """A meeting's agenda in order, each item with its case and offer (the caller has got the
    meeting through ``meeting_get``)."""
    return meeting.items.select_related(
        "request__requesting_organization", "offer__donor"
    ).order_by("position", "pk")


def meeting_case_choices(*, user) -> QuerySet[AssistanceRequest]:
    """The cases the user may put on a meeting's agenda: the open needs the user sees."""
    return (
        request_list(user=user)
        .filter(status__in=OPEN_NEEDS)
        .select_related(None)
        .defer(*list_deferred_fields())
        .order_by("reference")
    )


def meeting_offer_choices(*, user, on: datetime.date | None = None) -> QuerySet[Offer]:
    """The offers the user may put on a meeting's agenda: every active offer the user sees
    (UNODA: every donor's) that has not run out."""
    on = on or timezone.localdate()
    return (
        offer_list(user=user, filters={"active": True})
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .prefetch_related(None)
        .order_by("donor__name", "title", "pk")
    )


def case_meeting_items(*, user, case: AssistanceRequest) -> QuerySet[MeetingItem]:
    """The matchmaking-meeting items about ``case`` the user may see, newest meeting first:
    UNODA and the requesting State every one; anyone else (a donor) only the items about their
    organization's own offers and the items of meetings their organization was invited to.
    The caller has checked that the user may see the case."""
    if not _active(user):
        return MeetingItem.objects.none()
    items = (
        MeetingItem.objects.filter(request=case)
        .select_related("meeting", "offer__donor")
        .order_by("-meeting__date", "meeting_id", "position", "pk")
    )
    if user_is_unoda(user):
        return items
    organizations = _org_ids(user)
    if case.requesting_organization_id in organizations:
        return items
    invited = MatchmakingMeeting.invited.through.objects.filter(
        matchmakingmeeting_id=OuterRef("meeting_id"), organization_id__in=organizations
    )
    return items.filter(Q(offer__donor_id__in=organizations) | Exists(invited))


# --- Offers asked for by States ---------------------------------------------------------------


def own_open_needs(*, user) -> QuerySet[AssistanceRequest]:
    """The requests of the user's own requesting States that may still receive help (the open
    needs: published, with donor interest, or seeking co-funding), through the one scope, with
    what matching reads of them."""
    states = [m.organization_id for m in user_memberships(user) if m.organization.is_recipient]
    if not _active(user) or not states:
        return AssistanceRequest.objects.none()
    return (
        request_list(user=user)
        .filter(requesting_organization_id__in=states, status__in=OPEN_NEEDS)
        .select_related(None)
        .select_related("requesting_organization")
        .defer(*list_deferred_fields())
        .prefetch_related("categories", "kinds")
        .order_by("reference")
    )


def referral_list(*, user, filters: dict | None = None) -> QuerySet[OfferReferral]:
    """The States' requests to UNODA to bring an offer to one of their requests: UNODA sees
    every one; a State's members those about their own requests; nobody else any. Filter:
    ``status`` (a ``ReferralStatus`` value)."""
    if not _active(user):
        return OfferReferral.objects.none()
    queryset = OfferReferral.objects.all()
    if not user_is_unoda(user):
        queryset = queryset.filter(request__requesting_organization_id__in=_org_ids(user))
    filters = filters or {}
    if (status := filters.get("status")) in ReferralStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.select_related(
        "offer__donor",
        "request__requesting_organization",
        "asked_by",
        "handled_by",
        "meeting",
    ).order_by("-created_at", "-pk")


def referral_get(*, user, pk: int) -> OfferReferral:
    return referral_list(user=user).get(pk=pk)


def case_referrals(*, user, case: AssistanceRequest) -> QuerySet[OfferReferral]:
    """The referrals of ``case`` the user may see (``referral_list``), newest first (the case
    itself not read again)."""
    return (
        referral_list(user=user)
        .filter(request=case)
        .select_related(None)
        .select_related("offer__donor", "asked_by", "handled_by", "meeting")
    )


def upcoming_meetings(*, user, on: datetime.date | None = None) -> QuerySet[MatchmakingMeeting]:
    """The matchmaking meetings still to come (UNODA's), soonest first: where an offer may be
    brought to a request."""
    on = on or timezone.localdate()
    return (
        meeting_list(user=user).filter(date__gte=on).prefetch_related(None).order_by("date", "pk")
    )


# --- Money -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    currency: str
    per_usd: Decimal
    valid_on: datetime.date | None  # None for the base currency
    source: str = ""


# --- The rate of a day (what a commitment or a disbursement is converted with) -----------------
#
# The UN sets its operational rates of exchange once a month. The rate of a day is therefore the
# latest rate of the currency valid on or before that day IN THE SAME CALENDAR MONTH; a month
# without one has no rate (never the rate of another month, never today's): the services refuse
# to record the amount until UNODA records the month's rate. The US dollar needs none (1).


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def rate_of_day(currency: str, day: datetime.date) -> Rate | None:
    """The rate of ``currency`` that applies to ``day`` (see above), or None when its month has
    none."""
    if currency == BASE_CURRENCY:
        return Rate(BASE_CURRENCY, Decimal(1), None)
    rate = (
        ExchangeRate.objects.filter(
            currency=currency, valid_on__lte=day, valid_on__gte=month_start(day)
        )
        .order_by("-valid_on")
        .first()
    )
    return None if rate is None else Rate(currency, rate.rate_per_usd, rate.valid_on, rate.source)


def rate_before(currency: str, day: datetime.date) -> Rate | None:
    """The nearest rate of ``currency`` on or before ``day`` in any month: what UNODA is
    proposed to record for a month that has none."""
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_on__lte=day)
        .order_by("-valid_on")
        .first()
    )
    return None if rate is None else Rate(currency, rate.rate_per_usd, rate.valid_on, rate.source)


def converted(amount: Decimal, rate: Rate, target: Rate) -> Decimal:
    """``amount`` in ``rate``'s currency expressed in ``target``'s, half up to the cent."""
    if rate.currency == target.currency:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return (amount / rate.per_usd * target.per_usd).quantize(CENT, rounding=ROUND_HALF_UP)


EXCHANGE_RATES = "exchange-rates"  # kept between requests (apps/core/reference.py)


def _latest_rates(date: datetime.date, currencies: list[str]) -> dict[str, Rate]:
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_on__lte=date)
        .order_by("-valid_on")
        .values("valid_on")[:1]
    )
    return {
        rate.currency: Rate(rate.currency, rate.rate_per_usd, rate.valid_on)
        for rate in ExchangeRate.objects.filter(currency__in=currencies, valid_on=Subquery(latest))
    }


def rates_on(date: datetime.date, currencies: Iterable[str]) -> dict[str, Rate]:
    """The latest rate on or before ``date`` for each currency that has one: one query (the
    latest date of each currency is a subquery on the unique (currency, valid_on) index),
    kept between requests."""
    wanted = set(currencies) - {BASE_CURRENCY}
    rates = {BASE_CURRENCY: Rate(BASE_CURRENCY, Decimal(1), None)}
    if not wanted:
        return rates
    wanted = sorted(wanted)
    part = f"{date.isoformat()}:{','.join(wanted)}"
    rates.update(cached(EXCHANGE_RATES, lambda: _latest_rates(date, wanted), part=part))
    return rates


def exchange_rates_in_force(*, on: datetime.date | None = None) -> QuerySet[ExchangeRate]:
    """The rate in force for each currency on ``on`` (today by default): the latest on or
    before that day, with its date and source, by currency."""
    day = on or timezone.localdate()
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef("currency"), valid_on__lte=day)
        .order_by("-valid_on")
        .values("valid_on")[:1]
    )
    return ExchangeRate.objects.filter(valid_on=Subquery(latest)).order_by("currency")


def exchange_rate_history(*, currency: str = "") -> QuerySet[ExchangeRate]:
    """Every rate set, the latest day first (of one currency when ``currency`` is given)."""
    rates = ExchangeRate.objects.order_by("-valid_on", "currency")
    return rates.filter(currency=currency) if currency else rates


def amounts_awaiting_rate() -> int:
    """How many commitments and disbursements have no stored rate (their month had none)."""
    return (
        Commitment.objects.filter(rate_per_usd__isnull=True).count()
        + Disbursement.objects.filter(rate_per_usd__isnull=True).count()
    )


def convert(amount: Decimal, source: str, target: str, rates: dict[str, Rate]) -> Decimal | None:
    """``amount`` in ``source`` expressed in ``target``, rounded half up to the cent, or None."""
    if source == target:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if source not in rates or target not in rates:
        return None
    usd = amount / rates[source].per_usd
    return (usd * rates[target].per_usd).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Figure:
    """A total in the request's currency; ``amount`` is None when some of its amounts have no
    stored rate: ``awaiting`` of them, in the currencies ``missing``."""

    amount: Decimal | None
    missing: list[str] = field(default_factory=list)
    awaiting: int = 0


class _Sum:
    """Stored converted amounts added up, with those that await a rate counted apart."""

    def __init__(self):
        self.total, self.awaiting, self.missing = Decimal(0), 0, set()

    def add(self, amount, awaiting: int, currency: str) -> None:
        self.total += amount or Decimal(0)
        if awaiting:
            self.awaiting += awaiting
            self.missing.add(currency)

    def figure(self) -> Figure:
        if self.awaiting:
            return Figure(None, sorted(self.missing), self.awaiting)
        return Figure(self.total.quantize(CENT))


@dataclass
class FundingFigures:
    currency: str
    requested: Decimal | None
    pledged: Figure
    committed: Figure
    disbursed: Figure
    gap: Figure
    ageing_pledges: int
    committed_usd: Figure = field(default_factory=lambda: Figure(Decimal(0)))
    disbursed_usd: Figure = field(default_factory=lambda: Figure(Decimal(0)))

    @property
    def seeking_cofunding(self) -> bool:
        return self.gap.amount is not None and self.gap.amount > 0


# A stored amount counts in the case's currency when it was converted into the case's present
# budget currency; one converted into another (the budget currency changed since) or not at all
# (no rate in its month) awaits a rate.
_IN_CASE_CURRENCY = Q(case_currency=F("request__budget_currency"), amount_case__isnull=False)


def _funding_rows(commitments: QuerySet, on: datetime.date, ageing_days: int) -> QuerySet:
    """The commitments' stored converted amounts grouped by case, currency and status
    (cancelled ones left out), with what was disbursed on them (also as stored), how many
    amounts await a rate and how many of them are ageing pledges."""
    disbursements = Disbursement.objects.filter(commitment=OuterRef("pk"))
    in_case = Q(case_currency=OuterRef("request__budget_currency"), amount_case__isnull=False)

    def per_commitment(aggregate):
        return Subquery(
            disbursements.values("commitment").annotate(value=aggregate).values("value")
        )

    return (
        commitments.exclude(status=CommitmentStatus.CANCELLED)
        .values("request_id", "currency", "status")
        .annotate(
            total=Sum("amount_case", filter=_IN_CASE_CURRENCY),
            awaiting=Count("pk", filter=~_IN_CASE_CURRENCY),
            total_usd=Sum("amount_usd"),
            awaiting_usd=Count("pk", filter=Q(amount_usd__isnull=True)),
            ageing=Count("pk", filter=ageing_condition(on=on, ageing_days=ageing_days)),
            disbursed=Sum(per_commitment(Sum("amount_case", filter=in_case))),
            disbursed_awaiting=Sum(per_commitment(Count("pk", filter=~in_case))),
            disbursed_usd=Sum(per_commitment(Sum("amount_usd"))),
            disbursed_awaiting_usd=Sum(
                per_commitment(Count("pk", filter=Q(amount_usd__isnull=True)))
            ),
        )
        .order_by()
    )


def funding_for_requests(
    cases: Iterable[AssistanceRequest], *, on: datetime.date | None = None
) -> dict[int, FundingFigures]:
    """Funding figures for a batch of requests: one grouped query and the portal settings,
    whatever the batch size. ``on`` is the day the pledges' ageing is judged on.

    Every amount is the one stored with the commitment or disbursement, converted with the rate
    of its own date (``rate_of_day``), never a rate read now. Pledges are shown but do not count
    as funded; committed = committed + partially disbursed + disbursed; cancelled commitments
    count nowhere; gap = requested (the budget, in its own currency) - committed in that
    currency (never below 0).
    """
    cases = list(cases)
    on = on or timezone.localdate()
    ids = [case.pk for case in cases]
    ageing_days = portal_settings().pledge_ageing_days
    buckets = ("pledged", "committed", "disbursed", "committed_usd", "disbursed_usd")
    sums = {pk: {bucket: _Sum() for bucket in buckets} for pk in ids}
    ageing = dict.fromkeys(ids, 0)
    rows = _funding_rows(Commitment.objects.filter(request_id__in=ids), on, ageing_days)
    for row in rows:
        per_case, currency = sums[row["request_id"]], row["currency"]
        ageing[row["request_id"]] += row["ageing"]
        if row["status"] in FUNDED_STATUSES:
            per_case["committed"].add(row["total"], row["awaiting"], currency)
            per_case["committed_usd"].add(row["total_usd"], row["awaiting_usd"], currency)
        else:
            per_case["pledged"].add(row["total"], row["awaiting"], currency)
        per_case["disbursed"].add(row["disbursed"], row["disbursed_awaiting"] or 0, currency)
        per_case["disbursed_usd"].add(
            row["disbursed_usd"], row["disbursed_awaiting_usd"] or 0, currency
        )

    result = {}
    for case in cases:
        figures = {bucket: total.figure() for bucket, total in sums[case.pk].items()}
        result[case.pk] = FundingFigures(
            currency=case.budget_currency,
            requested=case.budget_amount,
            gap=_gap(case, figures["committed"]),
            ageing_pledges=ageing[case.pk],
            **figures,
        )
    return result


def _gap(case: AssistanceRequest, committed: Figure) -> Figure:
    """What is still to be funded: requested - committed, never below 0."""
    if case.budget_amount is None:
        return Figure(None, [])
    if committed.amount is None:
        return Figure(None, committed.missing, committed.awaiting)
    return Figure(max(case.budget_amount - committed.amount, Decimal(0)).quantize(CENT))


@dataclass(frozen=True)
class FundingGap:
    currency: str
    gap: Figure


def funding_gaps(
    cases: Iterable[AssistanceRequest], *, on: datetime.date | None = None
) -> dict[int, FundingGap]:
    """Only the funding gap of each request, for lists: one grouped query of what was
    committed to them, as stored (the same rule as ``funding_for_requests``, without its
    pledged, disbursed and ageing figures). ``on`` is kept for the callers' symmetry."""
    cases = list(cases)
    committed = {case.pk: _Sum() for case in cases}
    rows = (
        Commitment.objects.filter(request_id__in=list(committed), status__in=FUNDED_STATUSES)
        .values("request_id", "currency")
        .annotate(
            total=Sum("amount_case", filter=_IN_CASE_CURRENCY),
            awaiting=Count("pk", filter=~_IN_CASE_CURRENCY),
        )
        .order_by()
    )
    for row in rows:
        committed[row["request_id"]].add(row["total"], row["awaiting"], row["currency"])
    return {
        case.pk: FundingGap(case.budget_currency, _gap(case, committed[case.pk].figure()))
        for case in cases
    }


def request_funding(*, case: AssistanceRequest, on: datetime.date | None = None) -> FundingFigures:
    return funding_for_requests([case], on=on)[case.pk]


@dataclass(frozen=True)
class BarPart:
    """One stretch of a case's funding bar: a donor's firm funding, other donors', or the gap."""

    label: str
    amount: Decimal
    percent: Decimal  # of the bar's width (the larger of requested and committed)
    start: Decimal  # where it begins, in percent
    kind: str  # "committed", "others" or "gap"


@dataclass(frozen=True)
class FundingBar:
    currency: str
    requested: Decimal
    committed: Decimal
    disbursed: Decimal
    gap: Decimal
    parts: tuple[BarPart, ...]
    disbursed_percent: Decimal  # of what is committed


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP) if whole else Decimal(0)


def funding_bar(*, funding: FundingFigures, commitments: Iterable[Commitment]) -> FundingBar | None:
    """The case page's funding bar: what each donor committed (those of ``commitments``, the
    tranches the reader may see; the rest of the firm funding as "other donors"), then the gap,
    against what was requested; and what was disbursed of what is committed. None when the
    request has no budget or an amount still awaits a rate (the figures then say why)."""
    committed, disbursed, gap = funding.committed.amount, funding.disbursed.amount, funding.gap
    if funding.requested is None or committed is None or disbursed is None or gap.amount is None:
        return None
    by_donor: dict[str, Decimal] = {}
    for commitment in commitments:
        in_case = commitment.case_currency == funding.currency and commitment.amount_case
        if commitment.status in FUNDED_STATUSES and in_case:
            name = str(commitment.donor)
            by_donor[name] = by_donor.get(name, Decimal(0)) + commitment.amount_case
    stretches = [(name, amount, "committed") for name, amount in by_donor.items()]
    others = committed - sum(by_donor.values(), Decimal(0))
    if others > 0:
        stretches.append((gettext("Other donors"), others, "others"))
    if gap.amount > 0:
        stretches.append((gettext("Funding gap"), gap.amount, "gap"))
    whole = max(funding.requested, committed)
    parts, start = [], Decimal(0)
    for label, amount, kind in stretches:
        percent = _percent(amount, whole)
        parts.append(BarPart(label, amount, percent, start, kind))
        start += percent
    return FundingBar(
        currency=funding.currency,
        requested=funding.requested,
        committed=committed,
        disbursed=disbursed,
        gap=gap.amount,
        parts=tuple(parts),
        disbursed_percent=min(_percent(disbursed, committed), Decimal(100)),
    )


def ageing_condition(*, on: datetime.date, ageing_days: int) -> Q:
    """A pledge still not committed after its expected date (or the default window)."""
    default_cutoff = on - datetime.timedelta(days=ageing_days)
    return Q(status=CommitmentStatus.PLEDGED) & (
        Q(expected_commitment_date__lt=on)
        | Q(expected_commitment_date__isnull=True, pledged_on__lt=default_cutoff)
    )


def ageing_pledges(
    *, on: datetime.date | None = None, ageing_days: int | None = None
) -> QuerySet[Commitment]:
    """Pledges still not committed after their expected date (or the default window). A rule
    (the reminders chase these pledges): the window is read from the database."""
    on = on or timezone.localdate()
    if ageing_days is None:
        ageing_days = portal_settings_read().pledge_ageing_days
    return Commitment.objects.filter(ageing_condition(on=on, ageing_days=ageing_days))


def commitment_is_ageing(commitment: Commitment, *, on: datetime.date | None = None) -> bool:
    return ageing_pledges(on=on).filter(pk=commitment.pk).exists()


@dataclass
class DossierRow:
    position: int
    kind: str
    reference: str
    title: str
    organization: str
    categories: str
    amount: object
    currency: str
    committed: object
    gap: object
    interest_shown: bool
    outcome: str
    follow_up: str
    suggestions: list[str]
    decision: str = ""
    offer: str = ""  # the offer presented with a request
    item: object = None  # the agenda item (its codes and ids, for the API)

    def as_list(self) -> list:
        # The decision and the offer came later: they are the last columns, so that the
        # columns before keep their places in spreadsheets built on the export.
        return [
            self.position, self.kind, self.reference, self.title, self.organization,
            self.categories, self.amount, self.currency, self.committed, self.gap,
            _yes_no(self.interest_shown), self.outcome, self.follow_up,
            " | ".join(self.suggestions), self.decision, self.offer,
        ]  # fmt: skip


def _yes_no(value: bool) -> str:
    from django.utils.translation import gettext

    return gettext("yes") if value else gettext("no")


def meeting_dossier(*, meeting: MatchmakingMeeting, suggestions: int = 3) -> list[DossierRow]:
    """Every item of a meeting with its funding figures and the best matches, in agenda order."""
    from django.utils.translation import gettext

    from .matching import offers_for_request, requests_for_offer

    items = list(
        meeting.items.select_related("request__requesting_organization", "offer__donor")
        .prefetch_related("request__categories", "offer__categories")
        .order_by("position", "pk")
    )
    figures = funding_for_requests([item.request for item in items if item.request_id])
    rows = []
    for item in items:
        if item.request_id:
            case = item.request
            funding = figures[case.pk]
            matches = offers_for_request(case=case, limit=suggestions)
            rows.append(
                DossierRow(
                    item.position,
                    gettext("request"),
                    case.reference,
                    case.title,
                    str(case.requesting_organization),
                    ", ".join(str(c) for c in case.categories.all()),
                    case.budget_amount,
                    case.budget_currency,
                    funding.committed.amount,
                    funding.gap.amount,
                    item.interest_shown,
                    item.outcome,
                    item.follow_up,
                    [f"{m.offer.donor}: {m.offer.title} ({m.score})" for m in matches],
                    item.get_decision_display(),
                    f"{item.offer.donor}: {item.offer.title}" if item.offer_id else "",
                    item,
                )
            )
        else:
            offer = item.offer
            matches = requests_for_offer(offer=offer, limit=suggestions)
            rows.append(
                DossierRow(
                    item.position,
                    gettext("offer"),
                    f"OFFER-{offer.pk}",
                    offer.title,
                    str(offer.donor),
                    ", ".join(str(c) for c in offer.categories.all()),
                    offer.amount_max,
                    offer.currency,
                    None,
                    None,
                    item.interest_shown,
                    item.outcome,
                    item.follow_up,
                    [f"{m.request.reference}: {m.request.title} ({m.score})" for m in matches],
                    item.get_decision_display(),
                    item=item,
                )
            )
    return rows


# --- The published needs -----------------------------------------------------------------------

NEEDS_PER_PAGE = 25


def needs_list(*, user, filters: dict) -> QuerySet[AssistanceRequest]:
    """The open needs the user may see (newest change first), filtered by ``category`` (a
    code), ``region``, ``priority`` and ``q`` (words of a reference or title, in any language)."""
    queryset = (
        request_list(user=user)
        .filter(status__in=OPEN_NEEDS)
        .defer(*list_deferred_fields())
        .prefetch_related("categories", "kinds")
    )
    if category := filters.get("category"):
        queryset = queryset.filter(categories__code=category)
    if region := filters.get("region"):
        queryset = queryset.filter(in_region(region))
    if priority := filters.get("priority"):
        queryset = queryset.filter(priority=priority)
    if document := filters.get("document"):
        queryset = queryset.filter(from_document(document))
    if q := (filters.get("q") or "").strip():
        queryset = queryset.filter(search_condition(q, state=False))
    return queryset


def needs_page(*, user, filters: dict, number):
    """A page of ``needs_list``, counted not at all (``peek_page``): a donor's visible cases
    are checked row by row against their permissions."""
    return peek_page(needs_list(user=user, filters=filters), NEEDS_PER_PAGE, number)


# --- Coordination: donors on a need ------------------------------------------------------------


@dataclass
class CoverageEntry:
    """One donor's active interest or live commitment on a case, as one reader may see it:
    ``donor`` is None when the donor withheld its name from this reader."""

    kind: str  # "interest" or "commitment"
    record: ExpressionOfInterest | Commitment
    donor: object | None
    disclosed: bool
    lines: list
    own: bool

    @property
    def amount(self):
        return getattr(self.record, "amount", None)

    @property
    def currency(self):
        return getattr(self.record, "currency", None)


@dataclass
class LineCoverage:
    """An activity line of the case and who covers it: the donors this reader may name (each
    once, with ``funded`` when one of its commitments covers it) and how many others withheld
    their name."""

    line: object
    named: list = field(default_factory=list)  # [(donor, funded)]
    undisclosed: int = 0

    @property
    def is_open(self) -> bool:
        return not self.named and not self.undisclosed


@dataclass
class Coordination:
    lines: list[LineCoverage]
    entries: list[CoverageEntry]  # other donors' (every donor's for UNODA and the State)
    own: list[CoverageEntry]  # the reader's own organizations' (a donor's members)
    sees_names: bool

    @property
    def covered_count(self) -> int:
        return sum(not line.is_open for line in self.lines)

    @property
    def open_count(self) -> int:
        return sum(line.is_open for line in self.lines)


def case_coordination(*, access, interests=None, commitments=None) -> Coordination:
    """Who else is in on a case, for a reader who may see it (``access``: from
    ``cases.selectors.case_access``): every donor's active interest and live (not cancelled)
    commitment with what it covers, and each activity line of the case covered (by whom) or
    still open. UNODA and the requesting State see every name; anyone else (another donor, an
    implementing partner) sees "an undisclosed donor" for a record its donor did not disclose,
    and the reader's own organizations' records apart (``own``). Five queries whatever the
    number of donors and lines (the lines, the interests, the commitments, and what each
    covers).

    ``interests`` and ``commitments``: the case's records as the page already read them for its
    reader (``case_interests``, ``case_commitments``, each with its donor); for a reader who
    sees every name, who may see every record, they are used instead of being read again."""
    case, user = access.case, access.user
    if not access.may_view:
        return Coordination(lines=[], entries=[], own=[], sees_names=False)
    own_orgs = member_organization_ids(user)
    sees_names = access.is_unoda or case.requesting_organization_id in own_orgs
    lines = list(case.activity_lines.all())
    by_id = {line.pk: line for line in lines}
    if sees_names and interests is not None and commitments is not None:
        interests = sorted(
            (i for i in interests if i.status == InterestStatus.ACTIVE),
            key=lambda i: (i.donor.name, i.pk),
        )
        commitments = sorted(
            (c for c in commitments if c.status != CommitmentStatus.CANCELLED),
            key=lambda c: (c.donor.name, c.pk),
        )
    else:
        interests = list(
            ExpressionOfInterest.objects.filter(request=case, status=InterestStatus.ACTIVE)
            .select_related("donor")
            .order_by("donor__name", "pk")
        )
        commitments = list(
            Commitment.objects.filter(request=case)
            .exclude(status=CommitmentStatus.CANCELLED)
            .select_related("donor")
            .order_by("donor__name", "pk")
        )
    covered: dict[tuple[str, int], list[int]] = {}
    for kind, model, owner in (
        ("interest", ExpressionOfInterest, "expressionofinterest"),
        ("commitment", Commitment, "commitment"),
    ):
        through = model.covers.through.objects.filter(**{f"{owner}__request": case})
        for record_id, line_id in through.values_list(f"{owner}_id", "activity_id"):
            covered.setdefault((kind, record_id), []).append(line_id)

    entries, own = [], []
    coverage = {line.pk: LineCoverage(line=line) for line in lines}
    named_on_line: dict[int, dict[int, int]] = {}  # line -> donor id -> index in ``named``
    undisclosed_on_line: dict[int, set[int]] = {}  # line -> donor ids withheld
    for kind, records in (("commitment", commitments), ("interest", interests)):
        for record in records:
            line_ids = sorted(covered.get((kind, record.pk), []), key=lambda pk: by_id[pk].position)
            mine = record.donor_id in own_orgs
            shown = sees_names or mine or record.disclosed
            entry = CoverageEntry(
                kind=kind,
                record=record,
                donor=record.donor if shown else None,
                disclosed=record.disclosed,
                lines=[by_id[pk] for pk in line_ids if pk in by_id],
                own=mine and not sees_names,
            )
            (own if entry.own else entries).append(entry)
            for pk in line_ids:
                if pk not in coverage:
                    continue
                if shown:
                    index = named_on_line.setdefault(pk, {})
                    if record.donor_id in index:
                        donor, funded = coverage[pk].named[index[record.donor_id]]
                        coverage[pk].named[index[record.donor_id]] = (
                            donor,
                            funded or kind == "commitment",
                        )
                    else:
                        index[record.donor_id] = len(coverage[pk].named)
                        coverage[pk].named.append((record.donor, kind == "commitment"))
                else:
                    undisclosed_on_line.setdefault(pk, set()).add(record.donor_id)
    for pk, donors in undisclosed_on_line.items():
        coverage[pk].undisclosed = len(donors)
    # The named first (by donor, funding before interest), then the withheld ones, so that
    # their order says nothing of who they are.
    entries.sort(
        key=lambda e: (
            (False, e.donor.name, e.kind, 0) if e.donor else (True, "", e.kind, e.record.pk)
        )
    )
    return Coordination(
        lines=[coverage[line.pk] for line in lines],
        entries=entries,
        own=own,
        sees_names=sees_names,
    )


def activity_coverage_counts(cases) -> dict[int, tuple[int, int]]:
    """For a page of cases: how many of each case's activity lines some donor's active
    interest or live commitment covers, and how many lines it has ((covered, total); cases
    without lines are left out). One query, whatever the number of cases, lines and donors; no
    donor is named."""
    ids = [case.pk for case in cases]
    covered = Exists(
        ExpressionOfInterest.covers.through.objects.filter(
            activity_id=OuterRef("pk"), expressionofinterest__status=InterestStatus.ACTIVE
        )
    ) | Exists(
        Commitment.covers.through.objects.filter(activity_id=OuterRef("pk")).exclude(
            commitment__status=CommitmentStatus.CANCELLED
        )
    )
    counts: dict[int, tuple[int, int]] = {}
    rows = (
        Activity.objects.filter(request_id__in=ids)
        .annotate(covered=covered)
        .values_list("request_id", "covered")
        .order_by()
    )
    for request_id, is_covered in rows:
        done, total = counts.get(request_id, (0, 0))
        counts[request_id] = (done + bool(is_covered), total + 1)
    return counts
