"""Funding arithmetic: several currencies, rounding, pledges apart, unconvertible figures."""

import datetime
from decimal import Decimal

import pytest

from apps.core.models import PortalSettings
from apps.funding import selectors, services
from apps.funding.models import Commitment
from apps.funding.selectors import convert, rates_on
from apps.organizations.models import OrganizationKind

from .conftest import TODAY, make_coordinator


@pytest.fixture
def case(make_case):
    return make_case("implementation", budget_amount=Decimal("100000"), budget_currency="USD")


def test_rates_use_the_latest_on_or_before_the_date(rates):
    found = rates_on(TODAY, ["EUR", "CHF", "USD"])
    assert found["EUR"].per_usd == Decimal("0.8")
    assert "CHF" not in found
    older = rates_on(TODAY - datetime.timedelta(days=30), ["EUR"])
    assert older["EUR"].per_usd == Decimal("0.5")


def test_convert_rounds_half_up_to_the_cent(rates):
    found = rates_on(TODAY, ["EUR", "JPY"])
    assert convert(Decimal("100"), "EUR", "USD", found) == Decimal("125.00")
    assert convert(Decimal("1"), "JPY", "EUR", found) == Decimal("0.01")  # 0.00533 -> 0.01
    assert convert(Decimal("0.01"), "JPY", "USD", found) == Decimal("0.00")
    assert convert(Decimal("10"), "CHF", "USD", found) is None


def test_cofunding_in_several_currencies(case, orgs, users, rates):
    japan = services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="1500000", currency="JPY",
        status="committed",
    )  # fmt: skip
    norway = services.commitment_create(
        actor=users.other_donor, case=case, donor=orgs.other_donor, amount="200000",
        currency="NOK",
    )  # fmt: skip
    services.disbursement_record(actor=users.donor, commitment=japan, amount="300000")
    figures = selectors.request_funding(case=case, on=TODAY)
    assert figures.requested == Decimal("100000")
    assert figures.committed.amount == Decimal("10000.00")  # 1.5M JPY at 150
    assert figures.pledged.amount == Decimal("20000.00")  # pledges shown, not funded
    assert figures.disbursed.amount == Decimal("2000.00")
    assert figures.gap.amount == Decimal("90000.00")
    assert figures.seeking_cofunding
    # Once Norway commits, it counts.
    services.commitment_confirm(actor=users.other_donor, commitment=norway)
    figures = selectors.request_funding(case=case, on=TODAY)
    assert figures.committed.amount == Decimal("30000.00")
    assert figures.pledged.amount == Decimal("0.00")
    assert figures.gap.amount == Decimal("70000.00")


def test_budget_in_euro_and_rounding_of_the_sum(make_case, orgs, users, rates):
    case = make_case("agreement", budget_amount=Decimal("1000.00"), budget_currency="EUR")
    services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="333.33", currency="USD",
        status="committed",
    )  # fmt: skip
    services.commitment_create(
        actor=users.other_donor, case=case, donor=orgs.other_donor, amount="1000", currency="JPY",
        status="committed",
    )  # fmt: skip
    figures = selectors.request_funding(case=case, on=TODAY)
    # 333.33 USD * 0.8 = 266.664 -> 266.66 ; 1000 JPY / 150 * 0.8 = 5.333 -> 5.33
    assert figures.committed.amount == Decimal("271.99")
    assert figures.gap.amount == Decimal("728.01")


def test_an_amount_without_a_stored_rate_is_said_so_never_guessed(case, orgs, users, rates):
    """An older amount stored without a rate (its month had none) awaits one: the totals say
    how many amounts and which currency, never a guess."""
    Commitment.objects.create(
        request=case, donor=orgs.donor, amount=Decimal("5000"), currency="CHF",
        status="committed", pledged_on=TODAY,
    )  # fmt: skip
    figures = selectors.request_funding(case=case, on=TODAY)
    assert figures.committed.amount is None
    assert figures.committed.missing == ["CHF"]
    assert figures.committed.awaiting == 1
    assert figures.gap.amount is None
    assert figures.gap.missing == ["CHF"]
    assert figures.gap.awaiting == 1
    assert not figures.seeking_cofunding


def test_overfunding_leaves_no_negative_gap(case, orgs, users):
    services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="150000", currency="USD",
        status="committed",
    )  # fmt: skip
    assert selectors.request_funding(case=case).gap.amount == Decimal("0.00")


def test_ageing_pledges(case, orgs, users):
    PortalSettings.objects.create(publish_min_completeness=0, pledge_ageing_days=30)
    old = services.commitment_create(
        actor=users.donor, case=case, donor=orgs.donor, amount="10", currency="USD",
        pledged_on=TODAY - datetime.timedelta(days=31),
    )  # fmt: skip
    dated = services.commitment_create(
        actor=users.other_donor, case=case, donor=orgs.other_donor, amount="10", currency="USD",
        pledged_on=TODAY - datetime.timedelta(days=60),
        expected_commitment_date=TODAY + datetime.timedelta(days=1),
    )  # fmt: skip
    assert list(selectors.ageing_pledges(on=TODAY)) == [old]
    assert selectors.request_funding(case=case, on=TODAY).ageing_pledges == 1
    assert not selectors.commitment_is_ageing(dated, on=TODAY)
    services.commitment_confirm(actor=users.donor, commitment=old)
    assert list(selectors.ageing_pledges(on=TODAY)) == []


def test_funding_figures_for_many_requests_take_few_queries(
    make_case, orgs, users, rates, django_assert_max_num_queries
):
    cases = [make_case("agreement", budget_amount=Decimal("1000")) for _ in range(4)]
    for case in cases:
        services.commitment_create(
            actor=users.unoda, case=case, donor=orgs.donor, amount="100", currency="EUR",
            status="committed",
        )  # fmt: skip
    with django_assert_max_num_queries(6):
        figures = selectors.funding_for_requests(cases, on=TODAY)
    assert {f.committed.amount for f in figures.values()} == {Decimal("125.00")}


def test_funding_gaps_agree_with_the_full_figures(
    make_case, orgs, users, rates, django_assert_num_queries
):
    """The lists' gap-only reading gives each request the gap of ``funding_for_requests``:
    several currencies, pledges left out, no budget, no rate."""
    several = make_case("agreement", budget_amount=Decimal("1000"))
    services.commitment_create(
        actor=users.unoda,
        case=several,
        donor=orgs.donor,
        amount="100",
        currency="EUR",
        status="committed",
    )
    services.commitment_create(
        actor=users.unoda,
        case=several,
        donor=orgs.other_donor,
        amount="1500",
        currency="JPY",
        status="committed",
    )
    no_rate = make_case("agreement", budget_amount=Decimal("1000"))
    Commitment.objects.create(  # an older amount whose month had no rate
        request=no_rate,
        donor=orgs.donor,
        amount=Decimal("10"),
        currency="CHF",
        status="committed",
        pledged_on=TODAY,
    )
    no_budget = make_case("published", budget_amount=None)
    untouched = make_case("published", budget_amount=Decimal("500"), budget_currency="EUR")
    services.commitment_create(
        actor=users.unoda,
        case=untouched,
        donor=orgs.donor,
        amount="999",
        currency="USD",
    )  # a pledge: not funded
    cases = [several, no_rate, no_budget, untouched]
    with django_assert_num_queries(1):  # the sums of the stored amounts
        gaps = selectors.funding_gaps(cases, on=TODAY)
    full = selectors.funding_for_requests(cases, on=TODAY)
    for case in cases:
        assert gaps[case.pk].gap == full[case.pk].gap
        assert gaps[case.pk].currency == full[case.pk].currency
    assert gaps[several.pk].gap.amount == Decimal("865.00")  # 1000 - 125 - 10
    assert gaps[no_rate.pk].gap.missing == ["CHF"]
    assert gaps[no_budget.pk].gap.amount is None
    assert gaps[untouched.pk].gap.amount == Decimal("500.00")
    # A second commitment in a currency already there is summed with it.
    from tests.factories import make_organization

    services.commitment_create(
        actor=users.unoda,
        case=several,
        donor=make_organization("Sweden", donor=True, country="SE"),
        amount="0.55",
        currency="EUR",
        status="committed",
    )
    again = selectors.funding_gaps(cases, on=TODAY)
    assert again[several.pk].gap.amount == Decimal("864.31")  # 1000 - 125.69 - 10


def test_disbursed_counts_every_disbursement_of_live_commitments_only(make_case, users, rates):
    """Several disbursements on one commitment, commitments of several statuses and
    currencies, and a cancelled commitment that had disbursed: each disbursement counts once,
    in its commitment's currency, and nothing of the cancelled one counts."""
    from apps.funding.models import Disbursement

    from ..factories import make_organization

    case = make_case("agreement", budget_amount=Decimal("1000.00"), budget_currency="USD")
    other = make_case("agreement", budget_amount=Decimal("1000.00"), budget_currency="USD")
    donors = [
        make_organization(
            f"Donor {index}", donor=True, kind=OrganizationKind.FOUNDATION, country=""
        )
        for index in range(6)
    ]
    specs = [  # status, amount, currency, disbursements
        ("committed", "100.10", "USD", ["10.01", "20.02"]),
        ("partially_disbursed", "50", "EUR", ["5.50"]),
        ("cancelled", "70", "USD", ["7"]),
        ("disbursed", "30", "USD", ["30"]),
        ("pledged", "40", "USD", []),
        ("committed", "60", "EUR", ["1.25", "2.25", "3.25"]),
    ]
    for target in (case, other):
        for donor, (status, amount, currency, paid) in zip(donors, specs, strict=True):
            commitment = Commitment.objects.create(
                request=target, donor=donor, status=status, amount=Decimal(amount),
                currency=currency, pledged_on=TODAY,
            )  # fmt: skip
            for value in paid:
                Disbursement.objects.create(
                    commitment=commitment, date=TODAY, amount=Decimal(value)
                )
    # Rows made as older data would be: the coordinator gives them the rates of their dates.
    assert services.stored_rates_fill(actor=make_coordinator(users.unoda)) == (
        28,
        0,
    )  # 12 commitments, 16 disbursements
    figures = selectors.funding_for_requests([case, other], on=TODAY)
    for target in (case, other):
        # USD 10.01 + 20.02 + 30 = 60.03; EUR 5.50 + 1.25 + 2.25 + 3.25 = 12.25 = USD 15.31
        assert figures[target.pk].disbursed.amount == Decimal("75.34")
        # committed: USD 100.10 + 30; EUR 50 + 60 = USD 137.50
        assert figures[target.pk].committed.amount == Decimal("267.60")
        assert figures[target.pk].pledged.amount == Decimal("40.00")


def test_the_case_page_says_which_currency_has_no_rate(client, case, orgs, users, rates):
    Commitment.objects.create(  # an older amount whose month had no rate
        request=case, donor=orgs.donor, amount=Decimal("5000"), currency="CHF",
        status="committed", pledged_on=TODAY,
    )  # fmt: skip
    client.force_login(users.unoda)
    body = client.get(f"/cases/{case.reference}/").content.decode()
    text = "not convertible: 1 amount awaits an exchange rate (CHF)"
    assert f"<dd>{text}</dd>" in body  # committed, and the gap
    assert body.count(text) == 2
    assert "rate missing" in body  # on the commitment's own line
    assert '<span class="amount">' in body  # the amount requested, in its own currency
