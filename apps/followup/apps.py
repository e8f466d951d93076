from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    name = "apps.followup"
    verbose_name = _("Agreements, implementation and feedback")

    def ready(self):
        from apps.core.history import track

        from .models import Agreement, Milestone

        # Each edit of an agreement or a milestone is kept field by field
        # (apps/core/history.py).
        track(Agreement)
        track(Milestone)
