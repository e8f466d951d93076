"""The "Feedback to give" page of States and donors: what their organizations owe, then what
they gave; UNODA, which gives none, is refused."""

import pytest

from apps.followup import services

from ..conftest import RATINGS

pytestmark = pytest.mark.django_db


def test_each_party_sees_the_feedback_it_owes(client, feedback_case, users):
    for user in (users.recipient, users.donor):
        client.force_login(user)
        response = client.get("/followup/feedback/")
        assert response.status_code == 200
        assert [f.request for f in response.context["pending"]] == [feedback_case]
        assert f'href="/followup/{feedback_case.reference}/feedback/"' in response.content.decode()


def test_submitted_feedback_moves_to_feedback_given(client, feedback_case, users):
    services.feedback_submit(actor=users.donor, case=feedback_case, **RATINGS)
    client.force_login(users.donor)
    response = client.get("/followup/feedback/")
    assert list(response.context["pending"]) == []
    assert [f.request for f in response.context["given"]] == [feedback_case]
    assert "No feedback is waiting for you." in response.content.decode()


def test_a_party_not_in_the_case_sees_nothing_of_it(client, feedback_case, users):
    client.force_login(users.other_recipient)
    response = client.get("/followup/feedback/")
    assert list(response.context["pending"]) == []
    assert feedback_case.reference not in response.content.decode()


def test_unoda_gives_no_feedback(client, users):
    client.force_login(users.unoda)
    assert client.get("/followup/feedback/").status_code == 403


def test_the_menu_of_states_and_donors_links_it(client, users):
    for user in (users.recipient, users.donor):
        client.force_login(user)
        assert 'href="/followup/feedback/"' in client.get("/").content.decode()
