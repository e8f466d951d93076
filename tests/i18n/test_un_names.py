"""UN names (issue 24, Must have 4): States carry the UN's short names of their countries in
the six languages (UNTERM), in the nominative, and regional and UN bodies their names and
acronyms in each language, as the demo data gives them."""

import pytest
from django.urls import reverse
from django.utils import translation

from apps.organizations.models import Organization, OrganizationKind, Region
from apps.organizations.services import organization_create, organization_save
from apps.portal.management.commands.seed_demo import ORGANIZATIONS, translated_names

# The UN's short names (UNTERM), not ISO's ("Moldova", "Turkey") nor CLDR's ("Moldavie").
UN_NAMES = {
    "MD": {
        "en": "Republic of Moldova",
        "fr": "République de Moldova",
        "es": "República de Moldova",
        "ru": "Республика Молдова",
        "ar": "جمهورية مولدوفا",
        "zh-hans": "摩尔多瓦共和国",
    },
    "CI": {
        "en": "Côte d'Ivoire",
        "fr": "Côte d'Ivoire",
        "es": "Côte d’Ivoire",
        "ru": "Кот-д’Ивуар",
        "ar": "كوت ديفوار",
        "zh-hans": "科特迪瓦",
    },
    "TR": {
        "en": "Türkiye",
        "fr": "Türkiye",
        "es": "Türkiye",
        "ru": "Турция",
        "ar": "تركيا",
        "zh-hans": "土耳其",
    },
    "CD": {
        "en": "Democratic Republic of the Congo",
        "fr": "République démocratique du Congo",
        "es": "República Democrática del Congo",
        "ru": "Демократическая Республика Конго",
        "ar": "جمهورية الكونغو الديمقراطية",
        "zh-hans": "刚果民主共和国",
    },
    "LA": {
        "en": "Lao People's Democratic Republic",
        "fr": "République démocratique populaire lao",
        "es": "República Democrática Popular Lao",
        "ru": "Лаосская Народно-Демократическая Республика",
        "ar": "جمهورية لاو الديمقراطية الشعبية",
        "zh-hans": "老挝人民民主共和国",
    },
    "LR": {
        "en": "Liberia",
        "fr": "Libéria",
        "es": "Liberia",
        "ru": "Либерия",
        "ar": "ليبريا",
        "zh-hans": "利比里亚",
    },
}
LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh-hans")
DEMO = {row[3]: row for row in ORGANIZATIONS if row[2] == OrganizationKind.STATE}


def demo_state(code):
    name, acronym, kind, country, region, recipient, donor = DEMO[code]
    return organization_create(
        name=name, acronym=acronym, kind=kind, country=country, region=region,
        is_recipient=recipient, is_donor=donor,
    )  # fmt: skip


def demo_body(english):
    name, acronym, kind, country, region, recipient, donor = next(
        row for row in ORGANIZATIONS if row[0] == english
    )
    return organization_create(
        name=name, acronym=acronym, kind=kind, country=country, region=region,
        is_recipient=recipient, is_donor=donor, **translated_names(name),
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("code", sorted(UN_NAMES))
def test_demo_states_bear_the_un_names_in_six_languages(code):
    state = demo_state(code)
    state = Organization.objects.get(pk=state.pk)
    for language in LANGUAGES:
        with translation.override(language):
            assert str(state) == UN_NAMES[code][language], language
            assert state.name == UN_NAMES[code][language], language


@pytest.mark.django_db
def test_a_state_is_named_after_its_country_whatever_was_typed():
    state = organization_create(
        name="Moldova", kind=OrganizationKind.STATE, country="MD", region=Region.EUROPE
    )
    assert state.name_en == "Republic of Moldova"
    state.country = "TR"
    organization_save(organization=state)
    state.refresh_from_db()
    assert (state.name_en, state.name_fr, state.name_ru) == ("Türkiye", "Türkiye", "Турция")


@pytest.mark.django_db
def test_lists_sort_states_by_their_name_in_the_readers_language():
    for code in ("MD", "TR", "CD", "LA"):
        demo_state(code)
    with translation.override("fr"):
        names = list(Organization.objects.order_by("name").values_list("name", flat=True))
    assert names == [
        "République de Moldova",
        "République démocratique du Congo",
        "République démocratique populaire lao",
        "Türkiye",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "name", "acronym"),
    [
        ("en", "United Nations Development Programme", "UNDP"),
        ("fr", "Programme des Nations Unies pour le développement", "PNUD"),
        ("es", "Programa de las Naciones Unidas para el Desarrollo", "PNUD"),
        ("ru", "Программа развития Организации Объединенных Наций", "ПРООН"),
        ("ar", "برنامج الأمم المتحدة الإنمائي", "البرنامج الإنمائي"),
        ("zh-hans", "联合国开发计划署", "开发署"),
    ],
)
def test_un_bodies_carry_their_names_and_acronyms_in_each_language(language, name, acronym):
    undp = demo_body("United Nations Development Programme")
    demo_body("African Union")
    with translation.override(language):
        undp = Organization.objects.get(pk=undp.pk)
        assert (str(undp), undp.acronym) == (name, acronym)


@pytest.mark.django_db
def test_the_regional_centres_and_the_eu_and_au_have_all_five_other_languages():
    bodies = [row[0] for row in ORGANIZATIONS if row[2] != OrganizationKind.STATE]
    expected = [
        "European Union",
        "African Union",
        "United Nations Regional Centre for Peace and Disarmament in Africa",
        "United Nations Regional Centre for Peace, Disarmament and Development in Latin "
        "America and the Caribbean",
        "United Nations Regional Centre for Peace and Disarmament in Asia and the Pacific",
    ]
    for english in expected:
        assert english in bodies
        body = demo_body(english)
        for language in LANGUAGES[1:]:
            with translation.override(language):
                assert Organization.objects.get(pk=body.pk).name not in ("", english), language


@pytest.mark.django_db
def test_a_proper_name_reads_as_entered_everywhere_and_follows_its_english():
    survey = demo_body("Small Arms Survey")
    with translation.override("ar"):
        assert str(Organization.objects.get(pk=survey.pk)) == "Small Arms Survey"
    survey.name_en = "Small Arms Survey (Geneva)"
    organization_save(organization=survey)
    with translation.override("zh-hans"):
        assert str(Organization.objects.get(pk=survey.pk)) == "Small Arms Survey (Geneva)"


@pytest.mark.django_db
def test_a_translated_name_stays_when_the_english_changes():
    undp = demo_body("United Nations Development Programme")
    undp.name_en = "UN Development Programme"
    organization_save(organization=undp)
    undp.refresh_from_db()
    assert undp.name_fr == "Programme des Nations Unies pour le développement"


@pytest.mark.django_db
def test_a_states_page_names_it_by_its_un_name_in_the_nominative(client, users):
    moldova = demo_state("MD")
    client.force_login(users.unoda)
    client.cookies["django_language"] = "ru"
    response = client.get(reverse("cases:state-needs", args=[moldova.pk]))
    body = response.content.decode()
    assert "Потребности: Республика Молдова" in body
    assert "Молдавия" not in body
