"""The geometry of the small chart of an indicator on the case page: time across, value up,
the straight line from the baseline to the target (what ``apps.cases.results`` expects), the
target as a level, and the values reached as points. Pure functions of the indicator and its
points: no query, no markup (``followup/_indicator_chart.html`` draws it as inline SVG).

Coordinates are in the SVG's own units (``WIDTH`` by ``HEIGHT``, y growing downwards), rounded
to two decimals so that the page is stable. Values are drawn from zero up (an indicator's
values are never negative), to 100 for a percentage."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from apps.cases.models import IndicatorMeasure

WIDTH = 240
HEIGHT = 90
PAD = 8  # room around the plot, so that a point on the edge shows whole


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    date: datetime.date
    value: Decimal


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plan: Segment | None  # baseline to target, along the dates
    target: Segment | None  # the target's level, across the plot
    axis: Segment  # the zero line
    dots: tuple[Dot, ...]  # the values reached, oldest first

    @property
    def polyline(self) -> str:
        """The values reached joined, as an SVG ``points`` attribute."""
        return " ".join(f"{svg_number(dot.x)},{svg_number(dot.y)}" for dot in self.dots)


def svg_number(number: float) -> str:
    """A coordinate as SVG reads it, whatever the language: "12.5", never "12,5" or "12.50"."""
    return f"{number:.2f}".rstrip("0").rstrip(".")


def date_range(indicator, points) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day the chart spans: the baseline date, the target date and the
    points' days (None without any day)."""
    days = [day for day in (indicator.baseline_date, indicator.target_date) if day is not None]
    days += [point.date for point in points]
    if not days:
        return None
    return min(days), max(days)


def value_top(indicator, points) -> Decimal:
    """The value at the top of the plot: 100 for a percentage, else the largest of the
    baseline, the target and the values reached (1 when all are zero)."""
    if indicator.measure == IndicatorMeasure.PERCENTAGE:
        return Decimal(100)
    values = [v for v in (indicator.baseline_value, indicator.target_value) if v is not None]
    values += [point.value for point in points]
    top = max(values, default=Decimal(0))
    return top if top > 0 else Decimal(1)


def scale_x(day: datetime.date, start: datetime.date, end: datetime.date, width=WIDTH) -> float:
    """Where ``day`` falls across the plot (the middle when the chart spans a single day)."""
    span = (end - start).days
    if span <= 0:
        return round(width / 2, 2)
    return round(PAD + (day - start).days / span * (width - 2 * PAD), 2)


def scale_y(value: Decimal, top: Decimal, height=HEIGHT) -> float:
    """Where ``value`` falls up the plot (zero at the bottom, ``top`` at the top)."""
    share = min(max(Decimal(value) / top, Decimal(0)), Decimal(1))
    return round(height - PAD - float(share) * (height - 2 * PAD), 2)


def indicator_chart(indicator, points, *, width=WIDTH, height=HEIGHT) -> Chart | None:
    """The chart of ``indicator`` and its ``points`` (``apps.cases.results.Point``, any order):
    None when there is nothing to draw (no value reached and no target)."""
    points = sorted(points, key=lambda point: point.date)
    if not points and indicator.target_value is None:
        return None
    top = value_top(indicator, points)
    days = date_range(indicator, points)
    plan = target = None
    if indicator.target_value is not None:
        level = scale_y(indicator.target_value, top, height)
        target = Segment(PAD, level, width - PAD, level)
    if (
        days is not None
        and indicator.baseline_value is not None
        and indicator.target_value is not None
        and indicator.baseline_date is not None
        and indicator.target_date is not None
    ):
        start, end = days
        plan = Segment(
            scale_x(indicator.baseline_date, start, end, width),
            scale_y(indicator.baseline_value, top, height),
            scale_x(indicator.target_date, start, end, width),
            scale_y(indicator.target_value, top, height),
        )
    dots = ()
    if points:
        start, end = days
        dots = tuple(
            Dot(
                scale_x(point.date, start, end, width),
                scale_y(point.value, top, height),
                point.date,
                point.value,
            )
            for point in points
        )
    bottom = height - PAD
    return Chart(
        width=width,
        height=height,
        plan=plan,
        target=target,
        axis=Segment(PAD, bottom, width - PAD, bottom),
        dots=dots,
    )
