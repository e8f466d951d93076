from django import template

from apps.cases.history import history_html

register = template.Library()


@register.filter
def history(change):
    """What the portal says of a status change, in the reader's language (``history_html``)."""
    return history_html(change)
