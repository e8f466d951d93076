import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

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
    """1 USD = 0.8 EUR = 150 JPY = 10 NOK (CHF deliberately has no rate), from the first day of
    TODAY's month and of the real today's month (the rate of a day is one of its own month)."""
    day = TODAY - datetime.timedelta(days=5)
    months = {TODAY.replace(day=1), timezone.localdate().replace(day=1), day}
    for currency, rate in (("EUR", "0.8"), ("JPY", "150"), ("NOK", "10")):
        for valid_on in months:
            ExchangeRate.objects.update_or_create(
                currency=currency, valid_on=valid_on, defaults={"rate_per_usd": Decimal(rate)}
            )
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


def make_coordinator(user):
    """``user`` (a UNODA officer) made a coordinator, who records the exchange rates."""
    from django.contrib.auth.models import Group

    from apps.core.selectors import COORDINATORS_GROUP

    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(user)
    return user
