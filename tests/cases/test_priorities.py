"""The State's priority and the national document a request comes from (issue 23): in the
queue, its filter and CSV, the published needs, the matching, the case page, the API, and a
State's page listing its needs by national report or action plan."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.cases.models import Category, NationalDocument, Priority
from apps.funding import services as funding_services
from apps.funding.matching import requests_for_offer
from apps.organizations.models import Region
from apps.portal.selectors import request_queue

REPORT_2024 = {
    "national_document": NationalDocument.NATIONAL_REPORT,
    "national_document_title": "National report on the PoA",
    "national_document_year": 2024,
    "poa_cycle": 2024,
}
PLAN_2022 = {
    "national_document": NationalDocument.ACTION_PLAN,
    "national_document_title": "National action plan on small arms 2022-2026",
    "national_document_year": 2022,
}


@pytest.fixture
def needs(make_case):
    """Three published needs of Sierra Leone: high priority from the 2024 report, low from the
    2022 plan, medium from no document."""
    marking = Category.objects.filter(code="marking")
    return {
        "high": make_case(
            "published",
            title="Marking machines for the police",
            priority=Priority.HIGH,
            categories=marking,
            **REPORT_2024,
        ),
        "low": make_case(
            "published",
            title="Record-keeping software for the army",
            priority=Priority.LOW,
            categories=marking,
            **PLAN_2022,
        ),
        "medium": make_case(
            "published", title="Tracing desk", priority=Priority.MEDIUM, categories=marking
        ),
    }


def test_the_queue_filters_sorts_and_exports_by_priority(needs, users, client):
    high = request_queue(user=users.unoda, filters={"priority": Priority.HIGH})
    assert [c.reference for c in high] == [needs["high"].reference]
    client.force_login(users.unoda)
    page = client.get("/cases/?view=all&priority=1").content.decode()
    assert needs["high"].reference in page
    assert needs["low"].reference not in page
    assert '<span class="tag">High</span>' in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get("/cases/export.csv?view=all&sort=priority")
                .getvalue()
                .decode("utf-8-sig")
            )
        )
    )
    assert [row["Reference"] for row in rows] == [
        needs[p].reference for p in ("high", "medium", "low")
    ]
    assert rows[0]["Priority"] == "High"
    assert rows[0]["Comes from"] == (
        "PoA national report: National report on the PoA (2024), PoA reporting cycle 2024"
    )
    assert rows[1]["Comes from"] == ""


def test_the_published_needs_show_and_filter_the_priority(needs, users, client):
    client.force_login(users.donor)
    page = client.get(reverse("funding:needs"), {"priority": Priority.LOW}).content.decode()
    assert needs["low"].reference in page
    assert needs["high"].reference not in page
    assert ">Low<" in page


def test_among_equal_matches_the_states_high_priority_ranks_first(needs, orgs, users):
    offer = funding_services.offer_create(
        actor=users.donor,
        donor=orgs.donor,
        title="Marking kits",
        categories=list(Category.objects.filter(code="marking")),
        kinds=[],
        regions=[Region.AFRICA],
        amount_min=Decimal("1"),
        amount_max=Decimal("1000000"),
        currency="USD",
        cooperation_type="north_south",
    )
    matches = requests_for_offer(offer=offer)
    assert len({m.score for m in matches}) == 1  # the same fit for all three
    assert [m.request.pk for m in matches] == [needs[p].pk for p in ("high", "medium", "low")]
    assert "a high national priority of the State" in matches[0].reasons
    assert "a high national priority of the State" not in matches[1].reasons


def test_a_states_page_lists_its_needs_by_national_document(needs, orgs, users, client, make_case):
    make_case("draft", title="Draft plan for depots", priority=Priority.HIGH, **PLAN_2022)
    client.force_login(users.recipient)
    home = client.get("/").content.decode()
    url = reverse("cases:state-needs", args=[orgs.recipient.pk])
    assert f'href="{url}"' in home  # in the State official's menu
    page = client.get(url).content.decode()
    report = page.index("PoA national report: <bdi>National report on the PoA</bdi> (2024)")
    plan = page.index(
        "National action plan: <bdi>National action plan on small arms 2022-2026</bdi> (2022)"
    )
    none = page.index("Not tied to a national report or action plan")
    assert report < plan < none  # the latest document first, none last
    assert report < page.index(needs["high"].reference) < plan
    # In the plan's group the draft of high priority comes before the low one.
    assert plan < page.index("Draft plan for depots") < page.index(needs["low"].reference) < none
    assert none < page.index(needs["medium"].reference)
    # A donor sees the published needs only, not the State's draft.
    client.force_login(users.donor)
    donor_page = client.get(url).content.decode()
    assert needs["low"].reference in donor_page
    assert "Draft plan for depots" not in donor_page


def test_the_case_page_says_where_the_request_comes_from(needs, users, client):
    client.force_login(users.unoda)
    page = client.get(reverse("cases:request-detail", args=[needs["high"].reference]))
    text = page.content.decode()
    assert (
        "PoA national report: <bdi>National report on the PoA</bdi> (2024) · "
        "PoA reporting cycle 2024"
    ) in text
    assert reverse("cases:state-needs", args=[needs["high"].requesting_organization_id]) in text


def test_the_api_reads_and_writes_the_national_document(needs, users, client):
    token = Token.objects.create(user=users.recipient)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    detail = client.get(reverse("api:request-detail", args=[needs["high"].reference]), **auth)
    assert detail.json()["national_document"] == "national_report"
    assert detail.json()["poa_cycle"] == 2024
    created = client.post(
        reverse("api:request-list"),
        {"organization": needs["high"].requesting_organization_id, "title": "Depots",
         "national_document": "action_plan", "national_document_year": 1999},
        content_type="application/json",
        **auth,
    )  # fmt: skip
    assert created.status_code == 400
    assert list(created.json()["error"]["fields"]) == ["national_document_year"]


def test_the_dashboards_case_export_gives_priority_and_document(needs, users, client):
    client.force_login(users.unoda)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/reports/export/cases.csv").getvalue().decode("utf-8-sig"))
        )
    )
    by_reference = {row["Reference"]: row for row in rows}
    high = by_reference[needs["high"].reference]
    assert high["Priority"] == "High"
    assert high["Comes from"].startswith("PoA national report: National report on the PoA (2024)")
    assert by_reference[needs["medium"].reference]["Comes from"] == ""


def test_the_queue_and_the_needs_filter_by_national_document(needs, users, client):
    def shown(user, url, document):
        client.force_login(user)
        page = client.get(url, {"view": "all", "document": document}).content.decode()
        return {key for key, case in needs.items() if case.reference in page}

    for user, url in ((users.unoda, "/cases/"), (users.donor, reverse("funding:needs"))):
        assert shown(user, url, "national_report") == {"high"}
        assert shown(user, url, "action_plan") == {"low"}
        assert shown(user, url, "none") == {"medium"}
        assert shown(user, url, "") == {"high", "low", "medium"}


def test_a_states_page_is_paginated_and_reads_the_same_queries_whatever_its_size(
    needs, orgs, users, client, make_case, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.cases import selectors

    monkeypatch.setattr(selectors, "STATE_NEEDS_PER_PAGE", 2)
    url = reverse("cases:state-needs", args=[orgs.recipient.pk])
    client.force_login(users.recipient)
    client.get(url)  # the reference data and the session, read once
    with CaptureQueriesContext(connection) as few:
        first = client.get(url).content.decode()
    # The latest document's need, then the plan's; the need tied to none is on page 2.
    assert needs["high"].reference in first
    assert needs["low"].reference in first
    assert needs["medium"].reference not in first
    assert 'href="?page=2"' in first
    second = client.get(url, {"page": 2}).content.decode()
    assert needs["medium"].reference in second
    assert needs["high"].reference not in second
    assert "Not tied to a national report or action plan" in second
    assert 'href="?page=1"' in second
    for _n in range(4):
        make_case("published", **PLAN_2022)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
