"""The pages the benchmark measures, each with its floor.

A floor is for information only: a bare queryset over the models (no selector, view or
pagination of the portal) that reads about what the page shows, rendered in a minimal
template. It tells how far a page is from a plain ORM read of its rows; the budgets are the
pages' own times.
"""

import json
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.text import slugify

from apps.cases.models import AssistanceRequest, RequestGroupObjectPermission, Status, StatusChange
from apps.cases.workflow import OPEN_NEEDS
from apps.followup.models import RATING_FIELDS, Feedback, FeedbackStatus
from apps.funding.models import Commitment, Disbursement, Offer
from apps.organizations.models import Region
from apps.reminders.models import ReminderLog

from .measure import Result, measure, page, render_rows, without_kept_figures

PAGE_SIZE = 25
CURRENT: dict = {}  # the data set being measured, for the floor views


@dataclass
class Page:
    name: str
    user: str  # attribute of builder.Built
    url: object  # callable(built) -> str
    floor: object  # callable(built) -> the floor's text (the body of its response)
    note: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name)

    # Forget what the pages keep in the cache before each run (the dashboard's figures, the
    # rankings of matches): time the work itself, not the cache in front of it.
    cold: bool = False

    def run(self, *, client, built, repeat) -> Result:
        """Time the page and its floor view, both through the full request cycle."""
        CURRENT["built"] = built
        get = page(client, self.url(built))
        return measure(
            self.name,
            without_kept_figures(get) if self.cold else get,
            page(client, f"/__floor__/{self.slug}/"),
            repeat=repeat,
            note=self.note,
        )


def _codes(objects) -> str:
    return " ".join(item.code for item in objects.all())


def _queue_floor(filters=None, search="", condition=None):
    """A page of cases, oldest change first, with their State, officer and categories."""

    def floor(built):
        queryset = (
            AssistanceRequest.objects.select_related("requesting_organization", "case_officer")
            .prefetch_related("categories")
            .filter(condition or Q(), **(filters or {}))
        )
        if search:
            queryset = queryset.filter(
                Q(reference__icontains=search)
                | Q(title__icontains=search)
                | Q(requesting_organization__name__icontains=search)
            )
        rows = [
            (
                case.reference,
                case.requesting_organization.name,
                case.title,
                case.get_status_display(),
                case.case_officer.username if case.case_officer else "",
                case.status_changed_at,
                _codes(case.categories),
            )
            for case in queryset.order_by("status_changed_at", "pk")[:PAGE_SIZE]
        ]
        return render_rows(rows)

    return floor


def _needs_floor(built):
    """A page of the open cases the donor's groups may see, newest change first."""
    # The groups and the permission as values: given as subqueries, PostgreSQL plans for any
    # number of groups and scans the permissions of every case.
    visible = RequestGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission=Permission.objects.get(
            content_type__app_label="cases", codename="view_assistancerequest"
        ),
        group_id__in=list(built.donor.groups.values_list("pk", flat=True)),
    )
    queryset = (
        AssistanceRequest.objects.select_related("requesting_organization")
        .prefetch_related("categories", "kinds")
        .filter(Exists(visible), status__in=OPEN_NEEDS)
        .order_by("-status_changed_at", "-pk")
    )
    rows = [
        (
            case.reference,
            case.title,
            case.requesting_organization.get_region_display(),
            case.get_status_display(),
            case.budget_amount,
            _codes(case.categories),
            _codes(case.kinds),
        )
        for case in queryset[:PAGE_SIZE]
    ]
    return render_rows(rows)


def _case_page_floor(built):
    """The case with its State and officer, and its status history with each actor."""
    case = AssistanceRequest.objects.select_related("requesting_organization", "case_officer").get(
        reference=built.long_history_reference
    )
    history = (
        StatusChange.objects.filter(request=case).select_related("actor").order_by("created_at")
    )
    rows = [(case.reference, case.title, case.requesting_organization.name, case.status)]
    rows += [
        (change.created_at, change.from_status, change.to_status, change.actor, change.comment)
        for change in history
    ]
    return render_rows(rows)


def _best_offers_floor(built):
    """The active offers that share a category with the long case, with their donors."""
    case = AssistanceRequest.objects.get(reference=built.long_history_reference)
    offers = (
        Offer.objects.filter(categories__in=case.categories.all(), is_active=True)
        .select_related("donor")
        .distinct()
        .order_by("pk")[:5]
    )
    return render_rows([(offer.donor.name, offer.title, offer.amount_max) for offer in offers])


API_FIELDS = (
    "pk",
    "reference",
    "status",
    "status_changed_at",
    "requesting_organization_id",
    "title",
    "summary",
    "background",
    "objectives",
    "activities",
    "expected_results",
    "beneficiaries",
    "national_ownership",
    "sustainability",
    "risks",
    "budget_amount",
    "budget_currency",
    "duration_months",
    "priority",
    "national_report_url",
    "visibility",
    "due_date",
    "created_at",
    "updated_at",
)


def _api_list_floor(built):
    """The API's page of cases (newest change first) as values, with the codes of their
    categories and kinds, as JSON."""
    rows = list(
        AssistanceRequest.objects.order_by("-status_changed_at", "-pk").values(
            *API_FIELDS,
            requesting_organization_name=F("requesting_organization__name"),
            region=F("requesting_organization__region"),
        )[:PAGE_SIZE]
    )
    ids = [row["pk"] for row in rows]
    codes: dict[tuple[str, int], list[str]] = {}
    for field, relation in (("categories", "category"), ("kinds", "assistancekind")):
        links = getattr(AssistanceRequest, field).through.objects.filter(
            assistancerequest_id__in=ids
        )
        for case_id, code in links.values_list("assistancerequest_id", f"{relation}__code"):
            codes.setdefault((field, case_id), []).append(code)
    for row in rows:
        row["categories"] = codes.get(("categories", row["pk"]), [])
        row["kinds"] = codes.get(("kinds", row["pk"]), [])
    return json.dumps({"results": rows}, cls=DjangoJSONEncoder)


def _money(model, case: str, amount: str, currency: str) -> list[tuple]:
    """Sums of ``amount`` by currency and by the case's region, category and year."""
    rows = []
    for key in (
        F(f"{case}requesting_organization__region"),
        F(f"{case}categories__code"),
        ExtractYear(f"{case}created_at"),
    ):
        rows += list(
            model.objects.order_by()
            .annotate(key=key, cur=F(currency))
            .values_list("key", "cur")
            .annotate(total=Sum(amount))
        )
    return rows


def _dashboard_floor(built):
    """Plain aggregates over every case: counts by status, the requested, committed and
    disbursed amounts by region, category and year, the history and the reminders counted,
    the average ratings."""
    rows = list(AssistanceRequest.objects.order_by().values_list("status").annotate(Count("pk")))
    rows += _money(AssistanceRequest, "", "budget_amount", "budget_currency")
    rows += _money(Commitment, "request__", "amount", "currency")
    rows += _money(Disbursement, "commitment__request__", "amount", "commitment__currency")
    rows += list(StatusChange.objects.order_by().values_list("to_status").annotate(Count("pk")))
    rows += list(ReminderLog.objects.order_by().values_list("rule__name").annotate(Count("pk")))
    ratings = Feedback.objects.filter(status=FeedbackStatus.SUBMITTED).aggregate(
        n=Count("pk"), **{name: Avg(name) for name in RATING_FIELDS}
    )
    rows.append(tuple(ratings.items()))
    return render_rows(rows)


def _visible_floor(role: str):
    """A page of the cases the user's groups may see, newest change first (the pages of a
    member of a State or a donor: home, queue)."""

    def floor(built):
        user = getattr(built, role)
        visible = RequestGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"),
            permission=Permission.objects.get(
                content_type__app_label="cases", codename="view_assistancerequest"
            ),
            group_id__in=list(user.groups.values_list("pk", flat=True)),
        )
        queryset = (
            AssistanceRequest.objects.select_related("requesting_organization")
            .filter(Exists(visible))
            .order_by("-status_changed_at", "-pk")
        )
        return render_rows(
            [
                (case.reference, case.title, case.requesting_organization.name, case.status)
                for case in queryset[:PAGE_SIZE]
            ]
        )

    return floor


def _commitments_floor(role: str | None):
    """A page of commitments (a donor's own; UNODA: every donor's), newest first, with their
    donor, case and disbursements."""

    def floor(built):
        queryset = Commitment.objects.select_related("donor", "request").prefetch_related(
            "disbursements"
        )
        if role:
            donors = getattr(built, role).memberships.values("organization_id")
            queryset = queryset.filter(donor_id__in=donors)
        rows = [
            (c.donor.name, c.request.reference, c.amount, c.status, *c.disbursements.all())
            for c in queryset.order_by("-created_at", "-pk")[:PAGE_SIZE]
        ]
        return render_rows(rows)

    return floor


def _offers_floor(built):
    """A page of the active offers with their donors and categories."""
    offers = (
        Offer.objects.filter(is_active=True)
        .select_related("donor")
        .prefetch_related("categories")
        .order_by("-created_at", "-pk")[:PAGE_SIZE]
    )
    return render_rows(
        [(o.donor.name, o.title, o.amount_max, _codes(o.categories)) for o in offers]
    )


def _effectiveness_floor(built):
    """The submitted feedback's average ratings, and a page of it with its cases."""
    feedback = Feedback.objects.filter(status=FeedbackStatus.SUBMITTED)
    rows = [tuple(feedback.aggregate(n=Count("pk"), **{n: Avg(n) for n in RATING_FIELDS}).items())]
    rows += [
        (f.request.reference, f.role, *(getattr(f, name) for name in RATING_FIELDS))
        for f in feedback.select_related("request").order_by("-pk")[:PAGE_SIZE]
    ]
    return render_rows(rows)


QUEUE_SEARCH = "/cases/?view=all&status=published&region=africa&q=request+1"
DASHBOARD_FILTER = "/reports/dashboard/?region=africa&made_from=2020-01&made_until=2025-12"
SAVED_VIEW_QUERY = "view=all&status=submitted&region=africa"


def _needs_action_floor(built):
    """A page of the cases awaiting UNODA (submitted, under review, agreed), the officer's own
    or unassigned, oldest change first."""
    return _queue_floor(
        None,
        condition=Q(status__in=(Status.SUBMITTED, Status.UNDER_REVIEW, Status.AGREEMENT))
        & (Q(case_officer=built.unoda) | Q(case_officer__isnull=True)),
    )(built)


def _saved_view_url(built) -> str:
    """A saved view of the officer's (made once for the data set), opened from its tab."""
    from apps.portal.models import SavedView

    saved, _created = SavedView.objects.get_or_create(
        owner=built.unoda, name="Africa, submitted", defaults={"query": SAVED_VIEW_QUERY}
    )
    return f"/cases/?{saved.query}&saved={saved.pk}"


PAGES = [
    Page(
        "UNODA queue, needs my action (default view)",
        "unoda",
        lambda b: "/cases/",
        _needs_action_floor,
    ),
    Page(
        "UNODA queue, all cases, first page (default sort)",
        "unoda",
        lambda b: "/cases/?view=all",
        _queue_floor(),
    ),
    Page(
        "UNODA queue, a saved view",
        "unoda",
        _saved_view_url,
        _queue_floor(
            {"status": Status.SUBMITTED, "requesting_organization__region": Region.AFRICA}
        ),
    ),
    Page(
        "UNODA queue, filter + search",
        "unoda",
        lambda b: QUEUE_SEARCH,
        _queue_floor(
            {"status": Status.PUBLISHED, "requesting_organization__region": Region.AFRICA},
            "request 1",
        ),
    ),
    Page("donor: published needs", "donor", lambda b: "/funding/needs/", _needs_floor),
    Page(
        "case page, long history (UNODA)",
        "unoda",
        lambda b: f"/cases/{b.long_history_reference}/",
        _case_page_floor,
    ),
    Page(
        "case page's best offers (UNODA, after the page)",
        "unoda",
        lambda b: f"/cases/{b.long_history_reference}/best-offers/",
        _best_offers_floor,
    ),
    Page(
        "API list /api/v1/requests/ (UNODA)",
        "unoda",
        lambda b: "/api/v1/requests/",
        _api_list_floor,
    ),
    # The pages of the other roles' menus, and UNODA's other lists.
    Page("home (donor)", "donor", lambda b: "/", _visible_floor("donor")),
    Page(
        "home (donor), matches ranked afresh",
        "donor",
        lambda b: "/",
        _visible_floor("donor"),
        cold=True,
    ),
    Page(
        "queue, needs my action (State)",
        "recipient",
        lambda b: "/cases/",
        _visible_floor("recipient"),
    ),
    Page("funding desk (UNODA)", "unoda", lambda b: "/funding/desk/", _commitments_floor(None)),
    Page("funding desk (donor)", "donor", lambda b: "/funding/desk/", _commitments_floor("donor")),
    Page("offers (donor)", "donor", lambda b: "/funding/offers/", _offers_floor),
    Page(
        "effectiveness (UNODA)",
        "unoda",
        lambda b: "/followup/effectiveness/",
        _effectiveness_floor,
    ),
    Page("dashboard (donor)", "donor", lambda b: "/reports/dashboard/", _dashboard_floor),
    Page(
        "dashboard (donor), not cached",
        "donor",
        lambda b: "/reports/dashboard/",
        _dashboard_floor,
        cold=True,
    ),
    Page("dashboard (UNODA)", "unoda", lambda b: "/reports/dashboard/", _dashboard_floor),
    Page(
        "dashboard's JSON (UNODA)",
        "unoda",
        lambda b: "/reports/dashboard/data/",
        _dashboard_floor,
    ),
    Page(
        "dashboard + filter, not cached (UNODA)",
        "unoda",
        lambda b: DASHBOARD_FILTER,
        _dashboard_floor,
        cold=True,
    ),
    Page(
        "dashboard's JSON + filter, not cached (UNODA)",
        "unoda",
        lambda b: "/reports/dashboard/data/" + DASHBOARD_FILTER[len("/reports/dashboard/") :],
        _dashboard_floor,
        cold=True,
    ),
]

PAGES_BY_SLUG = {entry.slug: entry for entry in PAGES}
