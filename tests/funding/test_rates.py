"""Rates of the day: each commitment and disbursement stores the rate of its own date (the UN
operational rate of its month), and every total, gap, dashboard figure and export reads the
stored values, never a rate read at view time."""

import csv
import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.cases.models import AssistanceRequest
from apps.funding import selectors, services
from apps.funding.models import Commitment, Disbursement, ExchangeRate
from apps.funding.selectors import rate_before, rate_of_day
from apps.organizations.models import OrganizationKind
from apps.reports import exports
from apps.reports.selectors import money_by

from .conftest import funding_snapshot, make_coordinator

JAN = datetime.date(2026, 1, 14)  # the USD commitment
MAR = datetime.date(2026, 3, 10)  # the JPY commitment
MAR_PAID = datetime.date(2026, 3, 20)  # the JPY disbursement


def rate(currency, value, day, source="UN operational rates of exchange"):
    return ExchangeRate.objects.create(
        currency=currency, rate_per_usd=Decimal(value), valid_on=day, source=source
    )


@pytest.fixture
def dated_rates(db):
    """EUR and JPY rates of January and March 2026, and this month's very different ones (which
    must never be used for those dates)."""
    rate("EUR", "0.912345", datetime.date(2026, 1, 1))
    rate("JPY", "140.5", datetime.date(2026, 1, 1))
    rate("EUR", "0.934567", datetime.date(2026, 3, 1))
    rate("JPY", "149.8765", datetime.date(2026, 3, 1))
    this_month = timezone.localdate().replace(day=1)
    rate("EUR", "0.5", this_month)
    rate("JPY", "100", this_month)


@pytest.fixture
def eur_case(make_case):
    return make_case("implementation", budget_amount=Decimal("500000.00"), budget_currency="EUR")


def fund(eur_case, orgs, users):
    """A EUR case funded by a USD commitment in January and a JPY one in March (with a
    disbursement in March)."""
    usd = services.commitment_create(
        actor=users.donor, case=eur_case, donor=orgs.donor, amount="123456.78", currency="USD",
        status="committed", pledged_on=JAN,
    )  # fmt: skip
    jpy = services.commitment_create(
        actor=users.other_donor, case=eur_case, donor=orgs.other_donor, amount="9876543",
        currency="JPY", status="committed", pledged_on=MAR,
    )  # fmt: skip
    paid = services.disbursement_record(
        actor=users.other_donor, commitment=jpy, amount="4000000", date=MAR_PAID
    )
    return usd, jpy, paid


# --- The rule of the month ---------------------------------------------------------------------


def test_the_rate_of_a_day_is_the_latest_of_its_own_month(db):
    rate("EUR", "0.95", datetime.date(2026, 2, 20))
    rate("EUR", "0.90", datetime.date(2026, 3, 1))
    rate("EUR", "0.92", datetime.date(2026, 3, 15))
    assert rate_of_day("EUR", datetime.date(2026, 3, 1)).per_usd == Decimal("0.90")
    assert rate_of_day("EUR", datetime.date(2026, 3, 14)).per_usd == Decimal("0.90")
    found = rate_of_day("EUR", datetime.date(2026, 3, 31))
    assert (found.per_usd, found.valid_on) == (Decimal("0.92"), datetime.date(2026, 3, 15))
    assert found.source == "UN operational rates of exchange"
    assert rate_of_day("EUR", datetime.date(2026, 2, 28)).per_usd == Decimal("0.95")
    # Not the rate of another month, earlier or later: none.
    assert rate_of_day("EUR", datetime.date(2026, 4, 2)) is None
    assert rate_of_day("EUR", datetime.date(2026, 2, 19)) is None
    assert rate_of_day("CHF", datetime.date(2026, 3, 14)) is None
    # The US dollar needs none.
    assert rate_of_day("USD", datetime.date(2026, 4, 2)).per_usd == Decimal(1)
    # What UNODA is proposed for April: the nearest earlier rate, of any month.
    proposed = rate_before("EUR", datetime.date(2026, 4, 2))
    assert (proposed.per_usd, proposed.valid_on) == (Decimal("0.92"), datetime.date(2026, 3, 15))


# --- A missing rate ----------------------------------------------------------------------------


def test_a_missing_rate_is_refused_clearly_with_the_nearest_earlier_rate_and_nothing_written(
    eur_case, orgs, users, dated_rates
):
    april = datetime.date(2026, 4, 7)  # no JPY rate in April 2026; March's is the nearest
    status = eur_case.status
    before = funding_snapshot()
    with pytest.raises(services.MissingRate) as refused:
        services.commitment_create(
            actor=users.donor, case=eur_case, donor=orgs.donor, amount="1000", currency="JPY",
            status="committed", pledged_on=april,
        )  # fmt: skip
    message = refused.value.messages[0]
    assert "There is no exchange rate of JPY for April 7, 2026" in message
    assert "rate of JPY for April 2026" in message
    assert "The nearest earlier rate is 1 USD = 149.8765 JPY (valid on March 1, 2026)" in message
    assert refused.value.code == "missing_rate"
    assert refused.value.form_initial == {
        "currency": "JPY",
        "valid_on": "2026-04-01",
        "rate_per_usd": "149.8765",
    }
    assert funding_snapshot() == before
    eur_case.refresh_from_db()
    assert eur_case.status == status


def test_a_missing_rate_of_the_case_currency_is_refused_too(make_case, orgs, users, db):
    rate("JPY", "150", datetime.date(2026, 3, 1))  # the amount's currency has one, EUR none
    case = make_case("implementation", budget_amount=Decimal("1000"), budget_currency="EUR")
    before = funding_snapshot()
    with pytest.raises(services.MissingRate) as refused:
        services.commitment_create(
            actor=users.donor, case=case, donor=orgs.donor, amount="1000", currency="JPY",
            status="committed", pledged_on=MAR,
        )  # fmt: skip
    assert "There is no exchange rate of EUR" in refused.value.messages[0]
    assert "No earlier rate of EUR is recorded." in refused.value.messages[0]
    assert funding_snapshot() == before


def test_disbursement_and_confirmation_without_the_months_rate_change_nothing(
    eur_case, orgs, users, dated_rates
):
    from tests.factories import make_organization

    _usd, jpy, _paid = fund(eur_case, orgs, users)
    pledge = services.commitment_create(
        actor=users.unoda, case=eur_case, amount="100", currency="JPY", pledged_on=MAR,
        donor=make_organization("Sweden", donor=True, country="SE"),
    )  # fmt: skip
    before = funding_snapshot()
    # April 2026 has no JPY nor EUR rate (March's are not carried into another month); both
    # days follow the tranche's own date, as a disbursement and a confirmation must.
    with pytest.raises(services.MissingRate):
        services.disbursement_record(
            actor=users.other_donor, commitment=jpy, amount="1", date=datetime.date(2026, 4, 2)
        )
    with pytest.raises(services.MissingRate):  # confirmed (dated) on a day of April
        services.commitment_confirm(
            actor=users.unoda, commitment=pledge, on=datetime.date(2026, 4, 27)
        )
    assert funding_snapshot() == before
    pledge.refresh_from_db()
    assert (pledge.status, pledge.committed_on) == ("pledged", None)
    assert pledge.rate_valid_on == datetime.date(2026, 3, 1)  # still the pledge's rate


# --- What is stored ----------------------------------------------------------------------------


def test_each_record_stores_the_rate_of_its_own_date(eur_case, orgs, users, dated_rates):
    usd, jpy, paid = fund(eur_case, orgs, users)
    usd.refresh_from_db()
    assert (usd.rate_per_usd, usd.rate_valid_on, usd.amount_usd) == (
        Decimal(1),
        JAN,
        Decimal("123456.78"),
    )
    # 123,456.78 USD x 0.912345 (EUR of 1 January) = 112,635.1759... -> 112,635.18 EUR
    assert (usd.case_currency, usd.case_rate_per_usd) == ("EUR", Decimal("0.912345"))
    assert usd.amount_case == Decimal("112635.18")
    jpy.refresh_from_db()
    assert (jpy.rate_per_usd, jpy.rate_valid_on) == (Decimal("149.8765"), datetime.date(2026, 3, 1))
    assert jpy.rate_source == "UN operational rates of exchange"
    assert jpy.amount_usd == Decimal("65897.88")  # 9,876,543 / 149.8765
    assert jpy.amount_case == Decimal("61585.98")  # 9,876,543 / 149.8765 x 0.934567
    paid.refresh_from_db()
    assert (paid.amount_usd, paid.amount_case) == (Decimal("26688.64"), Decimal("24942.32"))


def test_a_pledge_confirmed_later_takes_the_rate_of_its_commitment_date(
    eur_case, orgs, users, dated_rates
):
    pledge = services.commitment_create(
        actor=users.donor, case=eur_case, donor=orgs.donor, amount="1000", currency="JPY",
        pledged_on=datetime.date(2026, 1, 20),
    )  # fmt: skip
    assert pledge.rate_per_usd == Decimal("140.5")  # January's, while it is a pledge
    services.commitment_confirm(actor=users.donor, commitment=pledge, on=MAR)
    pledge.refresh_from_db()
    assert (pledge.rate_per_usd, pledge.rate_valid_on) == (
        Decimal("149.8765"),
        datetime.date(2026, 3, 1),
    )
    assert pledge.amount_usd == Decimal("6.67")  # 1000 / 149.8765 = 6.6722
    # A change of amount takes the rate of the commitment's date again.
    services.commitment_update(actor=users.donor, commitment=pledge, amount="3000")
    pledge.refresh_from_db()
    assert (pledge.amount_usd, pledge.rate_valid_on) == (
        Decimal("20.02"),
        datetime.date(2026, 3, 1),
    )


def test_the_stored_rate_is_kept_when_rates_are_recorded_or_corrected_later(
    eur_case, orgs, users, dated_rates
):
    _usd, jpy, _paid = fund(eur_case, orgs, users)
    figures = selectors.request_funding(case=eur_case)
    coordinator = make_coordinator(users.unoda)
    # A correction of March's rate, a later March rate, and today's rates changed again.
    services.exchange_rate_set(
        actor=coordinator, currency="JPY", rate_per_usd="160", valid_on=datetime.date(2026, 3, 1)
    )
    services.exchange_rate_set(
        actor=coordinator, currency="EUR", rate_per_usd="2", valid_on=datetime.date(2026, 3, 5)
    )
    services.exchange_rate_set(
        actor=coordinator, currency="JPY", rate_per_usd="90", valid_on=timezone.localdate()
    )
    jpy.refresh_from_db()
    assert (jpy.rate_per_usd, jpy.amount_usd) == (Decimal("149.8765"), Decimal("65897.88"))
    assert selectors.request_funding(case=eur_case) == figures
    # Nothing awaited a rate: filling changes nothing either.
    assert services.stored_rates_fill(actor=coordinator) == (0, 0)
    jpy.refresh_from_db()
    assert jpy.rate_per_usd == Decimal("149.8765")


# --- Totals and gap ----------------------------------------------------------------------------


def test_the_gap_is_right_to_the_cent_with_two_currencies_on_two_dates(
    eur_case, orgs, users, dated_rates
):
    fund(eur_case, orgs, users)
    figures = selectors.request_funding(case=eur_case)
    # By hand: 123,456.78 USD x 0.912345 = 112,635.18 EUR (January's EUR rate);
    # 9,876,543 JPY / 149.8765 x 0.934567 = 61,585.98 EUR (March's rates);
    # gap = 500,000.00 - 112,635.18 - 61,585.98 = 325,778.84 EUR.
    assert figures.currency == "EUR"
    assert figures.committed.amount == Decimal("174221.16")
    assert figures.gap.amount == Decimal("325778.84")
    # 4,000,000 JPY / 149.8765 x 0.934567 = 24,942.32 EUR
    assert figures.disbursed.amount == Decimal("24942.32")
    assert figures.committed_usd.amount == Decimal("189354.66")  # 123,456.78 + 65,897.88
    assert figures.disbursed_usd.amount == Decimal("26688.64")
    # The lists' gap-only reading agrees.
    assert selectors.funding_gaps([eur_case])[eur_case.pk].gap == figures.gap


def test_the_dashboard_and_the_export_use_the_stored_values(eur_case, orgs, users, dated_rates):
    fund(eur_case, orgs, users)
    cases = AssistanceRequest.objects.filter(pk=eur_case.pk)
    block = money_by(cases=cases, dimension="year")
    assert block["rows"][0]["committed"] == Decimal("189354.66")
    assert block["rows"][0]["disbursed"] == Decimal("26688.64")
    assert block["awaiting"] == 0
    header, rows = exports.funding_table(user=users.unoda)
    out = io.StringIO()
    csv.writer(out).writerows(exports.csv_lines(header, rows))
    table = list(csv.reader(io.StringIO(out.getvalue())))
    line = dict(
        zip(table[0], next(r for r in table[1:] if r[0] == eur_case.reference), strict=True)
    )
    assert line["Committed"] == "174221.16"
    assert line["Funding gap"] == "325778.84"
    assert line["Committed (USD, at the rates of their dates)"] == "189354.66"
    assert line["Disbursed (USD, at the rates of their dates)"] == "26688.64"
    # An amount stored without a rate is left out and counted.
    from tests.factories import make_organization

    Commitment.objects.create(
        request=eur_case, donor=make_organization("Sweden", donor=True, country="SE"),
        amount=Decimal("10"), currency="CHF", status="committed", pledged_on=MAR,
    )  # fmt: skip
    block = money_by(cases=cases, dimension="year")
    assert block["rows"][0]["committed"] == Decimal("189354.66")
    assert (block["awaiting"], block["not_convertible"]) == (1, ["CHF"])


# --- Pages -------------------------------------------------------------------------------------


def test_the_case_page_shows_amount_rate_and_converted_amount(
    client, eur_case, orgs, users, dated_rates
):
    fund(eur_case, orgs, users)
    client.force_login(users.unoda)
    body = client.get(f"/cases/{eur_case.reference}/").content.decode()
    table = body[body.index('id="commitments"') :]
    assert "1 USD = 149.8765 JPY" in table  # the JPY commitment's and disbursement's rate
    assert "rate of March 1, 2026" in table
    for converted in ("€61,585.98", "$65,897.88", "€24,942.32", "$26,688.64"):
        assert converted in table  # the JPY commitment and disbursement in EUR and USD
    assert "1 USD = 0.912345 EUR" in table  # the case currency's rate of the USD commitment
    assert "€112,635.18" in table
    assert "€325,778.84" in body  # the gap


def test_the_case_page_query_count_does_not_grow_with_commitments(
    client, make_case, orgs, users, dated_rates, django_assert_max_num_queries
):
    from tests.factories import make_organization

    small = make_case("implementation", budget_amount=Decimal("1000"), budget_currency="EUR")
    large = make_case("implementation", budget_amount=Decimal("1000"), budget_currency="EUR")
    services.commitment_create(
        actor=users.unoda, case=small, donor=orgs.donor, amount="10", currency="JPY",
        status="committed", pledged_on=MAR,
    )  # fmt: skip
    for index in range(4):
        donor = make_organization(
            f"Donor {index}", donor=True, kind=OrganizationKind.FOUNDATION, country=""
        )
        commitment = services.commitment_create(
            actor=users.unoda, case=large, donor=donor, amount="10", currency="JPY",
            status="committed", pledged_on=MAR,
        )  # fmt: skip
        services.disbursement_record(
            actor=users.unoda, commitment=commitment, amount="5", date=MAR_PAID
        )
    client.force_login(users.unoda)
    client.get(f"/cases/{small.reference}/")  # caches warmed
    with django_assert_max_num_queries(200) as few:
        client.get(f"/cases/{small.reference}/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(f"/cases/{large.reference}/").content.decode()
    assert body.count("1 USD = 149.8765 JPY") == 8  # 4 commitments, 4 disbursements


def test_an_older_amount_without_a_rate_shows_rate_missing_and_awaits(
    client, eur_case, orgs, users, dated_rates
):
    Commitment.objects.create(  # recorded before rates were stored, in a month without one
        request=eur_case, donor=orgs.donor, amount=Decimal("10"), currency="JPY",
        status="committed", pledged_on=datetime.date(2026, 2, 10),
    )  # fmt: skip
    client.force_login(users.unoda)
    body = client.get(f"/cases/{eur_case.reference}/").content.decode()
    assert "rate missing" in body
    assert "not convertible: 1 amount awaits an exchange rate (JPY)" in body


def test_unoda_is_linked_to_the_rate_page_prefilled_and_can_fill_what_awaits(
    client, eur_case, orgs, users, dated_rates
):
    pledge = services.commitment_create(
        actor=users.unoda, case=eur_case, donor=orgs.donor, amount="100", currency="JPY",
        pledged_on=MAR,
    )  # fmt: skip
    ExchangeRate.objects.filter(valid_on=timezone.localdate().replace(day=1)).delete()
    coordinator = make_coordinator(users.unoda)
    client.force_login(coordinator)
    response = client.post(f"/funding/commitments/{pledge.pk}/confirm/", follow=True)
    body = response.content.decode()
    assert "There is no exchange rate of JPY for" in body
    month = timezone.localdate().replace(day=1).isoformat()
    link = f"/settings/exchange-rates/?currency=JPY&amp;valid_on={month}&amp;rate_per_usd=149.8765"
    assert link in body
    pledge.refresh_from_db()
    assert pledge.status == "pledged"
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert 'value="149.8765"' in form
    assert f'value="{month}"' in form
    assert '<option value="JPY" selected>' in form
    plain = client.get("/settings/exchange-rates/").content.decode()
    assert f'value="{timezone.localdate().isoformat()}"' in plain  # today, as before
    # Recorded, the confirmation goes through with it.
    services.exchange_rate_set(
        actor=coordinator, currency="JPY", rate_per_usd="149.8765", valid_on=timezone.localdate()
    )
    services.exchange_rate_set(
        actor=coordinator, currency="EUR", rate_per_usd="0.93", valid_on=timezone.localdate()
    )
    services.commitment_confirm(actor=coordinator, commitment=pledge)
    pledge.refresh_from_db()
    assert pledge.rate_valid_on == timezone.localdate()
    # Older amounts awaiting a rate: counted on the page, filled by the coordinator.
    legacy = Commitment.objects.create(
        request=eur_case, donor=orgs.other_donor, amount=Decimal("10"), currency="JPY",
        status="committed", pledged_on=MAR,
    )  # fmt: skip
    page = client.get("/settings/exchange-rates/").content.decode()
    assert "1 amount recorded earlier awaits an exchange rate" in page
    client.post("/settings/exchange-rates/", {"fill_rates": ""})
    legacy.refresh_from_db()
    assert (legacy.rate_per_usd, legacy.amount_case) == (Decimal("149.8765"), Decimal("0.06"))


def test_the_data_migration_fills_what_it_can_by_the_same_rule(eur_case, orgs, users, dated_rates):
    migration = importlib.import_module("apps.funding.migrations.0005_stored_rates")
    dated = Commitment.objects.create(
        request=eur_case, donor=orgs.donor, amount=Decimal("9876543"), currency="JPY",
        status="committed", pledged_on=MAR, committed_on=MAR,
    )  # fmt: skip
    paid = Disbursement.objects.create(commitment=dated, amount=Decimal("4000000"), date=MAR_PAID)
    undated = Commitment.objects.create(
        request=eur_case, donor=orgs.other_donor, amount=Decimal("10"), currency="JPY",
        status="pledged", pledged_on=datetime.date(2026, 2, 10),
    )  # fmt: skip
    migration.fill_stored_rates(django_apps, None)
    dated.refresh_from_db()
    paid.refresh_from_db()
    undated.refresh_from_db()
    assert (dated.rate_per_usd, dated.amount_usd, dated.amount_case) == (
        Decimal("149.8765"),
        Decimal("65897.88"),
        Decimal("61585.98"),
    )
    assert (paid.amount_usd, paid.amount_case) == (Decimal("26688.64"), Decimal("24942.32"))
    assert undated.rate_per_usd is None  # "rate missing"
    assert undated.amount_case is None
