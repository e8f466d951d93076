"""Builds the dashboard's figures (``models.DashboardFigure`` and ``DashboardCountryFigure``) in
SQL: the figures of every case (the ORM's own query, its parameters kept apart), spread over
its category and donor slices and summed with GROUP BY by ``INSERT ... SELECT``, all in one
transaction, so a reader sees the old build or the new one, never half of one."""

import logging

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from apps.cases.models import AssistanceRequest
from apps.funding.models import FUNDED_STATUSES, Commitment, Disbursement
from apps.funding.selectors import rates_on

from .models import (
    DashboardBuild,
    DashboardCategoryFigure,
    DashboardCountryFigure,
    DashboardFigure,
)
from .selectors import median_days_in_status

logger = logging.getLogger(__name__)

# Each table of figures and what its rows are grouped by besides the month, region, type of
# cooperation and slices.
TABLES = (
    (DashboardFigure, "status"),
    (DashboardCategoryFigure, None),
    (DashboardCountryFigure, "country"),
)
USD = DecimalField(max_digits=20, decimal_places=2)
ZERO = Value(0, output_field=USD)


def _per_case(rows, case_field: str, aggregate, default):
    """``aggregate`` over the ``rows`` of the outer case (``case_field`` leads to it), or
    ``default`` when it has none."""
    return Coalesce(
        Subquery(
            rows.filter(**{case_field: OuterRef("pk")})
            .values(case_field)
            .annotate(value=aggregate)
            .values("value")
        ),
        default,
    )


def case_facts(*, rates) -> tuple:
    """One row per case: its month, region, country, status and type of cooperation, its budget
    in US dollars (with ``rates``; NULL without one), its firm committed and disbursed US
    dollars (stored with each transaction) and how many of those await a rate."""
    requested = Case(
        *[
            When(budget_currency=currency, then=F("budget_amount") / Value(rate.per_usd))
            for currency, rate in rates.items()
        ],
        default=None,
        output_field=USD,
    )
    firm = Commitment.objects.filter(status__in=FUNDED_STATUSES).order_by()
    paid = Disbursement.objects.filter(commitment__status__in=FUNDED_STATUSES).order_by()
    waiting = Count("pk", filter=Q(amount_usd__isnull=True))
    return (
        AssistanceRequest.objects.order_by()
        .annotate(
            f_id=F("pk"),
            f_month=TruncMonth("created_at", output_field=DateField()),
            f_region=F("requesting_organization__region"),
            f_country=F("requesting_organization__country"),
            f_cooperation=F("agreement__cooperation_type"),
            f_requested=requested,
            f_committed=_per_case(firm, "request", Sum("amount_usd"), ZERO),
            f_disbursed=_per_case(paid, "commitment__request", Sum("amount_usd"), ZERO),
            f_awaiting=_per_case(firm, "request", waiting, 0)
            + Coalesce(
                Subquery(
                    paid.filter(commitment__request=OuterRef("pk"))
                    .values("commitment__request")
                    .annotate(n=waiting)
                    .values("n")
                ),
                0,
            ),
        )
        .values(
            "f_id",
            "f_month",
            "f_region",
            "f_country",
            "status",
            "f_cooperation",
            "f_requested",
            "f_committed",
            "f_disbursed",
            "f_awaiting",
        )
    )


def _insert(model, group: str | None, facts_sql: str) -> str:
    """``INSERT ... SELECT`` of ``model``'s rows: the facts joined to their category slices
    (none, then each category) and donor slices (none, then each donor with a firm
    commitment), grouped by month, region, type of cooperation, the slices and ``group``
    (``status`` or ``country``; None: the category slices only, without a status)."""
    table = model._meta.db_table
    through = AssistanceRequest.categories.through._meta.db_table
    cases = AssistanceRequest._meta.db_table
    commitments = Commitment._meta.db_table
    firm = ", ".join("%s" for _ in FUNDED_STATUSES)
    column = {"status": "f.status", "country": "f.f_country", None: None}[group]
    into = f", {group}" if group else ""
    select = f", {column}" if column else ""
    totals = (
        f"SELECT id AS case_id, CAST(NULL AS bigint) AS category_id FROM {cases} UNION ALL "  # noqa: S608
        if group
        else ""
    )
    return (
        f"INSERT INTO {table} (month, region, cooperation, category_id, donor_id{into}, "  # noqa: S608
        "cases, requested_usd, committed_usd, disbursed_usd) "
        "SELECT f.f_month, f.f_region, f.f_cooperation, k.category_id, d.donor_id"
        f"{select}, COUNT(*), COALESCE(SUM(f.f_requested), 0), SUM(f.f_committed), "
        "SUM(f.f_disbursed) "
        f"FROM ({facts_sql}) AS f "
        f"JOIN ({totals}SELECT assistancerequest_id AS case_id, category_id FROM {through}) "
        "AS k ON k.case_id = f.f_id "
        f"JOIN (SELECT id AS case_id, CAST(NULL AS bigint) AS donor_id FROM {cases} "
        f"UNION ALL SELECT DISTINCT request_id, donor_id FROM {commitments} "
        f"WHERE status IN ({firm})) AS d ON d.case_id = f.f_id "
        "GROUP BY f.f_month, f.f_region, f.f_cooperation, k.category_id, d.donor_id"
        f"{select}"
    )


def dashboard_figures_build() -> DashboardBuild:
    """Replaces the figures with new ones from every case; returns the build's record."""
    today = timezone.localdate()
    currencies = set(
        AssistanceRequest.objects.filter(budget_amount__isnull=False)
        .order_by()
        .values_list("budget_currency", flat=True)
        .distinct()
    )
    rates = rates_on(today, currencies)
    facts = case_facts(rates=rates)
    sql, params = facts.query.sql_with_params()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model, group in TABLES:
                model.objects.all().delete()
                cursor.execute(_insert(model, group, sql), [*params, *FUNDED_STATUSES])
        awaiting = sum(row["f_awaiting"] for row in facts.filter(f_awaiting__gt=0))
        build = DashboardBuild.objects.create(
            built_at=timezone.now(),
            rates_on=today,
            cases=AssistanceRequest.objects.count(),
            not_convertible=sorted(currencies - set(rates)),
            awaiting=awaiting,
            medians=[
                {"status": row["status"], "days": row["days"], "n": row["n"]}
                for row in median_days_in_status(cases=AssistanceRequest.objects.all())
            ],
        )
        DashboardBuild.objects.exclude(pk=build.pk).delete()
    if connection.vendor == "postgresql":
        # Fresh statistics for the new rows, before the first reader plans a query on them.
        with connection.cursor() as cursor:
            for model, _group in TABLES:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    logger.info("Dashboard figures built from %s cases.", build.cases)
    return build
