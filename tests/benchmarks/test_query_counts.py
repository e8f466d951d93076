"""The benchmarked pages run the same number of queries at two sizes of data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.builder import Sizes, build
from benchmarks.pages import PAGES

pytestmark = pytest.mark.django_db


def page_queries(client, built) -> dict[str, int]:
    counts = {}
    for entry in PAGES:
        client.force_login(getattr(built, entry.user))
        client.get(entry.url(built))  # warm the per-process caches (content types, ...)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(entry.url(built))
        assert response.status_code == 200, entry.name
        counts[entry.name] = len(captured)
    return counts


def test_page_queries_are_the_same_at_two_sizes(client):
    # Big enough that every measured page has rows to show at both sizes.
    small = build(Sizes.scaled(400), prefix="7")
    at_small_size = page_queries(client, small)
    build(Sizes.scaled(2000), prefix="8")  # five times more of everything
    assert page_queries(client, small) == at_small_size


def test_every_floor_reads_rows():
    """Each floor runs and reads rows of the data set (a floor that read nothing would tell
    nothing about its page)."""
    built = build(Sizes.scaled(400), prefix="5")
    for entry in PAGES:
        text = entry.floor(built)
        assert "<td>" in text or '"results": [{' in text, entry.name


def test_the_builder_makes_every_status_and_the_long_history():
    from apps.cases.models import AssistanceRequest, Status

    built = build(Sizes.scaled(400), prefix="6")
    assert set(AssistanceRequest.objects.values_list("status", flat=True)) == set(Status.values)
    case = AssistanceRequest.objects.get(reference=built.long_history_reference)
    assert case.status_changes.count() > 60
    assert built.counts["commitments"] > 0
