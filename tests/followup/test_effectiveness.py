"""Effectiveness aggregates and pages: UNODA only, with the count behind every average."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.cases import services as case_services
from apps.followup import selectors, services

from ..conftest import RATINGS


@pytest.fixture
def rated_case(feedback_case, users):
    services.feedback_submit(
        actor=users.recipient, case=feedback_case, **{**RATINGS, "overall": 2, "relevance": 3}
    )
    services.feedback_submit(
        actor=users.donor,
        case=feedback_case,
        would_work_together_again=True,
        **{**RATINGS, "overall": 5},
    )
    services.feedback_submit(
        actor=users.other_donor,
        case=feedback_case,
        would_work_together_again=False,
        **{**RATINGS, "overall": 4},
    )
    case_services.request_transition(actor=users.unoda, case=feedback_case, transition="close")
    return feedback_case


def test_averages_per_criterion_with_counts_and_gap(rated_case, users):
    data = selectors.effectiveness_get(user=users.unoda)
    rows = {str(row["criterion"]): row for row in data["criteria"]}
    overall = rows["overall rating"]
    assert overall["n"] == 3
    assert overall["average"] == pytest.approx(11 / 3)
    assert (overall["recipient"], overall["recipient_n"]) == (2, 1)
    assert (overall["donor"], overall["donor_n"]) == (4.5, 2)
    assert overall["gap"] == pytest.approx(-2.5)
    assert rows["relevance"]["gap"] == pytest.approx(3 - 5)
    assert data["summary"] == {
        "n": 3,
        "cases": 1,
        "again": 1,
        "answered": 2,
        "again_share": 50,
    }


def test_averages_per_region_and_per_donor(rated_case, users):
    data = selectors.effectiveness_get(user=users.unoda)
    assert [(str(r["region"]), r["n"], r["recipient"], r["donor"]) for r in data["regions"]] == [
        ("Africa", 3, 2, 4.5)
    ]
    donors = {r["donor_name"]: r for r in data["donors"]}
    assert set(donors) == {"Japan", "Norway"}
    # The recipients' rating of the cases each donor funded, against the donor's own.
    assert (donors["Japan"]["recipient"], donors["Japan"]["recipient_n"]) == (2, 1)
    assert (donors["Japan"]["donor"], donors["Japan"]["donor_n"]) == (5, 1)
    assert donors["Norway"]["gap"] == pytest.approx(2 - 4)


def test_pending_feedback_does_not_count(feedback_case, users):
    services.feedback_save(actor=users.recipient, case=feedback_case, overall=1)
    data = selectors.effectiveness_get(user=users.unoda)
    assert data["summary"]["n"] == 0
    assert data["regions"] == []
    assert data["donors"] == []


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_only_unoda_sees_effectiveness(rated_case, users, actor):
    with pytest.raises(PermissionDenied):
        selectors.effectiveness_get(user=getattr(users, actor))


def test_effectiveness_page(client, rated_case, users):
    client.force_login(users.unoda)
    response = client.get("/followup/effectiveness/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Per criterion" in page
    assert "Africa" in page
    assert "Japan" in page
    assert "3.67" in page  # the overall average of 2, 5 and 4


@pytest.mark.parametrize("actor", ["recipient", "donor", "outsider"])
def test_effectiveness_page_refused_to_others(client, rated_case, users, actor):
    client.force_login(getattr(users, actor))
    assert client.get("/followup/effectiveness/").status_code == 403


def test_effectiveness_page_asks_anonymous_to_sign_in(client, db):
    response = client.get("/followup/effectiveness/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
