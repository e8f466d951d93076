"""Credentials end with the person: a password change, a deactivation or the loss of one's last
membership revokes the user's API token (and ends their sessions); a new token must be asked
for."""

import pytest
from rest_framework.authtoken.models import Token

from apps.organizations.models import Membership

pytestmark = pytest.mark.django_db


def api_status(client, token) -> int:
    return client.get("/api/v1/requests/", HTTP_AUTHORIZATION=f"Token {token}").status_code


@pytest.fixture
def token(users):
    return Token.objects.create(user=users.donor).key


def test_a_password_change_revokes_the_token(
    client, users, token, django_capture_on_commit_callbacks
):
    assert api_status(client, token) == 200
    with django_capture_on_commit_callbacks(execute=True):
        users.donor.set_password("another-long-password-2026")
        users.donor.save()
    assert api_status(client, token) == 401


def test_a_deactivated_then_reactivated_user_needs_a_new_token(
    client, users, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        users.donor.is_active = False
        users.donor.save()
    with django_capture_on_commit_callbacks(execute=True):
        users.donor.is_active = True
        users.donor.save()
    assert api_status(client, token) == 401
    assert not Token.objects.filter(user=users.donor).exists()


def test_losing_the_last_membership_revokes_the_token(
    client, users, token, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Membership.objects.filter(user=users.donor).delete()
    assert api_status(client, token) == 401


def test_other_changes_leave_the_token(client, users, token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        users.donor.first_name = "Aiko"
        users.donor.save()
    assert api_status(client, token) == 200
