"""No English in another language (issue 24): each role walks every page it can reach from its
home page in each of the five other languages, and no visible interface text (text between
tags, ``title``, ``aria-label``, ``placeholder``, ``alt``, a button's value) may be a message of
the catalogue shown in its English source where the catalogue translates it.

User-written content and proper names are excepted by ``NOT_INTERFACE``; messages with
placeholders are not compared whole (their fixed words are checked by the catalogue tests).
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po
from django.urls import Resolver404, resolve

from tests.i18n.test_catalogues import LANGUAGES, catalogue_path
from tests.security.test_access_matrix import world  # noqa: F401 - fixture

SKIP = ("/admin/", "/static/", "/media/", "/api/", "/accounts/logout/", "/i18n/")
PER_NAME = 3  # pages walked per URL name in each language (one case page is like another)
# Visible text that equals an English message and is not the interface's: the language
# switcher names each language in its own language; the test world's attachments are titled
# "Proposal" by their uploader (tests/security/test_access_matrix.py).
NOT_INTERFACE = {"English", "Proposal"}


class Visible(HTMLParser):
    """The visible text of a page and its links, less what the page marks as not to be
    translated (``translate="no"``: a record kept as it was written, such as the organisation
    named in an audit event)."""

    ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")

    def __init__(self):
        super().__init__()
        self.hidden = 0
        self.kept: list[str] = []  # the open elements marked translate="no"
        self.texts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template"):
            self.hidden += 1
        if attrs.get("translate") == "no":
            self.kept.append(tag)
            self.hidden += 1
        if tag == "a" and (href := attrs.get("href") or "").startswith("/"):
            self.links.append(href.split("#")[0].replace("&amp;", "&"))
        self.texts += [attrs[name].strip() for name in self.ATTRIBUTES if attrs.get(name)]
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"].strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.hidden -= 1
        if self.kept and self.kept[-1] == tag:
            self.kept.pop()
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def translated_sources(language: str) -> set[str]:
    """The catalogue's English messages, without placeholders, that it translates otherwise,
    less the words that are also a translation in the language ("Dossier" is French for
    "Case" as well as the English of "Dossier de séance")."""
    with catalogue_path(language).open("rb") as handle:
        catalogue = read_po(handle)
    sources, targets = set(), set()
    for message in catalogue:
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        if not source or "%(" in source or "{" in source:
            continue
        source, target = " ".join(source.split()), " ".join((target or "").split())
        targets.add(target)
        if target and target != source:
            sources.add(source)
    return sources - targets


def english_left(client, language: str, sources: set[str]) -> dict[str, set[str]]:
    """Each English message found on the pages the client reaches, with where."""
    client.cookies["django_language"] = language
    found: dict[str, set[str]] = {}
    seen, per_name, queue = set(), {}, ["/"]
    while queue:
        path = queue.pop(0)
        if path in seen or path.startswith(SKIP):
            continue
        seen.add(path)
        try:
            name = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if per_name.get(name, 0) >= PER_NAME:
            continue
        per_name[name] = per_name.get(name, 0) + 1
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = Visible()
        page.feed(response.content.decode())
        for text in page.texts:
            if text in sources and text not in NOT_INTERFACE:
                found.setdefault(text, set()).add(name)
        queue += [link for link in page.links if link not in seen]
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("actor", ["recipient", "donor_allowed", "unoda"])
def test_no_english_is_left_on_any_page_of_a_role(world, actor, language):  # noqa: F811
    client = world.clients[actor]
    try:
        found = english_left(client, language, translated_sources(language))
    finally:
        client.cookies.pop("django_language", None)
    assert not found, f"English in {language} for {actor}: {found}"


def test_the_walk_sees_english_left_in_a_page():
    page = Visible()
    page.feed('<p>Bonjour</p><button title="Save draft">x</button><script>Cases</script>')
    assert page.texts == ["Bonjour", "Save draft", "x"]


def test_the_walk_leaves_out_only_what_a_page_marks_as_a_record():
    page = Visible()
    page.feed('<tr><td translate="no">Japan <b>Tokyo</b></td><td>Japan</td></tr>')
    assert page.texts == ["Japan"]
