"""The dashboard's figures kept in SQL (issue 25, Must have 3): the build gives the same figures
as counting the cases, a case counts once in every total, the JSON endpoint carries every
chart's series with the page's filters and each role's scope, and UNODA's page reads a number
of queries that does not grow with the number of cases."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_celery_beat.models import PeriodicTask

from apps.cases.models import AssistanceRequest, Category
from apps.funding.models import CommitmentStatus
from apps.reports import selectors
from apps.reports.filters import DashboardFilter
from apps.reports.models import DashboardBuild, DashboardFigure
from apps.reports.rollup import dashboard_figures_build
from apps.reports.tasks import build_dashboard_figures

from .test_cooperation import _fund, typed_cases  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
PAGE = "/reports/dashboard/"
DATA = "/reports/dashboard/data/"


@pytest.fixture
def figures(typed_cases, users, orgs):  # noqa: F811
    """The cooperation cases, a second firm commitment of Japan on the same case, two
    categories on one case, one case of Mali, then the build."""
    north_a, north_b = typed_cases["north"]
    _fund(north_a, users, orgs.donor, "40000")
    first, second = Category.objects.order_by("position")[:2]
    north_a.categories.set([first, second])
    north_b.categories.set([second])
    AssistanceRequest.objects.filter(pk=typed_cases["legacy"].pk).update(
        requesting_organization=orgs.other_recipient
    )
    dashboard_figures_build()
    return {**typed_cases, "first": first, "second": second}


def both(params: dict, user) -> tuple[dict, dict]:
    """The figures read from the build and counted over the cases, with the same filters."""
    form = DashboardFilter(params or None, queryset=selectors.dashboard_cases(user=user), full=True)
    assert not params or form.is_valid()
    cases = form.qs if params else form.queryset
    built = selectors.dashboard_from_figures(
        params=form.form.cleaned_data if params else {}, build=DashboardBuild.objects.get()
    )
    return built, selectors.dashboard_live(cases=cases)


def comparable(data: dict) -> dict:
    return {
        "pipeline": data["pipeline"],
        "money": {key: block["rows"] for key, block in data["money"].items()},
        "countries": [(row["code"], row["cases"], row["committed"]) for row in data["countries"]],
    }


@pytest.mark.parametrize(
    "choose",
    [
        lambda f, o: {},
        lambda f, o: {"region": "africa"},
        lambda f, o: {"category": f["first"].pk},
        lambda f, o: {"category": f["second"].pk},
        lambda f, o: {"cooperation": "north_south"},
        lambda f, o: {"donor": o.donor.pk},
        lambda f, o: {"donor": o.other_donor.pk, "category": f["second"].pk},
        lambda f, o: {"made_from": "2000-01", "made_until": "2001-12"},
    ],
)
def test_the_build_gives_the_figures_of_a_live_count(figures, users, orgs, choose):
    params = choose(figures, orgs)
    built, live = both(params, users.unoda)
    built, live = comparable(built), comparable(live)
    assert built["pipeline"] == live["pipeline"]
    assert built["countries"] == live["countries"]
    if "category" in params:
        # With a category chosen, the chart by category shows that category only (a live
        # count shows every category of the cases that have it).
        chosen = Category.objects.get(pk=params["category"]).code
        live["money"]["category"] = [
            row for row in live["money"]["category"] if row["key"] == chosen
        ]
    for dimension, rows in live["money"].items():
        assert built["money"][dimension] == rows, dimension


def test_a_case_counts_once_in_the_totals(figures, users, orgs):
    built, _live = both({}, users.unoda)
    assert sum(row["n"] for row in built["pipeline"]) == AssistanceRequest.objects.count()
    region = {row["key"]: row for row in built["money"]["region"]["rows"]}
    # Japan's two commitments on the first case (60,000 + 40,000) and the others once each.
    assert sum(row["committed"] for row in region.values()) == Decimal("100000") + Decimal(
        "20000"
    ) + Decimal("10000") + Decimal("1000")
    japan, _ = both({"donor": orgs.donor.pk}, users.unoda)
    assert sum(row["n"] for row in japan["pipeline"]) == 3  # north a, north b, legacy
    # The category rows count a case in each of its categories; the totals once.
    rows = DashboardFigure.objects.filter(donor=None)
    first = sum(row.cases for row in rows.filter(category=figures["first"]))
    second = sum(row.cases for row in rows.filter(category=figures["second"]))
    assert (first, second) == (1, 2)


def test_the_json_endpoint_has_every_chart_and_follows_the_filters(figures, client, users):
    client.force_login(users.unoda)
    data = client.get(DATA).json()
    assert {"pipeline", "money", "countries", "medians", "criteria", "titles", "series"} <= set(
        data
    )
    assert set(data["money"]) == {"region", "category", "year", "cooperation"}
    assert data["built_at"]
    assert data["live"] is False
    assert "reminders" not in data  # a table only
    codes = {row["code"]: row for row in data["countries"]}
    assert codes["SL"]["numeric"] == "694"
    assert codes["ML"]["numeric"] == "466"
    narrowed = client.get(DATA, {"cooperation": "south_south"}).json()
    assert {row["key"]: row["n"] for row in narrowed["pipeline"] if row["n"]} == {
        "implementation": 1
    }
    assert (
        json.loads(client.get(DATA, {"made_from": "2026-13"}).content)["pipeline"]
        == data["pipeline"]
    )


@pytest.mark.parametrize("who", ["donor", "recipient", "other_recipient"])
def test_the_json_of_a_donor_or_a_state_is_over_their_own_cases(figures, client, users, who):
    client.force_login(getattr(users, who))
    data = client.get(DATA, {"donor": 1}).json()
    assert data["live"] is True
    assert "criteria" not in data
    visible = selectors.dashboard_cases(user=getattr(users, who)).count()
    assert sum(row["n"] for row in data["pipeline"]) == visible


def test_signing_in_is_needed(client):
    assert client.get(DATA).status_code == 302


def test_the_page_says_when_the_figures_were_built(figures, client, users):
    client.force_login(users.unoda)
    html = client.get(PAGE).content.decode()
    assert "Figures as of" in html
    assert 'data-map="/static/vendor/world-atlas/countries-110m.json"' in html


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The session's own writes depend on when it was last saved, not on the cases.
    return sum(
        1
        for query in queries
        if "django_session" not in query["sql"] and "SAVEPOINT" not in query["sql"]
    )


def test_unodas_queries_do_not_grow_with_the_cases(client, users, make_case, orgs):
    make_case("published", budget_amount=Decimal("1000"), budget_currency="USD")
    dashboard_figures_build()
    client.force_login(users.unoda)
    filtered = f"{DATA}?region=africa&made_from=2020-01&donor={orgs.donor.pk}"
    before = {url: _queries(client, url) for url in (PAGE, DATA, filtered)}
    for status in ("published", "implementation", "agreement"):
        case = make_case(status, budget_amount=Decimal("500"), budget_currency="USD")
        if status != "published":
            _fund(case, users, orgs.donor, "100", status=CommitmentStatus.COMMITTED)
    dashboard_figures_build()
    assert {url: _queries(client, url) for url in (PAGE, DATA, filtered)} == before


@pytest.mark.parametrize("role", ["unoda", "donor"])
def test_the_page_runs_its_context_processors_once(figures, client, users, role):
    """The figures' tables are rendered apart (and kept, for UNODA), without the request: the
    unread count of the menu is read once, not again for the tables."""
    client.force_login(getattr(users, role))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{PAGE}?region=africa").status_code == 200
    unread = [q for q in queries if 'FROM "notifications_notification"' in q["sql"]]
    assert len(unread) == 1


def test_the_command_the_task_and_the_nightly_schedule(figures):
    call_command("build_dashboard_figures", stdout=io.StringIO())
    assert build_dashboard_figures() == AssistanceRequest.objects.count()
    assert DashboardBuild.objects.count() == 1
    task = PeriodicTask.objects.get(name="Dashboard figures")
    assert task.task == "apps.reports.tasks.build_dashboard_figures"
    assert task.crontab


def test_a_donors_queries_do_not_grow_with_the_cases(client, users, make_case, orgs):
    """A donor's figures are counted over the cases it may see (here inside the test's
    transaction, so never from the cache): a number of queries whatever their number."""
    make_case("published", budget_amount=Decimal("1000"), budget_currency="USD")
    client.force_login(users.donor)
    filtered = f"{DATA}?region=africa&made_from=2020-01"
    urls = (PAGE, DATA, filtered)
    before = {url: _queries(client, url) for url in urls}
    for status in ("published", "implementation", "agreement"):
        case = make_case(status, budget_amount=Decimal("500"), budget_currency="USD")
        if status != "published":
            _fund(case, users, orgs.donor, "100", status=CommitmentStatus.COMMITTED)
    assert selectors.dashboard_cases(user=users.donor).count() == 4
    assert {url: _queries(client, url) for url in urls} == before


def test_the_scope_of_a_donors_figures_is_its_groups_unless_it_has_grants_of_its_own(
    users, make_case
):
    from guardian.shortcuts import assign_perm

    from apps.cases.selectors import visible_cases_key

    assert visible_cases_key(users.unoda) is None
    donor, other = visible_cases_key(users.donor), visible_cases_key(users.other_donor)
    assert donor
    assert other
    assert donor != other
    case = make_case("published")
    assign_perm("cases.view_assistancerequest", users.other_donor, case)
    fresh = type(users.other_donor).objects.get(pk=users.other_donor.pk)
    assert visible_cases_key(fresh) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_donors_kept_figures_are_counted_again_after_a_change(client, users, make_case, orgs):
    """Outside a transaction a donor's figures are kept for its groups, and counted again
    once a case, a grant or a commitment changes."""
    make_case("published", budget_amount=Decimal("1000"), budget_currency="USD")
    client.force_login(users.donor)

    def cases() -> int:
        return sum(row["n"] for row in client.get(DATA).json()["pipeline"])

    assert cases() == 1
    kept = _queries(client, DATA)
    assert kept < _queries(client, f"{DATA}?region=africa")  # counted: not kept yet
    case = make_case("implementation", budget_amount=Decimal("500"), budget_currency="USD")
    assert cases() == 2
    _fund(case, users, orgs.donor, "100", status=CommitmentStatus.COMMITTED)
    committed = client.get(DATA).json()["money"]["region"]["rows"]
    assert sum(Decimal(row["committed"]) for row in committed) == Decimal("100")
    assert _queries(client, DATA) == kept
