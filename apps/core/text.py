"""Text as people type it: control characters (NUL, which PostgreSQL cannot store, escape
sequences, bells) are refused with a message; line breaks and tabs are text."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def plain_text(value, *, field: str) -> str:
    """``value`` as a string, or ``ValidationError`` on ``field`` when it holds a control
    character."""
    text = "" if value is None else str(value)
    if any(unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS for char in text):
        raise ValidationError(
            {field: _("This text contains control characters; remove them and send it again.")},
            code="control_characters",
        )
    return text
