from collections import defaultdict

from django.conf import settings
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast

from .models import PortalSettings
from .reference import cached

PORTAL_SETTINGS = "portal-settings"  # kept between requests (apps/core/reference.py)


def portal_settings() -> PortalSettings:
    """The portal settings row, or an unsaved one holding the defaults from the settings.
    Kept between requests; a service (in a transaction) reads the row itself."""
    return cached(PORTAL_SETTINGS, _portal_settings)


def _portal_settings() -> PortalSettings:
    row = PortalSettings.objects.filter(pk=PortalSettings.SINGLETON_PK).first()
    if row is None:
        row = PortalSettings(
            pk=PortalSettings.SINGLETON_PK,
            publish_min_completeness=settings.PORTAL_PUBLISH_MIN_COMPLETENESS,
            pledge_ageing_days=settings.PORTAL_PLEDGE_AGEING_DAYS,
        )
    return row


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
