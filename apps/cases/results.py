"""How an indicator of a results framework stands against its target: the one place that says
what "on schedule", "behind schedule" and "target met" mean. Pages, feedback forms, the
effectiveness views, reminders, the IATI export and the API all read these answers.

An indicator is expected to move from its baseline to its target along a straight line between
the baseline date and the target date. At the end of the latest reported period it is *behind
schedule* when it has covered less than ``ON_SCHEDULE_SHARE`` of the distance the line says it
should have covered by then, or when its target date has passed without the target being met.
A target is *met* when the latest value reached is at or beyond the target (at or below it for
an indicator whose aim is to bring the value down)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

# Share of the expected progress an indicator must have made to count as on schedule.
ON_SCHEDULE_SHARE = Decimal("0.8")


@dataclass(frozen=True)
class Point:
    """A value reached by the end of a reporting period."""

    date: datetime.date
    value: Decimal
    women: Decimal | None = None
    report_id: int | None = None  # the progress report that gave it
    evidence_id: int | None = None  # its evidence: an attachment of that report


@dataclass(frozen=True)
class Standing:
    indicator: object
    points: tuple[Point, ...]  # oldest first
    latest: Point | None
    expected: Decimal | None  # where the straight line says the value should be at latest.date
    behind: bool
    met: bool | None  # None: no target, or nothing reported yet

    @property
    def share_of_target(self) -> Decimal | None:
        """The share of the distance from baseline to target covered (0 to 1, capped), or None
        when it cannot be said."""
        indicator = self.indicator
        if self.latest is None or indicator.target_value is None:
            return None
        baseline = indicator.baseline_value or Decimal(0)
        distance = _towards(indicator, indicator.target_value - baseline)
        if distance <= 0:
            return Decimal(1) if self.met else Decimal(0)
        covered = _towards(indicator, self.latest.value - baseline) / distance
        return max(Decimal(0), min(Decimal(1), covered))


def _towards(indicator, difference: Decimal) -> Decimal:
    """``difference`` counted in the indicator's good direction."""
    return difference if indicator.ascending else -difference


def expected_at(indicator, on: datetime.date) -> Decimal | None:
    """The value the straight line from baseline to target gives on ``on`` (None without a
    baseline, a target or their dates)."""
    if (
        indicator.baseline_value is None
        or indicator.target_value is None
        or indicator.baseline_date is None
        or indicator.target_date is None
        or indicator.target_date <= indicator.baseline_date
    ):
        return None
    span = (indicator.target_date - indicator.baseline_date).days
    elapsed = min(max((on - indicator.baseline_date).days, 0), span)
    share = Decimal(elapsed) / Decimal(span)
    return indicator.baseline_value + (indicator.target_value - indicator.baseline_value) * share


def target_met(indicator, value: Decimal | None) -> bool | None:
    if value is None or indicator.target_value is None:
        return None
    return _towards(indicator, value - indicator.target_value) >= 0


def standing(indicator, points, *, today: datetime.date) -> Standing:
    """How ``indicator`` stands given its reported ``points`` (any order)."""
    points = tuple(sorted(points, key=lambda point: point.date))
    latest = points[-1] if points else None
    met = target_met(indicator, latest.value if latest else None)
    expected = expected_at(indicator, latest.date) if latest else None
    behind = False
    if latest is not None and met is False:
        if indicator.target_date is not None and today > indicator.target_date:
            behind = True
        elif expected is not None:
            baseline = indicator.baseline_value
            due = _towards(indicator, expected - baseline)
            made = _towards(indicator, latest.value - baseline)
            behind = due > 0 and made < due * ON_SCHEDULE_SHARE
    return Standing(
        indicator=indicator,
        points=points,
        latest=latest,
        expected=expected,
        behind=behind,
        met=met,
    )
