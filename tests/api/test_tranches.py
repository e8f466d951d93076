"""The API tells the same story as the pages: no interest once a donor funds a case, each
commitment a numbered tranche, and closing with undisbursed commitments confirmed with a
reason."""

import pytest

from apps.cases.models import AssistanceRequest, Status
from apps.cases.services import request_transition
from apps.funding import services
from apps.funding.models import CommitmentStatus, ExpressionOfInterest

from ..conftest import submit_all_feedback
from ..funding.conftest import funding_snapshot
from .test_requests import assert_error

pytestmark = pytest.mark.django_db


def commit(case, donor, actor, amount):
    return services.commitment_create(
        actor=actor, case=case, donor=donor, amount=amount, currency="USD",
        status=CommitmentStatus.COMMITTED,
    )  # fmt: skip


@pytest.fixture
def in_feedback(make_case, orgs, users):
    case = make_case("implementation")
    tranche = commit(case, orgs.donor, users.donor, "1000")
    services.disbursement_record(actor=users.donor, commitment=tranche, amount="400")
    request_transition(actor=users.unoda, case=case, transition="complete")
    submit_all_feedback(users=users, case=case)
    return AssistanceRequest.objects.get(pk=case.pk)


def test_api_refuses_an_interest_after_committing(api, make_case, orgs, users):
    case = make_case("published")
    commit(case, orgs.donor, users.donor, "1000")
    before = funding_snapshot()
    response = api(users.donor).post(
        "/api/v1/interests/", {"request": case.reference, "donor": orgs.donor.pk}, format="json"
    )
    assert_error(response, 409)
    assert "already funds this request" in response.content.decode()
    assert funding_snapshot() == before
    assert ExpressionOfInterest.objects.filter(request=case).count() == 1
    assert api(users.donor).get("/api/v1/commitments/").json()["results"][0]["tranche"] == 1


def test_api_close_needs_confirmed_and_a_reason(api, in_feedback, users):
    case = in_feedback
    client = api(users.unoda)
    url = f"/api/v1/requests/{case.reference}/transitions/"
    response = client.post(url, {"transition": "close"}, format="json")
    assert_error(response, 409)
    assert "$600.00 of $1,000.00" in response.json()["error"]["message"]
    response = client.post(url, {"transition": "close", "confirmed": True}, format="json")
    assert_error(response, 409)  # the reason is required: a rule
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.FEEDBACK
    response = client.post(
        url, {"transition": "close", "confirmed": True, "comment": "Paid later."}, format="json"
    )
    assert response.status_code == 200, response.content
    assert AssistanceRequest.objects.get(pk=case.pk).status == Status.CLOSED
