from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The pages that bring the other apps together: the home page, UNODA's queue and the case
    page (cases, funding and follow-up on one screen), and the demo data. Nothing imports it."""

    name = "apps.portal"
    verbose_name = _("Portal pages")
