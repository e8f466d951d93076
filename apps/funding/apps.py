from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "apps.funding"
    verbose_name = _("Funding and matching")

    def ready(self):
        from apps.core.history import track
        from apps.core.reference import watch

        from .models import Commitment, ExchangeRate, Offer

        # Each edit of an offer or a commitment is kept field by field (apps/core/history.py).
        track(Offer)
        track(Commitment)
        from .selectors import EXCHANGE_RATES

        watch(ExchangeRate, EXCHANGE_RATES)
        from .matching import watch_rankings

        watch_rankings()
