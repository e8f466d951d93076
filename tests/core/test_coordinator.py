"""The "UNODA coordinator" role: a UNODA officer the admin adds to the group "UNODA coordinators"
sets the day's exchange rates and the portal settings in the portal; other officers read them
only; States and donors do not see these pages; bad input changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.cases import services as case_services
from apps.core.exceptions import ApplicationError
from apps.core.forms import decimal_parse
from apps.core.models import PortalSettings
from apps.core.selectors import COORDINATORS_GROUP, portal_settings, user_is_coordinator
from apps.core.services import portal_settings_update
from apps.funding.models import ExchangeRate
from apps.funding.services import exchange_rate_set
from apps.security.models import AuditEvent
from tests.factories import UserFactory

RATES = "/settings/exchange-rates/"
SETTINGS = "/settings/"


def make_coordinator(user):
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(user)
    return user


@pytest.fixture
def coordinator(db):
    return make_coordinator(UserFactory(username="coordinator", is_unoda_officer=True))


def _rate(**extra):
    return {
        "currency": "EUR",
        "rate_per_usd": "0.92",
        "valid_on": timezone.localdate().isoformat(),
        "source": "UN operational rates",
        **extra,
    }


def _audit(action):
    return AuditEvent.objects.filter(detail__action=action)


# --- The role ----------------------------------------------------------------------------------


def test_the_role_is_the_group_that_the_admin_adds_an_officer_to(coordinator, users):
    assert user_is_coordinator(coordinator)
    assert not user_is_coordinator(users.unoda)
    # The permission alone does not make a State's or a donor's member a coordinator, nor does
    # it make a deactivated officer one.
    make_coordinator(users.donor)
    assert not user_is_coordinator(users.donor)
    coordinator.is_active = False
    assert not user_is_coordinator(coordinator)


# --- Exchange rates ----------------------------------------------------------------------------


def test_coordinator_sets_the_days_rate_audited_and_shown_in_force(client, coordinator):
    client.force_login(coordinator)
    assert "Set the rate" in client.get(RATES).content.decode()
    response = client.post(RATES, _rate())
    assert response.status_code == 302
    rate = ExchangeRate.objects.get(currency="EUR")
    assert rate.rate_per_usd == Decimal("0.92")
    assert rate.valid_on == timezone.localdate()
    assert rate.source == "UN operational rates"
    event = _audit("exchange_rate_set").get()
    assert event.actor == coordinator
    assert event.object_type == "funding.exchangerate"
    assert event.detail["rate_per_usd"] == [None, "0.920000"]
    page = client.get(RATES).content.decode()
    assert "0.920000" in page
    assert "UN operational rates" in page


def test_setting_a_days_rate_again_replaces_it_and_audits_the_old_rate(client, coordinator):
    client.force_login(coordinator)
    client.post(RATES, _rate())
    client.post(RATES, _rate(rate_per_usd="0.93", source="Correction"))
    rate = ExchangeRate.objects.get(currency="EUR")
    assert (rate.rate_per_usd, rate.source) == (Decimal("0.93"), "Correction")
    assert _audit("exchange_rate_set").latest("pk").detail["rate_per_usd"] == [
        "0.920000",
        "0.930000",
    ]


def test_the_rate_in_force_is_the_latest_and_the_history_keeps_every_one(client, coordinator):
    today = timezone.localdate()
    for days, rate in ((30, "0.95"), (1, "0.91")):
        exchange_rate_set(
            actor=coordinator,
            currency="EUR",
            rate_per_usd=Decimal(rate),
            valid_on=today - datetime.timedelta(days=days),
        )
    client.force_login(coordinator)
    response = client.get(RATES)
    assert [r.rate_per_usd for r in response.context["in_force"]] == [Decimal("0.91")]
    assert [r.rate_per_usd for r in response.context["page"]] == [Decimal("0.91"), Decimal("0.95")]
    history = client.get(RATES, {"currency": "EUR"})
    assert history.context["currency"] == "EUR"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0,92", Decimal("0.92")),
        ("1,234.5", Decimal("1234.5")),
        ("1.234,5", Decimal("1234.5")),
        ("1 234,5", Decimal("1234.5")),
        (" 149.8 ", Decimal("149.8")),
    ],
)
def test_a_rate_pasted_with_commas_is_read_as_written(client, coordinator, typed, stored):
    client.force_login(coordinator)
    assert client.post(RATES, _rate(rate_per_usd=typed)).status_code == 302
    assert ExchangeRate.objects.get(currency="EUR").rate_per_usd == stored


def test_a_comma_that_could_group_thousands_or_mark_decimals_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.post(RATES, _rate(rate_per_usd="1,234"))
    assert response.status_code == 400
    assert "could be read as 1234 or as 1.234" in response.content.decode()
    assert not ExchangeRate.objects.exists()
    assert not _audit("exchange_rate_set").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_per_usd", "0", "The rate must be greater than zero."),
        ("rate_per_usd", "-0.5", "The rate must be greater than zero."),
        ("rate_per_usd", "abc", "Enter a number, such as 0.92 or 1234.5."),
        ("rate_per_usd", "0.1234567", "no more than 6 decimal places"),
        ("rate_per_usd", "", "This field is required."),
        ("currency", "USD", "Select a valid choice."),
        ("valid_on", "", "This field is required."),
        ("valid_on", "2999-01-01", "A rate can only be set for today or an earlier day."),
    ],
)
def test_bad_rate_input_is_a_form_error_and_changes_nothing(
    client, coordinator, field, value, message
):
    client.force_login(coordinator)
    response = client.post(RATES, _rate(**{field: value}))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "UN operational rates" in response.content.decode()  # what was typed is kept
    assert not ExchangeRate.objects.exists()
    assert not _audit("exchange_rate_set").exists()


def test_every_error_of_the_rate_form_is_shown_at_once(client, coordinator):
    client.force_login(coordinator)
    response = client.post(RATES, _rate(currency="", rate_per_usd="abc", valid_on="soon"))
    assert set(response.context["form"].errors) == {"currency", "rate_per_usd", "valid_on"}


def test_the_service_refuses_the_base_currency_and_a_day_to_come(coordinator):
    with pytest.raises(ValidationError) as error:
        exchange_rate_set(
            actor=coordinator,
            currency="USD",
            rate_per_usd=Decimal(1),
            valid_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert set(error.value.message_dict) == {"currency", "valid_on"}
    assert not ExchangeRate.objects.exists()


# --- Portal settings ---------------------------------------------------------------------------


def test_coordinator_sets_the_publishing_threshold_audited_shown_and_applied(
    client, coordinator, make_case, users, settings
):
    settings.PORTAL_PUBLISH_MIN_COMPLETENESS = 0
    client.force_login(coordinator)
    assert "Save the settings" in client.get(SETTINGS).content.decode()
    response = client.post(
        SETTINGS,
        {
            "submit_min_completeness": "30",
            "publish_min_completeness": "50",
            "pledge_ageing_days": "60",
        },
    )
    assert response.status_code == 302
    row = PortalSettings.objects.get()
    assert (row.publish_min_completeness, row.pledge_ageing_days) == (50, 60)
    event = _audit("portal_settings_update").get()
    assert event.actor == coordinator
    assert event.detail["changes"] == {
        "publish_min_completeness": [0, 50],
        "pledge_ageing_days": [settings.PORTAL_PLEDGE_AGEING_DAYS, 60],
    }
    assert "50%" in client.get(SETTINGS).content.decode()
    # The new threshold is the publishing rule at once.
    case = make_case("under_review", objectives="Reduce diversion.")
    with pytest.raises(ApplicationError, match="complete"):
        case_services.request_transition(actor=users.unoda, case=case, transition="publish")


def test_saving_unchanged_settings_writes_no_audit_line(coordinator):
    portal_settings_update(actor=coordinator, publish_min_completeness=40)
    portal_settings_update(actor=coordinator, publish_min_completeness=40)
    assert _audit("portal_settings_update").count() == 1
    assert portal_settings().publish_min_completeness == 40


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"publish_min_completeness": "101", "pledge_ageing_days": "90"},
            "publish_min_completeness",
        ),
        (
            {"publish_min_completeness": "-1", "pledge_ageing_days": "90"},
            "publish_min_completeness",
        ),
        (
            {"publish_min_completeness": "abc", "pledge_ageing_days": "90"},
            "publish_min_completeness",
        ),
        ({"publish_min_completeness": "50", "pledge_ageing_days": "0"}, "pledge_ageing_days"),
        ({"publish_min_completeness": "50", "pledge_ageing_days": ""}, "pledge_ageing_days"),
    ],
)
def test_bad_settings_input_is_a_form_error_and_changes_nothing(client, coordinator, data, field):
    PortalSettings.objects.create(publish_min_completeness=20, pledge_ageing_days=90)
    client.force_login(coordinator)
    response = client.post(SETTINGS, data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    row = PortalSettings.objects.get()
    assert (row.publish_min_completeness, row.pledge_ageing_days) == (20, 90)
    assert not _audit("portal_settings_update").exists()


def test_the_service_refuses_fields_that_are_not_settings(coordinator):
    with pytest.raises(ValidationError):
        portal_settings_update(actor=coordinator, id=2)
    assert not PortalSettings.objects.exists()


# --- Who may do what ---------------------------------------------------------------------------


def test_an_ordinary_officer_reads_both_pages_without_forms(client, users, coordinator):
    exchange_rate_set(
        actor=coordinator, currency="JPY", rate_per_usd="149.8", valid_on=timezone.localdate()
    )
    client.force_login(users.unoda)
    rates = client.get(RATES)
    assert rates.status_code == 200
    assert rates.context["form"] is None
    assert "149.800000" in rates.content.decode()
    assert "Set the rate" not in rates.content.decode()
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert page.context["form"] is None
    assert "Save the settings" not in page.content.decode()


def test_an_ordinary_officers_changes_are_refused_and_change_nothing(client, users):
    PortalSettings.objects.create(publish_min_completeness=20, pledge_ageing_days=90)
    client.force_login(users.unoda)
    assert client.post(RATES, _rate()).status_code == 403
    settings_post = {"publish_min_completeness": "80", "pledge_ageing_days": "30"}
    assert client.post(SETTINGS, settings_post).status_code == 403
    assert not ExchangeRate.objects.exists()
    assert PortalSettings.objects.get().publish_min_completeness == 20
    assert not AuditEvent.objects.filter(detail__has_key="action").exists()


@pytest.mark.parametrize("who", ["unoda", "donor", "recipient"])
def test_the_services_refuse_anyone_but_a_coordinator(users, who):
    actor = getattr(users, who)
    with pytest.raises(PermissionDenied):
        exchange_rate_set(
            actor=actor, currency="EUR", rate_per_usd="0.9", valid_on=timezone.localdate()
        )
    with pytest.raises(PermissionDenied):
        portal_settings_update(actor=actor, publish_min_completeness=90)
    assert not ExchangeRate.objects.exists()
    assert not PortalSettings.objects.exists()


@pytest.mark.parametrize("who", ["donor", "recipient"])
@pytest.mark.parametrize("url", [RATES, SETTINGS])
def test_states_and_donors_do_not_see_the_pages(client, users, who, url):
    client.force_login(getattr(users, who))
    assert client.get(url).status_code == 403
    assert client.post(url, _rate()).status_code == 403
    assert "/settings/" not in client.get("/").content.decode()
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("url", [RATES, SETTINGS])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    assert client.get(url).url.startswith("/accounts/login/")
    assert client.post(url, _rate()).url.startswith("/accounts/login/")
    assert not ExchangeRate.objects.exists()


def test_both_pages_are_in_unodas_menu(client, coordinator):
    client.force_login(coordinator)
    menu = client.get("/").content.decode()
    assert f'href="{RATES}"' in menu
    assert f'href="{SETTINGS}"' in menu


# --- The admin keeps working through the same services -----------------------------------------


def test_the_admin_sets_a_rate_through_the_service_and_sees_a_future_day_refused(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = "/admin/funding/exchangerate/add/"
    data = {"currency": "CHF", "rate_per_usd": "0.88", "valid_on": "2999-01-01", "source": ""}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A rate can only be set for today or an earlier day." in response.content.decode()
    data["valid_on"] = timezone.localdate().isoformat()
    assert client.post(url, data).status_code == 302
    assert ExchangeRate.objects.get().rate_per_usd == Decimal("0.88")
    assert _audit("exchange_rate_set").exists()


# --- Reading a typed number --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("0.92", Decimal("0.92")),
        ("1.234", Decimal("1.234")),  # a lone point is the decimal point
        ("1,234,567", Decimal("1234567")),
        ("1.234.567", Decimal("1234567")),
        ("1234,567", Decimal("1234.567")),  # not a thousands group: a decimal comma
        ("0,920", Decimal("0.92")),
        ("1\u00a0234,5", Decimal("1234.5")),
        (".5", Decimal("0.5")),
    ],
)
def test_decimal_parse_reads_what_is_unambiguous(typed, value):
    assert decimal_parse(typed) == value


@pytest.mark.parametrize("typed", ["1,234", "12,345", "abc", "1e5", "1,5.3", "1,23,456.7", "."])
def test_decimal_parse_refuses_what_is_ambiguous_or_no_number(typed):
    with pytest.raises(ValidationError):
        decimal_parse(typed)
