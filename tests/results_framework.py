"""A results framework for tests of actuals (written with the ORM: the framework's own services
and wizard are tested with them)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from apps.cases.models import Indicator, IndicatorMeasure, Result, ResultLevel


def make_framework(case) -> SimpleNamespace:
    """One outcome measured by a percentage of sites, and one output serving it measured by
    weapons marked and by people trained (counted by sex), over 2026."""
    outcome = Result.objects.create(
        request=case, level=ResultLevel.OUTCOME, statement="Weapons are stored safely"
    )
    output = Result.objects.create(
        request=case, level=ResultLevel.OUTPUT, outcome=outcome, statement="Armouries equipped"
    )
    start, end = datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)
    sites = Indicator.objects.create(
        result=outcome,
        name="Share of sites meeting the standard",
        measure=IndicatorMeasure.PERCENTAGE,
        baseline_value=Decimal(10),
        baseline_date=start,
        target_value=Decimal(50),
        target_date=end,
    )
    marked = Indicator.objects.create(
        result=output,
        name="Weapons marked",
        unit="weapons",
        baseline_value=Decimal(0),
        baseline_date=start,
        target_value=Decimal(1000),
        target_date=end,
    )
    trained = Indicator.objects.create(
        result=output,
        position=1,
        name="People trained",
        unit="people",
        by_sex=True,
        baseline_value=Decimal(0),
        baseline_date=start,
        target_value=Decimal(40),
        target_date=end,
    )
    return SimpleNamespace(
        outcome=outcome, output=output, sites=sites, marked=marked, trained=trained
    )
