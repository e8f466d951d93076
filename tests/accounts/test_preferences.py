import pytest

from apps.cases.events import Delivery, Topic
from apps.notifications.models import NotificationPreference
from apps.notifications.services import notification_deliveries

from ..factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


def _choices(**chosen):
    """The preferences form's data: every topic at once by e-mail, but ``chosen``."""
    return {f"topic_{topic.value}": chosen.get(topic.value, Delivery.IMMEDIATE) for topic in Topic}


def test_user_chooses_language_and_a_delivery_per_topic(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get("/accounts/preferences/").content.decode()
    for topic in Topic:
        assert str(topic.label) in page
    response = client.post(
        "/accounts/preferences/",
        {"language": "fr", **_choices(funding="immediate", comments="digest", cases="in_app")},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "fr"
    deliveries = notification_deliveries(user=user)
    assert (deliveries[Topic.FUNDING], deliveries[Topic.COMMENTS], deliveries[Topic.CASES]) == (
        Delivery.IMMEDIATE,
        Delivery.DIGEST,
        Delivery.IN_APP,
    )


def test_bad_choice_is_refused_and_nothing_changes(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/accounts/preferences/", {"language": "xx", **_choices(comments="hourly")}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert user.language == "en"
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_defaults_follow_the_role(orgs, users):
    """Without a choice: UNODA gets money and implementation in the digest, a donor the case's
    news and comments, the requesting State everything at once."""
    unoda = notification_deliveries(user=users.unoda)
    donor = notification_deliveries(user=users.donor)
    state = notification_deliveries(user=make_member(orgs.recipient))
    assert (unoda[Topic.CASES], unoda[Topic.FUNDING]) == (Delivery.IMMEDIATE, Delivery.DIGEST)
    assert (donor[Topic.FUNDING], donor[Topic.COMMENTS]) == (Delivery.IMMEDIATE, Delivery.DIGEST)
    assert set(state.values()) == {Delivery.IMMEDIATE}
