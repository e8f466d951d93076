"""Charts in the reader's language (issue 24, Must have 5): drawn in the page's fonts, not
pygal's monospace, and mirrored for Arabic (the value axis on the right, the first category on
the right, each text flipped back to read normally, Latin runs such as "US$" isolated)."""

import base64
import re
import xml.etree.ElementTree as ET

from django.utils import translation

from apps.reports import charts

LRI, PDI = "\u2066", "\u2069"


def svg_of(language, draw):
    with translation.override(language):
        image = draw()
    svg = base64.b64decode(re.search(r"base64,([^\"]+)", image).group(1)).decode()
    ET.fromstring(svg)  # noqa: S314 - our own SVG: still well-formed XML after mirroring
    return svg


def money_chart():
    return charts.bar(
        "Funding (US$)", ["Africa", "Asia"], {"Committed": [3, 1], "Disbursed": [1, None]}
    )


def status_chart():
    return charts.horizontal("Cases", ["Submitted", "Published"], [4, 2], name="Cases")


def test_charts_use_the_pages_fonts():
    def fonts(language, draw):
        return set(re.findall(r"font-family:([^;}]*)", svg_of(language, draw)))

    assert fonts("en", money_chart) == {'"Noto Sans",system-ui,sans-serif'}
    assert fonts("fr", status_chart) == {'"Noto Sans",system-ui,sans-serif'}
    assert fonts("ar", money_chart) == {
        '"Noto Sans Arabic","Noto Naskh Arabic","Noto Sans",sans-serif'
    }
    assert fonts("zh-hans", status_chart) == {
        '"Noto Sans CJK SC","Noto Sans SC","Noto Sans",sans-serif'
    }


def test_left_to_right_charts_are_not_mirrored():
    for draw in (money_chart, status_chart):
        svg = svg_of("fr", draw)
        assert 'direction="rtl"' not in svg
        assert "matrix(-1 0 0 1" not in svg


def test_arabic_charts_are_mirrored_with_their_texts_turned_back():
    for draw in (money_chart, status_chart):
        svg = svg_of("ar", draw)
        assert 'direction="rtl"' in svg
        assert '<g transform="matrix(-1 0 0 1 760 0)"><g class="graph' in svg
        texts = re.findall(r"<text [^>]*>", svg)
        assert texts
        for text in texts:
            x = float(re.search(r' x="([-\d.]+)"', text).group(1))
            assert f"matrix(-1 0 0 1 {2 * x} 0)" in text, text
        rotated = [text for text in texts if "rotate(" in text]
        assert all("rotate(-" in text for text in rotated)


def test_latin_runs_are_isolated_in_arabic_charts():
    svg = svg_of("ar", money_chart)
    assert f"{LRI}Funding (US${PDI}" in svg or f"{LRI}Funding{PDI} ({LRI}US${PDI})" in svg
    assert f"{LRI}Africa{PDI}" in svg
    assert "&amp;" not in svg or f"&{LRI}" not in svg


def test_an_empty_chart_says_so_in_the_readers_language():
    with translation.override("fr"):
        expected = translation.gettext("No data to chart")
    assert expected != "No data to chart"
    svg = svg_of("fr", lambda: charts.bar("Vide", ["Afrique"], {"Engagé": [None]}))
    assert expected in svg
    assert re.search(r"\.no_data\{[^}]*font-size:24px", svg)  # within the chart's width
