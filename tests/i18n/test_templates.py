"""Every piece of text a user can see in a template is inside a translation tag.

Each template is split with Django's own lexer. Tags, variables and comments become a neutral
placeholder, and so does everything between ``{% blocktranslate %}`` and its end tag and between
``{% comment %}`` and its end tag. What is left is the template's literal text, parsed as HTML:
text between tags, and the attributes people see or hear (title, alt, placeholder, aria-label,
and the value of buttons), must contain no letters.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path
    for pattern in ("templates/**/*", "apps/*/templates/**/*")
    for path in ROOT.glob(pattern)
    if path.is_file() and path.suffix in {".html", ".txt", ".xml"}
)
PLACEHOLDER = "\u2400"  # a symbol, not a letter
LETTER = re.compile(r"[^\W\d_]")
VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Text that is the same in every language: none so far; add with a reason if one is needed.
ALLOWED = set()


def literal_text(source: str) -> str:
    """The template with every tag, variable and translated block replaced by PLACEHOLDER."""
    parts = []
    skip_until = None
    for token in Lexer(source).tokenize():
        contents = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            name = contents.split(" ", 1)[0] if contents else ""
            if skip_until is None and name in {"blocktranslate", "blocktrans", "comment"}:
                skip_until = {"comment": "endcomment"}.get(name, f"end{name}")
            elif skip_until is not None and name == skip_until:
                skip_until = None
            parts.append(PLACEHOLDER)
        elif token.token_type == TokenType.TEXT and skip_until is None:
            parts.append(token.contents)
        else:
            parts.append(PLACEHOLDER)
    return "".join(parts)


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._raw = 0  # inside <script> or <style>

    def _check(self, where, text):
        if text and LETTER.search(text) and text.strip() not in ALLOWED:
            self.found.append(f"{where} (line {self.getpos()[0]}): {text.strip()[:80]!r}")

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._raw += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES:
                self._check(f"<{tag} {name}>", value)
        is_button = tag == "button" or (
            tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUT_TYPES
        )
        if is_button:
            self._check(f"<{tag} value>", attributes.get("value"))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in {"script", "style"}:
            self._raw -= 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._raw = max(0, self._raw - 1)

    def handle_data(self, data):
        if not self._raw:
            self._check("text", data)


def untranslated(source: str) -> list[str]:
    parser = VisibleText()
    parser.feed(literal_text(source))
    parser.close()
    return parser.found


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_no_text_outside_translation_tags(path):
    problems = untranslated(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(ROOT)}: text outside translation tags:\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<p>{% translate "Cases" %}</p>', []),
        ("<p>{% blocktranslate %}You have {{ n }}{% endblocktranslate %}</p>", []),
        ("<p>{{ case.title }} — {{ case.reference }}</p>", []),
        ("{# a comment #}{% comment %}Not shown{% endcomment %}", []),
        ("<style>.x { color: red; }</style>", []),
        ('<a href="{% url "home" %}" class="brand">{% translate "Home" %}</a>', []),
        ("<p>Cases</p>", ["text"]),
        ('<button type="submit">Save</button>', ["text"]),
        ('<img src="x.png" alt="Logo">', ["<img alt>"]),
        ('<input type="submit" value="Send">', ["<input value>"]),
        ('<input type="search" placeholder="Search cases">', ["<input placeholder>"]),
        ('<nav aria-label="Main">', ["<nav aria-label>"]),
        ('<input type="hidden" name="next" value="home">', []),
    ],
)
def test_the_scanner_itself(source, expected):
    assert [problem.split(" (line")[0] for problem in untranslated(source)] == expected
