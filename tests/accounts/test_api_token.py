"""The API token page: a two-factor user issues, replaces and revokes a token in the portal
after a fresh code, never in the admin; a wrong code issues nothing."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from apps.security.testing import force_login_verified, next_totp_code
from tests.factories import UserFactory

URL = "/accounts/preferences/api-token/"


@pytest.fixture
def officer(db):
    return UserFactory(username="token_officer", is_unoda_officer=True)


def test_an_officer_issues_replaces_and_revokes_a_token_with_a_fresh_code(client, officer):
    assert not officer.is_staff
    force_login_verified(client, officer)
    assert URL in client.get("/accounts/preferences/").content.decode()
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(URL, {"rotate": "", "proof": next_totp_code(device)})
    token = Token.objects.get(user=officer)
    assert token.key in response.content.decode()  # shown once, right after issuing
    assert token.key not in client.get(URL).content.decode()
    # The token opens the API.
    api = client_class_get(token.key)
    assert api.status_code == 200
    # Replacing stops the old key at once.
    client.post(URL, {"rotate": "", "proof": next_totp_code(device)})
    assert Token.objects.get(user=officer).key != token.key
    assert client_class_get(token.key).status_code == 401
    client.post(URL, {"revoke": "", "proof": next_totp_code(device)})
    assert not Token.objects.filter(user=officer).exists()


def client_class_get(key):
    from django.test import Client

    return Client().get("/api/v1/requests/", HTTP_AUTHORIZATION=f"Token {key}")


@pytest.mark.parametrize("proof", ["", "000000", "abc"])
def test_a_wrong_code_issues_nothing(client, officer, proof):
    force_login_verified(client, officer)
    response = client.post(URL, {"rotate": "", "proof": proof})
    assert response.status_code == 400
    assert not Token.objects.filter(user=officer).exists()


def test_a_user_without_two_factor_confirms_with_the_password(client, db):
    user = UserFactory(username="token_state")
    user.set_password("right-password-1")
    user.save()
    client.force_login(user)
    assert client.post(URL, {"rotate": "", "proof": "wrong"}).status_code == 400
    assert not Token.objects.filter(user=user).exists()
    client.post(URL, {"rotate": "", "proof": "right-password-1"})
    assert Token.objects.filter(user=user).exists()
