import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from apps.accounts.models import User
from apps.cases.models import Status, Visibility
from apps.cases.selectors import request_list
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus
from apps.reports import selectors
from apps.reports.exports import safe

pytestmark = pytest.mark.django_db


def test_dashboard_for_unoda_shows_charts_and_tables(client, users, make_case, orgs):
    case = make_case("implementation", budget_amount=Decimal("5000"), budget_currency="USD")
    funding_services.commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount=Decimal("2000"),
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )
    make_case("draft")
    client.force_login(users.unoda)
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    # Charts are drawn in the browser from the JSON endpoint; no inline script (CSP).
    assert html.count("<canvas data-chart=") >= 7
    assert 'data-url="/reports/dashboard/data/?' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "Reminders sent for overdue items" in html
    assert "Effectiveness" in html
    assert "2,000.00" in html or "2000.00" in html


def test_reduced_dashboard_for_a_donor_counts_only_visible_cases(client, users, make_case):
    make_case("draft")
    make_case("published")
    client.force_login(users.donor)
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reminders sent for overdue items" not in html
    assert "Effectiveness" not in html
    counts = {row["status"]: row["n"] for row in response.context["data"]["pipeline"]}
    assert counts[Status.DRAFT] == 0
    assert counts[Status.PUBLISHED] == 1


def test_dashboard_needs_sign_in(client):
    assert client.get("/reports/dashboard/").status_code == 302


def test_pipeline_and_money_aggregates(users, make_case, orgs):
    case = make_case("implementation", budget_amount=Decimal("100"), budget_currency="USD")
    commitment = funding_services.commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount=Decimal("60"),
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )
    funding_services.disbursement_record(actor=users.donor, commitment=commitment, amount="10")
    cases = selectors.dashboard_cases(user=users.unoda)
    rows = selectors.money_by(cases=cases, dimension="region")["rows"]
    assert rows == [
        {
            "key": "africa",
            "label": "Africa",
            "requested": Decimal("100.00"),
            "committed": Decimal("60.00"),
            "disbursed": Decimal("10.00"),
        }
    ]
    assert selectors.money_by(cases=cases, dimension="year")["rows"][0]["committed"] == 60
    medians = {row["status"]: row for row in selectors.median_days_in_status(cases=cases)}
    assert medians[Status.SUBMITTED]["n"] == 1
    assert medians[Status.SUBMITTED]["days"] >= 0


@pytest.mark.parametrize("dimension", ["region", "category", "year"])
def test_money_is_summed_by_the_database_one_row_per_key(users, make_case, dimension):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.cases.models import Category

    category = Category.objects.order_by("pk").first()
    for amount in ("100", "200", "300"):
        case = make_case("published", budget_amount=Decimal(amount), budget_currency="USD")
        case.categories.set([category])
    cases = selectors.dashboard_cases(user=users.unoda)
    with CaptureQueriesContext(connection) as captured:
        rows = selectors.money_by(cases=cases, dimension=dimension)["rows"]
    assert sum(row["requested"] for row in rows) == Decimal("600.00")
    requested = next(
        q["sql"] for q in captured if 'SUM("cases_assistancerequest"."budget' in q["sql"]
    )
    # Grouped by the key and the currency only, never by the case's own columns.
    assert '"cases_assistancerequest"."summary"' not in requested
    assert "GROUP BY" in requested


def test_median_days_per_status_from_the_history(users, make_case):
    case = make_case("published")
    history = list(case.status_changes.order_by("created_at", "pk"))
    cases = selectors.dashboard_cases(user=users.unoda)
    medians = {row["status"]: row for row in selectors.median_days_in_status(cases=cases)}
    left = {change.to_status for change in history[:-1]}  # the last status is still current
    assert set(medians) == left
    assert all(row["n"] == 1 and row["days"] >= 0 for row in medians.values())


def test_changes_at_the_same_instant_count_as_one_step(users, make_case):
    import datetime

    case = make_case("published")  # submitted, under review, published
    to_submitted, to_review, to_published = case.status_changes.order_by("created_at", "pk")
    instant = to_submitted.created_at
    case.status_changes.filter(pk__in=[to_submitted.pk, to_review.pk]).update(created_at=instant)
    case.status_changes.filter(pk=to_published.pk).update(
        created_at=instant + datetime.timedelta(days=2)
    )
    cases = selectors.dashboard_cases(user=users.unoda)
    medians = {row["status"]: row["days"] for row in selectors.median_days_in_status(cases=cases)}
    # Both left at the next later change, two days on; not zero days for the first.
    assert medians[Status.SUBMITTED] == medians[Status.UNDER_REVIEW] == 2.0


def test_dashboards_on_the_demo_data(client):
    call_command("seed_demo", stdout=io.StringIO())
    client.force_login(User.objects.get(username="officer"))
    response = client.get("/reports/dashboard/")
    assert response.status_code == 200
    assert sum(row["n"] for row in response.context["data"]["pipeline"]) > 10
    assert response.context["data"]["medians"]


@pytest.mark.parametrize("who", ["unoda", "donor", "recipient", "other_donor"])
def test_case_export_is_the_web_scope(client, users, make_case, who):
    make_case("draft")
    make_case("published", title='=HYPERLINK("http://evil")')
    user = getattr(users, who)
    client.force_login(user)
    response = client.get("/reports/export/cases.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    refs = {row[0] for row in rows[1:]}
    assert refs == set(request_list(user=user).values_list("reference", flat=True))
    for row in rows[1:]:
        assert not row[1].startswith("=")


def test_xlsx_exports(client, users, make_case):
    make_case("published", title="+SUM(A1)")
    client.force_login(users.unoda)
    for table in ("cases", "funding"):
        response = client.get(f"/reports/export/{table}.xlsx")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.getvalue())).active
        values = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert len(values) == 2
        assert not any(str(v).startswith(("=", "+")) for row in values for v in row if v)


def test_funding_export(client, users, make_case, orgs):
    case = make_case("published", budget_amount=Decimal("1000"))
    funding_services.commitment_create(
        actor=users.donor,
        case=case,
        donor=orgs.donor,
        amount=Decimal("300"),
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )
    client.force_login(users.unoda)
    rows = list(
        csv.reader(
            io.StringIO(client.get("/reports/export/funding.csv").getvalue().decode("utf-8-sig"))
        )
    )
    assert rows[1][0] == case.reference
    assert rows[1][5] == "300.00"  # committed
    assert rows[1][7] == "700.00"  # gap


def test_unknown_export_is_404(client, users):
    client.force_login(users.unoda)
    assert client.get("/reports/export/users.csv").status_code == 404
    assert client.get("/reports/export/cases.pdf").status_code == 404


def test_iati_download(client, users, make_case):
    make_case("implementation")
    client.force_login(users.unoda)
    response = client.get("/reports/export/iati.xml")
    assert response.status_code == 200
    assert b"<iati-activities" in response.getvalue()


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1"])
def test_formula_cells_are_neutralised(value):
    assert safe(value).startswith("'")


def test_public_page_lists_only_public_summaries(client, make_case, users, orgs):
    public = make_case(
        "published",
        visibility=Visibility.PUBLIC_SUMMARY,
        summary="Public summary of needs",
        budget_amount=Decimal("900"),
        title="Secret title",
    )
    make_case("published", visibility=Visibility.ALL_DONORS, summary="Donors only text")
    make_case("under_review", visibility=Visibility.PUBLIC_SUMMARY, summary="Not yet published")
    funded = make_case(
        "implementation",
        visibility=Visibility.PUBLIC_SUMMARY,
        summary="Fully funded text",
        budget_amount=Decimal("10"),
    )
    funding_services.commitment_create(
        actor=users.donor,
        case=funded,
        donor=orgs.donor,
        amount=Decimal("10"),
        currency="USD",
        status=CommitmentStatus.COMMITTED,
    )
    response = client.get("/needs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Public summary of needs" in html
    assert "900.00" in html
    assert "Donors only text" not in html
    assert "Not yet published" not in html
    assert "Fully funded text" not in html
    assert "Secret title" not in html
    assert public.reference not in html
    assert "Sierra Leone" not in html
