"""Chinese numbers as CLDR writes them (Babel formats amounts): a comma between thousands,
not Django's groups of four without a separator. Dates keep Django's Chinese formats."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
