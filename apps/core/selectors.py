from django.conf import settings
from django.contrib.auth import get_user_model

from apps.organizations.selectors import user_is_unoda

from .models import PortalSettings
from .reference import cached

PORTAL_SETTINGS = "portal-settings"  # kept between requests (apps/core/reference.py)
# The "UNODA coordinator" role: this permission, held by this group (migration 0002); the
# admin grants the role by adding a UNODA officer to the group.
COORDINATE_PERMISSION = "core.coordinate"
COORDINATORS_GROUP = "UNODA coordinators"


def user_is_coordinator(user) -> bool:
    """A UNODA officer who may set the exchange rates and the portal settings (other officers
    read them)."""
    return user_is_unoda(user) and user.has_perm(COORDINATE_PERMISSION)


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
            submit_min_completeness=settings.PORTAL_SUBMIT_MIN_COMPLETENESS,
            publish_min_completeness=settings.PORTAL_PUBLISH_MIN_COMPLETENESS,
            pledge_ageing_days=settings.PORTAL_PLEDGE_AGEING_DAYS,
        )
    return row


def coordinator_emails() -> list[str]:
    """The e-mail addresses of the active UNODA coordinators (the security alerts go to them)."""
    return list(
        get_user_model()
        .objects.filter(groups__name=COORDINATORS_GROUP, is_active=True, is_unoda_officer=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
