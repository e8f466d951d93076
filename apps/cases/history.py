"""The case's history in the reader's language.

What the portal itself adds to a status change (an interest or a pledge that moved the case,
a withdrawal as a duplicate, the confirmations the actor went past) is stored as a
``HistoryEvent`` with its values, and worded here when read: each reader sees it in their own
language, whoever acted and in whatever language. What a person wrote stays their words.
"""

from decimal import Decimal

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from apps.core.templatetags.portal import money

from .models import HistoryEvent, StatusChange
from .workflow import CONFIRMATION_NOTES

SENTENCES = {
    HistoryEvent.INTEREST_EXPRESSED: _("Interest expressed by %(donor)s."),
    HistoryEvent.FUNDING_PLEDGED: _("Funding pledged by %(donor)s."),
    HistoryEvent.INTEREST_WITHDRAWN: _("%(donor)s withdrew its interest."),
    HistoryEvent.DUPLICATE_OF: _("Withdrawn as a duplicate of %(reference)s."),
}


UNDISBURSED_LINE = _("%(donor)s, tranche %(tranche)s: %(left)s of %(amount)s")


def undisbursed_lines(lines: list[dict]) -> str:
    """What firm commitments leave undisbursed, one line per donor and tranche (each a dict
    of donor, tranche, left, amount and currency), in the active language."""
    return "; ".join(
        str(UNDISBURSED_LINE)
        % {
            "donor": line["donor"],
            "tranche": line["tranche"],
            "left": money(Decimal(line["left"]), line["currency"]),
            "amount": money(Decimal(line["amount"]), line["currency"]),
        }
        for line in lines
    )


def undisclosed_donor() -> str:
    """How a sentence names a donor that keeps its name undisclosed (in the active language;
    its own context, apart from the count of undisclosed donors in the coordination table)."""
    return pgettext("a donor in a sentence", "an undisclosed donor")


def _named_values(change: StatusChange) -> dict[str, str]:
    values = {key: str(value) for key, value in change.values.items() if key != "confirmed"}
    if change.organization_id is not None:
        # Every party reads the history: a donor that withheld its name from other donors is
        # not named there either.
        disclosed = change.values.get("disclosed", True)
        values["donor"] = str(change.organization) if disclosed else undisclosed_donor()
    return values


def _parts(change: StatusChange, show):
    """Each sentence of ``change`` with the values it names, each shown by ``show``."""
    if change.event in SENTENCES:
        named = {key: show(value) for key, value in _named_values(change).items()}
        yield str(SENTENCES[change.event]), named
    for check, values in change.values.get("confirmed", {}).items():
        if check in CONFIRMATION_NOTES:
            named = {
                "references": ", ".join(values.get("references", ())),
                "lines": undisbursed_lines(values.get("lines", ())),
            }
            yield str(CONFIRMATION_NOTES[check]), {k: show(v) for k, v in named.items()}


def history_sentences(change: StatusChange) -> list[str]:
    """What the portal says of ``change``, as plain sentences in the active language (the API
    and exports)."""
    return [sentence % named for sentence, named in _parts(change, str)]


def history_html(change: StatusChange) -> SafeString:
    """The same sentences for a page: each sentence escaped, each value it names (a donor's
    name, a reference) isolated from the text around it, so that a Latin name reads right in
    Arabic."""
    isolate = lambda value: format_html("<bdi>{}</bdi>", value)  # noqa: E731
    # Safe: each sentence is escaped, each value escaped by format_html.
    return mark_safe(  # noqa: S308
        " ".join(
            conditional_escape(sentence) % named for sentence, named in _parts(change, isolate)
        )
    )
