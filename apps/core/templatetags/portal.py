"""Template filters for the portal: amounts of money and translated content in the active
language."""

import functools
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, parse_pattern
from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import (
    get_language,
    get_language_info,
    ngettext,
    to_locale,
)
from django.utils.translation import gettext as _

from apps.core.translated import Translated
from apps.core.translated import translated as translated_value

register = template.Library()


@functools.cache
def _babel_locale(name: str) -> Locale:
    # Parsed once per language: Babel parses a locale given by name on every call.
    return Locale.parse(name)


# Left-to-right isolate: an amount inside right-to-left text keeps its own order ("US$" does not
# turn into "$US"), in a page, an e-mail or a CSV cell alike.
LRI, PDI, RLM = "\u2066", "\u2069", "\u200f"


@register.filter
def money(amount, currency: str = "USD") -> str:
    """``{{ amount|money:currency }}``: 1234.5, "USD" -> "$1,234.50" (en), "1 234,50 $US" (fr),
    "US$1,234.50" (zh-hans), "1,234.50 US$" isolated left to right (ar); an empty amount gives
    an empty string."""
    if amount is None or amount == "":
        return ""
    text = str(amount)
    try:
        Decimal(text)
    except InvalidOperation:
        return text
    return _money(text, currency or "USD", get_language() or "en")


@functools.lru_cache(maxsize=4096)
def _money(amount: str, currency: str, language: str) -> str:
    # The lists show the same amounts on every view of their first pages: each is written
    # by Babel once per process, language and currency.
    written = format_currency(Decimal(amount), currency, locale=_babel_locale(to_locale(language)))
    if language.split("-")[0] in settings.LANGUAGES_BIDI:
        return f"{LRI}{written.lstrip(RLM)}{PDI}"
    return written


@register.filter
def ltr(value) -> str:
    """``{{ case.reference|ltr }}``: a left-to-right isolate (U+2066 ... U+2069) for text where
    markup cannot go (a page's <title>): "REQ-2026-0040" stays whole in Arabic."""
    return f"{LRI}{value}{PDI}"


@register.filter
def isolate(value) -> str:
    """``{{ meeting.title|isolate }}``: a first-strong isolate (U+2068 ... U+2069), the plain-text
    ``<bdi>``, for user-written text where markup cannot go (a page's <title>)."""
    return f"\u2068{value}{PDI}"


@register.filter
def number(value, decimals: int = 0) -> str:
    """``{{ average|number:2 }}``: a figure in the reader's language as CLDR writes it (Babel,
    as amounts are): 1234.5 -> "1,234.50" (en), "1 234,50" (fr); None or "" gives ""."""
    if value is None or value == "":
        return ""
    locale = _babel_locale(to_locale(get_language() or "en"))
    return _number_pattern(int(decimals)).apply(Decimal(str(value)), locale)


@functools.cache
def _number_pattern(decimals: int):
    """The parsed pattern (what ``format_decimal`` parses again on every call): a table of
    figures formats a hundred numbers."""
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


_QUANTITY_PATTERN = parse_pattern("#,##0.##")


@register.filter
def quantity(value) -> str:
    """``{{ actual.value|quantity }}``: a measured value (an indicator's baseline, target or
    value reached) in the reader's language, with the decimals it has and no trailing zeros:
    1500.00 -> "1,500", 12.50 -> "12.5"; None or "" gives ""."""
    if value is None or value == "":
        return ""
    locale = _babel_locale(to_locale(get_language() or "en"))
    return _QUANTITY_PATTERN.apply(Decimal(str(value)), locale)


@register.simple_tag
def figure(value, currency: str) -> str:
    """``{% figure funding.committed funding.currency %}``: a funding figure (``Figure`` of
    apps/funding/selectors.py) as its amount, or why it has none, or a dash."""
    if value.amount is not None:
        return format_html('<span class="amount">{}</span>', money(value.amount, currency))
    if value.missing:
        currencies = escape(", ".join(value.missing))
        # The translation is trusted, as a template's text is; the codes are escaped.
        count = getattr(value, "awaiting", 0)
        if count:
            message = ngettext(
                "not convertible: %(count)s amount awaits an exchange rate (%(currencies)s)",
                "not convertible: %(count)s amounts await an exchange rate (%(currencies)s)",
                count,
            ) % {"count": count, "currencies": currencies}
        else:
            message = _("not convertible (no rate for %(currencies)s)") % {"currencies": currencies}
        return mark_safe(message)  # noqa: S308
    return "—"


@register.filter
def translated(obj, field: str) -> Translated:
    """``{% with title=case|translated:"title" %}``: see apps/core/translated.py."""
    return translated_value(obj, field)


@register.simple_tag
def translated_text(obj, field: str, linebreaks: bool = False) -> str:
    """``{% translated_text case "title" %}``: the text in the active language, or in its
    original language marked as such, e.g. ``Título <small>(original language: Spanish)</small>``.
    The text carries its own ``lang`` so that fonts follow it, and ``dir="auto"``: a Latin title
    in an Arabic page (or the reverse) is isolated and reads in its own direction."""
    value = translated_value(obj, field)
    if not value.text:
        return ""
    text = (
        linebreaksbr(value.text, autoescape=True) if linebreaks else conditional_escape(value.text)
    )
    if not value.is_fallback:
        return format_html('<span lang="{}" dir="auto">{}</span>', value.language, text)
    marker = _("(original language: %(language)s)") % {"language": value.language_name}
    return format_html(
        '<span lang="{}" dir="auto">{}</span> <small class="fallback-language">{}</small>',
        value.language,
        text,
        marker,
    )


@register.simple_tag
def translation_note(obj) -> str:
    """``{% translation_note case as note %}``: "Translated by UNODA from Spanish" when the
    title is shown in the reader's language and that is not the language it was written in
    (only UNODA translates requests); an empty string otherwise."""
    value = translated_value(obj, "title")
    original = getattr(obj, "original_language", "") or ""
    if not value.text or value.is_fallback or not original or value.language == original:
        return ""
    return _("Translated by UNODA from %(language)s") % {
        "language": get_language_info(original)["name_translated"]
    }


# Each language named in its own language, as the UN's own sites name them.
OWN_NAMES = {
    "ar": "العربية",
    "zh-hans": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}


@register.simple_tag
def portal_languages() -> list[dict]:
    """``{% portal_languages as languages %}``: code, own name and direction of each language
    of the portal, in the order of ``settings.LANGUAGES``."""
    return [
        {
            "code": code,
            "name_local": OWN_NAMES.get(code) or get_language_info(code)["name_local"],
            "bidi": get_language_info(code)["bidi"],
        }
        for code, _name in settings.LANGUAGES
    ]


@register.filter
def live_role(messages) -> str:
    """The live region for the page's messages: ``alert`` (read out at once) when one of them
    is an error, ``status`` (read out when the reader is idle) otherwise."""
    from django.contrib.messages import constants

    return "alert" if any(m.level >= constants.ERROR for m in messages) else "status"
