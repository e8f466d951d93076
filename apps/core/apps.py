from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_migrate

        from .models import PortalSettings
        from .reference import forget, watch
        from .selectors import PORTAL_SETTINGS

        watch(PortalSettings, PORTAL_SETTINGS)
        post_migrate.connect(
            lambda **_kwargs: forget(PORTAL_SETTINGS),
            weak=False,
            dispatch_uid="core.forget_reference",
        )
