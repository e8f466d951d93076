"""Sign-in: two-factor authentication, lockout, password validators, session rotation,
idle and absolute session lifetime, sessions ended by a password change, a deactivation and
sign-out."""

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.security.demo_devices import demo_totp_device
from apps.security.middleware import LAST_SEEN, SIGNED_IN_AT
from apps.security.models import AuditEvent, AuditKind
from apps.security.testing import next_totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- Two-factor authentication --------------------------------------------------------------


@pytest.mark.real_two_factor
@pytest.mark.parametrize("role", ["unoda", "superuser", "staff"])
def test_unoda_admins_and_staff_must_pass_two_factor(client, role, time_machine):
    flags = {
        "unoda": {"is_unoda_officer": True},
        "superuser": {"is_superuser": True, "is_staff": True},
        "staff": {"is_staff": True},
    }[role]
    user = UserFactory(username="strong", **flags)
    device = demo_totp_device(user)
    assert sign_in(client, "strong").status_code == 302
    for path in ("/", "/cases/", "/admin/", "/security/audit/", "/reports/dashboard/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/security/otp/verify/"), path
    api = client.get("/api/v1/requests/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "otp_required"
    # The clock stands still from here: the back-off after a wrong code lasts one second,
    # which a loaded machine could let pass between two requests.
    time_machine.move_to(datetime.datetime.now(tz=datetime.UTC), tick=False)
    bad = client.post("/security/otp/verify/", {"token": "000000"})
    assert bad.status_code == 200  # the form again, with an error
    assert client.get("/").status_code == 302
    # After a wrong code django-otp throttles the device (exponential back-off): even the right
    # code is refused at once; once the back-off has passed it is accepted.
    throttled = client.post("/security/otp/verify/", {"token": next_totp_code(device)})
    assert throttled.status_code == 200
    device.refresh_from_db()
    device.throttle_reset()
    good = client.post(
        "/security/otp/verify/", {"token": next_totp_code(device), "next": "/cases/"}
    )
    assert good.status_code == 302
    assert good["Location"] == "/cases/"
    assert client.get("/").status_code == 200
    kinds = list(AuditEvent.objects.filter(actor=user).values_list("kind", flat=True))
    assert AuditKind.OTP_FAILED in kinds
    assert AuditKind.OTP_VERIFIED in kinds


@pytest.mark.real_two_factor
def test_unoda_officer_without_a_device_must_enrol_first(client):
    UserFactory(username="newofficer", is_unoda_officer=True)
    sign_in(client, "newofficer")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/security/otp/enrol/")
    device = TOTPDevice.objects.get(user__username="newofficer", confirmed=False)
    assert client.get("/").status_code == 302
    response = client.post("/security/otp/enrol/", {"token": next_totp_code(device)})
    assert response.status_code == 200  # the backup codes, shown once
    assert "backup-codes" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


@pytest.mark.real_two_factor
def test_two_factor_is_available_to_everyone_and_then_required(client, users):
    sign_in(client, "recipient")
    assert client.get("/").status_code == 200  # not required for a State's official
    assert client.get("/security/otp/enrol/").status_code == 200
    device = TOTPDevice.objects.get(user=users.recipient, confirmed=False)
    assert client.post("/security/otp/enrol/", {"token": next_totp_code(device)}).status_code == 200
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, "recipient")
    response = client.get("/")
    assert response["Location"].startswith("/security/otp/verify/")


def test_a_password_alone_gives_no_api_token_to_a_two_factor_account(client, users):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "unoda", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.post(
        "/api/v1/auth/token/",
        {"username": "recipient", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]


# --- Lockout, password rules ----------------------------------------------------------------


def test_repeated_failures_lock_the_account_out(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "recipient", "wrong-password").status_code == 200
    assert sign_in(client, "recipient", "wrong-password").status_code == 429
    locked = sign_in(client, "recipient")  # even with the right password now
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    failed = AuditEvent.objects.filter(kind=AuditKind.SIGN_IN_FAILED, actor_username="recipient")
    assert failed.count() >= settings.AXES_FAILURE_LIMIT


def test_password_validators_refuse_weak_passwords(users):
    for weak in ("password", "12345678", "short", users.recipient.username + "1"):
        with pytest.raises(ValidationError):
            validate_password(weak, user=users.recipient)
    validate_password("correct horse battery staple 2026", user=users.recipient)


# --- Sessions ---------------------------------------------------------------------------------


def test_session_key_rotates_at_sign_in_and_sign_in_is_audited(client, users):
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    sign_in(client, "recipient")
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_IN, actor=users.recipient).exists()


def test_sign_out_ends_the_session_on_the_server(client, users):
    sign_in(client, "recipient")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.SIGN_OUT, actor=users.recipient).exists()


def _age_session(client, **fields):
    session = client.session
    for name, value in fields.items():
        session[name] = value
    session.save()


def test_idle_session_expires(client, users, settings):
    client.force_login(users.recipient)
    assert client.get("/").status_code == 200
    idle = settings.PORTAL_SESSION_IDLE_SECONDS
    _age_session(client, **{LAST_SEEN: int(time.time()) - idle - 5})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_session_has_an_absolute_lifetime_whatever_the_activity(client, users, settings):
    client.force_login(users.recipient)
    client.get("/")
    now = int(time.time())
    _age_session(client, **{SIGNED_IN_AT: now - settings.SESSION_COOKIE_AGE - 5, LAST_SEEN: now})
    response = client.get("/")
    assert response["Location"].startswith("/accounts/login/")


def test_session_settings():
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.PORTAL_SESSION_IDLE_SECONDS <= 3600


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_password_change_and_deactivation_end_other_sessions(users):
    laptop, phone = Client(), Client()
    laptop.force_login(users.recipient)
    phone.force_login(users.recipient)
    other = Client()
    other.force_login(users.donor)
    users.recipient.set_password("a brand new passphrase 2026")
    users.recipient.save()
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert other.get("/").status_code == 200
    assert AuditEvent.objects.filter(kind=AuditKind.SESSIONS_ENDED).exists()

    phone.force_login(users.donor)
    users.donor.is_active = False
    users.donor.save()
    assert phone.get("/").status_code == 302
    assert other.get("/").status_code == 302
    assert not [
        s
        for s in Session.objects.all()
        if s.get_decoded().get("_auth_user_id") == str(users.donor.pk)
    ]


def test_revoking_a_permission_takes_effect_on_the_next_request(client, make_case, users):
    """A donor sees a published case; UNODA withdraws it: the donor's very next request gets
    a 404 (permissions are read per request, nothing is cached in the session)."""
    from apps.cases import services

    case = make_case("published")
    client.force_login(users.donor)
    assert client.get(f"/cases/{case.reference}/").status_code == 200
    assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 200
    services.request_transition(
        actor=users.unoda, case=case, transition="withdraw", comment="Withdrawn by the State."
    )
    assert client.get(f"/cases/{case.reference}/").status_code == 404
    assert client.get(f"/api/v1/requests/{case.reference}/").status_code == 404
    assert AuditEvent.objects.filter(
        kind=AuditKind.PERMISSION_REVOKE, object_id=case.reference
    ).exists()


def test_preferences_page_offers_two_factor(client, users):
    client.force_login(users.recipient)
    html = client.get("/accounts/preferences/").content.decode()
    assert 'href="/security/otp/enrol/"' in html
