import pytest

from apps.notifications.models import Notification

from ..factories import UserFactory
from .test_delivery import make_notification

pytestmark = pytest.mark.django_db


def test_list_shows_own_notifications_and_unread_count(client):
    user, other = UserFactory(), UserFactory()
    mine = make_notification(user)
    theirs = make_notification(other)
    client.force_login(user)
    body = client.get("/notifications/").content.decode()
    assert mine.subject in body
    assert f"notifications/{theirs.pk}/read" not in body
    assert '<span class="badge" aria-label="1 unread">1</span>' in body


def test_mark_read_only_touches_own(client):
    user, other = UserFactory(), UserFactory()
    theirs = make_notification(other)
    client.force_login(user)
    client.post(f"/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_and_mark_all(client):
    user = UserFactory()
    first, _second = make_notification(user), make_notification(user)
    client.force_login(user)
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def test_read_redirect_refuses_other_sites(client):
    user = UserFactory()
    notification = make_notification(user)
    client.force_login(user)
    response = client.post(
        f"/notifications/{notification.pk}/read/", {"next": "https://evil.example.org/"}
    )
    assert response["Location"] == "/notifications/"


def test_opening_a_notification_marks_it_read_and_leads_to_its_place(client):
    user, other = UserFactory(), UserFactory()
    notification = make_notification(user)
    Notification.objects.filter(pk=notification.pk).update(url="/cases/REQ-2026-0001/#h-funding")
    theirs = make_notification(other)
    client.force_login(user)
    # The list links to it (the e-mails too), and opening it marks it read.
    assert (
        f'href="/notifications/{notification.pk}/"'
        in client.get("/notifications/").content.decode()
    )
    response = client.get(f"/notifications/{notification.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/cases/REQ-2026-0001/#h-funding")
    notification.refresh_from_db()
    assert notification.read_at is not None
    # Someone else's notification is not found, and stays unread.
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_says_how_many_in_the_right_plural(client):
    user = UserFactory()
    make_notification(user)
    client.force_login(user)
    response = client.post("/notifications/read-all/", follow=True)
    assert "1 notification marked as read." in response.content.decode()
