"""``{% form_token %}``: the one-time key of a form (apps/core/idempotency.py), next to
``{% csrf_token %}`` in every form that writes. A builtin of the template engine."""

from django import template

from apps.core.idempotency import form_token_input

register = template.Library()


@register.simple_tag
def form_token() -> str:
    return form_token_input()
