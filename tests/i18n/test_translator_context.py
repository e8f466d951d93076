"""Translators get what they need to translate a message right (issue 24, Must have 6).

- A message that shows a count is a plural (``ngettext``, ``npgettext``, ``{% blocktranslate
  count %}``): Arabic has six forms, Russian three, and "1 cases" is wrong in English too.
- A short word whose translation depends on its meaning or part of speech ("State": a country,
  not a condition; "Record": a noun in a column heading, a verb on a button) always comes with
  a context (``pgettext``, ``{% translate ... context ... %}``), one per meaning.

The messages are read from the French catalogue, which ``test_catalogues`` keeps equal to what
``makemessages`` extracts from the code and the templates.
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext, pgettext

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"

# Placeholder names that hold a quantity of things. Not here: ``number`` (a position: page 3,
# activity 2, tranche 1), ``score``/``share``/``percent``/``rating`` (a measure), ``max``/``size``
# (a bound in a unit).
COUNT_PLACEHOLDERS = {"count", "counter", "n", "total", "limit", "filled", "waiting"}

# Singular messages whose count-like placeholder is not a count, with the reason.
NOT_COUNTS = {
    # ``total`` is a sum of money here.
    "The activities' costs add up to %(total)s, the budget is %(budget)s: they should match "
    "within %(tolerance)s%%.",
    "This would disburse %(total)s %(currency)s on tranche %(tranche)s, more than the "
    "%(committed)s committed: %(left)s %(currency)s is left to disburse.",
}

# Words that must never reach a translator without a context. Words with one meaning in this
# portal that stay without one ("Submitted" of feedback, "Declined" of an offer) are not here.
AMBIGUOUS = [
    "State", "Open", "Close", "Record", "Any", "All", "Kind", "kind", "From", "To", "from",
    "to", "Draft", "Published", "Closed", "Withdrawn", "Submit", "Position", "position", "Case",
    "case", "Cases", "Due", "due", "Action", "action", "Actions", "Interest", "interest",
    "Commitments", "commitment", "Pledged", "Committed", "Disbursed", "Gap", "gap", "Edit",
    "Cancel", "Offer", "Request", "For", "Global", "Other", "Fire", "Stage", "Related",
]  # fmt: skip

# Words used here with two meanings or parts of speech: each meaning has its own context.
TWO_MEANINGS = ["Record", "Edit", "Gap", "Submit", "Committed", "Withdrawn"]

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def messages():
    with CATALOGUE.open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


def test_every_message_that_shows_a_count_is_a_plural(messages):
    singular_counts = [
        message.id
        for message in messages
        if not message.pluralizable
        and message.id not in NOT_COUNTS
        and COUNT_PLACEHOLDERS & set(PLACEHOLDER.findall(message.id))
    ]
    assert not singular_counts, (
        "these messages show a count but have no plural forms; write them with ngettext / "
        "{% blocktranslate count %}:\n" + "\n".join(singular_counts)
    )


def test_the_count_placeholders_are_still_used(messages):
    """The exceptions and the names above describe real messages (not a stale list)."""
    ids = {message.id for message in messages if not message.pluralizable}
    assert not NOT_COUNTS - ids, NOT_COUNTS - ids
    plural_names = {
        name
        for message in messages
        if message.pluralizable
        for name in PLACEHOLDER.findall(" ".join(message.id))
    }
    assert {"count", "counter", "n", "total", "limit"} <= plural_names


@pytest.mark.parametrize("word", AMBIGUOUS)
def test_an_ambiguous_word_always_has_a_context(messages, word):
    without = [m for m in messages if m.id == word and not m.context]
    assert not without, f'{word!r} is a message without a context (pgettext / context "...")'


@pytest.mark.parametrize("word", TWO_MEANINGS)
def test_a_word_with_two_meanings_has_a_context_for_each(messages, word):
    contexts = {m.context for m in messages if m.id == word}
    assert len(contexts) >= 2, f"{word!r} has the contexts {contexts}"


def test_the_contexts_reach_the_page():
    """The compiled catalogue gives each meaning its own translation, and each count its form."""
    with translation.override("fr"):
        assert pgettext("page title: editing a request", "Edit") == "Modification"
        assert pgettext("verb: open the form to change a milestone", "Edit") == "Modifier"
        assert pgettext("filter: any category", "Any") == "Toutes"
        assert pgettext("filter: any status", "Any") == "Tous"
    with translation.override("ru"):
        forms = [
            ngettext("More than %(limit)s case", "More than %(limit)s cases", n) % {"limit": n}
            for n in (1, 3, 5)
        ]
        assert forms == ["Более 1 дела", "Более 3 дел", "Более 5 дел"]
    with translation.override("ar"):
        assert (
            ngettext("More than %(limit)s case", "More than %(limit)s cases", 2) % {"limit": 2}
            == "أكثر من ملفين"
        )
