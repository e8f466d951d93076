"""Two donors co-fund one need in a real browser (issue 21): Japan in yen, in two tranches of
two different months, naming itself; Norway in US dollars, asking not to be named. Each sees
the other on the need as disclosure allows, the case page shows the rate each amount was
converted with, and the funding gap is right to the cent against a hand computation with the
rates of each tranche's own month."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.cases.models import AssistanceRequest
from apps.funding.models import Commitment, ExchangeRate
from apps.organizations.models import Region
from apps.security.demo_devices import demo_totp_device
from tests.conftest import build_case
from tests.factories import UserFactory, make_member, make_organization

from .test_walk import open_case, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BUDGET = Decimal("500000.00")  # euros
CENT = Decimal("0.01")


def months():
    """The first day of this month and a day in the month before it."""
    this_month = timezone.localdate().replace(day=1)
    return this_month, this_month - datetime.timedelta(days=20)


@pytest.fixture
def world():
    state = make_organization("Sierra Leone", recipient=True, country="SL")
    japan = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    norway = make_organization("Norway", donor=True, country="NO", region=Region.EUROPE)
    people = {
        "recipient": make_member(state, username="recipient"),
        "donor": make_member(japan, username="donor"),
        "donor2": make_member(norway, username="donor2"),
        "officer": UserFactory(username="officer", is_unoda_officer=True),
    }
    demo_totp_device(people["officer"])  # UNODA signs in with two-factor
    orgs = type("Orgs", (), {"recipient": state, "donor": japan})()
    users = type("Users", (), {})()
    users.recipient, users.donor, users.unoda = (
        people["recipient"],
        people["donor"],
        people["officer"],
    )
    case = build_case(
        orgs=orgs,
        users=users,
        status="published",
        title="Secure the central armoury",
        budget_amount=BUDGET,
        budget_currency="EUR",
        activity_lines=[
            {"description": "Locks and alarms for the armoury", "estimated_cost": "200000"},
            {"description": "Training of depot staff", "estimated_cost": "150000"},
            {"description": "Destruction of surplus", "estimated_cost": "150000"},
        ],
    )
    # The request was made two months ago, before either tranche.
    AssistanceRequest.objects.filter(pk=case.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=62)
    )
    this_month, last_month = months()
    rates = {
        ("EUR", last_month.replace(day=1)): Decimal("0.921300"),
        ("JPY", last_month.replace(day=1)): Decimal("148.376500"),
        ("EUR", this_month): Decimal("0.934100"),
        ("JPY", this_month): Decimal("151.082000"),
    }
    for (currency, day), rate in rates.items():
        ExchangeRate.objects.create(
            currency=currency, valid_on=day, rate_per_usd=rate, source="UN operational rates"
        )
    return type("World", (), {"case": case, "rates": rates, **people})


def pledge(page, *, donor, amount, currency, on, lines, undisclosed=False, tranche=False):
    """Fill the donor's pledge form on the case page as a firm commitment."""
    summary = (
        f"Add a tranche for {donor}" if tranche else f"Record a pledge or commitment for {donor}"
    )
    page.get_by_text(summary).click()
    form = page.locator("details[open] form").filter(has=page.get_by_label("Amount"))
    form.get_by_label("Amount").fill(amount)
    form.get_by_label("Currency (ISO code)").fill(currency)
    form.get_by_label("Stage").select_option("committed")
    form.get_by_label("Pledged (or committed) on").fill(on.isoformat())
    for line in lines:
        form.get_by_label(line).check()
    if undisclosed:
        form.get_by_label("Do not show our organization's name to other donors").check()
    form.get_by_role("button", name="Record").click()
    expect(page.locator(".messages")).to_be_visible()


def in_euros(amount: Decimal, currency: str, day: datetime.date, rates) -> Decimal:
    """The hand computation: the amount in US dollars at its month's rate, then in euros at
    the euro's rate of the same month, half up to the cent in one step (as the portal does:
    amount / rate x euro rate)."""
    month = day.replace(day=1)
    per_usd = Decimal(1) if currency == "USD" else rates[(currency, month)]
    return (amount / per_usd * rates[("EUR", month)]).quantize(CENT, rounding=ROUND_HALF_UP)


def test_two_donors_co_fund_a_need_in_two_currencies_and_see_each_other(
    browser, live_server, world, shot
):
    ref = world.case.reference
    this_month, last_month = months()
    today = timezone.localdate()

    japan = sign_in(browser, live_server, "donor")
    open_case(japan, live_server, ref)
    pledge(
        japan,
        donor="Japan",
        amount="30,000,000",  # pasted with thousands separators
        currency="JPY",
        on=last_month,
        lines=["Locks and alarms for the armoury"],
    )
    open_case(japan, live_server, ref)
    pledge(
        japan,
        donor="Japan",
        amount="12500000",
        currency="jpy",
        on=today,
        lines=["Training of depot staff"],
        tranche=True,
    )

    norway = sign_in(browser, live_server, "donor2")
    open_case(norway, live_server, ref)
    pledge(
        norway,
        donor="Norway",
        amount="75000.50",
        currency="USD",
        on=today,
        lines=["Destruction of surplus"],
        undisclosed=True,
    )

    tranches = {(c.donor.name, c.tranche): c for c in Commitment.objects.select_related("donor")}
    assert set(tranches) == {("Japan", 1), ("Japan", 2), ("Norway", 1)}
    assert tranches[("Japan", 1)].rate_valid_on == last_month.replace(day=1)
    assert tranches[("Japan", 2)].rate_valid_on == this_month

    # The gap against a hand computation with the rates of each tranche's own month.
    committed = (
        in_euros(Decimal("30000000"), "JPY", last_month, world.rates)
        + in_euros(Decimal("12500000"), "JPY", today, world.rates)
        + in_euros(Decimal("75000.50"), "USD", today, world.rates)
    )
    gap = BUDGET - committed
    gap_shown = f"€{gap:,.2f}"

    # Japan sees Norway's commitment without its name, with its amount.
    open_case(japan, live_server, ref)
    coordination = japan.locator("#h-coordination").locator("xpath=..")
    expect(coordination).to_contain_text("An undisclosed donor")
    expect(coordination).to_contain_text("$75,000.50")
    expect(coordination).not_to_contain_text("Norway")
    expect(japan.locator("body")).to_contain_text(gap_shown)
    shot(japan, "cofunding-japan")

    # Norway sees Japan named, with both tranches' amounts.
    open_case(norway, live_server, ref)
    coordination = norway.locator("#h-coordination").locator("xpath=..")
    expect(coordination).to_contain_text("Japan")
    expect(coordination).to_contain_text("¥30,000,000")
    expect(coordination).to_contain_text("¥12,500,000")

    # UNODA sees every name, the rates used and the converted amounts, and the same gap.
    officer = sign_in(browser, live_server, "officer")
    open_case(officer, live_server, ref)
    table = officer.locator("#commitments")
    expect(table).to_contain_text("Norway")
    expect(table).to_contain_text("1 USD = 148.3765 JPY")
    expect(table).to_contain_text("1 USD = 151.082 JPY")
    expect(table).to_contain_text(
        f"€{in_euros(Decimal('30000000'), 'JPY', last_month, world.rates):,.2f}"
    )
    expect(table).to_contain_text(
        f"€{in_euros(Decimal('75000.50'), 'USD', today, world.rates):,.2f}"
    )
    expect(officer.locator("body")).to_contain_text(gap_shown)
    shot(officer, "cofunding-unoda")
