from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks  # noqa: F401 - registers the start-up checks
        from .models import PortalSettings
        from .reference import watch
        from .selectors import PORTAL_SETTINGS

        watch(PortalSettings, PORTAL_SETTINGS)
