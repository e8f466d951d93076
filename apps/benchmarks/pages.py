"""The pages the benchmark measures, each with its floor: the one query it needs, bare."""

import json
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from apps.cases.models import AssistanceRequest, StatusChange
from apps.followup.models import Agreement
from apps.followup.selectors import add_months
from apps.funding.models import Commitment
from apps.reminders.finders import FINDERS
from apps.reminders.models import ReminderRule, Stage, Watch
from apps.reminders.selectors import suggested_offers, suggests_offers

from .measure import FLOOR_TEMPLATE, Result, floor, measure, page

PAGE_SIZE = 25
API_PAGE_SIZE = 25
CURRENT: dict = {}  # the data set being measured, for the floor views


@dataclass
class Page:
    name: str
    user: str  # attribute of builder.Built
    url: object  # callable(built) -> str
    floor: object  # callable(built) -> floor function
    note: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name)

    def run(self, *, client, built, repeat) -> Result:
        """Time the page and its floor view, both through the full request cycle."""
        CURRENT["built"] = built
        return measure(
            self.name,
            page(client, self.url(built)),
            page(client, f"/__floor__/{self.slug}/"),
            repeat=repeat,
            note=self.note,
        )


def _case_page_floor(built):
    return floor(
        lambda: StatusChange.objects.filter(
            request__reference=built.long_history_reference
        ).order_by("created_at", "pk"),
        ("created_at", "from_status", "to_status", "actor__username", "comment"),
    )


def _api_list_floor(built):
    """The same page of rows, with the same fields as the API gives, as JSON: one query for
    the rows, their capped count and the keys of their categories and kinds, the codes named
    from every category and kind (kept between requests, as the API names them)."""
    from django.core.serializers.json import DjangoJSONEncoder

    from apps.api.serializers import RequestSerializer
    from apps.cases.selectors import all_categories, all_kinds, with_link_keys
    from apps.core.pagination import counted_slice
    from apps.core.selectors import split_keys

    plain = [
        name
        for name in RequestSerializer.Meta.fields
        if name not in {"categories", "kinds", "requesting_organization_name", "region"}
    ]

    def run():
        queryset = with_link_keys(
            AssistanceRequest.objects.order_by("-status_changed_at", "-pk"), kinds=True
        )
        rows = list(
            counted_slice(queryset, API_PAGE_SIZE, 1).values(
                *plain,
                "category_keys",
                "kind_keys",
                "capped_count",
                requesting_organization_name=F("requesting_organization__name"),
                region=F("requesting_organization__region"),
            )
        )
        names = {
            "categories": [(row.pk, row.code) for row in all_categories()],
            "kinds": [(row.pk, row.code) for row in all_kinds()],
        }
        count = rows[0]["capped_count"] if rows else 0
        for row in rows:
            del row["capped_count"]
            for field, keys in (("categories", "category_keys"), ("kinds", "kind_keys")):
                held = set(split_keys(row.pop(keys)))
                row[field] = [code for pk, code in names[field] if pk in held]
        return json.dumps({"count": count, "results": rows}, cls=DjangoJSONEncoder)

    return run


def _dashboard_floor(built):
    """The dashboard's aggregate queries, their numbers in a bare table (no charts)."""
    from apps.followup.selectors import effectiveness_by_criterion
    from apps.reports import selectors as reports

    def run():
        cases = reports.dashboard_cases(user=built.unoda)
        rows = [(row["label"], row["n"]) for row in reports.pipeline(cases=cases)]
        for dimension in ("region", "category", "year"):
            figures = reports.money_by(cases=cases, dimension=dimension)
            rows += [
                (r["label"], r["requested"], r["committed"], r["disbursed"])
                for r in figures["rows"]
            ]
        rows += [(r["label"], r["days"]) for r in reports.median_days_in_status(cases=cases)]
        rows += [tuple(r.values()) for r in reports.overdue_reminders(cases=cases)]
        rows += [tuple(r.values()) for r in effectiveness_by_criterion()]
        return FLOOR_TEMPLATE.render({"rows": rows})

    return run


def _queue_floor(filters=None, search=""):
    """The queue's one query: a page of rows and their capped count (the page shows "N
    cases"; a search must count every match, where the rows alone can stop at the 25th)."""

    def make(built):
        from apps.cases.selectors import request_queue
        from apps.core.pagination import counted_slice

        return floor(
            lambda: counted_slice(
                request_queue(user=built.unoda, filters=filters or {}, search=search),
                PAGE_SIZE,
                1,
            ),
            (
                "reference",
                "requesting_organization__name",
                "title",
                "status",
                "case_officer__username",
                "status_changed_at",
                "is_overdue",
                "capped_count",
            ),
        )

    return make


def _needs_floor(built):
    from apps.cases.selectors import request_list
    from apps.funding.views import OPEN_NEEDS

    return floor(
        lambda: (
            request_list(user=built.donor)
            .filter(status__in=OPEN_NEEDS)
            .order_by("-status_changed_at")[:PAGE_SIZE]
        ),
        ("reference", "title", "requesting_organization__region", "status", "budget_amount"),
    )


QUEUE_SEARCH = "/cases/?status=published&region=africa&q=request+1"

PAGES = [
    Page("UNODA queue, first page (default sort)", "unoda", lambda b: "/cases/", _queue_floor()),
    Page(
        "UNODA queue, filter + search",
        "unoda",
        lambda b: QUEUE_SEARCH,
        _queue_floor({"status": "published", "region": "africa"}, "request 1"),
    ),
    Page("donor: published needs", "donor", lambda b: "/funding/needs/", _needs_floor),
    Page(
        "case page, long history (UNODA)",
        "unoda",
        lambda b: f"/cases/{b.long_history_reference}/",
        _case_page_floor,
    ),
    Page(
        "API list /api/v1/requests/ (UNODA)",
        "unoda",
        lambda b: "/api/v1/requests/",
        _api_list_floor,
    ),
    Page(
        "dashboard (UNODA)",
        "unoda",
        lambda b: "/reports/dashboard/",
        _dashboard_floor,
        note="floor: the pipeline count only",
    ),
]


def make_one_percent_due(built) -> int:
    """Make every watched item recent, then about 1% of the cases due for a status rule."""
    now = timezone.now()
    AssistanceRequest.objects.update(status_changed_at=now - timedelta(hours=1))
    Commitment.objects.update(pledged_on=now.date(), committed_on=now.date())
    Agreement.objects.update(start_date=now.date(), end_date=now.date() + timedelta(days=365))
    intervals = Agreement.objects.order_by().values_list("reporting_interval_months", flat=True)
    for months in intervals.distinct():
        first_end = add_months(now.date(), months) - timedelta(days=1)  # nothing reported yet
        Agreement.objects.filter(reporting_interval_months=months).update(
            first_unreported_period_end=first_end
        )
    watched = list(
        ReminderRule.objects.filter(is_active=True, watch=Watch.CASE_STATUS).values_list(
            "status", flat=True
        )
    )
    total = AssistanceRequest.objects.count()
    due_ids = list(
        AssistanceRequest.objects.filter(status__in=watched)
        .order_by("?")
        .values_list("pk", flat=True)[: max(1, total // 100)]
    )
    AssistanceRequest.objects.filter(pk__in=due_ids).update(
        status_changed_at=F("status_changed_at") - timedelta(days=400)
    )
    return len(due_ids)


FINDER_TABLES = {
    Watch.CASE_STATUS: AssistanceRequest._meta.db_table,
    Watch.PLEDGE_NOT_CONVERTED: Commitment._meta.db_table,
    Watch.COMMITMENT_NOT_DISBURSED: Commitment._meta.db_table,
    Watch.PROGRESS_REPORT: Agreement._meta.db_table,
}


def sweep_plans() -> dict[str, list[str]]:
    """The query plan of each kind of finder's read (first batch, reminder stage)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plans = {}
    now = timezone.now()
    for watch, table in FINDER_TABLES.items():
        rule = ReminderRule.objects.filter(watch=watch, is_active=True).order_by("code").first()
        if rule is None:
            continue
        with CaptureQueriesContext(connection) as captured:
            FINDERS[watch](rule, stage=Stage.REMINDER, now=now, after=None, limit=200)
        sql = next(q["sql"] for q in captured if f'FROM "{table}"' in q["sql"])
        with connection.cursor() as cursor:
            cursor.execute(f"{connection.ops.explain_query_prefix()} {sql}")
            plans[rule.code] = [" ".join(map(str, row)) for row in cursor.fetchall()]
    return plans


def sweep_floor_ms() -> float:
    """The sweep's floor: read every due item (every finder, every batch) and its case, run
    the matching query for the cases whose reminder attaches offers and the recipients' query
    (as the sweep does), and write the same rows in bulk: a log row per item and a
    notification per recipient, its text from a minimal template; rolled back."""
    from apps.notifications.models import Notification
    from apps.reminders.models import ReminderLog
    from apps.reminders.selectors import reminder_recipients_many

    start = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        for rule in ReminderRule.objects.filter(is_active=True):
            stages = [Stage.REMINDER] + ([Stage.ESCALATION] if rule.escalate_after_days else [])
            for stage in stages:
                after, first = None, True
                while first or after is not None:
                    first = False
                    batch = FINDERS[rule.watch](rule, stage=stage, now=now, after=after, limit=200)
                    after = batch.cursor
                    cases = AssistanceRequest.objects.select_related(
                        "requesting_organization", "case_officer"
                    )
                    if suggests_offers(rule):
                        cases = cases.prefetch_related("categories", "kinds")
                    cases = cases.in_bulk({item.request_id for item in batch.items})
                    if suggests_offers(rule):  # the matching query, as the sweep runs it
                        for case in cases.values():
                            suggested_offers(rule, case)
                    recipients = reminder_recipients_many(
                        rule, stage, [(cases[i.request_id], i.donor_id) for i in batch.items]
                    )
                    logs = ReminderLog.objects.bulk_create(
                        ReminderLog(
                            rule=rule,
                            request_id=item.request_id,
                            object_key=item.object_key,
                            period_start=item.period_start,
                            stage=stage,
                            due_at=item.due_at,
                        )
                        for item in batch.items
                    )
                    notifications = []
                    for log, users in zip(logs, recipients, strict=True):
                        body = FLOOR_TEMPLATE.render({"rows": [(rule.name, log.due_at)]})
                        notifications += [
                            Notification(
                                user=user,
                                request_id=log.request_id,
                                reminder=log,
                                subject=rule.name,
                                body=body,
                            )
                            for user in users
                        ]
                    Notification.objects.bulk_create(notifications)
        transaction.set_rollback(True)
    return (time.perf_counter() - start) * 1000


PAGES_BY_SLUG = {entry.slug: entry for entry in PAGES}
