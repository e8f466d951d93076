"""Issue 26's Done-when line on the demo data: the IATI files built from the demo in two
interface languages are byte-identical, pass the 2.03 schema and the offline rules, give each
narrative the language its text was written in, name each organisation by its identifier (none
made up for one that has none), and mark UNODA a secondary reporter wherever it is not a party."""

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone, translation
from modeltranslation.utils import build_localized_fieldname

from apps.cases.models import AssistanceRequest
from apps.organizations.models import Organization
from apps.reports.iati import XML_LANG, build_activities, iati_language

from . import iati_rules
from .test_iati import iati_schema, parse  # noqa: F401 - the schema fixture

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def demo_files():
    call_command("seed_demo", stdout=StringIO())
    officer = get_user_model().objects.get(username="officer")
    files = {}
    for language in ("en", "ar"):
        with translation.override(language):
            files[language] = {
                "unoda": build_activities(user=officer, now=NOW),
                "public": build_activities(now=NOW),
            }
    return files


def test_the_demo_files_are_the_same_in_every_language_and_pass_schema_and_rules(
    demo_files,
    iati_schema,  # noqa: F811
):
    """(One test: seeding the demo is the slow part.)"""
    assert demo_files["en"]["unoda"] == demo_files["ar"]["unoda"]
    assert demo_files["en"]["public"] == demo_files["ar"]["public"]
    for xml in demo_files["en"].values():
        document = parse(xml)
        assert len(document.findall("iati-activity")) > 0
        iati_schema.assertValid(document)
        assert iati_rules.failures(document, now=timezone.localdate()) == []


def test_narrative_languages_organisation_identifiers_and_the_secondary_reporter(demo_files):
    """Each title's narratives are exactly the languages the request was written in; every
    organisation is named by its identifier (none made up); UNODA is a secondary reporter
    wherever it is not a party. (One test: seeding the demo is the slow part.)"""
    document = parse(demo_files["en"]["unoda"])
    prefix = f"{settings.PORTAL_IATI_REPORTING_ORG_REF}-"
    languages = [code for code, _name in settings.LANGUAGES]
    for activity in document.iter("iati-activity"):
        reference = activity.findtext("iati-identifier").removeprefix(prefix)
        case = AssistanceRequest.objects.get(reference=reference)
        title = {n.get(XML_LANG): n.text for n in activity.find("title").findall("narrative")}
        texts = {
            code: (getattr(case, build_localized_fieldname("title", code)) or "").strip()
            for code in languages
        }
        written = {iati_language(code): text for code, text in texts.items() if text}
        assert title == written, reference
        for narrative in activity.iter("narrative"):
            assert narrative.get(XML_LANG) in {iati_language(code) for code in languages}

    identifiers = dict(Organization.objects.values_list("name", "iati_identifier"))
    named = 0
    for activity in document.iter("iati-activity"):
        parties = set()
        for element in activity.iter("participating-org", "provider-org", "receiver-org"):
            narratives = element.findall("narrative")
            if not narratives:
                continue
            english = next(n.text for n in narratives if n.get(XML_LANG) == "en")
            expected = identifiers[english] or None
            assert element.get("ref") == expected, english
            named += 1
            if element.tag == "participating-org":
                parties.add(element.get("ref"))
        reporting = activity.find("reporting-org")
        assert reporting.get("ref") == settings.PORTAL_IATI_REPORTING_ORG_REF
        is_party = settings.PORTAL_IATI_REPORTING_ORG_REF in parties
        assert reporting.get("secondary-reporter") == ("0" if is_party else "1")
    assert named > 0
