from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.db.models.signals import m2m_changed

        from apps.cases.models import (
            AssistanceRequest,
            Category,
            RequestGroupObjectPermission,
            RequestUserObjectPermission,
            StatusChange,
        )
        from apps.core.reference import forget, watch
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
        m2m_changed.connect(
            lambda **_kwargs: forget(DASHBOARD_LIVE),
            sender=AssistanceRequest.categories.through,
            weak=False,
            dispatch_uid=f"{DASHBOARD_LIVE}:categories",
        )
