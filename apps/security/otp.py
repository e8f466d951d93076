"""Who must pass two-factor authentication, marking a session as verified, and the pieces of
an authenticator's set-up and of backup codes that involve no writing."""

import base64
import secrets
import unicodedata

import segno
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

# Backup codes: ten at a time, each of ten characters of the base-32 alphabet (50 random bits,
# no 0/O or 1/I/L to confuse), shown in two groups of five.
BACKUP_CODE_COUNT = 10
BACKUP_CODE_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
BACKUP_CODE_LENGTH = 10
BACKUP_DEVICE_NAME = "backup codes"
# Hyphen-minus, hyphen, non-breaking hyphen, en dash: what a copied or typed code may contain.
HYPHENS = "-\u2010\u2011\u2013"


def otp_required(user) -> bool:
    """UNODA officers, staff and superusers always; anyone an administrator's two-factor reset
    left to enrol again; anyone else once they enrolled a device."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_unoda_officer or user.is_superuser or user.is_staff or user.two_factor_required:
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_match(user, token: str) -> TOTPDevice | None:
    """The user's confirmed authenticator that accepts ``token`` now (each code once; django-otp
    throttles a device after a wrong code). Backup codes are not tried here."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"):
        if device.verify_token(token):
            return device
    return None


def mark_session_verified(session, device) -> None:
    """What ``django_otp.login`` stores, for a session without a request (tests, tooling)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def totp_issuer() -> str:
    """The issuer as the otpauth:// URI names it (config/settings/base.py decides)."""
    issuer = settings.OTP_TOTP_ISSUER
    return issuer(None) if callable(issuer) else str(issuer)


def totp_key_text(device: TOTPDevice) -> str:
    """The secret key as people type it: base 32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_code_data_uri(text: str) -> str:
    """``text`` as a QR code: an SVG drawn here, as a data: URI for an ``<img>`` (the
    Content-Security-Policy allows data: images; nothing is fetched from elsewhere). Dark on
    white whatever the page's colours, with the quiet zone that readers need."""
    qr = segno.make(text, error="m", micro=False)
    return qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def backup_code_new() -> str:
    return "".join(secrets.choice(BACKUP_CODE_ALPHABET) for _ in range(BACKUP_CODE_LENGTH))


def backup_code_display(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def backup_code_normalise(text: str) -> str:
    """A backup code as stored, from what was typed: case, spaces and the hyphen do not matter,
    and digits typed on an Arabic or Persian keyboard count as the same digits."""
    chars = []
    for char in text or "":
        if char.isspace() or char in HYPHENS:
            continue
        digit = unicodedata.digit(char, None)
        chars.append(str(digit) if digit is not None else char.lower())
    return "".join(chars)


def lockout_username(request, credentials) -> str | None:
    """The user name django-axes records for a sign-in attempt, cut to a user name's length."""
    username = (credentials or {}).get("username")
    if username is None:
        username = request.POST.get("username") if request is not None else None
    return str(username)[:150] if username is not None else None
