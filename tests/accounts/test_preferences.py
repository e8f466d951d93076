import pytest

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_user_chooses_language_and_digest(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/accounts/preferences/").status_code == 200
    response = client.post(
        "/accounts/preferences/", {"language": "fr", "notification_frequency": "daily"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.notification_frequency) == ("fr", "daily")


def test_bad_choice_is_refused_and_nothing_changes(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/preferences/", {"language": "xx", "notification_frequency": "hourly"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert (user.language, user.notification_frequency) == ("en", "immediate")
