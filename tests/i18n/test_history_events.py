"""Events, not frozen sentences (issue 24, Must have 2): what the portal adds to a case's
history (an interest or a pledge that moved the case, a withdrawal as a duplicate, what the
actor confirmed) is stored as an event with its values and worded in each reader's language
when read, whatever the actor's language; the rows written as sentences before are migrated."""

import importlib

import pytest
from django.apps import apps as installed_apps
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.translation import gettext, ngettext
from rest_framework.authtoken.models import Token

from apps.cases import services
from apps.cases.history import history_sentences
from apps.cases.models import HistoryEvent, StatusChange
from apps.cases.workflow import CONFIRM_NOT_DUPLICATE
from apps.funding import services as funding_services

EXPRESSED = "Interest expressed by %(donor)s."
migration = importlib.import_module("apps.cases.migrations.0017_history_events_from_comments")


def worded(language, message, **values):
    with translation.override(language):
        return gettext(message) % values


def name_of(organization, language):
    """How the reader of ``language`` names the organization (a State by its country)."""
    with translation.override(language):
        return str(organization)


@pytest.fixture
def interested(make_case, orgs, users):
    """A published case in which Japan's donor, reading English, expressed interest."""
    case = make_case("published")
    users.donor.language = "en"
    users.donor.save(update_fields=["language"])
    with translation.override("en"):
        funding_services.interest_express(actor=users.donor, case=case, donor=orgs.donor)
    return case


def test_an_interest_is_stored_as_an_event_not_as_a_sentence(interested, orgs):
    change = StatusChange.objects.filter(request=interested).latest("pk")
    assert (change.transition, change.event) == ("register_interest", "interest_expressed")
    assert change.organization == orgs.donor
    assert change.values == {"disclosed": True}
    assert change.comment == ""


@pytest.mark.parametrize("language", ["fr", "ar", "ru", "zh-hans", "es"])
def test_the_timeline_words_the_event_in_the_readers_language(
    interested, orgs, users, client, language
):
    donor = f"<bdi>{name_of(orgs.donor, language)}</bdi>"
    assert worded(language, EXPRESSED, donor=donor) != EXPRESSED % {"donor": donor}
    client.force_login(users.unoda)
    client.cookies["django_language"] = language
    url = reverse("cases:request-detail", args=[interested.reference])
    page = client.get(url).content.decode()
    # The sentence in the reader's language, the donor's name isolated inside it.
    with translation.override(language):
        expected = conditional_escape(gettext(EXPRESSED)) % {"donor": donor}
    assert expected in page
    assert "Interest expressed by" not in page


def test_an_undisclosed_donor_is_worded_as_such_in_each_language(make_case, orgs, users):
    case = make_case("published")
    funding_services.interest_express(
        actor=users.other_donor, case=case, donor=orgs.other_donor, disclosed=False
    )
    change = StatusChange.objects.filter(request=case).latest("pk")
    with translation.override("fr"):
        [sentence] = history_sentences(change)
        undisclosed = translation.pgettext("a donor in a sentence", "an undisclosed donor")
    assert sentence == worded("fr", EXPRESSED, donor=undisclosed)
    assert "Norway" not in sentence


def test_the_api_gives_the_event_and_its_words_in_the_language_asked(
    interested, orgs, users, client
):
    token = Token.objects.create(user=users.unoda)
    response = client.get(
        f"/api/v1/requests/{interested.reference}/history/",
        headers={"authorization": f"Token {token.key}", "accept-language": "es"},
    )
    assert response.status_code == 200
    entry = response.json()[-1]
    assert entry["event"] == "interest_expressed"
    assert entry["event_text"] == worded("es", EXPRESSED, donor=name_of(orgs.donor, "es"))
    assert entry["comment"] == ""


def test_a_required_comment_is_the_actors_words_and_an_event_stands_for_it(make_case, users):
    case = make_case("submitted")
    change = services.request_transition(
        actor=users.unoda,
        case=case,
        transition="withdraw",
        event=HistoryEvent.DUPLICATE_OF,
        values={"reference": "REQ-2026-0001"},
    )
    assert change.comment == ""
    assert history_sentences(change) == ["Withdrawn as a duplicate of REQ-2026-0001."]


# --- the rows written as sentences before -----------------------------------------------------


def old_row(case, actor, transition, comment):
    return StatusChange.objects.create(
        request=case,
        transition=transition,
        from_status="published",
        to_status="donor_interest",
        actor=actor,
        comment=comment,
    )


def test_sentences_written_in_any_language_become_events(make_case, orgs, users):
    case = make_case("published")
    french = old_row(
        case,
        users.donor,
        "register_interest",
        worded("fr", EXPRESSED, donor=name_of(orgs.donor, "fr")),
    )
    arabic_pledge = old_row(
        case,
        users.donor,
        "register_interest",
        worded("ar", "Funding pledged by %(donor)s.", donor="Japan"),
    )
    with translation.override("ru"):
        undisclosed = translation.pgettext("a donor in a sentence", "an undisclosed donor")
    funding_services.interest_express(
        actor=users.other_donor, case=case, donor=orgs.other_donor, disclosed=False
    )
    hidden = old_row(
        case,
        users.other_donor,
        "interest_withdrawn",
        worded("ru", "%(donor)s withdrew its interest.", donor=undisclosed),
    )
    duplicate = old_row(
        case,
        users.unoda,
        "withdraw",
        worded("es", "Withdrawn as a duplicate of %(reference)s.", reference="REQ-2026-0007")
        + "\n\nSame project as the customs one.",
    )
    with translation.override("zh-hans"):
        warning = ngettext(*migration.DUPLICATE_WARNING, 1) % {
            "cases": "REQ-2026-0003 “Marking” (same category)"
        }
    confirmed = old_row(case, users.recipient, "submit", f"For the customs.\n\n{warning}")
    typed = old_row(case, users.donor, "register_interest", "We would like to help.")

    migration.forwards(installed_apps, None)

    for row in (french, arabic_pledge, hidden, duplicate, confirmed, typed):
        row.refresh_from_db()
    assert (french.event, french.organization, french.values, french.comment) == (
        "interest_expressed",
        orgs.donor,
        {"disclosed": True},
        "",
    )
    assert (arabic_pledge.event, arabic_pledge.organization) == ("funding_pledged", orgs.donor)
    assert (hidden.event, hidden.organization, hidden.values) == (
        "interest_withdrawn",
        orgs.other_donor,
        {"disclosed": False},
    )
    assert (duplicate.event, duplicate.values, duplicate.comment) == (
        "duplicate_of",
        {"reference": "REQ-2026-0007"},
        "Same project as the customs one.",
    )
    assert confirmed.comment == "For the customs."
    assert confirmed.values == {
        "confirmed": {CONFIRM_NOT_DUPLICATE: {"references": ["REQ-2026-0003"]}}
    }
    # What a person wrote is left as it was.
    assert (typed.event, typed.comment) == ("", "We would like to help.")
    # And each reader now reads them in their own language.
    with translation.override("fr"):
        assert history_sentences(arabic_pledge) == [
            gettext("Funding pledged by %(donor)s.") % {"donor": name_of(orgs.donor, "fr")}
        ]
