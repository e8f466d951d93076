"""Content in the reader's language, or else in the language it was written in, said so."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language, get_language_info
from modeltranslation.utils import build_localized_fieldname


@dataclass(frozen=True)
class Translated:
    text: str
    language: str  # the language code of ``text``
    is_fallback: bool  # True when ``text`` is not in the active language

    def __str__(self) -> str:
        return self.text

    @property
    def language_name(self) -> str:
        """The name of ``language`` in the active language (e.g. "Spanish", "espagnol")."""
        return get_language_info(self.language)["name_translated"]


def active_language() -> str:
    codes = dict(settings.LANGUAGES)
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language in codes:
        return language
    base = language.split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


def translated(obj, field: str) -> Translated:
    """``obj.<field>`` in the active language, else in ``obj.original_language``, else in the
    first language that has it (English first)."""
    active = active_language()
    original = getattr(obj, "original_language", "") or settings.LANGUAGE_CODE
    order = [active, original, settings.LANGUAGE_CODE, *(code for code, _ in settings.LANGUAGES)]
    for language in dict.fromkeys(order):
        value = getattr(obj, build_localized_fieldname(field, language), "") or ""
        if value:
            return Translated(text=value, language=language, is_fallback=language != active)
    return Translated(text="", language=active, is_fallback=False)
