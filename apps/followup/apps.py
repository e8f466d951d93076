from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "apps.followup"
    verbose_name = _("Agreements, implementation and feedback")
