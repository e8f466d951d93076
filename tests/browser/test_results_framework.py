"""Issue 29 in a real browser, in English and in Arabic: the State writes a results framework
with two indicators in the request's wizard, the implementing partner reports the values
reached with evidence, UNODA sees each indicator's chart and the behind-schedule mark on the
case page, and the donor's feedback form shows the achievement against the targets before the
ratings."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.cases import services
from apps.cases.models import Indicator, Result, ResultLevel
from apps.followup import services as followup_services
from apps.followup.models import IndicatorActual, actual_field
from apps.funding.services import interest_express
from apps.organizations.models import OrganizationKind, Region
from apps.security.demo_devices import demo_totp_device
from tests.conftest import AGREEMENT, build_case
from tests.factories import UserFactory, make_member, make_organization

from .test_i18n_screenshots import signed_in, translated

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = {"name": "count.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


@pytest.fixture
def world():
    state = make_organization("Sierra Leone", recipient=True, country="SL")
    donor = make_organization("Japan", donor=True, country="JP", region=Region.ASIA)
    partner = make_organization(
        "UN Regional Centre in Africa", kind=OrganizationKind.UN_ENTITY, country="TG"
    )
    users = type("Users", (), {})()
    users.recipient = make_member(state, username="recipient")
    users.donor = make_member(donor, username="donor")
    users.partner = make_member(partner, username="partner")
    users.unoda = UserFactory(username="officer", is_unoda_officer=True, is_staff=False)
    demo_totp_device(users.unoda)
    orgs = type("Orgs", (), {"recipient": state, "donor": donor, "partner": partner})()
    case = build_case(orgs=orgs, users=users, status="draft", title="Mark and count weapons")
    return type("World", (), {"orgs": orgs, "users": users, "case": case})()


def to_implementation(world):
    """Submitted, published, funded by Japan with the partner implementing, started."""
    users, case = world.users, world.case
    services.request_transition(
        actor=users.recipient, case=case, transition="submit", confirmed=True
    )
    for name in ("start_review", "publish"):
        services.request_transition(actor=users.unoda, case=case, transition=name)
    interest_express(actor=users.donor, case=case, donor=world.orgs.donor, message="Yes")
    followup_services.agreement_record(
        actor=users.unoda,
        case=case,
        donors=[world.orgs.donor],
        implementing_partner=world.orgs.partner,
        **{**AGREEMENT, "signed_on": timezone.localdate()},
    )
    services.request_transition(actor=users.unoda, case=case, transition="start_implementation")


@pytest.mark.parametrize("language", ["en", "ar"])
def test_framework_actuals_chart_and_achievement(browser, live_server, world, shot, language):
    ref = world.case.reference

    def t(message):
        return translated(language, message)

    # The State writes an outcome with two indicators in the wizard's framework step.
    state = signed_in(browser, live_server, world.users.recipient, language).new_page()
    state.goto(f"{live_server.url}/cases/{ref}/edit/framework/")
    expect(state.locator("html")).to_have_attribute("lang", language)
    state.locator("#add-outcome [name$=statement]").fill("Every police weapon is marked.")
    state.locator("#add-outcome button[type=submit]").click()
    expect(state.locator(".messages")).to_be_visible()
    for name, unit, by_sex, target in (
        ("Weapons marked", "weapons", False, "1000"),
        ("Officers trained in marking", "people", True, "40"),
    ):
        state.get_by_role("link", name=t("Add an indicator")).first.click()
        form = state.locator("form:has([name$=baseline_value])")
        form.locator("[name$=-name]").fill(name)
        form.locator("[name$=-unit]").fill(unit)
        form.locator("[name$=-baseline_value]").fill("0")
        form.locator("[name$=-baseline_date]").fill("2026-01-01")
        form.locator("[name$=-target_value]").fill(target)
        form.locator("[name$=-target_date]").fill("2027-12-31")
        if by_sex:
            form.locator("[name$=-by_sex]").check()
        form.locator("button[type=submit]").first.click()
        expect(state.locator(".framework-indicators")).to_contain_text(name)
    shot(state, f"29-framework-{language}")
    outcome = Result.objects.get(request=world.case, level=ResultLevel.OUTCOME)
    marked, trained = Indicator.objects.filter(result=outcome).order_by("position", "pk")
    assert (marked.name, marked.target_value, trained.by_sex) == ("Weapons marked", 1000, True)

    to_implementation(world)

    # The implementing partner reports the values reached with a count sheet as evidence.
    partner = signed_in(browser, live_server, world.users.partner, language).new_page()
    partner.goto(f"{live_server.url}/followup/{ref}/plan/")
    partner.locator("[name=period_start]").fill("2026-02-01")
    partner.locator("[name=period_end]").fill("2026-10-31")
    partner.locator("[name=status]").select_option("delayed")
    partner.locator("[name=percent_done]").fill("20")
    partner.locator("[name=narrative]").fill("Marking machines arrived late.")
    partner.locator(f"[name={actual_field(marked.pk, 'value')}]").fill("50")
    partner.locator(f"[name={actual_field(marked.pk, 'evidence')}]").set_input_files(PDF)
    partner.locator(f"[name={actual_field(trained.pk, 'value')}]").fill("30")
    partner.locator(f"[name={actual_field(trained.pk, 'women')}]").fill("12")
    partner.locator("form:has([name=narrative]) button[type=submit]").click()
    expect(partner.locator(".messages")).to_be_visible()
    actuals = {a.indicator_id: a for a in IndicatorActual.objects.all()}
    assert actuals[marked.pk].value == 50
    assert actuals[marked.pk].evidence is not None
    assert (actuals[trained.pk].value, actuals[trained.pk].women) == (30, 12)

    # UNODA sees each indicator's chart; 50 of 1,000 weapons by the end of October is behind
    # the line from January 2026 to December 2027; 30 of 40 officers is not.
    officer = signed_in(browser, live_server, world.users.unoda, language).new_page()
    officer.goto(f"{live_server.url}/cases/{ref}/")
    results = officer.locator("#results")
    expect(results.locator("svg[role=img]")).to_have_count(2)
    expect(results).to_contain_text(t("Behind schedule"))
    expect(results.locator("article.indicator-result.behind")).to_have_count(1)
    shot(officer, f"29-case-results-{language}")

    # Implementation complete: the donor's feedback form shows the achievement first.
    services.request_transition(actor=world.users.unoda, case=world.case, transition="complete")
    donor = signed_in(browser, live_server, world.users.donor, language).new_page()
    donor.goto(f"{live_server.url}/followup/{ref}/feedback/")
    achievement = donor.locator(".achievement")
    expect(achievement).to_contain_text("Weapons marked")
    expect(achievement).to_contain_text(t("Behind schedule"))
    expect(achievement).to_contain_text(t("On schedule"))
    box = achievement.bounding_box()
    rating = donor.locator("[name=effectiveness]").bounding_box()
    assert box["y"] < rating["y"]  # the achievement comes before the ratings
    shot(donor, f"29-feedback-achievement-{language}")
