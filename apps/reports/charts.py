"""Charts drawn on the server as SVG (pygal): no JavaScript, nothing fetched from the internet."""

import base64
import re

import pygal
from django.utils.html import format_html
from pygal.style import DefaultStyle


def _config(chart, title):
    chart.title = str(title)
    chart.js = []  # no <script>: the SVG is static
    chart.print_values = False
    chart.show_legend = True
    chart.legend_at_bottom = True
    chart.truncate_label = 30
    chart.x_label_rotation = 30
    return chart


SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _render(chart) -> str:
    """The SVG without pygal's configuration script (tooltips need it; the table beside each
    chart has the numbers), as an image: the page's Content-Security-Policy allows no inline
    <style>, and an SVG shown as an image keeps its own styles and can run nothing."""
    svg = SCRIPT.sub("", chart.render(is_unicode=True, disable_xml_declaration=True))
    data = base64.b64encode(svg.encode()).decode()
    return format_html('<img class="chart-image" alt="" src="data:image/svg+xml;base64,{}">', data)


def bar(title, labels, series: dict) -> str:
    chart = _config(pygal.Bar(style=DefaultStyle, height=360, width=760), title)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        chart.add(str(name), [float(value) if value is not None else None for value in values])
    return _render(chart)


def horizontal(title, labels, values, *, name) -> str:
    chart = _config(pygal.HorizontalBar(style=DefaultStyle, height=360, width=760), title)
    chart.x_labels = [str(label) for label in labels]
    chart.add(str(name), [float(value) if value is not None else None for value in values])
    return _render(chart)
