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


# --- The portal's form renderer ------------------------------------------------------------------

HOSTILE = '<b>"it\'s" & more</b>'


class EveryPlainWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": HOSTILE, "size": 5}))
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"autofocus": True}))
    number = forms.IntegerField(required=False)
    decimal = forms.DecimalField(required=False, localize=True)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    checked = forms.BooleanField(required=False)
    unchecked = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"x": False}))
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    when = forms.DateTimeField(required=False)
    time = forms.TimeField(required=False)
    file = forms.FileField(required=False, widget=forms.FileInput(attrs={"accept": ".pdf"}))
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    safe = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"title": mark_safe("<i>ok</i>")})
    )


BOUND = {
    "text": HOSTILE,
    "search": "",
    "number": "12",
    "decimal": "1234.5",
    "email": "a@b.example",
    "url": "https://x.example/?a=1&b=2",
    "password": "p\"w'<>",
    "hidden": HOSTILE,
    "checked": "on",
    "date": "2026-11-29",
    "when": "2026-11-29 10:00",
    "time": "10:00",
    "body": f"first line\n{HOSTILE}\n",
    "safe": "x",
}


@pytest.mark.parametrize("data", [None, BOUND, {"body": "0", "text": ""}])
@pytest.mark.parametrize("language", ["en", "ar", "fr"])
def test_the_portal_renderer_gives_djangos_markup_byte_for_byte(data, language):
    from django.forms.renderers import DjangoTemplates
    from django.utils import translation

    from apps.core.widgets import PortalFormRenderer

    with translation.override(language):
        for name in EveryPlainWidget.base_fields:
            djangos = str(EveryPlainWidget(data, renderer=DjangoTemplates())[name])
            ours = str(EveryPlainWidget(data, renderer=PortalFormRenderer())[name])
            assert ours == djangos, name


def test_the_portal_renderer_is_the_default_and_leaves_other_templates_to_django():
    from django.forms.renderers import get_default_renderer

    from apps.core.widgets import PortalFormRenderer

    assert isinstance(get_default_renderer(), PortalFormRenderer)

    class Form(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A <&>")], widget=forms.RadioSelect)
        when = forms.SplitDateTimeField(required=False)

    rendered = str(Form({"pick": "a"})["pick"])
    assert 'value="a"' in rendered
    assert "checked" in rendered
    assert "A &lt;&amp;&gt;" in rendered
    split = str(Form()["when"])  # a multi-widget: its template, then plain inputs inside it
    assert split.count("<input") == 2
    assert 'name="when_0"' in split
