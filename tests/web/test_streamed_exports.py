"""Exports are streamed (issue 25, Must have 6): the server writes the file while it sends
it, a batch of rows (CSV) or of activities (IATI) at a time, or sends a workbook written to a
temporary file (XLSX), so what it holds stays the same whatever the number of cases.

The memory measured is what is still reachable (the cycle collector runs after each batch
sent): Django's prefetched querysets refer back to their instance, so a batch's rows are
freed by the cycle collector, not at once (docs/performance.md). The objects that were alive
before the request are frozen out of those collections (``gc.freeze``): each then looks at the
export's own objects only, not at everything the test process holds (in the whole suite's
process a full collection took about a second, and a file sent in 4 KiB blocks means hundreds
of them). Only memory allocated after ``tracemalloc.start()`` is counted, so the frozen objects
never were part of the measure."""

import datetime
import gc
import tracemalloc

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from apps.cases.models import AssistanceRequest, Status

pytestmark = pytest.mark.django_db


def add_cases(orgs, start, count):
    since = timezone.now() - datetime.timedelta(days=3)
    AssistanceRequest.objects.bulk_create(
        AssistanceRequest(
            reference=f"REQ-2026-{index:07d}",
            requesting_organization=orgs.recipient,
            title=f"Securing the armoury of district {index} " + "x" * 80,
            budget_currency="USD",
            status=Status.AGREEMENT,  # agreed: in the IATI file too
            status_changed_at=since,
        )
        for index in range(start, start + count)
    )


def streamed(client, url):
    """The bytes sent, and the most memory held while the response was written and when the
    view had built it (the workbook is written before its first byte is sent)."""
    gc.collect()
    gc.freeze()
    tracemalloc.start()
    try:
        response = client.get(url)
        assert isinstance(response, StreamingHttpResponse), url
        gc.collect()
        sent, held = 0, [tracemalloc.get_traced_memory()[0]]
        for chunk in response.streaming_content:
            sent += len(chunk)
            gc.collect()
            held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
        gc.unfreeze()
    return sent, max(held)


@pytest.mark.parametrize(
    "url",
    [
        "/cases/export.csv?view=all",
        "/reports/export/cases.csv",
        "/reports/export/cases.xlsx",
        "/reports/export/iati.xml",
    ],
)
def test_an_export_ten_times_larger_needs_no_more_memory(client, users, orgs, url):
    client.force_login(users.unoda)
    add_cases(orgs, 0, 1_000)
    client.get(url).getvalue()  # warm: templates, translations, query compilation
    small_sent, small_held = streamed(client, url)
    add_cases(orgs, 1_000, 9_000)
    large_sent, large_held = streamed(client, url)
    # Ten times the cases, about ten times the bytes sent (a workbook is compressed).
    assert large_sent > 8 * small_sent
    # The same memory held, give or take 64 KiB of the interpreter's own noise (the workbook
    # holds about 60 KiB; ten times the cases built in memory would add megabytes).
    assert large_held < 1.25 * small_held + 64 * 1024, (small_held, large_held)
