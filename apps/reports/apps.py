from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = _("Reports")

    def ready(self):
        from apps.cases.models import (
            AssistanceRequest,
            Category,
            RequestGroupObjectPermission,
            RequestUserObjectPermission,
            StatusChange,
        )
        from apps.core.reference import watch, watch_links
        from apps.followup.models import Agreement
        from apps.funding.models import Commitment, Disbursement, ExchangeRate
        from apps.organizations.models import Organization

        from .selectors import DASHBOARD_LIVE

        # The figures kept per scope (``selectors.dashboard_data``) are counted again once any
        # row they are counted from, or any grant of a case, changes.
        for model in (
            AssistanceRequest,
            StatusChange,
            Category,
            Commitment,
            Disbursement,
            Agreement,
            ExchangeRate,
            Organization,
            RequestGroupObjectPermission,
            RequestUserObjectPermission,
        ):
            watch(model, DASHBOARD_LIVE)
        watch_links(AssistanceRequest.categories.through, DASHBOARD_LIVE)
