"""Reads for dashboards, exports, the IATI file and the public page. Every aggregate is computed
in the database; every list is scoped by the apps' own selectors."""

import datetime
from decimal import Decimal
from itertools import islice

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    F,
    Q,
    QuerySet,
    Sum,
    ValueRange,
    Window,
    WindowFrameExclusion,
)
from django.db.models.functions import ExtractYear, FirstValue
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.cases.models import AssistanceRequest, Category, Status, StatusChange, Visibility
from apps.cases.selectors import request_list
from apps.cases.workflow import OPEN_NEEDS, SEEKING_COFUNDING
from apps.core.reference import cached
from apps.core.translated import translated
from apps.followup.selectors import effectiveness_by_criterion
from apps.funding.models import (
    COOPERATION_NOT_RECORDED,
    FUNDED_STATUSES,
    Commitment,
    CooperationType,
    Disbursement,
)
from apps.funding.selectors import BASE_CURRENCY, CENT, convert, funding_for_requests, rates_on
from apps.organizations.models import Region
from apps.reminders.models import ReminderLog, Stage

PUBLIC_OUTCOMES = 50  # the latest closed public cases shown on the public page


def public_outcome_list(*, limit: int = PUBLIC_OUTCOMES) -> list[dict]:
    """Closed cases whose State allowed a public summary, latest first, each with its outcome
    in one line (when it closed and how the parties rated it overall); nothing else of the
    case leaves the portal."""
    from apps.followup.models import FeedbackStatus

    submitted = Q(feedback__status=FeedbackStatus.SUBMITTED)
    cases = (
        AssistanceRequest.objects.filter(status=Status.CLOSED, visibility=Visibility.PUBLIC_SUMMARY)
        .select_related("requesting_organization")
        .prefetch_related("categories")
        .annotate(rating=Avg("feedback__overall", filter=submitted))
        .order_by("-status_changed_at", "-pk")[:limit]
    )
    rows = []
    for case in cases:
        closed = date_format(timezone.localtime(case.status_changed_at), "YEAR_MONTH_FORMAT")
        if case.rating is None:
            outcome = _("Implemented and closed in %(month)s.") % {"month": closed}
        else:
            outcome = _(
                "Implemented and closed in %(month)s; the parties rated it %(rating)s out of 5."
            ) % {"month": closed, "rating": number_format(case.rating, 1)}
        rows.append(
            {
                "region": case.requesting_organization.get_region_display(),
                "categories": [category.name for category in case.categories.all()],
                "summary": translated(case, "summary").text,
                "outcome": outcome,
            }
        )
    return rows


def public_category_list() -> list[Category]:
    """Every category with its code, the portal's sector vocabulary (99) that the IATI files
    point to (``/needs/#categories``): retired ones too, as older cases still carry them."""
    return list(Category.objects.order_by("position", "code"))


def public_need_list(*, batch_size: int = 500) -> list[dict]:
    """Published needs whose State allowed a public summary, with their funding gap.

    Only region, categories, the short summary and the gap; nothing else leaves the portal.
    Needs past agreement are listed only while they still have a gap (seeking co-funding).
    """
    queryset = (
        AssistanceRequest.objects.filter(
            status__in=OPEN_NEEDS, visibility=Visibility.PUBLIC_SUMMARY
        )
        .select_related("requesting_organization")
        .prefetch_related("categories")
        .order_by("pk")
    )
    rows, cases = [], queryset.iterator(chunk_size=batch_size)
    while batch := list(islice(cases, batch_size)):
        figures = funding_for_requests(batch)
        for case in batch:
            figure = figures[case.pk]
            if case.status in SEEKING_COFUNDING and not figure.seeking_cofunding:
                continue
            rows.append(
                {
                    "region": case.requesting_organization.get_region_display(),
                    "categories": [category.name for category in case.categories.all()],
                    "summary": translated(case, "summary").text,
                    "gap": figure.gap.amount,
                    "currency": figure.currency,
                }
            )
    return rows


# --- Dashboards --------------------------------------------------------------------------------
#
# Every figure is an aggregate computed by the database (GROUP BY with COUNT / SUM, conditional
# aggregates, PERCENTILE_CONT on PostgreSQL); committed and disbursed money is summed from the
# US-dollar amounts stored with each transaction; Python only converts the budgets (which have no
# date of their own) with the rates in force and lays the rows out.

DIMENSIONS = {
    "region": "requesting_organization__region",
    "category": "categories__code",
    "year": "created_year",
    # The type of cooperation of the case's agreement: only cases with an agreement count.
    "cooperation": "agreement__cooperation_type",
}
# Dimensions that leave out the cases they do not apply to (rather than a row for "none"):
# their key is None there (no agreement, so no type of cooperation).
OPTIONAL_DIMENSIONS = {"cooperation"}
# The dimensions that give a case one key each, read together in one pass of each table; a
# case with several categories has several keys, so the categories are read apart.
ONE_KEY_DIMENSIONS = ("region", "year", "cooperation")


def dashboard_cases(*, user) -> QuerySet[AssistanceRequest]:
    return request_list(user=user).order_by()


def pipeline(*, cases) -> list[dict]:
    counts = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    return [
        {"status": status, "label": label, "n": counts.get(status, 0)}
        for status, label in Status.choices
    ]


def _to_usd(rows, *, key: str, currency: str, amount: str, rates) -> tuple[dict, set]:
    totals: dict = {}
    missing = set()
    for row in rows:
        converted = convert(row[amount], row[currency], BASE_CURRENCY, rates)
        if converted is None:
            missing.add(row[currency])
            continue
        totals[row[key]] = totals.get(row[key], Decimal(0)) + converted
    return totals, missing


def _stored_usd(rows) -> tuple[dict, set, int]:
    totals: dict = {}
    missing, awaiting = set(), 0
    for row in rows:
        totals[row["key"]] = totals.get(row["key"], Decimal(0)) + (row["total"] or Decimal(0))
        if row["awaiting"]:
            missing.add(row["cur"])
            awaiting += row["awaiting"]
    return totals, missing, awaiting


def _key(dimension: str, path: str = ""):
    field = DIMENSIONS[dimension]
    return ExtractYear(f"{path}created_at") if field == "created_year" else F(f"{path}{field}")


def _summed(rows, *, name: str, dimension: str) -> list[dict]:
    """``rows`` (finer groups) summed per key of ``dimension`` (``name``) and currency; the
    cases the dimension does not apply to left out."""
    sums: dict = {}
    for row in rows:
        key = row[name]
        if key is None and dimension in OPTIONAL_DIMENSIONS:
            continue
        total, awaiting = sums.get((key, row["cur"]), (None, 0))
        if row["total"] is not None:
            total = row["total"] if total is None else total + row["total"]
        sums[(key, row["cur"])] = (total, awaiting + row.get("awaiting", 0))
    return [
        {"key": key, "cur": cur, "total": total, "awaiting": awaiting}
        for (key, cur), (total, awaiting) in sums.items()
    ]


def money_by(*, cases, dimension: str, on: datetime.date | None = None) -> dict:
    """Requested, committed (firm) and disbursed amounts in USD per region, category, year or
    type of cooperation (``money_by_dimensions`` of one dimension)."""
    return money_by_dimensions(cases=cases, dimensions=(dimension,), on=on)[dimension]


def money_by_dimensions(*, cases, dimensions, on: datetime.date | None = None) -> dict:
    """Requested, committed (firm) and disbursed amounts in USD per key of each of
    ``dimensions`` (region, category, year, type of cooperation): three grouped queries,
    whatever the number of dimensions (by all of them at once, then added up per dimension).

    Committed and disbursed amounts are the US-dollar amounts stored with each commitment and
    disbursement (converted with the rate of its own date); those stored without a rate are
    left out and counted (``awaiting``, in the currencies ``not_convertible``). A budget has no
    date of its own: it is converted with the latest rate on or before ``on`` (today), its
    amounts added up per key and currency first. A case with several categories counts in
    each of them; years are the year the case was created; the type of cooperation is its
    agreement's (cases without an agreement are left out; agreements from before the type was
    asked form a "not recorded" row); pledges and cancelled commitments are not counted.
    """
    on = on or timezone.localdate()
    names = {dimension: f"key_{dimension}" for dimension in dimensions}
    case_ids = cases.values("pk")
    # Named with annotate(), then grouped with values() by name: the translated model's
    # values(key=expression) would group by every column of the case (one row per case).
    requested = (
        AssistanceRequest.objects.filter(pk__in=case_ids, budget_amount__isnull=False)
        .annotate(cur=F("budget_currency"), **{names[d]: _key(d) for d in dimensions})
        .values(*names.values(), "cur")
        .annotate(total=Sum("budget_amount"))
        .order_by()
    )
    commitments = Commitment.objects.filter(request__in=case_ids, status__in=FUNDED_STATUSES)
    awaiting = Count("pk", filter=Q(amount_usd__isnull=True))
    committed = (
        commitments.annotate(
            cur=F("currency"), **{names[d]: _key(d, "request__") for d in dimensions}
        )
        .values(*names.values(), "cur")
        .annotate(total=Sum("amount_usd"), awaiting=awaiting)
        .order_by()
    )
    disbursed = (
        Disbursement.objects.filter(commitment__in=commitments)
        .annotate(
            cur=F("commitment__currency"),
            **{names[d]: _key(d, "commitment__request__") for d in dimensions},
        )
        .values(*names.values(), "cur")
        .annotate(total=Sum("amount_usd"), awaiting=awaiting)
        .order_by()
    )
    requested, committed, disbursed = list(requested), list(committed), list(disbursed)
    rates = rates_on(on, {row["cur"] for row in requested})
    figures = {}
    for dimension in dimensions:
        name = names[dimension]
        req, miss1 = _to_usd(
            _summed(requested, name=name, dimension=dimension),
            key="key",
            currency="cur",
            amount="total",
            rates=rates,
        )
        com, miss2, waiting2 = _stored_usd(_summed(committed, name=name, dimension=dimension))
        dis, miss3, waiting3 = _stored_usd(_summed(disbursed, name=name, dimension=dimension))
        labels = _labels(dimension)
        keys = sorted(
            (k for k in set(req) | set(com) | set(dis) if k is not None), key=_order(dimension)
        )
        rows = [
            {
                "key": key,
                "label": labels.get(key, str(key)),
                "requested": req.get(key, Decimal(0)).quantize(CENT),
                "committed": com.get(key, Decimal(0)).quantize(CENT),
                "disbursed": dis.get(key, Decimal(0)).quantize(CENT),
            }
            for key in keys
        ]
        figures[dimension] = {
            "rows": rows,
            "not_convertible": sorted(miss1 | miss2 | miss3),
            "awaiting": waiting2 + waiting3,
            "rates_on": on,
        }
    return figures


def _order(dimension: str):
    """Rows in the order of the choices for a dimension that has them ("not recorded" last)."""
    if dimension == "cooperation":
        positions = {value: n for n, value in enumerate([*CooperationType.values, ""])}
        return lambda key: positions.get(key, len(positions))
    return lambda key: key


def _labels(dimension: str) -> dict:
    if dimension == "region":
        return dict(Region.choices)
    if dimension == "cooperation":
        return {"": COOPERATION_NOT_RECORDED, **dict(CooperationType.choices)}
    if dimension == "category":
        return dict(Category.objects.values_list("code", "name"))
    return {}


def _spells(cases) -> QuerySet[StatusChange]:
    """Each time a case entered a status, with when it left it (the case's next later change;
    None while it is still there): one pass of a window function over the history."""
    return (
        StatusChange.objects.filter(request__in=cases.values("pk"))
        .annotate(
            # The first change strictly later than this one (changes at the same instant
            # are one step): the frame runs from this row on, leaving out its peers.
            left_at=Window(
                FirstValue("created_at"),
                partition_by=F("request_id"),
                order_by=F("created_at").asc(),
                frame=ValueRange(start=0, end=None, exclusion=WindowFrameExclusion.GROUP),
            )
        )
        .values("to_status", "created_at", "left_at")
        .order_by()
    )


def median_days_in_status(*, cases) -> list[dict]:
    """Median days a case spent in each status it has left (PERCENTILE_CONT on PostgreSQL)."""
    spells = _spells(cases)
    if connection.vendor == "postgresql":
        sql, params = spells.query.sql_with_params()
        # The inner query is the ORM's own SQL with its parameters kept apart.
        median_sql = (
            "SELECT spell.to_status, count(*), PERCENTILE_CONT(0.5) WITHIN GROUP "  # noqa: S608
            "(ORDER BY EXTRACT(EPOCH FROM spell.left_at - spell.created_at)) "
            f"FROM ({sql}) AS spell WHERE spell.left_at IS NOT NULL "
            "GROUP BY spell.to_status"
        )
        with connection.cursor() as cursor:
            cursor.execute(median_sql, params)
            medians = {status: (seconds / 86400, n) for status, n, seconds in cursor.fetchall()}
    else:  # SQLite (the embedded default): the durations in Python, middle picked per status
        medians = {}
        by_status: dict[str, list] = {}
        for row in spells:
            if row["left_at"] is not None:
                spent = row["left_at"] - row["created_at"]
                by_status.setdefault(row["to_status"], []).append(spent.total_seconds() / 86400)
        for status, values in by_status.items():
            values.sort()
            middle = len(values) // 2
            median = (
                values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
            )
            medians[status] = (median, len(values))
    return [
        {"status": status, "label": label, "days": round(medians[status][0], 1),
         "n": medians[status][1]}
        for status, label in Status.choices
        if status in medians
    ]  # fmt: skip


def overdue_reminders(*, cases) -> list[dict]:
    """Reminders sent per rule on the cases in scope, with how many escalated to UNODA."""
    return list(
        ReminderLog.objects.filter(request__in=cases.values("pk"))
        .values(rule_name=F("rule__name"))
        .annotate(
            n=Count("pk"),
            escalated=Count("pk", filter=Q(stage=Stage.ESCALATION)),
            cases=Count("request", distinct=True),
        )
        .order_by("rule_name")
    )


# --- The dashboard's data: one dict for the page, its tables and its JSON ---------------------

DASHBOARD_CACHE = "dashboard"
# The figures counted over the cases a donor or a State may see, kept per group of users who
# see the same cases (``visible_cases_key``) until any row they are counted from changes
# (``apps.ReportsConfig`` watches those tables) or the next build.
DASHBOARD_LIVE = "dashboard-live"
MONEY_DIMENSIONS = ("region", "category", "year", "cooperation")


def dashboard_build_latest():
    from .models import DashboardBuild

    return DashboardBuild.objects.order_by("-built_at").first()


def _money_rows(dimension: str, totals: dict) -> list[dict]:
    labels = _labels(dimension) if dimension != "category" else {}
    rows = []
    for key in sorted((k for k in totals if k is not None), key=_order(dimension)):
        requested, committed, disbursed = totals[key][:3]
        label = totals[key][3] if dimension == "category" else labels.get(key, str(key))
        rows.append(
            {
                "key": key,
                "label": str(label),
                "requested": Decimal(requested).quantize(CENT),
                "committed": Decimal(committed).quantize(CENT),
                "disbursed": Decimal(disbursed).quantize(CENT),
            }
        )
    return rows


def _add(totals: dict, key, row, label=None) -> None:
    now = totals.get(key, [Decimal(0), Decimal(0), Decimal(0), label])
    now[0] += row["requested"] or 0
    now[1] += row["committed"] or 0
    now[2] += row["disbursed"] or 0
    totals[key] = now


def _country_rows(rows) -> list[dict]:
    from django_countries import countries

    result = []
    for row in rows:
        code = row["country"]
        if not code:
            continue
        result.append(
            {
                "code": code,
                "numeric": countries.numeric(code, padded=True),
                "name": str(countries.name(code)),
                "cases": row["n"],
                "committed": Decimal(row["committed"] or 0).quantize(CENT),
            }
        )
    return sorted(result, key=lambda row: row["name"])


def _sliced(model, params: dict, *, by_category: bool = False):
    """The figure rows of the filters' slice: the totals (no category, no donor) unless a
    category or a donor is chosen; ``by_category``: the rows of each category instead."""
    rows = model.objects.filter(donor=params.get("donor"))
    if params.get("category") or not by_category:
        rows = rows.filter(category=params.get("category"))
    else:
        rows = rows.filter(category__isnull=False)
    if params.get("made_from"):
        rows = rows.filter(month__gte=params["made_from"].replace(day=1))
    if params.get("made_until"):
        rows = rows.filter(month__lte=params["made_until"].replace(day=1))
    if params.get("region"):
        rows = rows.filter(region=params["region"])
    if params.get("cooperation"):
        rows = rows.filter(cooperation=params["cooperation"])
    return rows.order_by()


SUMS = {
    "n": Sum("cases"),
    "requested": Sum("requested_usd"),
    "committed": Sum("committed_usd"),
    "disbursed": Sum("disbursed_usd"),
}


def dashboard_from_figures(*, params: dict, build) -> dict:
    """UNODA's figures, read from the figures kept in SQL (``rollup``): three grouped queries
    over at most a few thousand rows, whatever the number of cases."""
    from .models import DashboardCategoryFigure, DashboardCountryFigure, DashboardFigure

    statuses: dict = {}
    money: dict = {dimension: {} for dimension in MONEY_DIMENSIONS}
    grouped = (
        _sliced(DashboardFigure, params)
        .values("status", "region", "cooperation", year=ExtractYear("month"))
        .annotate(**SUMS)
    )
    for row in grouped:
        statuses[row["status"]] = statuses.get(row["status"], 0) + row["n"]
        _add(money["region"], row["region"], row)
        _add(money["year"], row["year"], row)
        if row["cooperation"] is not None:
            _add(money["cooperation"], row["cooperation"], row)
    by_category = _sliced(DashboardCategoryFigure, params, by_category=True)
    categories = {pk: (code, name) for pk, code, name in Category.objects.values_list(
        "pk", "code", "name")}  # fmt: skip
    for row in by_category.values("category").annotate(**SUMS):
        code, name = categories[row["category"]]
        _add(money["category"], code, row, name)
    countries = _sliced(DashboardCountryFigure, params).values("country").annotate(**SUMS)
    labels = dict(Status.choices)
    return {
        "pipeline": [
            {"key": status, "status": status, "label": str(label), "n": statuses.get(status, 0)}
            for status, label in Status.choices
        ],
        "money": {
            dimension: {
                "rows": _money_rows(dimension, money[dimension]),
                "not_convertible": build.not_convertible,
                "awaiting": build.awaiting,
            }
            for dimension in MONEY_DIMENSIONS
        },
        "countries": _country_rows(countries),
        "medians": [
            {**row, "label": str(labels.get(row["status"], row["status"]))} for row in build.medians
        ],
        "medians_filtered": False,
    }


def dashboard_live(*, cases) -> dict:
    """The figures over the cases a user may see, counted when asked: the figures
    kept in SQL cannot tell who may see which case."""
    money = {}
    by_dimension = {
        **money_by_dimensions(cases=cases, dimensions=ONE_KEY_DIMENSIONS),
        "category": money_by(cases=cases, dimension="category"),
    }
    for dimension in MONEY_DIMENSIONS:
        figures = by_dimension[dimension]
        money[dimension] = {
            "rows": [{**row, "label": str(row["label"])} for row in figures["rows"]],
            "not_convertible": figures["not_convertible"],
            "awaiting": figures["awaiting"],
        }
    countries = (
        cases.annotate(country=F("requesting_organization__country"))
        .values("country")
        .annotate(n=Count("pk"))
        .order_by()
    )
    committed = dict(
        Commitment.objects.filter(request__in=cases.values("pk"), status__in=FUNDED_STATUSES)
        .values_list("request__requesting_organization__country")
        .annotate(total=Sum("amount_usd"))
        .order_by()
    )
    return {
        "pipeline": [{**row, "key": row["status"], "label": str(row["label"])}
                     for row in pipeline(cases=cases)],
        "money": money,
        "countries": _country_rows(
            {**row, "committed": committed.get(row["country"])}
            for row in countries
        ),
        "medians": [{**row, "label": str(row["label"])}
                    for row in median_days_in_status(cases=cases)],
        "medians_filtered": True,
    }  # fmt: skip


def _filter_key(params: dict) -> str:
    chosen = sorted(
        (name, str(getattr(value, "pk", value)))
        for name, value in params.items()
        if value not in (None, "")
    )
    return urlencode(chosen)


def dashboard_data(*, filters, full: bool, effectiveness: bool, scope: str | None = None) -> dict:
    """Every figure of the dashboard as plain data (the page's tables and the charts' JSON).

    UNODA's figures come from the figures kept in SQL and are kept in the cache per filter,
    language and build; anyone else's are counted over the cases they may see and, when their
    ``scope`` (``cases.selectors.visible_cases_key``) names what those cases depend on, kept
    for every user of that scope until a row they are counted from changes or the next build.
    A filter that is no filter (a month that is no month) leaves the figures unfiltered."""
    valid = filters.is_bound and filters.is_valid()
    params = filters.form.cleaned_data if valid else {}
    cases = filters.qs if valid else filters.queryset
    latest = dashboard_build_latest() if full or scope is not None else None
    build = latest if full else None

    def load() -> dict:
        data = (
            dashboard_from_figures(params=params, build=build)
            if build
            else dashboard_live(cases=cases)
        )
        if full:
            data["reminders"] = overdue_reminders(cases=cases)
        if effectiveness:
            data["criteria"] = [
                {**row, "criterion": str(row["criterion"])} for row in effectiveness_by_criterion()
            ]
        return data

    name = part = None
    if build:
        name = DASHBOARD_CACHE
        part = f"{build.pk}:{get_language()}:{int(effectiveness)}:{_filter_key(params)}"
    elif not full and scope is not None:
        # The budgets are converted with the rates in force today: the day is in the key.
        name = DASHBOARD_LIVE
        part = (
            f"live:{latest.pk if latest else 0}:{timezone.localdate().isoformat()}:"
            f"{get_language()}:{int(effectiveness)}:{scope}:{_filter_key(params)}"
        )
    data = cached(name, load, part=part) if name else load()
    return {
        **data,
        "built_at": build.built_at if build else None,
        "live": build is None,
        "cache_name": name,
        "cache_key": part,
    }


# --- Exports -----------------------------------------------------------------------------------


def case_rows(*, user, batch_size: int = 500):
    """The user's case list (the web scope) with the funding figures of each case, read in
    chunks (each with its categories) and summed per chunk."""
    rows = (
        request_list(user=user)
        .prefetch_related("categories")
        .order_by("reference")
        .iterator(chunk_size=batch_size)
    )
    while batch := list(islice(rows, batch_size)):
        figures = funding_for_requests(batch)
        for case in batch:
            yield case, figures[case.pk]
