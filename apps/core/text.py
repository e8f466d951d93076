"""Text as people type it, one rule for every form, serializer and lookup of the portal.

Refused, with a message: control characters (C0 but tab, line feed and carriage return; DEL;
C1; NUL, which PostgreSQL cannot store), lone surrogates (which cannot be stored as UTF-8), and
the two bidirectional *overrides*, U+202D and U+202E. An override makes the characters after it
show in the reverse of the order they were typed in (U+202E then "exe.txt" shows "txt.exe"): it
serves to make a reference, an amount or a file name read as something other than what is
stored, and nobody types it (no keyboard has it; Arabic and Hebrew are stored in the order they
are read).
Kept: the marks and joiners that right-to-left and Indic text legitimately carries (U+200E,
U+200F, U+061C, ZWJ, ZWNJ), the embeddings and isolates that word processors write around a
phrase in the other direction (U+202A-U+202C, U+2066-U+2069), and every other format character.

Every text has a length limit: its column's, or ``TEXT_MAX_LENGTH`` for the long texts (a
section of a proposal, a comment, a narrative), so that a paste of a whole document is answered
by the form with a message, the text kept, instead of the request being refused for its size.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

TEXT_MAX_LENGTH = 20_000
ALLOWED_CONTROLS = frozenset("\n\r\t")
REFUSED_FORMAT = frozenset("\u202d\u202e")  # left-to-right override, right-to-left override
REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})  # controls, lone surrogates
CONTROL_CHARACTERS_MESSAGE = _(
    "This text contains control characters; remove them and send it again."
)


def has_control_characters(text: str) -> bool:
    return any(
        (unicodedata.category(char) in REFUSED_CATEGORIES and char not in ALLOWED_CONTROLS)
        or char in REFUSED_FORMAT
        for char in text
    )


@deconstructible
class PlainTextValidator:
    """Refuses a text with control characters (see the module's docstring)."""

    message = CONTROL_CHARACTERS_MESSAGE
    code = "control_characters"

    def __call__(self, value):
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, PlainTextValidator)

    def __hash__(self):
        return hash(self.code)


def plain_text(value, *, field: str) -> str:
    """``value`` as a string, or ``ValidationError`` on ``field`` when it holds a control
    character (for a service's text that comes through no form or serializer)."""
    text = "" if value is None else str(value)
    if has_control_characters(text):
        raise ValidationError({field: CONTROL_CHARACTERS_MESSAGE}, code="control_characters")
    return text
