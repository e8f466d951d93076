"""Matching of requests and offers: one scorer, in Python, gives every match its score and its
reasons; where the candidates are many, the database first ranks them with the same weights.

Score out of 100 (``WEIGHTS``): categories 40 times the share of the request's categories the
offer covers, region 20 (15 when the offer is global), kind of help 15, amount fit 15 (7 when
the offer covers only part of the budget), validity 10 (5 when the offer starts later). Among
requests of equal score, the State's higher national priority ranks first (and a high priority
is given as a reason).
Expired or inactive offers, the requesting State's own offers, and offers with no category in
common, are not suggested. Amounts are compared in one currency with the exchange-rate table;
when no rate exists the amount does not count, and the reason says so.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, Greatest
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.cases.currencies import CURRENCY_CODES
from apps.cases.models import AssistanceRequest, Category, Priority
from apps.cases.workflow import OPEN_NEEDS
from apps.core.reference import cached, watch, watch_links
from apps.organizations.models import Region

from .models import Offer, OfferRegion
from .selectors import Rate, rates_on


@dataclass(frozen=True)
class Weights:
    category: int = 40  # times the share of the request's categories that the offer covers
    region: int = 20  # the offer covers the requesting State's region
    global_offer: int = 15  # the offer covers every region
    kind: int = 15  # a kind of help in common
    fit: int = 15  # the budget within the offer's range
    part: int = 7  # the budget above the offer's largest amount: co-funding
    valid: int = 10  # the offer is valid now
    later: int = 5  # the offer starts later


WEIGHTS = Weights()
MONEY = DecimalField()
# The database converts amounts with other decimal precision than Python: a budget on the edge
# of an offer's range may rank differently there, so a few more rows are scored in Python.
EXTRA_ROWS = 5


@dataclass
class Match:
    score: int
    reasons: list[str]
    offer: Offer | None = None
    request: AssistanceRequest | None = None
    points: float = field(default=0.0, repr=False)  # the unrounded score, to order by


@dataclass(frozen=True)
class CaseFacts:
    """What matching reads of a case."""

    categories: tuple[Category, ...]  # in their order, to name the shared ones
    kinds: frozenset[int]
    region: str
    organization_id: int
    budget: Decimal | None
    currency: str
    priority: int = Priority.MEDIUM

    @classmethod
    def of(cls, case: AssistanceRequest) -> "CaseFacts":
        """``case`` with its categories, kinds and requesting organization loaded."""
        return cls(
            tuple(case.categories.all()),
            frozenset(kind.pk for kind in case.kinds.all()),
            case.requesting_organization.region,
            case.requesting_organization_id,
            case.budget_amount,
            case.budget_currency,
            case.priority,
        )


@dataclass(frozen=True)
class OfferFacts:
    """What matching reads of an offer."""

    categories: frozenset[int]
    kinds: frozenset[int]
    regions: frozenset[str]
    donor_id: int
    amount_min: Decimal | None
    amount_max: Decimal | None
    currency: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    is_active: bool

    def open_on(self, on: datetime.date) -> bool:
        """Active and not expired on ``on`` (``offers_for_request`` asks the same in SQL)."""
        return self.is_active and (self.valid_until is None or self.valid_until >= on)

    @classmethod
    def of(cls, offer: Offer) -> "OfferFacts":
        """``offer`` with its categories, kinds and regions loaded."""
        return cls(
            frozenset(category.pk for category in offer.categories.all()),
            frozenset(kind.pk for kind in offer.kinds.all()),
            frozenset(row.region for row in offer.regions.all()),
            offer.donor_id,
            offer.amount_min,
            offer.amount_max,
            offer.currency,
            offer.valid_from,
            offer.valid_until,
            offer.is_active,
        )


def score_match(
    case: CaseFacts, offer: OfferFacts, *, rates: dict[str, Rate], on: datetime.date
) -> tuple[float, list[str]] | None:
    """The score of ``offer`` for ``case`` (unrounded) and the reasons for it, or None when the
    offer is not suggested for the case: no category in common, the State's own offer, or an
    offer inactive or expired. ``_points`` is the same sum in SQL: change both together."""
    shared = [category for category in case.categories if category.pk in offer.categories]
    if not shared or offer.donor_id == case.organization_id or not offer.open_on(on):
        return None
    w = WEIGHTS
    points = len(shared) * w.category / len(case.categories)
    reasons = [
        ngettext(
            "%(n)s of %(total)s category in common: %(names)s",
            "%(n)s of %(total)s categories in common: %(names)s",
            len(case.categories),
        )
        % {"n": len(shared), "total": len(case.categories), "names": ", ".join(map(str, shared))}
    ]
    if case.region in offer.regions:
        points += w.region
        reasons.append(_("covers the requesting State's region"))
    elif Region.GLOBAL in offer.regions:
        points += w.global_offer
        reasons.append(_("global offer"))
    else:
        reasons.append(_("outside the offer's regions"))
    if case.kinds & offer.kinds:
        points += w.kind
        reasons.append(_("kind of help matches"))
    else:
        reasons.append(_("no kind of help in common"))
    fit, reason = _fit(case, offer, rates)
    points += fit
    reasons.append(reason)
    if offer.valid_from <= on:
        points += w.valid
        reasons.append(_("offer valid now"))
    else:
        points += w.later
        reasons.append(_("offer starts later"))
    if case.priority == Priority.HIGH:
        reasons.append(_("a high national priority of the State"))
    return points, reasons


def _fit(case: CaseFacts, offer: OfferFacts, rates: dict[str, Rate]) -> tuple[int, str]:
    if case.budget is None:
        return 0, _("budget not given")
    if case.currency not in rates or offer.currency not in rates:
        return 0, _("amount not compared: no exchange rate")
    amount = case.budget / rates[case.currency].per_usd * rates[offer.currency].per_usd
    if (offer.amount_min or 0) <= amount and (
        offer.amount_max is None or amount <= offer.amount_max
    ):
        return WEIGHTS.fit, _("budget within the offer's range")
    if offer.amount_max is not None and amount > offer.amount_max:
        return WEIGHTS.part, _("offer covers part of the budget (co-funding)")
    return 0, _("budget outside the offer's range")


def _match(case, offer, case_facts, offer_facts, *, rates, on) -> Match | None:
    scored = score_match(case_facts, offer_facts, rates=rates, on=on)
    if scored is None:
        return None
    points, reasons = scored
    return Match(round(points), reasons, offer=offer, request=case, points=points)


def _by_offer(match: Match) -> tuple:
    """Best first; among equal scores, the offer that ends first, then the oldest."""
    return -match.points, match.offer.valid_until or datetime.date.max, match.offer.pk


def _by_request(match: Match) -> tuple:
    """Best first; among equal scores, the State's higher priority, then the request waiting
    longest in its status (``requests_for_offer`` orders alike in SQL)."""
    request = match.request
    return -match.points, request.priority, request.status_changed_at, request.pk


def _rates(on: datetime.date) -> dict[str, Rate]:
    # Every currency's rate: the database ranks with the same rates as Python scores with.
    return rates_on(on, CURRENCY_CODES)


def _rate_of(currency: str, rates: dict[str, Rate]) -> Case:
    """Units of the row's ``currency`` per USD (NULL when it has no rate)."""
    whens = [When(**{currency: code}, then=Value(rate.per_usd)) for code, rate in rates.items()]
    return Case(*whens, default=Value(None), output_field=MONEY)


def _money(amount: Decimal | None) -> Value:
    return Value(amount, output_field=MONEY)


def _count(rows: QuerySet, owner: str) -> Subquery:
    """How many of ``rows`` (filtered on the outer row) the outer row has."""
    return Subquery(rows.values(owner).annotate(n=Count("pk")).values("n"))


def _points(
    *,
    share,
    in_region,
    is_global,
    kind,
    converted,
    amount_min,
    amount_max,
    valid_now,
) -> ExpressionWrapper:
    """``score_match``'s sum with the same weights, in SQL, of expressions of the same facts
    (the share of the request's categories the offer covers, the region, global, a kind in
    common, the budget converted into the offer's currency, the offer's range, whether it is
    valid now). Change both together."""
    w = WEIGHTS
    within = Q(GreaterThanOrEqual(converted, Coalesce(amount_min, _money(Decimal(0))))) & Q(
        LessThanOrEqual(converted, Coalesce(amount_max, converted))
    )
    points = (
        share * w.category
        + Case(
            When(in_region, then=Value(w.region)),
            When(is_global, then=Value(w.global_offer)),
            default=Value(0),
        )
        + Case(When(kind, then=Value(w.kind)), default=Value(0))
        + Case(
            When(within, then=Value(w.fit)),
            When(GreaterThan(converted, amount_max), then=Value(w.part)),
            default=Value(0),
        )
        + Case(When(valid_now, then=Value(w.valid)), default=Value(w.later))
    )
    return ExpressionWrapper(points, output_field=FloatField())


def _shares(rows: QuerySet, categories) -> Subquery:
    """The share of the outer request's categories (``rows``: its links to them) that are
    among ``categories``."""
    share = Cast(Count("pk", filter=Q(category_id__in=categories)), FloatField()) / Cast(
        Count("pk"), FloatField()
    )
    return Subquery(
        rows.values("assistancerequest_id").annotate(share=share).values("share"),
        output_field=FloatField(),
    )


def offers_for_request(*, case: AssistanceRequest, limit: int = 10, on=None) -> list[Match]:
    """The best offers for ``case``, best first, with the reasons beside each score."""
    on = on or timezone.localdate()
    # Nothing read when a batch of cases came with them (the reminder sweep).
    prefetch_related_objects([case], "categories", "kinds", "requesting_organization")
    facts = CaseFacts.of(case)
    if not facts.categories:
        return []
    rates = _rates(on)
    links = Offer.categories.through.objects.filter(offer_id=OuterRef("pk"))
    shared = links.filter(category_id__in=[category.pk for category in facts.categories])
    regions = OfferRegion.objects.filter(offer_id=OuterRef("pk"))
    converted = _money(None)
    if facts.budget is not None and facts.currency in rates:
        in_usd = facts.budget / rates[facts.currency].per_usd
        converted = _money(in_usd) * _rate_of("currency", rates)
    candidates = (
        Offer.objects.filter(Exists(shared), is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .exclude(donor_id=facts.organization_id)
        .select_related("donor")
    )
    points = _points(
        share=Cast(_count(shared, "offer_id"), FloatField()) / Value(float(len(facts.categories))),
        in_region=Exists(regions.filter(region=facts.region)),
        is_global=Exists(regions.filter(region=Region.GLOBAL)),
        kind=Exists(
            Offer.kinds.through.objects.filter(
                offer_id=OuterRef("pk"), assistancekind_id__in=facts.kinds
            )
        ),
        converted=converted,
        amount_min=F("amount_min"),
        amount_max=F("amount_max"),
        valid_now=Q(valid_from__lte=on),
    )
    rows = candidates.annotate(points=points).order_by("-points", "valid_until", "pk")
    offers = list(rows.prefetch_related("categories", "kinds", "regions")[: limit + EXTRA_ROWS])
    matches = [
        _match(case, offer, facts, OfferFacts.of(offer), rates=rates, on=on) for offer in offers
    ]
    return sorted(filter(None, matches), key=_by_offer)[:limit]


def requests_for_offer(
    *, offer: Offer, limit: int = 10, on=None, among: QuerySet[AssistanceRequest] | None = None
) -> list[Match]:
    """The best open requests for ``offer``, best first, with reasons. ``among``: the requests
    to choose from (those the user may see), else every request."""
    return best_requests(offers=[offer], limit=limit, on=on, among=among)


def best_requests(
    *, offers, limit: int = 10, on=None, among: QuerySet[AssistanceRequest] | None = None
) -> list[Match]:
    """The best open requests for any of a few ``offers`` (a donor's), best first, each with
    the match of the offer that suits it best. The database ranks the requests by their best
    score over the offers, in one query (one subquery an offer), and the scorer explains the
    first few. ``among``: the requests to choose from (those the user may see), else every
    request."""
    on = on or timezone.localdate()
    offers = list(offers)
    prefetch_related_objects(offers, "categories", "kinds", "regions")
    facts = [(offer, OfferFacts.of(offer)) for offer in offers]
    facts = [(offer, of) for offer, of in facts if of.categories and of.open_on(on)]
    if not facts:
        return []
    rates = _rates(on)
    links = AssistanceRequest.categories.through.objects.filter(assistancerequest_id=OuterRef("pk"))
    kinds = AssistanceRequest.kinds.through.objects.filter(assistancerequest_id=OuterRef("pk"))
    scores = []
    for _offer, of in facts:
        converted = _money(None)
        if of.currency in rates:
            to_offer = _money(rates[of.currency].per_usd)
            converted = F("budget_amount") / _rate_of("budget_currency", rates) * to_offer
        points = _points(
            share=_shares(links, of.categories),
            in_region=Q(requesting_organization__region__in=of.regions),
            is_global=Value(Region.GLOBAL in of.regions),
            kind=Exists(kinds.filter(assistancekind_id__in=of.kinds)),
            converted=converted,
            amount_min=_money(of.amount_min),
            amount_max=_money(of.amount_max),
            valid_now=Value(of.valid_from <= on),
        )
        # Not suggested (-1): no category in common, or the State's own offer.
        suggested = Exists(links.filter(category_id__in=of.categories)) & ~Q(
            requesting_organization_id=of.donor_id
        )
        scores.append(Case(When(suggested, then=points), default=Value(-1.0)))
    categories = set().union(*(of.categories for _offer, of in facts))
    candidates = (AssistanceRequest.objects.all() if among is None else among).filter(
        Exists(links.filter(category_id__in=categories)), status__in=OPEN_NEEDS
    )
    # Ranked on the keys alone (no wide row is sorted); only the first rows are then read
    # whole.
    ranked = (
        candidates.annotate(best=Greatest(*scores) if len(scores) > 1 else scores[0])
        .order_by("-best", "priority", "status_changed_at", "pk")
        .values_list("pk", flat=True)[: limit + EXTRA_ROWS]
    )
    keys = list(ranked)
    cases = (
        AssistanceRequest.objects.filter(pk__in=keys)
        .select_related("requesting_organization")
        .prefetch_related("categories", "kinds")
    )
    matches = []
    for case in cases:
        case_facts = CaseFacts.of(case)
        found = [_match(case, offer, case_facts, of, rates=rates, on=on) for offer, of in facts]
        if found := list(filter(None, found)):
            matches.append(min(found, key=_by_offer))
    return sorted(matches, key=_by_request)[:limit]


RANKINGS = "matching-rankings"  # the rankings that ``best_requests_kept`` keeps


def best_requests_kept(
    *, offers, among: QuerySet[AssistanceRequest], scope: str | None, limit: int = 10, on=None
) -> list[Match]:
    """``best_requests``, its ranking kept in the cache (the keys of the requests and of their
    offers) for every user of the same ``scope`` (``cases.selectors.visible_cases_key``), the
    same offers and day, until a row it is worked out from changes (``watch_rankings``). The
    rows themselves are read each time through ``among`` and explained by the scorer. Without
    a scope (UNODA, a user with grants of their own) it is ranked each time."""
    on = on or timezone.localdate()
    offers = list(offers)
    if scope is None or not offers:
        return best_requests(offers=offers, limit=limit, on=on, among=among)
    ranked: list[Match] | None = None

    def rank() -> list[tuple[int, int]]:
        nonlocal ranked
        ranked = best_requests(offers=offers, limit=limit, on=on, among=among)
        return [(match.request.pk, match.offer.pk) for match in ranked]

    part = f"{scope}:{','.join(str(offer.pk) for offer in offers)}:{on.isoformat()}:{limit}"
    keys = cached(RANKINGS, rank, part=part)
    if ranked is not None:
        return ranked
    cases = among.select_related("requesting_organization").in_bulk([pk for pk, _offer in keys])
    by_pk = {offer.pk: offer for offer in offers}
    pairs = [(cases[pk], by_pk[offer]) for pk, offer in keys if pk in cases and offer in by_pk]
    return list(filter(None, match_pairs(pairs=pairs, on=on)))


def watch_rankings() -> None:
    """Forget the kept rankings once a row they are worked out from changes: a case, its
    categories, kinds or grants, an offer with its categories, kinds and regions, a category, a
    kind, an organization (its region) or an exchange rate."""
    from apps.cases.models import (
        AssistanceKind,
        RequestGroupObjectPermission,
        RequestUserObjectPermission,
    )
    from apps.organizations.models import Organization

    from .models import ExchangeRate

    for model in (
        AssistanceRequest,
        RequestGroupObjectPermission,
        RequestUserObjectPermission,
        Offer,
        OfferRegion,
        Category,
        AssistanceKind,
        Organization,
        ExchangeRate,
    ):
        watch(model, RANKINGS)
    for through in (
        AssistanceRequest.categories.through,
        AssistanceRequest.kinds.through,
        Offer.categories.through,
        Offer.kinds.through,
    ):
        watch_links(through, RANKINGS)


def best_offers(*, cases, offers, on=None) -> dict[int, Match]:
    """For each of a few cases (a page of rows), the best of a few offers (a donor's own) by
    ``score_match``: the same match as ``offers_for_request`` gives for the pair, and the same
    queries whatever the number of rows (the rates, and the categories, kinds, regions and
    organizations that ``cases`` and ``offers`` did not bring)."""
    on = on or timezone.localdate()
    cases, offers = list(cases), list(offers)
    if not offers or not cases:
        return {}
    prefetch_related_objects(cases, "categories", "kinds", "requesting_organization")
    prefetch_related_objects(offers, "categories", "kinds", "regions")
    rates = _rates(on)
    offer_facts = [(offer, OfferFacts.of(offer)) for offer in offers]
    best: dict[int, Match] = {}
    for case in cases:
        facts = CaseFacts.of(case)
        matches = [_match(case, offer, facts, of, rates=rates, on=on) for offer, of in offer_facts]
        if found := list(filter(None, matches)):
            best[case.pk] = min(found, key=_by_offer)
    return best


def requests_for_offers(*, offers, cases, on=None) -> dict[int, list[Match]]:
    """For each of a few offers (a page of them), every one of a few cases (a State's own open
    requests) that could use it, best first, each with its score and its reasons by
    ``score_match``: a case the scorer does not suggest for an offer (no category in common,
    the State's own offer) is left out. The same queries whatever the number of rows (the
    rates, and the categories, kinds, regions and organizations not brought with the rows)."""
    on = on or timezone.localdate()
    cases, offers = list(cases), list(offers)
    if not offers or not cases:
        return {}
    prefetch_related_objects(cases, "categories", "kinds", "requesting_organization")
    prefetch_related_objects(offers, "categories", "kinds", "regions")
    rates = _rates(on)
    # Each offer is scored with the cases that share a category with it, the others being
    # never suggested: a case's facts are looked up by category.
    by_category: dict[int, list[tuple[AssistanceRequest, CaseFacts]]] = {}
    for case in cases:
        facts = CaseFacts.of(case)
        for category in facts.categories:
            by_category.setdefault(category.pk, []).append((case, facts))
    found: dict[int, list[Match]] = {}
    for offer in offers:
        facts = OfferFacts.of(offer)
        sharing = {
            case.pk: (case, cf)
            for category in facts.categories
            for case, cf in by_category.get(category, ())
        }
        matches = [
            _match(case, offer, cf, facts, rates=rates, on=on) for case, cf in sharing.values()
        ]
        found[offer.pk] = sorted(filter(None, matches), key=_by_request)
    return found


def match_pairs(*, pairs, on=None) -> list[Match | None]:
    """The match of each (case, offer) of ``pairs`` by ``score_match``, None where the scorer
    does not suggest the offer for the case (e.g. the offer has expired since); the same
    queries whatever the number of pairs."""
    on = on or timezone.localdate()
    pairs = list(pairs)
    if not pairs:
        return []
    prefetch_related_objects(
        [case for case, _offer in pairs], "categories", "kinds", "requesting_organization"
    )
    prefetch_related_objects([offer for _case, offer in pairs], "categories", "kinds", "regions")
    rates = _rates(on)
    return [
        _match(case, offer, CaseFacts.of(case), OfferFacts.of(offer), rates=rates, on=on)
        for case, offer in pairs
    ]
