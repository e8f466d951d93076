from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "apps.organizations"
    verbose_name = _("Organizations")

    def ready(self):
        from apps.core.history import track

        from .models import Organization

        # Each edit of an organisation, its name and acronym in every language included, is
        # kept field by field (apps/core/history.py).
        track(Organization)
