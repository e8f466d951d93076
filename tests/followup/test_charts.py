"""The geometry of an indicator's chart (apps/followup/charts.py): pure functions, no database."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from apps.cases.models import IndicatorMeasure
from apps.cases.results import Point
from apps.followup.charts import (
    HEIGHT,
    PAD,
    WIDTH,
    date_range,
    indicator_chart,
    scale_x,
    scale_y,
    svg_number,
    value_top,
)

JAN, JUL, DEC = datetime.date(2026, 1, 1), datetime.date(2026, 7, 2), datetime.date(2026, 12, 31)


def indicator(**fields):
    values = {
        "measure": IndicatorMeasure.UNIT,
        "baseline_value": Decimal(0),
        "baseline_date": JAN,
        "target_value": Decimal(1000),
        "target_date": DEC,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def test_time_runs_across_from_the_first_day_to_the_last():
    assert scale_x(JAN, JAN, DEC) == PAD
    assert scale_x(DEC, JAN, DEC) == WIDTH - PAD
    middle = scale_x(JUL, JAN, DEC)
    assert abs(middle - WIDTH / 2) < 1
    # A chart of a single day puts it in the middle.
    assert scale_x(JAN, JAN, JAN) == WIDTH / 2


def test_values_go_up_from_zero_and_stay_inside_the_plot():
    assert scale_y(Decimal(0), Decimal(1000)) == HEIGHT - PAD
    assert scale_y(Decimal(1000), Decimal(1000)) == PAD
    assert scale_y(Decimal(500), Decimal(1000)) == HEIGHT / 2
    assert scale_y(Decimal(5000), Decimal(1000)) == PAD  # beyond the top: on the edge


def test_the_top_is_the_largest_figure_or_100_for_a_percentage():
    points = [Point(JUL, Decimal(1200))]
    assert value_top(indicator(), points) == Decimal(1200)
    assert value_top(indicator(), []) == Decimal(1000)
    assert value_top(indicator(measure=IndicatorMeasure.PERCENTAGE, target_value=50), []) == 100
    assert value_top(indicator(baseline_value=None, target_value=None), []) == 1


def test_the_dates_span_baseline_target_and_points():
    late = datetime.date(2027, 3, 31)
    assert date_range(indicator(), [Point(late, Decimal(1))]) == (JAN, late)
    assert date_range(indicator(baseline_date=None, target_date=None), []) is None


def test_the_chart_draws_the_plan_the_target_and_each_value_reached():
    chart = indicator_chart(
        indicator(), [Point(DEC, Decimal(1000)), Point(JUL, Decimal(250))]
    )  # any order
    assert (chart.plan.x1, chart.plan.y1) == (PAD, HEIGHT - PAD)
    assert (chart.plan.x2, chart.plan.y2) == (WIDTH - PAD, PAD)
    assert chart.target.y1 == chart.target.y2 == PAD
    assert [dot.date for dot in chart.dots] == [JUL, DEC]  # oldest first
    assert chart.dots[1].y == PAD
    assert chart.polyline == " ".join(
        f"{svg_number(dot.x)},{svg_number(dot.y)}" for dot in chart.dots
    )


def test_without_dates_there_is_no_plan_line_but_the_target_level_shows():
    chart = indicator_chart(indicator(baseline_date=None), [Point(JUL, Decimal(10))])
    assert chart.plan is None
    assert chart.target is not None
    assert len(chart.dots) == 1


def test_nothing_to_draw_without_a_target_or_a_value():
    assert indicator_chart(indicator(target_value=None), []) is None
    only_values = indicator_chart(indicator(target_value=None), [Point(JUL, Decimal(3))])
    assert only_values.target is None
    assert only_values.plan is None


def test_coordinates_are_written_for_svg_in_every_language():
    assert svg_number(12.5) == "12.5"
    assert svg_number(8.0) == "8"
    assert svg_number(14.756) == "14.76"
