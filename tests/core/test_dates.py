"""``apps.core.dates.formatter`` writes what Django's ``dateformat.format`` writes."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.utils import dateformat, translation
from django.utils.formats import get_format

from apps.core.dates import formatter

ZONE = zoneinfo.ZoneInfo("Asia/Kolkata")
MOMENTS = [
    datetime.datetime(2026, 1, 2, 0, 0, tzinfo=datetime.UTC),  # midnight
    datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC),  # noon
    datetime.datetime(2026, 3, 9, 7, 5, 9, tzinfo=datetime.UTC),
    datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=ZONE),
    datetime.datetime(2026, 6, 15, 13, 30),  # noqa: DTZ001 (naive, as Django allows)
    datetime.datetime(205, 2, 3, 4, 5, 6, tzinfo=datetime.UTC),  # a year of three digits
]
FORMATS = [
    "SHORT_DATETIME_FORMAT",
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_formatter_writes_what_django_writes_in_every_language(language):
    with translation.override(language):
        for name in FORMATS:
            for moment in MOMENTS:
                pattern = get_format(name)
                assert formatter(pattern)(moment) == dateformat.format(moment, pattern)


def test_formatter_reads_escapes_and_every_code():
    moment = MOMENTS[2]
    for pattern in [r"\Y\e\a\r: Y, \\d", "d j m n Y y H G i s", "D l N F E P A a e O T U u"]:
        assert formatter(pattern)(moment) == dateformat.format(moment, pattern)
