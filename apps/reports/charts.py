"""Charts drawn on the server as SVG (pygal): no JavaScript, nothing fetched from the internet."""

import base64
import re

import pygal
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_bidi, gettext
from pygal.style import DefaultStyle

WIDTH = 760
# The page's fonts (static/portal.css): not pygal's monospace, which has no Arabic or Chinese.
FONTS = {
    "ar": '"Noto Sans Arabic", "Noto Naskh Arabic", "Noto Sans", sans-serif',
    "zh-hans": '"Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", sans-serif',
}
PAGE_FONT = '"Noto Sans", system-ui, sans-serif'


def _style():
    font = FONTS.get(get_language() or "", PAGE_FONT)
    # "No data" at the size of a title: pygal's 64 px overflows the chart in most languages.
    return DefaultStyle(font_family=font, no_data_font_size=24)


def _config(chart, title):
    chart.title = str(title)
    chart.no_data_text = gettext("No data to chart")
    chart.js = []  # no <script>: the SVG is static
    chart.print_values = False
    chart.show_legend = True
    chart.legend_at_bottom = True
    chart.truncate_label = 30
    chart.x_label_rotation = 30
    return chart


SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
TEXT = re.compile(r'<text x="([-\d.]+)"([^>]*)>([^<]*)')
ROTATION = re.compile(r' transform="rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)"')
# A run of Latin letters, digits and the signs that go with them ("US$", "EUR 1,000 (2026)"):
# isolated left to right (LRI ... PDI) so that right-to-left text does not reorder it.
LATIN_RUN = re.compile(
    r"(?<![&#A-Za-z0-9])(?:[A-Za-z$€£¥][A-Za-z0-9$€£¥.,%/\- ]*[A-Za-z0-9$€£¥%]|[A-Za-z$])"
)


def _mirrored(svg: str) -> str:
    """The chart as a right-to-left reader expects it: the drawing flipped (the value axis on
    the right, the first category and the first legend entry on the right, horizontal bars
    growing to the left), each text flipped back around its own position so it reads
    normally, anchored from the right (direction rtl) and with Latin runs isolated."""

    def text_back(match):
        x, attributes, content = float(match.group(1)), match.group(2), match.group(3)
        turn = ""
        rotation = ROTATION.search(attributes)
        if rotation:
            attributes = ROTATION.sub("", attributes)
            angle, cx, cy = rotation.groups()
            turn = f" rotate({-float(angle)} {cx} {cy})"
        content = LATIN_RUN.sub(lambda run: f"\u2066{run.group(0)}\u2069", content)
        return (
            f'<text x="{match.group(1)}"{attributes} '
            f'transform="matrix(-1 0 0 1 {2 * x} 0){turn}">{content}'
        )

    svg = TEXT.sub(text_back, svg)
    svg = svg.replace(
        '<g class="graph', f'<g transform="matrix(-1 0 0 1 {WIDTH} 0)"><g class="graph', 1
    )
    head, tail = svg.rsplit("</svg>", 1)
    return head.replace("<svg ", '<svg direction="rtl" ', 1) + "</g></svg>" + tail


def _render(chart) -> str:
    """The SVG without pygal's configuration script (tooltips need it; the table beside each
    chart has the numbers), as an image: the page's Content-Security-Policy allows no inline
    <style>, and an SVG shown as an image keeps its own styles and can run nothing."""
    svg = SCRIPT.sub("", chart.render(is_unicode=True, disable_xml_declaration=True))
    if get_language_bidi():
        svg = _mirrored(svg)
    data = base64.b64encode(svg.encode()).decode()
    return format_html('<img class="chart-image" alt="" src="data:image/svg+xml;base64,{}">', data)


def bar(title, labels, series: dict) -> str:
    chart = _config(pygal.Bar(style=_style(), height=360, width=WIDTH), title)
    chart.x_labels = [str(label) for label in labels]
    for name, values in series.items():
        chart.add(str(name), [float(value) if value is not None else None for value in values])
    return _render(chart)


def horizontal(title, labels, values, *, name) -> str:
    chart = _config(pygal.HorizontalBar(style=_style(), height=360, width=WIDTH), title)
    chart.x_labels = [str(label) for label in labels]
    chart.add(str(name), [float(value) if value is not None else None for value in values])
    return _render(chart)
