"""Translations of a request's title and summary: UNODA adds and corrects them on the case's
"Translations" page, one form per UN language other than the original; the case page then
shows the reader's language, saying it is UNODA's translation; the requesting State reads the
translations; nobody else opens the page, and nobody but UNODA changes them."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import override

from apps.cases import services
from apps.cases.models import AssistanceRequest
from apps.security.models import AuditEvent

from ..conftest import PROPOSAL


@pytest.fixture
def case(orgs, users):
    """A published request written in Spanish."""
    with override("es"):
        case = services.request_create(
            actor=users.recipient,
            organization=orgs.recipient,
            title="Gestión de existencias",
            summary="Asegurar el arsenal central.",
            **PROPOSAL,
        )
    for name in ("submit", "start_review", "publish"):
        services.request_transition(actor=users.unoda, case=case, transition=name, comment="ok")
    return AssistanceRequest.objects.get(pk=case.pk)


def _url(case):
    return reverse("cases:request-translations", args=[case.reference])


def _post(client, case, language, title, summary=""):
    return client.post(
        _url(case),
        {"language": language, f"{language}-title": title, f"{language}-summary": summary},
    )


def _translation_audits(case):
    return list(
        AuditEvent.objects.filter(
            object_id=case.reference, detail__action__in=["translate", "translation_remove"]
        )
        .order_by("pk")
        .values_list("detail__language", "detail__fields")
    )


def _read(client, url, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_the_original_and_a_form_per_other_language_with_the_missing_ones(
    client, case, users
):
    client.force_login(users.unoda)
    page = _read(client, _url(case), "en")
    assert "Original (Spanish)" in page
    assert "Gestión de existencias" in page
    assert "Asegurar el arsenal central." in page
    for code in ("ar", "zh-hans", "en", "fr", "ru"):
        assert f'name="{code}-title"' in page
        assert f'href="#lang-{code}"' in page  # listed as missing
    assert 'name="es-title"' not in page  # the original is not a translation
    assert "No translation yet:" in page


def test_unoda_saves_a_translation_and_the_case_page_shows_it_in_that_language(client, case, users):
    client.force_login(users.unoda)
    response = _post(client, case, "en", " Stockpile management ", "Secure the central armoury.")
    assert response.status_code == 302
    assert response["Location"].endswith("#lang-en")
    case.refresh_from_db()
    assert (case.title_en, case.summary_en) == (
        "Stockpile management",
        "Secure the central armoury.",
    )
    assert case.title_es == "Gestión de existencias"  # the original is untouched
    assert _translation_audits(case) == [("en", ["summary", "title"])]
    page = _read(client, _url(case), "en")
    assert 'href="#lang-en"' not in page  # no longer missing
    assert 'value="Stockpile management"' in page

    # A donor reading in English sees the translation, said to be UNODA's, from Spanish.
    client.force_login(users.donor)
    page = _read(client, reverse("cases:request-detail", args=[case.reference]), "en")
    assert "Stockpile management" in page
    assert "Secure the central armoury." in page
    assert "Translated by UNODA from Spanish" in page
    # Reading in the original language: the original, no such note.
    page = _read(client, reverse("cases:request-detail", args=[case.reference]), "es")
    assert "Gestión de existencias" in page
    assert "Translated by UNODA" not in page


def test_unoda_corrects_and_removes_a_translation(client, case, users):
    client.force_login(users.unoda)
    _post(client, case, "fr", "Gestion des stock", "Sécuriser l'arsenal.")
    _post(client, case, "fr", "Gestion des stocks", "Sécuriser l'arsenal.")
    case.refresh_from_db()
    assert case.title_fr == "Gestion des stocks"
    # The same texts again (a double click): nothing changes, nothing more is recorded.
    _post(client, case, "fr", "Gestion des stocks", "Sécuriser l'arsenal.")
    assert _translation_audits(case) == [("fr", ["summary", "title"]), ("fr", ["title"])]
    _post(client, case, "fr", "", "")
    case.refresh_from_db()
    assert not case.title_fr
    assert not case.summary_fr
    assert _translation_audits(case)[-1] == ("fr", ["summary", "title"])
    assert 'href="#lang-fr"' in _read(client, _url(case), "en")


@pytest.mark.parametrize(
    ("title", "summary", "message"),
    [
        (
            "",
            "Обеспечить безопасность арсенала.",
            "A translated summary needs its translated title.",
        ),
        ("Ж" * 251, "Обеспечить безопасность арсенала.", "at most 250 characters"),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_keeps_what_was_typed(
    client, case, users, title, summary, message
):
    client.force_login(users.unoda)
    response = _post(client, case, "ru", title, summary)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Обеспечить безопасность арсенала." in page
    case.refresh_from_db()
    assert not case.title_ru
    assert not case.summary_ru
    assert _translation_audits(case) == []


def test_the_original_language_is_not_a_translation(client, case, users):
    client.force_login(users.unoda)
    response = _post(client, case, "es", "Otro título")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.title_es == "Gestión de existencias"


def test_the_requesting_state_reads_the_translations_without_forms(client, case, users):
    services.request_translate(
        actor=users.unoda, case=case, language="fr", title="Gestion des stocks"
    )
    client.force_login(users.recipient)
    case_page = _read(client, reverse("cases:request-detail", args=[case.reference]), "en")
    assert _url(case) in case_page
    page = _read(client, _url(case), "en")
    assert "Gestion des stocks" in page
    assert "Not translated yet." in page
    assert '<form method="post" action="' + _url(case) not in page
    response = _post(client, case, "fr", "Changé par l'État")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.title_fr == "Gestion des stocks"


def test_other_readers_may_not_open_the_translations(client, case, users):
    # A donor sees the case but not its translations page, nor a link to it.
    client.force_login(users.donor)
    case_page = _read(client, reverse("cases:request-detail", args=[case.reference]), "en")
    assert _url(case) not in case_page
    assert client.get(_url(case)).status_code == 403
    assert _post(client, case, "fr", "Par un donateur").status_code == 403
    # Another State does not see the case at all: as if it did not exist.
    client.force_login(users.other_recipient)
    assert client.get(_url(case)).status_code == 404
    assert _post(client, case, "fr", "Par un autre État").status_code == 404
    client.logout()
    response = client.get(_url(case))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    case.refresh_from_db()
    assert not case.title_fr


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_only_unoda_translates(case, users, actor):
    with pytest.raises(PermissionDenied):
        services.request_translate(
            actor=getattr(users, actor), case=case, language="fr", title="Gestion des stocks"
        )
    case.refresh_from_db()
    assert not case.title_fr
    assert _translation_audits(case) == []


def test_an_unknown_language_is_refused(case, users):
    with pytest.raises(ValidationError):
        services.request_translate(actor=users.unoda, case=case, language="de", title="Lager")
