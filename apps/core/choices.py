"""Labels of stored choices, looked up fast.

Django's ``get_FOO_display()`` rebuilds a dict of every choice on each call, which translates
every label (one ``gettext`` per choice), for every row of a list page. ``display_of`` looks
the one value up in its ``TextChoices`` class instead, and translates only its label. A value
that is not a choice is shown as stored, as Django does.
"""

from django.db import models


def display_of(choices: type[models.TextChoices], value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)
