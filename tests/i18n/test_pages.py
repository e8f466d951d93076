"""The main pages in each of the six languages: ``<html lang dir>``, translated navigation,
right-to-left only for Arabic; the switcher; the user's language; translated content with its
fallback; country names, numbers and amounts in the reader's language."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.utils.translation import override

from apps.cases import services
from apps.cases.events import Topic
from apps.cases.models import Category
from apps.core.templatetags.portal import money
from apps.core.translated import translated
from apps.reminders.models import ReminderRule

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# A string of the header on every page, as the catalogues translate it.
BRAND = {
    "ar": "بوابة متابعة المساعدة",
    "zh-hans": "援助后续行动门户",
    "en": "Assistance follow-up portal",
    "fr": "Portail de suivi de l’assistance",
    "ru": "Портал последующей деятельности по оказанию помощи",
    "es": "Portal de seguimiento de la asistencia",
}
PREFERENCES = {
    "ar": "التفضيلات",
    "zh-hans": "偏好设置",
    "en": "Preferences",
    "fr": "Préférences",
    "ru": "Настройки",
    "es": "Preferencias",
}
HTML_TAG = re.compile(r'<html lang="([^"]+)" dir="(rtl|ltr)">')


def get(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def assert_language(page, language, *, signed_in):
    match = HTML_TAG.search(page)
    assert match, "no <html lang dir>"
    assert match.group(1) == language
    assert match.group(2) == ("rtl" if language == "ar" else "ltr")
    assert ("portal-rtl.css" in page) == (language == "ar")
    assert BRAND[language] in page
    if signed_in:
        assert PREFERENCES[language] in page
    # The switcher names every language in its own language.
    for name in ("العربية", "中文", "English", "Français", "Русский", "Español"):
        assert name in page


@pytest.fixture
def case(make_case):
    return make_case("published", budget_amount=Decimal("1234567.50"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_recipient_pages(client, users, case, language):
    client.force_login(users.recipient)
    for url in (
        reverse("home"),
        reverse("cases:request-list"),
        reverse("cases:request-detail", args=[case.reference]),
        reverse("notifications:notification-list"),
        reverse("accounts:preferences"),
    ):
        assert_language(get(client, url, language), language, signed_in=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_officer_dashboard(client, users, case, language):
    client.force_login(users.unoda)
    page = get(client, reverse("reports:dashboard"), language)
    assert_language(page, language, signed_in=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_anonymous_pages(client, db, language):
    for url in (reverse("login"), reverse("public-needs")):
        assert_language(get(client, url, language), language, signed_in=False)


def test_switcher_sets_the_cookie_and_saves_the_users_language(client, users):
    client.force_login(users.recipient)
    response = client.post(reverse("set_language"), {"language": "ar", "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    users.recipient.refresh_from_db()
    assert users.recipient.language == "ar"
    assert 'dir="rtl"' in client.get("/cases/").content.decode()


def test_switcher_for_anonymous_visitors_sets_only_the_cookie(client, db):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/needs/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr"' in client.get("/needs/").content.decode()


def test_switcher_refuses_an_unknown_language(client, users):
    client.force_login(users.recipient)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    users.recipient.refresh_from_db()
    assert users.recipient.language == "en"


def test_signed_in_user_gets_their_preferred_language_without_a_cookie(client, users):
    users.recipient.language = "ru"
    users.recipient.save(update_fields=["language"])
    client.force_login(users.recipient)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="ru"' in page


def test_a_choice_in_the_switcher_wins_over_the_profile(client, users):
    users.recipient.language = "ru"
    users.recipient.save(update_fields=["language"])
    client.force_login(users.recipient)
    assert '<html lang="es"' in get(client, "/", "es")


def test_preferences_change_the_language_at_once(client, users):
    client.force_login(users.recipient)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("accounts:preferences"),
        {"language": "zh-hans", **{f"topic_{topic.value}": "digest" for topic in Topic}},
        follow=True,
    )
    assert '<html lang="zh-hans"' in response.content.decode()


# Content translations ------------------------------------------------------------------------


def test_request_is_written_in_the_active_language_and_falls_back_to_it(client, orgs, users):
    with override("es"):
        case = services.request_create(
            actor=users.recipient,
            organization=orgs.recipient,
            title="Gestión de existencias",
            summary="Asegurar el arsenal central.",
        )
    assert case.original_language == "es"
    assert case.title_es == "Gestión de existencias"
    assert not case.title_en
    with override("fr"):
        value = translated(case, "title")
    assert (value.text, value.language, value.is_fallback) == ("Gestión de existencias", "es", True)

    client.force_login(users.recipient)
    page = get(client, reverse("cases:request-detail", args=[case.reference]), "fr")
    assert "Gestión de existencias" in page
    assert "(langue d’origine : espagnol)" in page

    services.request_translate(
        actor=users.unoda,
        case=case,
        language="fr",
        title="Gestion des stocks",
        summary="Sécuriser l’arsenal central.",
    )
    page = get(client, reverse("cases:request-detail", args=[case.reference]), "fr")
    assert "Gestion des stocks" in page
    assert "langue d’origine" not in page
    page = get(client, reverse("cases:request-detail", args=[case.reference]), "es")
    assert "Gestión de existencias" in page


def test_editing_a_request_keeps_writing_its_original_language(orgs, users):
    with override("fr"):
        case = services.request_create(
            actor=users.recipient, organization=orgs.recipient, title="Marquage des armes"
        )
    with override("en"):
        case = services.request_update(actor=users.recipient, case=case, title="Marquage")
    assert case.title_fr == "Marquage"
    assert not case.title_en


def test_only_unoda_translates_requests(orgs, users, make_case):
    case = make_case("draft")
    with pytest.raises(services.PermissionDenied):
        services.request_translate(
            actor=users.recipient, case=case, language="fr", title="Sécuriser l’arsenal"
        )
    case.refresh_from_db()
    assert not case.title_fr


def test_the_original_title_cannot_be_removed(users, make_case):
    case = make_case("draft")
    with pytest.raises(services.ValidationError):
        services.request_translate(
            actor=users.unoda, case=case, language=case.original_language, title=""
        )


@pytest.mark.parametrize(
    ("language", "category", "rule"),
    [
        ("ar", "إدارة المخزونات وضمان أمنها", "تقرير مرحلي متأخر"),
        ("zh-hans", "库存管理和安全", "进度报告逾期"),
        ("fr", "Gestion et sécurité des stocks", "Rapport d'étape en retard"),
        (
            "ru",
            "Управление запасами и обеспечение их сохранности",
            "Доклад о ходе работы просрочен",
        ),
        (
            "es",
            "Gestión y seguridad de las existencias",
            "Informe sobre la marcha de los trabajos atrasado",
        ),
    ],
)
def test_categories_and_reminder_rules_are_translated(db, language, category, rule):
    with override(language):
        assert Category.objects.get(code="stockpile").name == category
        assert ReminderRule.objects.get(code="progress-report-overdue").name == rule


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("ar", "سيراليون"),
        ("zh-hans", "塞拉利昂"),
        ("fr", "Sierra Leone"),
        ("ru", "Сьерра-Леоне"),
        ("es", "Sierra Leona"),
        ("en", "Sierra Leone"),
    ],
)
def test_country_names_in_the_readers_language(client, orgs, users, case, language, name):
    with override(language):
        assert str(orgs.recipient.country.name) == name
        assert str(orgs.recipient) == name
    client.force_login(users.recipient)
    assert name in get(client, reverse("cases:request-detail", args=[case.reference]), language)


@pytest.mark.parametrize(
    ("language", "amount"),
    [
        ("en", "$1,234,567.50"),
        ("fr", "1\u202f234\u202f567,50\xa0$US"),
        ("es", "1.234.567,50\xa0US$"),
        ("ru", "1\xa0234\xa0567,50\xa0$"),
        ("zh-hans", "US$1,234,567.50"),
        # Isolated left to right: "US$" stays "US$" inside Arabic text, not "$US".
        ("ar", "\u20661,234,567.50\xa0US$\u2069"),
    ],
)
def test_amounts_in_the_readers_language(client, users, case, language, amount):
    with override(language):
        assert money(Decimal("1234567.50"), "USD") == amount
    client.force_login(users.recipient)
    page = get(client, reverse("cases:request-detail", args=[case.reference]), language)
    assert amount in page


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_numbers_and_dates_follow_the_language():
    template = Template('{{ n }} {{ d|date:"DATE_FORMAT" }}')
    context = Context({"n": 1234567.5, "d": datetime.date(2026, 11, 29)})
    with override("fr"):
        assert template.render(context) == "1\u202f234\u202f567,5 29 novembre 2026"
    with override("ru"):
        assert "ноября 2026" in template.render(context)
    with override("zh-hans"):
        assert "2026年11月29日" in template.render(context)


@override_settings(USE_THOUSAND_SEPARATOR=True)
@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("en", "1,234,567.5"),
        ("fr", "1\u202f234\u202f567,5"),
        ("es", "1.234.567,5"),
        ("ru", "1\xa0234\xa0567,5"),
        ("zh-hans", "1,234,567.5"),
        ("ar", "1,234,567.5"),
    ],
)
def test_one_number_style_on_a_page(language, written):
    """Django's numbers (a rate, a count), the number filter and Babel's amounts share the
    separators of CLDR in every language (Django's Arabic wrote 1.234.567,5 beside amounts
    written 1,234,567.50)."""
    template = Template("{% load portal %}{{ n }}|{{ n|number:1 }}|{{ n|money:'EUR' }}")
    with override(language):
        django_number, filtered, amount = template.render(Context({"n": 1234567.5})).split("|")
    assert django_number == written
    assert filtered == written
    assert written + "0" in amount


def test_the_number_filter_rounds_to_the_places_asked_and_leaves_nothing_empty():
    template = Template("{% load portal %}[{{ a|number:2 }}][{{ b|number }}][{{ c|number:1 }}]")
    with override("fr"):
        assert (
            template.render(Context({"a": 3.456, "b": 12000, "c": None})) == "[3,46][12\u202f000][]"
        )


def test_the_quantity_filter_keeps_the_decimals_a_value_has():
    template = Template("{% load portal %}[{{ a|quantity }}][{{ b|quantity }}][{{ c|quantity }}]")
    context = Context({"a": Decimal("1500.00"), "b": Decimal("12.50"), "c": None})
    with override("en"):
        assert template.render(context) == "[1,500][12.5][]"
    with override("fr"):
        assert template.render(context) == "[1\u202f500][12,5][]"
