"""Dates as Django's ``date`` filter writes them, for pages that write many.

``dateformat.format`` reads its format string anew for every date and builds a formatter
object around it; a case page's timeline writes about sixty dates in one format. ``formatter``
reads a format once and gives a function that writes a datetime in it: the plain numbers
(day, month, year, hour, minute, second) directly, anything else (the names of months,
a.m. and p.m., time zones) through Django's own formatter, so the text is the same as
``dateformat.format`` gives in every language (tests/core/test_dates.py).
"""

import functools
from collections.abc import Callable
from datetime import datetime

from django.utils.dateformat import DateFormat, re_escaped, re_formatchars

_NUMBERS: dict[str, Callable[[datetime], str]] = {
    "d": lambda value: f"{value.day:02d}",
    "j": lambda value: str(value.day),
    "m": lambda value: f"{value.month:02d}",
    "n": lambda value: str(value.month),
    "Y": lambda value: f"{value.year:04d}",
    "y": lambda value: f"{value.year % 100:02d}",
    "H": lambda value: f"{value.hour:02d}",
    "G": lambda value: str(value.hour),
    "i": lambda value: f"{value.minute:02d}",
    "s": lambda value: f"{value.second:02d}",
}


@functools.lru_cache(maxsize=64)
def formatter(format_string: str) -> Callable[[datetime], str]:
    """A function that writes a datetime as ``dateformat.format(value, format_string)``."""
    parts: list[tuple[str, object]] = []  # ("text", str) | ("number", fn) | ("django", code)
    for index, piece in enumerate(re_formatchars.split(str(format_string))):
        if index % 2:
            if piece in _NUMBERS:
                parts.append(("number", _NUMBERS[piece]))
            else:
                parts.append(("django", piece))
        elif piece:
            parts.append(("text", re_escaped.sub(r"\1", piece)))
    needs_django = any(kind == "django" for kind, _part in parts)

    def write(value: datetime) -> str:
        django = DateFormat(value) if needs_django else None
        out = []
        for kind, part in parts:
            if kind == "text":
                out.append(part)
            elif kind == "number":
                out.append(part(value))
            else:
                out.append(str(getattr(django, part)()))
        return "".join(out)

    return write
