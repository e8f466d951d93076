import datetime
from decimal import Decimal

import pytest

from apps.cases.models import AssistanceKind, Category
from apps.funding.models import (
    Commitment,
    CommitmentChange,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    Offer,
)

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def cat(db):
    return {c.code: c for c in Category.objects.all()}


@pytest.fixture
def kind(db):
    return {k.code: k for k in AssistanceKind.objects.all()}


@pytest.fixture
def rates(db):
    """1 USD = 0.8 EUR = 150 JPY = 10 NOK (CHF deliberately has no rate)."""
    day = TODAY - datetime.timedelta(days=5)
    for currency, rate in (("EUR", "0.8"), ("JPY", "150"), ("NOK", "10")):
        ExchangeRate.objects.create(currency=currency, rate_per_usd=Decimal(rate), valid_on=day)
    # An older EUR rate that must not be used for later dates.
    ExchangeRate.objects.create(
        currency="EUR", rate_per_usd=Decimal("0.5"), valid_on=day - datetime.timedelta(days=60)
    )


def funding_snapshot():
    return (
        list(Commitment.objects.order_by("pk").values_list("pk", "status", "amount", "currency")),
        Disbursement.objects.count(),
        CommitmentChange.objects.count(),
        list(ExpressionOfInterest.objects.order_by("pk").values_list("pk", "status")),
        list(Offer.objects.order_by("pk").values_list("pk", "title", "amount_max")),
    )
