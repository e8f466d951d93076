"""Arabic numbers as CLDR writes them (Babel formats amounts): 1,234.50, not Django's 1.234,50,
so that a page shows one style. Dates keep Django's Arabic formats."""

from django.conf.locale.ar.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
