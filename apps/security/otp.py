"""Who must pass two-factor authentication, and marking a session as verified."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def otp_required(user) -> bool:
    """UNODA officers, staff and superusers always; anyone else once they enrolled a device."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_unoda_officer or user.is_superuser or user.is_staff:
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def otp_is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def mark_session_verified(session, device: TOTPDevice) -> None:
    """What ``django_otp.login`` stores, for a session without a request (tests, tooling)."""
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
