"""A part of a page that many requests render alike (a filter form with its choices), rendered
once and kept in the cache at the edge, keyed on everything it shows: its template's source,
the language and the caller's key (e.g. ``form_fingerprint``). Nothing else reads it, so it
needs no invalidation: what changes what it shows changes its key. Read through
``reference.cached``: not inside a transaction, and rendered afresh when Redis cannot be
reached."""

import hashlib
from functools import cache

from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.encoding import force_str

from .reference import cached

NAME = "fragment"


@cache
def _source_hash(template_name: str) -> str:
    """The template's source, hashed once per process (a deployment that changes it reads
    new keys)."""
    source = get_template(template_name).template.source
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def _plain(value):
    """``value`` with every lazy translation and number made text, nested lists kept."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return "" if value is None else force_str(value)


def form_fingerprint(form) -> str:
    """What a bound form's fields render from: each field's value as bound and its choices.
    The choices are read once: the widget of a model choice field renders the rows read here
    (its field still validates against its queryset), so a miss does not query them again."""
    parts = []
    for name, field in form.fields.items():
        choices = []
        if hasattr(field.widget, "choices"):
            # Through iter(): list() would first ask a model choice iterator its length, a
            # COUNT query of its own.
            choices = list(iter(field.widget.choices))
            field.widget.choices = choices
        parts.append((name, _plain(form[name].value()), _plain(choices)))
    return repr(parts)


def rendered_fragment(template_name: str, context: dict, *, key: str) -> str:
    """``template_name`` rendered with ``context`` (no request: nothing per user or per
    session, no CSRF token), from the cache when the same template, language and ``key``
    were rendered before. ``key`` must name everything in ``context`` the template shows."""
    part = f"{template_name}:{_source_hash(template_name)}:{translation.get_language()}:{key}"
    return cached(NAME, lambda: render_to_string(template_name, context), part=part)
