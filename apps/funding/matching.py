"""Matching of requests and offers, scored in the database; reasons are built for the top rows.

Score out of 100: categories 40 (share of the request's categories the offer covers), region 20
(15 when the offer is global), kind of help 15, amount fit 15 (7 when the offer covers only part
of the budget), validity 10 (5 when the offer starts later). Expired or inactive offers, and
offers with no category in common, are not suggested. Amounts are compared in one currency with
the exchange-rate table; when no rate exists the amount does not count, and the reason says so.
"""

import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.cases.models import AssistanceRequest, Category, Status
from apps.cases.selectors import case_categories
from apps.core.selectors import keys_by_owner, keys_of, split_keys
from apps.organizations.models import Region

from .models import ExchangeRate, Offer, OfferRegion
from .selectors import BASE_CURRENCY, rates_on

OPEN_FOR_MATCHING = (Status.PUBLISHED, Status.DONOR_INTEREST, Status.AGREEMENT,
                     Status.IMPLEMENTATION)  # fmt: skip
CLOSED_NEED = (Status.CLOSED, Status.WITHDRAWN, Status.DECLINED)
W_CATEGORY, W_REGION, W_GLOBAL, W_KIND, W_FIT, W_PART, W_VALID, W_LATER = (
    40, 20, 15, 15, 15, 7, 10, 5)  # fmt: skip

RATE = DecimalField(max_digits=18, decimal_places=6)


@dataclass
class Match:
    score: int
    reasons: list[str]
    offer: Offer | None = None
    request: AssistanceRequest | None = None


def _rate_expression(currency_ref: str, on):
    """Units of the currency named by ``currency_ref`` per USD on ``on`` (NULL if unknown)."""
    latest = (
        ExchangeRate.objects.filter(currency=OuterRef(currency_ref), valid_on__lte=on)
        .order_by("-valid_on")
        .values("rate_per_usd")[:1]
    )
    return Case(
        When(**{currency_ref: BASE_CURRENCY}, then=Value(Decimal(1), output_field=RATE)),
        default=Subquery(latest, output_field=RATE),
        output_field=RATE,
    )


def _fit_score(amount_expr):
    """Score of an amount (an expression in the offer's currency) against the offer's range."""
    return Case(
        When(Q(converted__isnull=True), then=Value(0)),
        When(
            (Q(amount_min__isnull=True) | Q(amount_min__lte=amount_expr))
            & (Q(amount_max__isnull=True) | Q(amount_max__gte=amount_expr)),
            then=Value(W_FIT),
        ),
        When(amount_max__lt=amount_expr, then=Value(W_PART)),
        default=Value(0),
        output_field=IntegerField(),
    )


def offers_for_request(*, case: AssistanceRequest, limit: int = 10, on=None) -> list[Match]:
    """The best offers for ``case``, best first, with the reasons beside each score."""
    on = on or timezone.localdate()
    # .all(): a sweep prefetches the categories and kinds of a whole batch of cases.
    category_ids = [category.pk for category in case.categories.all()]
    kind_ids = [kind.pk for kind in case.kinds.all()]
    region = case.requesting_organization.region
    if not category_ids:
        return []
    through = Offer.categories.through
    overlap = Coalesce(
        Subquery(
            through.objects.filter(offer_id=OuterRef("pk"), category_id__in=category_ids)
            .values("offer_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    budget_rate = rates_on(on, [case.budget_currency]).get(case.budget_currency)
    queryset = (
        Offer.objects.filter(is_active=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .exclude(donor_id=case.requesting_organization_id)
        .annotate(
            overlap=overlap,
            in_region=Exists(OfferRegion.objects.filter(offer=OuterRef("pk"), region=region)),
            is_global=Exists(
                OfferRegion.objects.filter(offer=OuterRef("pk"), region=Region.GLOBAL)
            ),
            kind_match=Exists(
                Offer.kinds.through.objects.filter(
                    offer_id=OuterRef("pk"), assistancekind_id__in=kind_ids
                )
            ),
            offer_rate=_rate_expression("currency", on),
        )
        .filter(overlap__gt=0)
    )
    if case.budget_amount is not None and budget_rate is not None:
        # The budget expressed in each offer's currency.
        queryset = queryset.annotate(
            converted=ExpressionWrapper(
                Value(case.budget_amount / budget_rate.per_usd) * F("offer_rate"), output_field=RATE
            )
        )
    else:
        queryset = queryset.annotate(converted=Value(None, output_field=RATE))
    queryset = queryset.annotate(
        category_score=ExpressionWrapper(
            Cast(F("overlap"), FloatField()) * W_CATEGORY / len(category_ids),
            output_field=FloatField(),
        ),
        region_score=Case(
            When(in_region=True, then=Value(W_REGION)),
            When(is_global=True, then=Value(W_GLOBAL)),
            default=Value(0),
        ),
        kind_score=Case(When(kind_match=True, then=Value(W_KIND)), default=Value(0)),
        fit_score=_fit_score(F("converted")),
        validity_score=Case(When(valid_from__lte=on, then=Value(W_VALID)), default=Value(W_LATER)),
    ).annotate(
        score=ExpressionWrapper(
            F("category_score") + F("region_score") + F("kind_score") + F("fit_score")
            + F("validity_score"),
            output_field=FloatField(),
        )
    )  # fmt: skip
    top = list(
        queryset.select_related("donor")
        .prefetch_related("categories")
        .order_by("-score", "valid_until", "pk")[:limit]
    )
    wanted = set(category_ids)
    return [
        Match(
            score=round(offer.score),
            reasons=_reasons(
                offer,
                shared=[c for c in offer.categories.all() if c.pk in wanted],
                total=len(category_ids),
                on=on,
                budget_known=case.budget_amount is not None,
            ),
            offer=offer,
            request=case,
        )
        for offer in top
    ]


def requests_for_offer(*, offer: Offer, limit: int = 10, on=None) -> list[Match]:
    """The best open requests for ``offer``, best first, with reasons."""
    on = on or timezone.localdate()
    category_ids = list(offer.categories.values_list("pk", flat=True))
    kind_ids = list(offer.kinds.values_list("pk", flat=True))
    regions = set(offer.regions.values_list("region", flat=True))
    if not category_ids:
        return []
    through = AssistanceRequest.categories.through
    overlap = Coalesce(
        Subquery(
            through.objects.filter(
                assistancerequest_id=OuterRef("pk"), category_id__in=category_ids
            )
            .values("assistancerequest_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )
    total = Coalesce(
        Subquery(
            through.objects.filter(assistancerequest_id=OuterRef("pk"))
            .values("assistancerequest_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        1,
    )
    offer_rate = rates_on(on, [offer.currency]).get(offer.currency)
    valid_score = W_VALID if offer.valid_from <= on else W_LATER
    queryset = (
        AssistanceRequest.objects.filter(status__in=OPEN_FOR_MATCHING)
        .exclude(requesting_organization_id=offer.donor_id)
        .annotate(
            overlap=overlap,
            n_categories=total,
            kind_match=Exists(
                AssistanceRequest.kinds.through.objects.filter(
                    assistancerequest_id=OuterRef("pk"), assistancekind_id__in=kind_ids
                )
            ),
            budget_rate=_rate_expression("budget_currency", on),
        )
        .filter(overlap__gt=0)
    )
    if offer_rate is not None:
        queryset = queryset.annotate(
            converted=ExpressionWrapper(
                F("budget_amount") / F("budget_rate") * Value(offer_rate.per_usd),
                output_field=RATE,
            )
        )
    else:
        queryset = queryset.annotate(converted=Value(None, output_field=RATE))
    if Region.GLOBAL in regions:
        region_score = Value(W_GLOBAL)
    else:
        region_score = Case(
            When(requesting_organization__region__in=regions, then=Value(W_REGION)),
            default=Value(0),
        )
    fit = Case(
        When(Q(converted__isnull=True), then=Value(0)),
        When(
            Q(converted__gte=offer.amount_min or 0)
            & (Q() if offer.amount_max is None else Q(converted__lte=offer.amount_max)),
            then=Value(W_FIT),
        ),
        When(
            Q() if offer.amount_max is None else Q(converted__gt=offer.amount_max),
            then=Value(W_PART if offer.amount_max is not None else 0),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    queryset = queryset.annotate(
        category_score=ExpressionWrapper(
            Cast(F("overlap"), FloatField()) * W_CATEGORY / Cast(F("n_categories"), FloatField()),
            output_field=FloatField(),
        ),
        region_score=region_score,
        kind_score=Case(When(kind_match=True, then=Value(W_KIND)), default=Value(0)),
        fit_score=fit,
    ).annotate(
        score=ExpressionWrapper(
            F("category_score") + F("region_score") + F("kind_score") + F("fit_score")
            + Value(valid_score),
            output_field=FloatField(),
        )
    )  # fmt: skip
    top = list(
        queryset.select_related("requesting_organization")
        .prefetch_related("categories")
        .order_by("-score", "status_changed_at", "pk")[:limit]
    )
    wanted = set(category_ids)
    matches = []
    for case in top:
        case.in_region = case.region_score == W_REGION
        case.is_global = Region.GLOBAL in regions
        case.validity_score = valid_score
        matches.append(
            Match(
                score=round(case.score),
                reasons=_reasons(
                    case,
                    shared=[c for c in case.categories.all() if c.pk in wanted],
                    total=case.n_categories,
                    on=on,
                    budget_known=case.budget_amount is not None,
                    offer=offer,
                ),
                offer=offer,
                request=case,
            )
        )
    return matches


def with_offer_keys(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Offers that bring the keys of their categories, kinds and regions in their own query
    (aggregated subqueries), for ``offer_keys``: no query of the link tables apart."""
    return offers.annotate(**_offer_key_annotations())


@functools.cache
def _offer_key_annotations() -> dict:
    # Built once (see apps.cases.selectors._link_key_annotations).
    return {
        "category_keys": keys_of(Offer.categories.through.objects.all(), "offer_id", "category_id"),
        "kind_keys": keys_of(Offer.kinds.through.objects.all(), "offer_id", "assistancekind_id"),
        "region_keys": keys_of(OfferRegion.objects.all(), "offer_id", "region"),
    }


def offer_keys(offers) -> dict[int, tuple[set[int], set[int], set[str]]]:
    """The keys of each offer's categories, kinds and regions: brought by the offers' own
    query (``with_offer_keys``), or else one query for them all."""
    if offers and hasattr(offers[0], "region_keys"):
        return {
            offer.pk: (
                set(split_keys(offer.category_keys)),
                set(split_keys(offer.kind_keys)),
                set(offer.region_keys.split(",")) if offer.region_keys else set(),
            )
            for offer in offers
        }
    ids = [offer.pk for offer in offers]
    found = keys_by_owner(
        {
            "categories": (
                Offer.categories.through.objects.filter(offer_id__in=ids),
                "offer_id",
                "category_id",
            ),
            "kinds": (
                Offer.kinds.through.objects.filter(offer_id__in=ids),
                "offer_id",
                "assistancekind_id",
            ),
            "regions": (OfferRegion.objects.filter(offer_id__in=ids), "offer_id", "region"),
        }
    )
    return {
        pk: (
            {int(key) for key in found["categories"].get(pk, [])},
            {int(key) for key in found["kinds"].get(pk, [])},
            set(found["regions"].get(pk, [])),
        )
        for pk in ids
    }


def best_offers(*, cases, offers, on=None) -> dict[int, Match]:
    """For each of a few cases (a page of rows), the best of a few offers (a donor's own), by
    the score above computed in Python: no query per case. ``cases`` need their categories
    and kinds (``attach_categories(..., kinds=True)``, or prefetched) and their requesting
    organization selected; the keys of the offers' categories, kinds and regions are read
    here, in one query. Agrees with ``offers_for_request`` (tests compare the two)."""
    on = on or timezone.localdate()
    offers = [
        offer
        for offer in offers
        if offer.is_active and (offer.valid_until is None or offer.valid_until >= on)
    ]
    cases = list(cases)
    if not offers or not cases:
        return {}
    rates = rates_on(on, {c.budget_currency for c in cases} | {o.currency for o in offers})
    offer_sets = offer_keys(offers)
    best: dict[int, Match] = {}
    for case in cases:
        categories = {c.pk for c in case_categories(case)}
        kinds = getattr(case, "kind_ids", None)
        if kinds is None:
            kinds = {k.pk for k in case.kinds.all()}
        region = case.requesting_organization.region
        scored = []
        for offer in offers:
            offer_categories, offer_kinds, offer_regions = offer_sets[offer.pk]
            overlap = len(categories & offer_categories)
            if not overlap or offer.donor_id == case.requesting_organization_id:
                continue
            score = overlap * W_CATEGORY / len(categories)
            if region in offer_regions:
                score += W_REGION
            elif Region.GLOBAL in offer_regions:
                score += W_GLOBAL
            score += W_KIND if kinds & offer_kinds else 0
            score += _fit(case, offer, rates)
            score += W_VALID if offer.valid_from <= on else W_LATER
            scored.append((-score, offer.valid_until or on.max, offer.pk, offer))
        if scored:
            negative, _until, _pk, offer = min(scored)
            best[case.pk] = Match(score=round(-negative), reasons=[], offer=offer, request=case)
    return best


def _fit(case, offer, rates) -> int:
    """The amount-fit part of the score (see ``_fit_score``), in Python."""
    if case.budget_amount is None:
        return 0
    budget_rate, offer_rate = rates.get(case.budget_currency), rates.get(offer.currency)
    if budget_rate is None or offer_rate is None:
        return 0
    converted = case.budget_amount / budget_rate.per_usd * offer_rate.per_usd
    if (offer.amount_min is None or offer.amount_min <= converted) and (
        offer.amount_max is None or offer.amount_max >= converted
    ):
        return W_FIT
    if offer.amount_max is not None and offer.amount_max < converted:
        return W_PART
    return 0


def _reasons(row, *, shared: list[Category], total: int, on, budget_known: bool, offer=None):
    offer = offer or row
    reasons = [
        _("%(n)s of %(total)s categories in common: %(names)s")
        % {"n": len(shared), "total": total, "names": ", ".join(str(c) for c in shared)}
    ]
    if getattr(row, "in_region", False):
        reasons.append(_("covers the requesting State's region"))
    elif getattr(row, "is_global", False):
        reasons.append(_("global offer"))
    else:
        reasons.append(_("outside the offer's regions"))
    reasons.append(_("kind of help matches") if row.kind_score else _("no kind of help in common"))
    if not budget_known:
        reasons.append(_("budget not given"))
    elif row.converted is None:
        reasons.append(_("amount not compared: no exchange rate"))
    elif row.fit_score == W_FIT:
        reasons.append(_("budget within the offer's range"))
    elif row.fit_score == W_PART:
        reasons.append(_("offer covers part of the budget (co-funding)"))
    else:
        reasons.append(_("budget outside the offer's range"))
    validity = getattr(row, "validity_score", None)
    if validity is None:
        validity = W_VALID if offer.valid_from <= on else W_LATER
    reasons.append(_("offer valid now") if validity == W_VALID else _("offer starts later"))
    return reasons


def duplicate_needs(*, case: AssistanceRequest):
    """Other open requests of the same State that share a category with ``case``."""
    return (
        AssistanceRequest.objects.filter(
            requesting_organization_id=case.requesting_organization_id,
            categories__in=case.categories.all(),
        )
        .exclude(pk=case.pk)
        .exclude(status__in=CLOSED_NEED)
        .distinct()
        .order_by("pk")
    )


def with_duplicate_flag(queryset):
    """Annotate a request queryset with ``has_duplicate``: same State, shared category, open."""
    through = AssistanceRequest.categories.through
    twin = (
        through.objects.filter(
            assistancerequest__requesting_organization_id=OuterRef(
                "assistancerequest__requesting_organization_id"
            ),
            category_id=OuterRef("category_id"),
        )
        .exclude(assistancerequest_id=OuterRef("assistancerequest_id"))
        .exclude(assistancerequest__status__in=CLOSED_NEED)
    )
    mine = through.objects.filter(assistancerequest_id=OuterRef("pk")).filter(Exists(twin))
    return queryset.annotate(has_duplicate=Exists(mine))
