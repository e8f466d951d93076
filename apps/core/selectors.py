from django.conf import settings

from .models import PortalSettings


def portal_settings() -> PortalSettings:
    """The portal settings row, or an unsaved one holding the defaults from the settings."""
    row = PortalSettings.objects.filter(pk=PortalSettings.SINGLETON_PK).first()
    if row is None:
        row = PortalSettings(
            pk=PortalSettings.SINGLETON_PK,
            publish_min_completeness=settings.PORTAL_PUBLISH_MIN_COMPLETENESS,
            pledge_ageing_days=settings.PORTAL_PLEDGE_AGEING_DAYS,
        )
    return row
