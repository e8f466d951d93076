from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "apps.funding"
    verbose_name = _("Funding and matching")

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.core.reference import forget, watch

        from .models import ExchangeRate
        from .selectors import EXCHANGE_RATES

        watch(ExchangeRate, EXCHANGE_RATES)
        post_migrate.connect(
            lambda **_kwargs: forget(EXCHANGE_RATES),
            weak=False,
            dispatch_uid="funding.forget_reference",
        )
