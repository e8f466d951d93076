"""French numbers as CLDR writes them (Babel formats amounts): the narrow no-break space
between thousands. Dates keep Django's French formats."""

from django.conf.locale.fr.formats import *  # noqa: F403

THOUSAND_SEPARATOR = "\u202f"
