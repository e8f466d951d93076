"""The actuals through the API: read per case (``/requests/{reference}/actuals/``, scoped as the
case page) and written with a progress report (``progress-reports/``, the same service as the
plan page's form)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.cases.models import Indicator
from apps.followup.models import IndicatorActual, ProgressReport
from apps.followup.services import progress_report_submit

from ..factories import make_member, make_organization
from ..results_framework import make_framework
from .test_requests import assert_error

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REPORT = {
    "period_start": "2026-02-01",
    "period_end": "2026-04-30",
    "status": "on_track",
    "percent_done": 30,
    "narrative": "Armoury doors fitted.",
}


@pytest.fixture
def case(make_case):
    return make_case("implementation")


@pytest.fixture
def framework(case):
    return make_framework(case)


def actuals_url(case):
    return f"/api/v1/requests/{case.reference}/actuals/"


def reports_url(case):
    return f"/api/v1/requests/{case.reference}/progress-reports/"


def test_a_report_with_actuals_is_stored_through_the_service(api, users, case, framework):
    body = {
        **REPORT,
        "actuals": [
            {"indicator": framework.marked.pk, "value": "250.5"},
            {"indicator": framework.trained.pk, "value": "12", "women": "5", "note": "Two courses"},
        ],
    }
    response = api(users.recipient).post(reports_url(case), body, format="json")
    assert response.status_code == 201, response.content
    stored = {a.indicator_id: a for a in IndicatorActual.objects.all()}
    assert str(stored[framework.marked.pk].value) == "250.50"
    assert stored[framework.trained.pk].women == 5
    assert stored[framework.trained.pk].note == "Two courses"


def test_bad_actuals_are_refused_with_the_reports_errors_and_nothing_is_stored(
    api, users, case, framework, make_case
):
    elsewhere = make_framework(make_case("draft")).marked
    body = {
        **REPORT,
        "percent_done": 30,
        "period_end": "2026-01-01",  # before its start
        "actuals": [
            {"indicator": framework.marked.pk, "value": "-1"},
            {"indicator": framework.trained.pk, "value": "3", "women": "4"},
            {"indicator": framework.sites.pk, "value": "150"},
            {"indicator": elsewhere.pk, "value": "1"},
        ],
    }
    response = api(users.recipient).post(reports_url(case), body, format="json")
    # The schema takes the body; the service's rules refuse it (409, docs/architecture.md).
    fields = assert_error(response, 409)["fields"]
    assert f"actual_{framework.marked.pk}_value" in fields
    assert f"actual_{framework.trained.pk}_women" in fields
    assert f"actual_{framework.sites.pk}_value" in fields
    assert "actuals" in fields
    assert not ProgressReport.objects.exists()
    # The shape is checked first: an unknown key of an actual is refused.
    body = {**REPORT, "actuals": [{"indicator": framework.marked.pk, "colour": "red"}]}
    assert_error(api(users.recipient).post(reports_url(case), body, format="json"), 400)
    assert not ProgressReport.objects.exists()


def test_multipart_actuals_name_their_evidence_among_the_attachments(api, users, case, framework):
    data = {
        **REPORT,
        "attachments": [
            SimpleUploadedFile("photos.pdf", PDF, content_type="application/pdf"),
            SimpleUploadedFile("register.pdf", PDF, content_type="application/pdf"),
        ],
        "actuals[0]indicator": str(framework.marked.pk),
        "actuals[0]value": "40",
        "actuals[0]evidence_attachment": "1",
    }
    response = api(users.recipient).post(reports_url(case), data, format="multipart")
    assert response.status_code == 201, response.content
    actual = IndicatorActual.objects.get()
    assert actual.evidence.title == "register.pdf"


def submitted(case, users, framework):
    report = progress_report_submit(
        actor=users.recipient,
        agreement=case.agreement,
        period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 7, 31),
        status="delayed",
        percent_done=40,
        narrative="Slow.",
        attachments=[("Register", SimpleUploadedFile("register.pdf", PDF))],
        actuals=[
            {"indicator": framework.marked, "value": 100, "evidence_attachment": 0},
            {"indicator": framework.trained, "value": 40, "women": 20},
        ],
    )
    return report.attachments.get()


def test_the_actuals_read_as_the_case_page_shows_them(api, users, case, framework):
    evidence = submitted(case, users, framework)
    rows = api(users.unoda).get(actuals_url(case)).json()
    assert [row["indicator"] for row in rows] == [
        framework.sites.pk,
        framework.marked.pk,
        framework.trained.pk,
    ]
    sites, marked, trained = rows
    assert sites["level"] == "outcome"
    assert sites["actuals"] == []
    assert sites["met"] is None
    assert marked["level"] == "output"
    assert marked["actuals"] == [
        {
            "report": evidence.report_id,
            "period_end": "2026-07-31",
            "value": "100.00",
            "women": None,
            "evidence": evidence.pk,
        }
    ]
    assert marked["behind"] is True  # about 578 expected by the end of July
    assert trained["met"] is True
    assert trained["share_of_target"] == "1.0000"


def test_the_evidence_is_named_to_the_parties_only(api, users, case, framework):
    evidence = submitted(case, users, framework)
    party = api(users.donor).get(actuals_url(case)).json()
    assert party[1]["actuals"][0]["evidence"] == evidence.pk
    reader = make_member(make_organization("Germany", donor=True, country="DE"))
    seen = api(reader).get(actuals_url(case)).json()
    assert seen[1]["actuals"][0]["value"] == "100.00"
    assert seen[1]["actuals"][0]["evidence"] is None


def test_the_actuals_are_scoped_as_the_case(api, users, case, framework):
    assert_error(api(users.other_recipient).get(actuals_url(case)), 404)
    assert_error(api().get(actuals_url(case)), 401)
    assert_error(api(users.unoda).post(actuals_url(case), {}, format="json"), 405)


def test_reading_the_actuals_costs_the_same_whatever_their_number(api, users, case, framework):
    submitted(case, users, framework)
    client = api(users.unoda)
    client.get(actuals_url(case))
    with CaptureQueriesContext(connection) as few:
        client.get(actuals_url(case))
    for number in range(3):
        Indicator.objects.create(result=framework.outcome, name=f"More {number}")
    progress_report_submit(
        actor=users.recipient, agreement=case.agreement, period_start=datetime.date(2026, 8, 1),
        period_end=datetime.date(2026, 10, 31), status="on_track", percent_done=60,
        narrative="Better.", actuals=[{"indicator": framework.sites, "value": 30}],
    )  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        client.get(actuals_url(case))
    assert len(more.captured_queries) == len(few.captured_queries)
