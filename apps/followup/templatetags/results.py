"""Template tags of the results framework: an indicator's figures and its small chart."""

from django import template
from django.utils.translation import gettext as _

from apps.cases.models import IndicatorMeasure
from apps.core.templatetags.portal import quantity

from ..charts import indicator_chart, svg_number

register = template.Library()


# The one rule for a measured value (apps/core/templatetags/portal.py), in this library too.
register.filter("quantity", quantity)


@register.filter
def indicator_value(value, indicator) -> str:
    """``{{ value|indicator_value:indicator }}``: ``quantity``, with "%" for a percentage."""
    shown = quantity(value)
    if shown and indicator.measure == IndicatorMeasure.PERCENTAGE:
        return _("%(value)s%%") % {"value": shown}
    return shown


@register.filter
def coordinate(value) -> str:
    """``{{ dot.x|coordinate }}``: an SVG coordinate, "12.5" in every language."""
    return svg_number(value)


@register.inclusion_tag("followup/_indicator_chart.html")
def chart(standing):
    """``{% chart standing %}``: the inline SVG chart of an indicator (``charts.py``), with a
    description for screen readers; the values are also in the table next to it."""
    indicator = standing.indicator
    drawn = indicator_chart(indicator, standing.points)
    latest = standing.latest
    parts = [_("Chart of “%(indicator)s”.") % {"indicator": indicator.name}]
    if indicator.target_value is not None:
        parts.append(
            _("From the baseline of %(baseline)s to the target of %(target)s.")
            % {
                "baseline": indicator_value(indicator.baseline_value, indicator) or "—",
                "target": indicator_value(indicator.target_value, indicator),
            }
        )
    if latest is not None:
        parts.append(
            _("Latest value reached: %(value)s.")
            % {"value": indicator_value(latest.value, indicator)}
        )
    else:
        parts.append(_("No value reported yet."))
    return {"chart": drawn, "label": " ".join(parts), "indicator": indicator}
