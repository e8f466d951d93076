"""Form widgets for the list pages' filter forms."""

import html

from django import forms
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
