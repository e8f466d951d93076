"""Reads whose SQL the ORM builds once per process, then runs again with new values.

Django builds and compiles a queryset's SQL on every run. For the small reads of a page that
costs more than the database's answer: on this project's machines about 0.3-0.6 ms of Python
a query against 0.1-0.3 ms in PostgreSQL (docs/performance.md). A page that runs the same
reads on every view builds them once with ``prepared``::

    timeline = prepared(
        lambda _shape, case_id: StatusChange.objects.filter(request_id=case_id).values("to_status"),
        case_id=int,
    )
    rows = timeline(case_id=case.pk)  # the same list of dicts as list(queryset)

How it works: the first call builds the queryset with a marker in place of each value (an
integer or a text no real value has), compiles it and keeps the SQL, the compiler (which knows
how to turn the database's answer into what the queryset would have given: converters,
instances, ``select_related`` rows, annotations) and where each marker sits among the SQL's
parameters. Later calls only put the values in place of the markers and run the SQL.

Rules for a builder, which tests must cover (``prepared`` checks what it can):
- Every value that changes between calls is a keyword argument, passed to a plain equality
  (``field=value``, ``field__in=[value]``): each must reach the SQL's parameters unchanged.
- Anything else the SQL depends on is part of the ``shape``: a hashable of everything that
  picks the query's form or a value baked into it (a user's organizations, today's date). The
  current language is always part of it (modeltranslation names columns by language), and so
  is the database connection.
- Only model rows (with ``select_related`` and annotations), ``values()`` and plain
  ``values_list()`` rows; no ``prefetch_related``, no slicing that depends on a value.
"""

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.utils.translation import get_language

_INT_MARKER = -2_000_000_000  # within a 32-bit integer column; no key, count or amount is one
_TEXT_MARKER = "\x00prepared:{}\x00"
# Per prepared read and connection, the forms seen last are kept: a list's form (its compiled
# query) takes about 100 KiB, so at most about 6 MiB a list and connection. A form pushed out is
# built again when next asked for, as Django builds every query.
SHAPES_KEPT = 64
_SERIALS = itertools.count()


@dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: the query can return nothing (Django's EmptyResultSet)
    params: tuple
    slots: dict[str, list[int]]  # name -> positions of its marker in params
    compiler: object
    iterable: type  # ModelIterable, ValuesIterable or ValuesListIterable
    converters: dict | None = None  # SQLCompiler.get_converters of the columns, found once
    composite: bool = False  # a composite key among the columns: Django's own path


class Prepared:
    def __init__(self, build: Callable[..., QuerySet], kinds: dict[str, type]):
        self.build = build
        self.kinds = kinds
        self._lock = threading.Lock()
        self._serial = next(_SERIALS)  # its name on a connection (an id() can be reused)

    def __call__(self, *, shape: Hashable = (), **values) -> list:
        if set(values) != set(self.kinds):
            raise TypeError(f"prepared read takes {sorted(self.kinds)}, got {sorted(values)}")
        connection = connections["default"]
        key = (get_language(), shape)
        compiled = self._lookup(connection, key)
        if compiled is None:
            compiled = self._compile(connection, shape)
            self._keep(connection, key, compiled)
        if compiled.sql is None:
            return []
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            for position in positions:
                params[position] = values[name]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _results(compiled, rows, connection.alias)

    def _kept(self, connection) -> OrderedDict:
        # Kept on the connection (one per thread): its compiler runs on that connection.
        every = connection.__dict__.setdefault("portal_prepared", {})
        return every.setdefault(self._serial, OrderedDict())

    def _lookup(self, connection, key):
        with self._lock:
            kept = self._kept(connection)
            if key not in kept:
                return None
            kept.move_to_end(key)
            return kept[key]

    def _keep(self, connection, key, compiled) -> None:
        with self._lock:
            kept = self._kept(connection)
            kept[key] = compiled
            while len(kept) > SHAPES_KEPT:
                kept.popitem(last=False)

    def _compile(self, connection, shape) -> _Compiled:
        markers = {
            name: _INT_MARKER - index if kind is int else _TEXT_MARKER.format(name)
            for index, (name, kind) in enumerate(sorted(self.kinds.items()))
        }
        queryset = self.build(shape, **markers)
        if queryset._iterable_class not in (ModelIterable, ValuesIterable, ValuesListIterable):
            raise ImproperlyConfigured("prepared reads give model rows, values() or values_list()")
        if queryset._prefetch_related_lookups:
            raise ImproperlyConfigured("prepared reads cannot prefetch")
        compiler = queryset.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Compiled(None, (), {}, compiler, queryset._iterable_class)
        slots = {
            name: [i for i, param in enumerate(params) if param == marker]
            for name, marker in markers.items()
        }
        missing = [name for name, positions in slots.items() if not positions]
        if missing:
            raise ImproperlyConfigured(
                f"prepared read: {missing} did not reach the SQL's parameters unchanged"
            )
        # What Django's results_iter works out on every run, worked out once.
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        return _Compiled(
            sql,
            tuple(params),
            slots,
            compiler,
            queryset._iterable_class,
            converters=compiler.get_converters(fields),
            composite=compiler.has_composite_fields(fields),
        )


def _results(compiled: _Compiled, rows: list, alias: str) -> list:
    compiler = compiled.compiler
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    if compiled.composite:
        rows = list(compiler.results_iter([rows]))
    elif compiled.converters:
        rows = list(compiler.apply_converters(rows, compiled.converters))
    query = compiler.query
    if compiled.iterable is ValuesListIterable:
        return [tuple(row) for row in rows]
    if compiled.iterable is ValuesIterable:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return [dict(zip(names, row, strict=True)) for row in rows]
    select, klass_info = compiler.select, compiler.klass_info
    model = klass_info["model"]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, alias)
    objects = []
    for row in rows:
        obj = model.from_db(alias, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in compiler.annotation_col_map.items():
            setattr(obj, name, row[position])
        objects.append(obj)
    return objects


def prepared(build: Callable[..., QuerySet], **kinds: type) -> Prepared:
    """A read built once per process, language and shape; see the module's documentation.
    ``kinds`` gives the type of each value (``int`` or ``str``); ``build`` takes the shape
    (``()`` when the caller gives none), then the values by name."""
    return Prepared(build, kinds)
