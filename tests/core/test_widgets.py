"""PlainSelect renders what Django's Select renders: the same attributes, options, selection
and escaping (only the whitespace and the order of attributes differ)."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.utils.safestring import mark_safe

from apps.core.widgets import PlainSelect

CHOICES = [
    ("", "Any"),
    ("x", "X <b>&"),
    ("y", 'Y"'),
    (3, "Three"),
    ("y", "Y again"),  # a repeated value: only the first is selected, as Django does
    ("safe", mark_safe("<em>safe</em>")),  # already safe HTML: not escaped twice
]


class Parsed(HTMLParser):
    def __init__(self, markup):
        super().__init__()
        self.elements, self.text = [], {}
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        if data.strip() and self.elements:
            self.text[len(self.elements) - 1] = data


def _form(widget, required):
    class Form(forms.Form):
        pick = forms.ChoiceField(choices=CHOICES, required=required, widget=widget)

    return Form


@pytest.mark.parametrize("data", [{}, {"pick": "y"}, {"pick": "3"}, {"pick": "nope"}])
@pytest.mark.parametrize("required", [True, False])
def test_plain_select_renders_as_djangos_select(data, required):
    django_form = _form(forms.Select, required)(data)
    plain_form = _form(PlainSelect, required)(data)
    expected, rendered = Parsed(str(django_form["pick"])), Parsed(str(plain_form["pick"]))
    assert rendered.elements == expected.elements
    assert rendered.text == expected.text
    assert "X &lt;b&gt;&amp;" in str(plain_form["pick"])
    assert "<em>safe</em>" in str(plain_form["pick"])


def test_option_groups_fall_back_to_djangos_rendering():
    grouped = [("Group", [("a", "A"), ("b", "B")])]

    class Form(forms.Form):
        pick = forms.ChoiceField(choices=grouped, widget=PlainSelect)

    assert '<optgroup label="Group">' in str(Form({"pick": "b"})["pick"])
