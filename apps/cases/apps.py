from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "apps.cases"
    verbose_name = _("Assistance requests")

    def ready(self):
        from apps.core.history import track
        from apps.core.reference import watch

        from .models import AssistanceRequest, Category, Indicator, Result

        # Each edit of a request, and of its results framework, is kept field by field
        # (apps/core/history.py).
        track(AssistanceRequest)
        track(Result)
        track(Indicator)
        from .selectors import CATEGORIES

        # The rows kept between requests (apps/core/reference.py) are read again after a
        # change.
        watch(Category, CATEGORIES)
