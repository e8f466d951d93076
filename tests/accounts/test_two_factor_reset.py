"""Recovery of a user who lost their authenticator and backup codes: a system administrator
resets their second factor (admin action or management command, one service), which deletes
their devices, ends their sessions, makes them enrol again at the next sign-in and writes an
audit entry with who did it and why. Anyone else is refused and nothing changes."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.services import user_two_factor_reset
from apps.security.models import AuditEvent, AuditKind
from apps.security.services import otp_backup_codes_issue
from apps.security.testing import next_totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="sysadmin", is_superuser=True, is_staff=True)


@pytest.fixture
def enrolled(db):
    """A State's official who turned two-factor on: an authenticator and backup codes."""
    user = UserFactory(username="lostphone")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    otp_backup_codes_issue(user=user, reason="enrolment")
    return user


def devices_of(user) -> int:
    return (
        TOTPDevice.objects.filter(user=user).count()
        + StaticDevice.objects.filter(user=user).count()
    )


@pytest.mark.real_two_factor
def test_reset_deletes_devices_audits_and_forces_enrolment(admin_user, enrolled):
    signed_in = Client()
    signed_in.post("/accounts/login/", {"username": "lostphone", "password": PASSWORD})
    key = signed_in.session.session_key
    assert user_two_factor_reset(actor=admin_user, user=enrolled, reason="Lost phone") == 2
    assert devices_of(enrolled) == 0
    enrolled.refresh_from_db()
    assert enrolled.two_factor_required
    event = AuditEvent.objects.get(kind=AuditKind.OTP_RESET)
    assert (event.actor, event.object_id) == (admin_user, str(enrolled.pk))
    assert event.detail["reason"] == "Lost phone"
    assert not Session.objects.filter(session_key=key).exists()
    # Next sign-in: nothing opens before a new authenticator is set up.
    client = Client()
    client.post("/accounts/login/", {"username": "lostphone", "password": PASSWORD})
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/security/otp/enrol/")
    device = TOTPDevice.objects.get(user=enrolled, confirmed=False)
    assert client.post("/security/otp/enrol/", {"token": next_totp_code(device)}).status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("role", ["unoda", "staff", "self"])
def test_only_a_superuser_may_reset_and_a_refusal_changes_nothing(enrolled, role):
    actor = {
        "unoda": lambda: UserFactory(is_unoda_officer=True),
        "staff": lambda: UserFactory(is_staff=True),
        "self": lambda: enrolled,
    }[role]()
    with pytest.raises(PermissionDenied):
        user_two_factor_reset(actor=actor, user=enrolled, reason="Because")
    assert devices_of(enrolled) == 2
    assert not AuditEvent.objects.filter(kind=AuditKind.OTP_RESET).exists()


def test_a_reason_is_required(admin_user, enrolled):
    with pytest.raises(ValidationError):
        user_two_factor_reset(actor=admin_user, user=enrolled, reason="  ")
    assert devices_of(enrolled) == 2


def test_admin_action_asks_why_then_resets(client, admin_user, enrolled):
    client.force_login(admin_user)
    url = "/admin/accounts/user/"
    data = {"action": "reset_two_factor", "_selected_action": [enrolled.pk]}
    page = client.post(url, data)
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert devices_of(enrolled) == 2
    empty = client.post(url, {**data, "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert devices_of(enrolled) == 2
    change = client.get(f"/admin/accounts/user/{enrolled.pk}/change/").content.decode()
    assert "1 authenticator app, 10 unused backup codes." in change
    done = client.post(url, {**data, "apply": "1", "reason": "Lost phone; ID checked"})
    assert done.status_code == 302
    assert devices_of(enrolled) == 0
    event = AuditEvent.objects.get(kind=AuditKind.OTP_RESET)
    assert (event.actor, event.detail["reason"]) == (admin_user, "Lost phone; ID checked")


def test_admin_action_is_not_offered_to_staff_without_superuser(client, enrolled):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    client.force_login(staff)
    page = client.get("/admin/accounts/user/").content.decode()
    assert "reset_two_factor" not in page
    client.post(
        "/admin/accounts/user/",
        {
            "action": "reset_two_factor",
            "_selected_action": [enrolled.pk],
            "apply": "1",
            "reason": "x",
        },
    )
    assert devices_of(enrolled) == 2


def test_command_resets_with_who_and_why(admin_user, enrolled):
    call_command("two_factor_reset", "lostphone", by="sysadmin", reason="Ticket 42")
    assert devices_of(enrolled) == 0
    event = AuditEvent.objects.get(kind=AuditKind.OTP_RESET)
    assert (event.actor_username, event.detail["reason"]) == ("sysadmin", "Ticket 42")
    with pytest.raises(CommandError):
        call_command("two_factor_reset", "lostphone", by="lostphone", reason="x")
    with pytest.raises(CommandError):
        call_command("two_factor_reset", "nobody", by="sysadmin", reason="x")
