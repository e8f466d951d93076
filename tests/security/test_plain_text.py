"""One rule for text in every form, serializer and lookup (``apps.core.text``): control
characters refused with a message, a length limit that the form answers with the text kept,
and a body too large for the API a 413 in its error format."""

import importlib
import inspect
import json
import re

import django_filters
import lxml.html
import pytest
from django import forms
from django.apps import apps

from apps.api import serializers as api_serializers
from apps.api import views as api_views
from apps.api.serializers import Input
from apps.cases.models import AssistanceRequest, Comment
from apps.core.filters import PortalFilterSet
from apps.core.forms import PlainTextMixin
from apps.core.text import TEXT_MAX_LENGTH, has_control_characters
from apps.funding.models import Offer
from tests.security.test_bad_input import snapshot

pytestmark = pytest.mark.django_db

MESSAGE = "This text contains control characters; remove them and send it again."
REFUSED = [
    "a\x00b",  # NUL
    "a\x07b",  # bell
    "colour \x1b[31mred",  # an escape sequence
    "a\x7fb",  # DEL
    "a\x85b",  # C1: next line
    "a\x9bb",  # C1: control sequence introducer
    "\u202eexe.txt",  # right-to-left override
    "a\u202db",  # left-to-right override
    "a\ud800b",  # a lone surrogate
]
KEPT = [
    "line one\nline two\r\n\tindented",
    "مرحبا\u200f 2026\u200e",  # right-to-left and left-to-right marks
    "می\u200cخواهم",  # noqa: RUF001 (zero-width non-joiner, Persian)
    "क्\u200dष",  # zero-width joiner
    "\u061c١٢٣",  # noqa: RUF001 (Arabic letter mark)
    "\u202bعربي\u202c and \u2067עברית\u2069",  # noqa: RUF001 (an embedding, an isolate)
    "世界 Мир",
]


@pytest.mark.parametrize("text", REFUSED)
def test_control_characters_and_overrides_are_refused(text):
    assert has_control_characters(text)


@pytest.mark.parametrize("text", KEPT)
def test_line_breaks_marks_joiners_and_isolates_are_text(text):
    assert not has_control_characters(text)


# --- Every form, serializer and filter set follows the rule ------------------------------------


def _portal_classes(base: type) -> list[type]:
    found = set()
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        for suffix in ("forms", "admin", "filters", "views", "api.serializers", "serializers"):
            try:
                module = importlib.import_module(f"{config.name}.{suffix}")
            except ModuleNotFoundError:
                continue
            for _name, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, base) and value.__module__.startswith("apps."):
                    found.add(value)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_every_form_of_the_portal_follows_the_rule_for_text():
    found = _portal_classes(forms.BaseForm)
    assert len(found) > 40
    outside = [
        f"{cls.__module__}.{cls.__name__}" for cls in found if not issubclass(cls, PlainTextMixin)
    ]
    assert not outside, "forms without PortalForm or PortalModelForm:\n" + "\n".join(outside)


def test_every_filter_set_of_the_portal_follows_the_rule_for_text():
    found = _portal_classes(django_filters.FilterSet)
    assert found
    outside = [cls.__name__ for cls in found if not issubclass(cls, PortalFilterSet)]
    assert not outside, outside


def test_every_serializer_that_reads_a_body_follows_the_rule_for_text():
    """The API's views read every body through ``_data`` (the token endpoint aside, whose user
    name and password are only compared), each with an ``Input`` serializer."""
    source = inspect.getsource(api_views)
    read = re.findall(r"_data\(serializers\.(\w+)", source)
    assert len(read) > 10
    assert source.count("data=") == 2  # in _data, and the token endpoint's
    outside = [name for name in read if not issubclass(getattr(api_serializers, name), Input)]
    assert not outside, outside


# --- Forms: control characters -----------------------------------------------------------------


def test_the_wizard_refuses_control_characters_and_keeps_the_rest(client, users, make_case):
    case = make_case("draft", summary="Before")
    client.force_login(users.recipient)
    before = snapshot()
    response = client.post(
        f"/cases/{case.reference}/edit/basics/",
        {"title": "A new title", "summary": "Text with \x1b[31m inside", "priority": 2},
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert "summary" in response.context["form"].errors
    assert "A new title" in response.content.decode()
    case.refresh_from_db()
    assert (case.title, case.summary) == ("Secure the central armoury", "Before")
    assert snapshot() == before


def test_the_wizard_keeps_arabic_with_its_marks(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    summary = "تأمين المستودع\u200f المركزي (2026)\u200e و\u200cالتدريب"  # noqa: RUF001
    response = client.post(
        f"/cases/{case.reference}/edit/basics/",
        {"title": case.title, "summary": summary, "priority": 2},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.summary == summary


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "\u202eevil.exe"])
def test_a_comment_with_control_characters_is_refused(client, users, make_case, text):
    case = make_case("submitted")
    client.force_login(users.recipient)
    response = client.post(
        f"/cases/{case.reference}/comment/", {"body": f"Typed {text}", "visibility": "shared"}
    )
    assert response.status_code == 400
    assert response.context["comment_form"].errors["body"] == [MESSAGE]
    assert not Comment.objects.filter(request=case).exists()


def test_an_offer_with_control_characters_is_refused_and_kept(client, users, orgs):
    client.force_login(users.donor)
    data = {
        "donor": orgs.donor.pk,
        "title": "Locks\x1b for armouries",
        "description": "Typed description",
        "currency": "USD",
        "cooperation_type": "north_south",
    }
    response = client.post("/funding/offers/new/", data)
    assert response.status_code == 200
    assert response.context["offer_form"].errors["title"] == [MESSAGE]
    assert "Typed description" in response.content.decode()
    assert not Offer.objects.exists()


def test_the_sign_in_form_refuses_control_characters(client, users):
    response = client.post("/accounts/login/", {"username": "recip\x1bient", "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [MESSAGE]


# --- The API: control characters -------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\\u0000b", "a\\u001bb", "\\u202eevil", "a\\ud800b"])
def test_the_api_refuses_control_characters_in_text(client, users, make_case, text):
    case = make_case("draft", summary="Before")
    client.force_login(users.recipient)
    response = client.patch(
        f"/api/v1/requests/{case.reference}/",
        data='{"summary": "' + text + '"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["summary"] == [MESSAGE]
    case.refresh_from_db()
    assert case.summary == "Before"


def test_the_api_keeps_arabic_with_its_marks(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    summary = "تأمين المستودع\u200f المركزي\u200e"
    response = client.patch(
        f"/api/v1/requests/{case.reference}/",
        data=json.dumps({"summary": summary}),
        content_type="application/json",
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.summary == summary


# --- Lookups ----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["%00", "a%1Bb", "%E2%80%AE", "%7F"])
def test_a_search_with_control_characters_is_no_server_error(client, users, make_case, q):
    make_case("published")
    client.force_login(users.unoda)
    assert client.get(f"/cases/?q={q}").status_code == 200
    assert client.get(f"/cases/?view=all&q={q}&status=draft").status_code == 200
    client.force_login(users.donor)
    assert client.get(f"/funding/needs/?q={q}").status_code == 200
    response = client.get(f"/api/v1/commitments/?request={q}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


# --- Size --------------------------------------------------------------------------------------


def test_a_three_megabyte_paste_comes_back_in_the_form_with_the_limit(client, users, make_case):
    case = make_case("draft", summary="Before")
    client.force_login(users.recipient)
    pasted = "Paragraph of the proposal. " * 120_000  # more than 3 MB
    assert len(pasted.encode()) > 3_000_000
    before = snapshot()
    response = client.post(
        f"/cases/{case.reference}/edit/basics/",
        {"title": case.title, "summary": pasted, "priority": 2},
    )
    assert response.status_code == 400  # the page again, with the form's errors
    errors = response.context["form"].errors["summary"]
    assert errors == [
        f"Ensure this value has at most {TEXT_MAX_LENGTH} characters "
        f"(it has {len(pasted.strip())})."
    ]
    textarea = lxml.html.fromstring(response.content).get_element_by_id("id_summary")
    assert textarea.get("maxlength") == str(TEXT_MAX_LENGTH)
    assert textarea.text_content().strip() == pasted.strip()
    case.refresh_from_db()
    assert case.summary == "Before"
    assert snapshot() == before


def test_a_long_text_field_says_how_long_it_may_be(client, users, make_case):
    case = make_case("draft")
    client.force_login(users.recipient)
    page = lxml.html.fromstring(client.get(f"/cases/{case.reference}/edit/ownership/").content)
    for name in ("national_ownership", "sustainability", "risks"):
        assert page.get_element_by_id(f"id_{name}").get("maxlength") == str(TEXT_MAX_LENGTH)
        help_text = page.get_element_by_id(f"id_{name}_helptext").text_content()
        assert "At most 20,000 characters." in help_text


def test_a_form_larger_than_django_reads_is_a_413_page_that_says_so(
    client, users, make_case, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    case = make_case("draft", summary="Before")
    client.force_login(users.recipient)
    before = snapshot()
    response = client.post(
        f"/cases/{case.reference}/edit/basics/",
        {"title": case.title, "summary": "x" * 200_000, "priority": 2},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "larger than the portal accepts in one form (97.7\xa0KB of text)" in page
    assert "Nothing was saved." in page
    case.refresh_from_db()
    assert case.summary == "Before"
    assert snapshot() == before


def test_a_three_megabyte_api_body_is_a_413_in_the_error_format(client, users, orgs):
    client.force_login(users.recipient)
    before = snapshot()
    body = json.dumps(
        {"organization": orgs.recipient.pk, "title": "Pasted", "summary": "x" * 3_000_000}
    )
    response = client.post("/api/v1/requests/", data=body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large"
    assert error["message"] == "The request body is too large: the API accepts at most 2.5\xa0MB."
    assert not AssistanceRequest.objects.exists()
    assert snapshot() == before


def test_an_api_text_over_its_limit_is_a_400_naming_the_limit(client, users, make_case):
    case = make_case("draft", summary="Before")
    client.force_login(users.recipient)
    response = client.patch(
        f"/api/v1/requests/{case.reference}/",
        data=json.dumps({"summary": "x" * (TEXT_MAX_LENGTH + 1)}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["summary"] == [
        f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."
    ]
    case.refresh_from_db()
    assert case.summary == "Before"
