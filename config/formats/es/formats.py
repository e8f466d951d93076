"""Spanish numbers as CLDR writes them (Babel formats amounts): a point between thousands.
Dates keep Django's Spanish formats."""

from django.conf.locale.es.formats import *  # noqa: F403

THOUSAND_SEPARATOR = "."
