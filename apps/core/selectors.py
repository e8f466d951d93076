from collections import defaultdict

from django.conf import settings
from django.db.models import Aggregate, CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat, StrIndex, Upper
from django.db.models.lookups import GreaterThan

from .models import PortalSettings
from .reference import cached

PORTAL_SETTINGS = "portal-settings"  # kept between requests (apps/core/reference.py)


def portal_settings() -> PortalSettings:
    """The portal settings row, or an unsaved one holding the defaults from the settings.
    Kept between requests; a service (in a transaction) reads the row itself, and so does a
    rule that runs outside one (``portal_settings_read``)."""
    return cached(PORTAL_SETTINGS, portal_settings_read)


def portal_settings_read() -> PortalSettings:
    """``portal_settings`` read from the database, never from the cache."""
    row = PortalSettings.objects.filter(pk=PortalSettings.SINGLETON_PK).first()
    if row is None:
        row = PortalSettings(
            pk=PortalSettings.SINGLETON_PK,
            publish_min_completeness=settings.PORTAL_PUBLISH_MIN_COMPLETENESS,
            pledge_ageing_days=settings.PORTAL_PLEDGE_AGEING_DAYS,
        )
    return row


class _Joined(Aggregate):
    """The values of a group joined as one text, "3,7", in no particular order."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS text), ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def text_in(text: str, *fields: str) -> Q:
    """The rows where one of ``fields`` contains ``text``, in any case (as ``icontains``),
    written ``STRPOS(UPPER(field), UPPER(text)) > 0``: the text is one parameter, as given (a
    read whose SQL is built once puts each search in its place, see apps/core/prepared.py),
    and a ``%`` or ``_`` in it stands for itself."""
    needle = Upper(Value(text, output_field=CharField()))
    found = Q()
    for field in fields:
        found |= Q(GreaterThan(StrIndex(Upper(field), needle), 0))
    return found


def keys_of(links: QuerySet, owner: str, key: str) -> Subquery:
    """An annotation: the keys of a row's links (the rows of ``links`` whose ``owner`` is that
    row) as one text, "3,7", or None when it has none. A page's rows then bring their links
    in their own query, without a query of their own (see ``keys_by_owner`` for links read
    apart)."""
    return _joined_per_row(links, owner, key)


def pairs_of(links: QuerySet, owner: str, first: str, second: str) -> Subquery:
    """An annotation, as ``keys_of``: each (``first``, ``second``) of a row's links as one
    text, "EUR 1000.00,USD 5", in no particular order (``split_pairs`` reads it)."""
    pair = Concat(first, Value(" "), Cast(second, CharField()), output_field=CharField())
    return _joined_per_row(links, owner, pair)


def _joined_per_row(links: QuerySet, owner: str, expression) -> Subquery:
    return Subquery(
        links.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(joined=_Joined(expression))
        .values("joined")
    )


def split_pairs(text: str | None) -> list[tuple[str, str]]:
    """The pairs that ``pairs_of`` gave."""
    return [tuple(pair.split(" ", 1)) for pair in text.split(",")] if text else []


def split_keys(text: str | None) -> list[int]:
    """The keys that ``keys_of`` gave."""
    return [int(key) for key in text.split(",")] if text else []


def keys_by_owner(links: dict[str, tuple[QuerySet, str, str]]) -> dict[str, dict[int, list[str]]]:
    """Several link tables read in one query (``UNION ALL``), for pages that need only the
    keys of each row's links (a prefetch reads each relation in a query of its own, and builds
    instances). ``links`` names each part: ``(rows, owner field, key field)``; the answer
    gives, for each name, each owner's keys as text, in no particular order."""
    parts = [
        # No ORDER BY in a part: SQLite refuses it inside a compound statement.
        rows.order_by().values_list(
            Value(name, output_field=CharField()), owner, Cast(key, CharField())
        )
        for name, (rows, owner, key) in links.items()
    ]
    found: dict[str, dict[int, list[str]]] = {name: defaultdict(list) for name in links}
    first, *rest = parts
    for name, owner_id, key in first.union(*rest, all=True) if rest else first:
        found[name][owner_id].append(key)
    return found
