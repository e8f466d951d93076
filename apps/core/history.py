"""Field-by-field history of the records people edit, kept by django-simple-history.

Each tracked model gets a historical table (``<app>_historical<model>``): one row per save,
with every column's value after the save, who saved it (``history_user``) and when. The apps
register their models from ``AppConfig.ready()``: modeltranslation, earlier in
``INSTALLED_APPS``, has by then added the per-language columns (``title_fr``...), so each
language's text is kept. The services name the actor (``by``); a page's change is also
recorded under the signed-in user by simple-history's middleware.

What is kept: every save through the model (services, the admin). What is not: writes that
bypass ``save()`` (``QuerySet.update``, ``bulk_create``), which the portal uses only for
bookkeeping columns and to backdate the demo data; and many-to-many fields (categories, kinds,
donors), which their own services audit.

Reading: ``edits`` turns a model's historical rows into the changes people made, with the
field's label and each value as a reader sees it (a choice by its label, a date and a number
in the reader's language), computed from the rows in memory: one query per model, however
many rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import simple_history
from django.db import models
from django.template.defaultfilters import yesno
from django.utils import formats
from django.utils.module_loading import import_string
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from modeltranslation.fields import TranslationField
from simple_history.models import HistoricalRecords

# Columns never kept: the bookkeeping time of the last save and the case's generated search
# column (the database writes it from the title and reference, both kept).
NOT_KEPT = ("updated_at", "search_text")


class TranslatedHistoricalRecords(HistoricalRecords):
    """Historical records that copy modeltranslation's per-language columns as plain columns.
    A per-language column describes itself (``deconstruct``) as the field it translates, so
    simple-history's copy would carry that field's unique constraint into the historical table
    (an organisation's name is unique; its history holds the same name many times) and its
    label without the language (django-simple-history issue 1299)."""

    def copy_fields(self, model):
        fields = super().copy_fields(model)
        for name, copied in fields.items():
            if isinstance(copied, TranslationField):
                _name, path, args, kwargs = copied.deconstruct()
                indexed = kwargs.pop("unique", False) or kwargs.get("db_index", False)
                kwargs.update(db_index=indexed, verbose_name=copied.verbose_name)
                plain = import_string(path)(*args, **kwargs)
                plain.name = name
                fields[name] = plain
        return fields


def track(model: type[models.Model]) -> None:
    """Keep a historical row of ``model`` at each save (from the app's ``ready()``)."""
    names = {f.name for f in model._meta.get_fields()}
    simple_history.register(
        model,
        records_class=TranslatedHistoricalRecords,
        excluded_fields=[name for name in NOT_KEPT if name in names],
        user_related_name="+",
    )


def by(instance: models.Model, actor) -> models.Model:
    """Record ``actor`` as who makes the next saves of ``instance`` (django-simple-history's
    documented ``_history_user``); a service's actor counts even outside a web request."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        instance._history_user = actor
    return instance


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Edit:
    """One save that changed what a reader may see: who, when, which record (its kind, the
    model's name, and its own name, if it has one), what changed."""

    when: datetime.datetime
    user: object | None
    kind: str
    name: str
    changes: list[FieldChange] = field(default_factory=list)
    # The historical row itself, for the caller's own filters.
    row: object = None
    previous: object = None


def shown_fields(model: type[models.Model], hidden: Iterable[str] = ()) -> list[models.Field]:
    """The fields of ``model`` people edit, as shown in a history: the editable concrete
    columns (a translated field by its per-language columns, not the column modeltranslation
    mirrors them into), less ``hidden``."""
    from modeltranslation.translator import NotRegistered, translator

    try:
        translated = set(translator.get_options_for_model(model).fields)
    except NotRegistered:
        translated = set()
    skip = {*hidden, *translated, *NOT_KEPT}
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in skip
    ]


EMPTY = "—"


def display(model_field: models.Field, value, related: dict) -> str:
    """``value`` of ``model_field`` as the reader reads it (their language, active when
    called). ``related``: the related rows by model and id, read beforehand."""
    if value is None or value == "":
        return EMPTY
    if model_field.is_relation:
        target = related.get(model_field.related_model, {}).get(value)
        if target is None:  # deleted since
            return f"#{value}"
        if hasattr(target, "get_full_name"):
            return target.get_full_name() or target.get_username()
        return str(target)
    if model_field.flatchoices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return yesno(value)  # Django's own "yes" and "no", in the reader's language
    if isinstance(value, Decimal):  # amounts, grouped as the page writes them
        return formats.number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, datetime.datetime | datetime.date | float | int):
        return formats.localize(value, use_l10n=True)
    return str(value)


def _capitalized(text) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _label(model_field: models.Field) -> str:
    """The field's name in the reader's language; a per-language column by its field and the
    language ("Title (French)")."""
    if isinstance(model_field, TranslationField):
        return _("%(field)s (%(language)s)") % {
            "field": _capitalized(model_field.translated_field.verbose_name),
            "language": get_language_info(model_field.language)["name_translated"],
        }
    return _capitalized(model_field.verbose_name)


def _read_related(wanted: dict[type, set]) -> dict[type, dict]:
    """The related rows named by changed values: one query per related model."""
    return {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items()}


def edits(
    rows: Iterable,
    *,
    fields: list[models.Field],
    name: Callable[[object], str] = lambda _row: "",
    shown: Callable[[object, object], bool] | None = None,
) -> list[Edit]:
    """The edits among historical ``rows`` (of one model, ordered by object, then time): each
    row compared with the row before it of the same object, the changes in ``fields`` only; a
    save that changed none of them is left out, and so is a record's creation. ``name(row)``: the
    record's own name, shown after the kind of record; ``shown(before,
    row)`` leaves out the edits a reader may not see. The values of relations that changed
    are read at the end, one query per related model."""
    pairs = []
    previous = None
    for row in rows:
        before = previous if previous is not None and previous.id == row.id else None
        previous = row
        if before is None or row.history_type != "~":
            continue
        if shown is not None and not shown(before, row):
            continue
        changed = [f for f in fields if getattr(before, f.attname) != getattr(row, f.attname)]
        if changed:
            pairs.append((before, row, changed))
    wanted: dict[type, set] = {}
    for before, row, changed in pairs:
        for f in changed:
            if f.is_relation:
                for value in (getattr(before, f.attname), getattr(row, f.attname)):
                    if value is not None:
                        wanted.setdefault(f.related_model, set()).add(value)
    related = _read_related(wanted)
    kind = _capitalized(fields[0].model._meta.verbose_name) if fields else ""
    return [
        Edit(
            when=row.history_date,
            user=row.history_user,
            kind=kind,
            name=name(row),
            changes=[
                FieldChange(
                    label=_label(f),
                    old=display(f, getattr(before, f.attname), related),
                    new=display(f, getattr(row, f.attname), related),
                )
                for f in changed
            ],
            row=row,
            previous=before,
        )
        for before, row, changed in pairs
    ]
