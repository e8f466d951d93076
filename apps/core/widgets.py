"""Form widgets for the list pages' filter forms, and the form renderer of the portal."""

import html

from django import forms
from django.forms.renderers import DjangoTemplates
from django.forms.utils import flatatt
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


class PlainSelect(forms.Select):
    """A ``<select>`` rendered in Python: the template engine renders a template per option,
    which made the queue's filter form (about 60 options) cost 2 ms a page view. The markup is
    that of Django's own select widget; choices with option groups fall back to it."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = set(self.format_value(value))
        options = []
        has_selected = False  # as Django's select: only the first matching option
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            mark = ""
            if option_value in selected and not has_selected:
                mark, has_selected = " selected", True
            options.append(
                f'<option value="{html.escape(option_value)}"{mark}>'
                f"{conditional_escape(label)}</option>"
            )
        return mark_safe(  # noqa: S308 (values and labels escaped, attributes by flatatt)
            f"<select{flatatt(final)}>\n" + "\n".join(options) + "\n</select>"
        )


# Django's templates of the plain widgets, each rendered by the same markup in Python.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "checkbox",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "file",
    )
)
_TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def escaped(value) -> str:
    """``value`` as an autoescaping template writes it (``{{ value }}``, or with
    ``|stringformat:'s'``): escaped, unless it is already safe HTML. What
    ``conditional_escape`` does, without the cost of its lazy-string wrapper on each call."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html gives: ``False`` left out, ``True`` bare."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PortalFormRenderer(DjangoTemplates):
    """Django's form renderer, except that the plain widgets (inputs and text areas) are
    rendered in Python: the template engine took 0.15-0.3 ms for each, several times a page
    (the queue's filters, the case page's forms). Their markup is byte for byte what Django's
    own templates give (tests/core/test_widgets.py); every other template, and any project
    that overrides these templates, goes through the template engine as before."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and widget.get("template_name") == template_name:
            if template_name in _INPUT_TEMPLATES:
                value = widget["value"]
                shown = "" if value is None else f' value="{escaped(value)}"'
                return (
                    f'<input type="{escaped(widget["type"])}" name="{escaped(widget["name"])}"'
                    f"{shown}{_attrs(widget['attrs'])}>"
                )
            if template_name == _TEXTAREA_TEMPLATE:
                value = widget["value"]
                shown = escaped(value) if value else ""
                return (
                    f'<textarea name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n'
                    f"{shown}</textarea>"
                )
        return super().render(template_name, context, request)
