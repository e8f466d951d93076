"""A form or an API call sent twice, in a row or at the same instant, writes once."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from apps.cases.models import Comment
from apps.core.idempotency import submitted_keys_purge
from apps.core.models import SubmittedKey
from apps.funding.models import Disbursement
from apps.funding.services import commitment_create


def twice_at_once(send) -> list:
    """``send(client)`` from two threads released at the same instant, each with its own
    client and database connection; their answers."""
    barrier = threading.Barrier(2)
    answers = []

    def run():
        client = Client()
        try:
            barrier.wait()
            answers.append(send(client))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def comment(client, case, token, body="Thank you."):
    return client.post(f"/cases/{case.reference}/comment/", {"body": body, "form_token": token})


@pytest.mark.django_db
def test_a_form_sent_twice_writes_once_and_says_so(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    token = uuid.uuid4().hex
    first = comment(client, case, token)
    second = comment(client, case, token)
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert Comment.objects.filter(request=case).count() == 1
    page = client.get(second["Location"])
    assert "already sent: nothing was saved twice" in page.content.decode()
    # Another form (a new token) is a new comment.
    comment(client, case, uuid.uuid4().hex, body="And another thing.")
    assert Comment.objects.filter(request=case).count() == 2


@pytest.mark.django_db
def test_the_case_page_gives_each_form_a_token(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    html = client.get(f"/cases/{case.reference}/").content.decode()
    assert html.count('name="form_token"') == html.count('name="csrfmiddlewaretoken"') > 0


@pytest.mark.django_db
def test_a_refused_first_try_keeps_no_key(client, users, make_case):
    case = make_case("published")
    client.force_login(users.recipient)
    token = uuid.uuid4().hex
    comment(client, case, token, body="")  # refused: empty
    assert Comment.objects.filter(request=case).count() == 0
    assert comment(client, case, token).status_code == 302
    assert Comment.objects.filter(request=case).count() == 1


@pytest.fixture
def commitment(users, orgs, make_case):
    case = make_case("implementation")
    return commitment_create(
        actor=users.unoda,
        case=case,
        donor=orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )


def disburse(client, commitment, key, auth):
    return client.post(
        f"/api/v1/commitments/{commitment.pk}/disbursements/",
        {"amount": "1000.00"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **auth,
    )


def api_auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.create(user=user).key}"}


@pytest.mark.django_db
def test_an_api_post_sent_twice_writes_once_and_answers_the_same(users, commitment):
    client, auth = Client(), api_auth(users.donor)
    first = disburse(client, commitment, "pay-1", auth)
    second = disburse(client, commitment, "pay-1", auth)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Disbursement.objects.filter(commitment=commitment).count() == 1
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("1000.00")
    # Another user's same key is theirs.
    assert disburse(client, commitment, "pay-1", api_auth(users.unoda)).status_code == 201
    assert Disbursement.objects.filter(commitment=commitment).count() == 2


@pytest.mark.django_db
def test_an_api_key_used_again_for_another_operation_is_refused(users, commitment):
    """The first answer is replayed only to the same operation: the same key sent to another
    path (a client that reuses its keys) is a 409 and does nothing, never another's answer."""
    client, auth = Client(), api_auth(users.donor)
    assert disburse(client, commitment, "key-1", auth).status_code == 201
    other = client.post("/api/v1/notifications/read-all/", HTTP_IDEMPOTENCY_KEY="key-1", **auth)
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotent-Replayed" not in other
    assert Disbursement.objects.filter(commitment=commitment).count() == 1


@pytest.mark.django_db
def test_keys_are_forgotten_after_a_day(users, commitment, settings):
    client, auth = Client(), api_auth(users.donor)
    disburse(client, commitment, "pay-1", auth)
    SubmittedKey.objects.update(created_at=SubmittedKey.objects.get().created_at.replace(year=2020))
    assert submitted_keys_purge() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_api_post_at_the_same_instant_writes_once(users, orgs, make_case):
    case = make_case("implementation")
    commitment = commitment_create(
        actor=users.unoda,
        case=case,
        donor=orgs.donor,
        amount=Decimal("5000"),
        currency="USD",
        status="committed",
    )
    auth = api_auth(users.donor)
    answers = twice_at_once(
        lambda client: disburse(client, commitment, "same-instant", auth).status_code
    )
    assert sorted(answers) in ([201, 201], [201, 409])
    assert Disbursement.objects.filter(commitment=commitment).count() == 1
    commitment.refresh_from_db()
    assert commitment.disbursed_amount == Decimal("1000.00")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_at_the_same_instant_writes_once(users, make_case):
    case = make_case("published")
    token = uuid.uuid4().hex

    def send(client):
        client.force_login(users.recipient)
        return comment(client, case, token).status_code

    twice_at_once(send)
    assert Comment.objects.filter(request=case).count() == 1
