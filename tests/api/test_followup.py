import datetime

import pytest

from apps.followup.models import Feedback, FeedbackStatus, ProgressReport
from tests.conftest import RATINGS

from .test_requests import assert_error

pytestmark = pytest.mark.django_db


def test_recipient_files_a_progress_report(api, users, make_case):
    case = make_case("implementation")
    url = f"/api/v1/requests/{case.reference}/progress-reports/"
    body = {
        "period_start": "2026-02-01",
        "period_end": "2026-04-30",
        "status": "on_track",
        "percent_done": 30,
        "narrative": "Armoury doors fitted.",
    }
    response = api(users.recipient).post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert ProgressReport.objects.get().submitted_by == users.recipient
    listed = api(users.donor).get(url).json()["results"]
    assert [row["percent_done"] for row in listed] == [30]
    assert_error(api(users.donor).post(url, body, format="json"), 403)
    assert_error(api(users.recipient).post(url, {**body, "percent_done": 101}, format="json"), 400)
    assert ProgressReport.objects.count() == 1


def test_feedback_is_saved_then_submitted_and_sealed(api, users, make_case):
    case = make_case("feedback")
    url = f"/api/v1/requests/{case.reference}/feedback/"
    client = api(users.recipient)
    response = client.post(url, {"relevance": 5}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert_error(client.post(url, {"submit": True}, format="json"), 409)  # ratings missing
    response = client.post(url, {"submit": True, **RATINGS}, format="json")
    assert response.json()["status"] == "submitted"
    assert_error(client.post(url, {"relevance": 1}, format="json"), 409)
    # Sealed: the donor sees only its own (pending) feedback until every party submitted.
    seen = api(users.donor).get(url).json()["results"]
    mine = Feedback.objects.get(request=case, organization__name="Japan")
    assert [row["id"] for row in seen] == [mine.pk]
    assert api(users.unoda).get(url).json()["count"] == 2
    assert Feedback.objects.filter(status=FeedbackStatus.SUBMITTED).count() == 1


def test_progress_report_on_a_case_without_agreement_is_404(api, users, make_case):
    case = make_case("published")
    response = api(users.recipient).post(
        f"/api/v1/requests/{case.reference}/progress-reports/",
        {
            "period_start": str(datetime.date(2026, 1, 1)),
            "period_end": str(datetime.date(2026, 2, 1)),
            "status": "on_track",
            "percent_done": 1,
            "narrative": "x",
        },
        format="json",
    )
    assert_error(response, 404)
