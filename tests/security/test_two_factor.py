"""Two-factor set-up as people expect: a QR code and the key as text at enrolment, ten backup
codes shown once and accepted once each at sign-in's second step, a new set on demand (the old
one then stops working), every step audited."""

import re
from urllib.parse import unquote

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.security.models import AuditEvent, AuditKind
from apps.security.otp import BACKUP_CODE_COUNT, backup_code_normalise
from apps.security.selectors import otp_backup_codes_remaining
from apps.security.testing import next_totp_code
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]

CODE = re.compile(r"<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>")


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def enrol(client, username) -> list[str]:
    """Sign in as a new officer and enrol an authenticator; the backup codes shown."""
    sign_in(client, username)
    client.get("/security/otp/enrol/")
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    response = client.post("/security/otp/enrol/", {"token": next_totp_code(device)})
    assert response.status_code == 200
    return CODE.findall(response.content.decode())


@pytest.fixture
def officer(db):
    return UserFactory(username="amina", first_name="Amina", is_unoda_officer=True)


def test_enrolment_shows_a_qr_code_and_the_key_as_text(client, officer):
    sign_in(client, "amina")
    response = client.get("/security/otp/enrol/")
    html = response.content.decode()
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    # The QR code: an SVG drawn by the server, as a data: URI the CSP allows (img-src data:).
    match = re.search(r'<img src="(data:image/svg\+xml[^"]+)"[^>]* alt="([^"]+)"', html)
    assert match, "no QR code image with a text alternative"
    assert "<svg" in unquote(match.group(1))
    assert "data:" in response["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    # The key as text, in groups of four, with the issuer and the account to type by hand.
    import base64

    key = base64.b32encode(device.bin_key).decode()
    assert " ".join(key[i : i + 4] for i in range(0, len(key), 4)) in html
    assert "UN PoA assistance portal" in html
    assert "amina" in html
    # The otpauth:// URI carries the issuer and the user's name.
    assert device.config_url.startswith("otpauth://totp/UN%20PoA%20assistance%20portal%3Aamina?")
    assert "issuer=UN%20PoA%20assistance%20portal" in device.config_url


def test_a_deployment_names_its_own_issuer(officer, monkeypatch):
    """PORTAL_OTP_ISSUER (read by config/settings/base.py) replaces the translated name."""
    from config.settings import base

    monkeypatch.setattr(base, "PORTAL_OTP_ISSUER", "Portal (staging)")
    device = TOTPDevice.objects.create(user=officer, name="x", confirmed=False)
    assert "issuer=Portal%20%28staging%29" in device.config_url


def test_enrolment_shows_ten_backup_codes_once_and_audits_them(client, officer):
    codes = enrol(client, "amina")
    assert len(codes) == len(set(codes)) == BACKUP_CODE_COUNT == 10
    assert otp_backup_codes_remaining(user=officer) == 10
    assert AuditEvent.objects.filter(kind=AuditKind.OTP_BACKUP_CODES, actor=officer).exists()
    # Shown once: no page shows them again.
    for path in ("/security/otp/backup-codes/", "/accounts/preferences/"):
        html = client.get(path).content.decode()
        assert not any(code in html for code in codes), path
    assert "10" in client.get("/accounts/preferences/").content.decode()


def test_a_backup_code_signs_in_once_then_is_refused(client, officer):
    codes = enrol(client, "amina")
    client.post("/accounts/logout/")
    sign_in(client, "amina")
    assert client.get("/cases/")["Location"].startswith("/security/otp/verify/")
    page = client.get("/security/otp/verify/").content.decode()
    assert 'name="backup_code"' in page
    # Typed in capitals, with spaces instead of the hyphen: still the same code.
    typed = codes[0].upper().replace("-", " ")
    response = client.post("/security/otp/verify/", {"backup_code": typed, "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert otp_backup_codes_remaining(user=officer) == 9
    verified = AuditEvent.objects.filter(kind=AuditKind.OTP_VERIFIED, actor=officer).first()
    assert verified.detail == {"method": "backup_code", "remaining": 9}

    client.post("/accounts/logout/")
    sign_in(client, "amina")
    again = client.post("/security/otp/verify/", {"backup_code": codes[0]})
    assert again.status_code == 200
    assert "already used" in again.content.decode()
    assert client.get("/cases/").status_code == 302
    assert AuditEvent.objects.filter(
        kind=AuditKind.OTP_FAILED, actor=officer, detail__method="backup_code"
    ).exists()


def test_a_backup_code_of_someone_else_is_refused(client, officer):
    other_codes = enrol(client, "amina")
    client.post("/accounts/logout/")
    UserFactory(username="bruno", is_unoda_officer=True)
    enrol(client, "bruno")
    client.post("/accounts/logout/")
    sign_in(client, "bruno")
    response = client.post("/security/otp/verify/", {"backup_code": other_codes[0]})
    assert response.status_code == 200
    assert otp_backup_codes_remaining(user=officer) == 10


def test_regenerating_needs_a_current_code_and_invalidates_the_old_codes(client, officer):
    old = enrol(client, "amina")
    device = TOTPDevice.objects.get(user=officer, confirmed=True)
    refused = client.post("/security/otp/backup-codes/", {"token": "000000"})
    assert refused.status_code == 400
    assert set(StaticToken.objects.values_list("token", flat=True)) == {
        backup_code_normalise(code) for code in old
    }
    device.throttle_reset()
    response = client.post("/security/otp/backup-codes/", {"token": next_totp_code(device)})
    assert response.status_code == 200
    new = CODE.findall(response.content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert otp_backup_codes_remaining(user=officer) == 10
    assert AuditEvent.objects.filter(
        kind=AuditKind.OTP_BACKUP_CODES, actor=officer, detail__reason="regenerated"
    ).exists()
    client.post("/accounts/logout/")
    sign_in(client, "amina")
    assert client.post("/security/otp/verify/", {"backup_code": old[1]}).status_code == 200
    StaticDevice.objects.get(user=officer).throttle_reset()  # the wrong code's back-off
    assert client.post("/security/otp/verify/", {"backup_code": new[1]}).status_code == 302


def test_a_backup_code_is_not_a_fresh_check_for_the_api_token(client, officer):
    codes = enrol(client, "amina")
    response = client.post("/accounts/preferences/api-token/", {"rotate": "", "proof": codes[0]})
    assert response.status_code == 400
    assert otp_backup_codes_remaining(user=officer) == 10


def test_backup_codes_page_sends_a_user_without_an_authenticator_to_enrol(client, users):
    client.force_login(users.recipient)
    response = client.get("/security/otp/backup-codes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/security/otp/enrol/")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("abcde-fg234", "abcdefg234"),
        (" ABCDE FG234 ", "abcdefg234"),
        ("abcde\u2011fg\u0662\u0663\u0664", "abcdefg234"),  # Arabic-Indic digits
    ],
)
def test_backup_codes_are_read_whatever_the_case_spacing_or_digits(typed, stored):
    assert backup_code_normalise(typed) == stored
