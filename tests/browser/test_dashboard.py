"""The dashboard in a real browser (issue 25, Must have 3): the charts are drawn from the JSON
endpoint by the portal's own Chart.js (the map with chartjs-chart-geo and world-atlas), each
followed by its table, a filter narrows them, and in Arabic the charts are mirrored; nothing is
refused by the Content-Security-Policy. Screenshots go to artifacts/screenshots/dashboard-en.png,
dashboard-filter-en.png,
dashboard-mirrored-ar.png and dashboard-donor.png."""

import pytest

pytest.importorskip("playwright", reason="the browser tests need the test group (playwright)")

import re
from decimal import Decimal

from playwright.sync_api import expect

from apps.cases.models import Category
from apps.funding import services as funding_services
from apps.funding.models import CommitmentStatus
from apps.reports.rollup import dashboard_figures_build
from tests.browser.test_i18n_screenshots import signed_in, translated
from tests.conftest import build_case

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CHARTS = ("pipeline", "region", "category", "year", "cooperation", "countries", "medians")


@pytest.fixture
def dashboard_cases(orgs, users):
    for status in ("submitted", "published", "implementation"):
        case = build_case(
            orgs=orgs, users=users, status=status, budget_amount=Decimal("250000.00"),
            budget_currency="USD",
        )  # fmt: skip
        case.categories.set(Category.objects.order_by("position")[:2])
    funding_services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount=Decimal("90000"),
        currency="USD", status=CommitmentStatus.COMMITTED,
    )  # fmt: skip
    dashboard_figures_build()


def open_dashboard(context, url):
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url)
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "1")
    return page, problems


def drawn(page, name: str) -> dict:
    return page.evaluate(
        """name => {
            const canvas = document.querySelector(`canvas[data-chart='${name}']`);
            const chart = canvas && window.Chart.getChart(canvas);
            if (!chart) return null;
            const x = chart.options.scales.x;
            return {type: chart.config.type, width: canvas.width, reverse: Boolean(x && x.reverse),
                    points: chart.data.datasets[0].data.length};
        }""",
        name,
    )


def test_the_charts_are_drawn_and_a_filter_narrows_them(
    browser, live_server, orgs, users, shot, dashboard_cases
):
    context = signed_in(browser, live_server, users.unoda, "en")
    page, problems = open_dashboard(context, f"{live_server.url}/reports/dashboard/")
    for name in CHARTS:
        chart = drawn(page, name)
        assert chart, name
        assert chart["width"] > 0, name
        assert chart["points"] > 0, name
    assert drawn(page, "countries")["type"] == "choropleth"
    # Each chart is followed by its table, filled with the same figures.
    pipeline = page.locator("section[aria-labelledby='pipeline-title'] table tbody tr")
    expect(pipeline.filter(has_text="Published").locator("td")).to_have_text("1")
    expect(page.locator("section[aria-labelledby='countries-title'] table")).to_contain_text(
        "Sierra Leone"
    )
    shot(page, "dashboard-en")

    page.locator("select#id_cooperation").select_option("north_south")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"cooperation=north_south"))
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "1")
    expect(pipeline.filter(has_text="Published").locator("td")).to_have_text("0")
    expect(pipeline.filter(has_text="Implementation").locator("td")).to_have_text("1")
    assert drawn(page, "pipeline")["points"] > 0
    shot(page, "dashboard-filter-en")
    assert problems == []
    context.close()


def test_in_arabic_the_charts_are_mirrored(
    browser, live_server, orgs, users, shot, dashboard_cases
):
    context = signed_in(browser, live_server, users.unoda, "ar")
    page, problems = open_dashboard(context, f"{live_server.url}/reports/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("select#id_region").select_option("africa")
    page.get_by_role("button", name=translated("ar", "Apply filters")).click()
    expect(page).to_have_url(re.compile(r"region=africa"))
    expect(page.locator("#dashboard")).to_have_attribute("data-drawn", "1")
    for name in ("pipeline", "region", "year"):
        assert drawn(page, name)["reverse"] is True, name
    font = page.evaluate("window.Chart.defaults.font.family")
    assert "Arabic" in font
    shot(page, "dashboard-mirrored-ar")
    assert problems == []
    context.close()


def test_a_donor_gets_the_reduced_dashboard(
    browser, live_server, orgs, users, shot, dashboard_cases
):
    context = signed_in(browser, live_server, users.donor, "en")
    page, problems = open_dashboard(context, f"{live_server.url}/reports/dashboard/")
    expect(page.locator("#id_donor")).to_have_count(0)
    expect(page.locator("#reminders-title")).to_have_count(0)
    assert drawn(page, "pipeline")["points"] > 0
    shot(page, "dashboard-donor")
    assert problems == []
    context.close()
