"""Test support: sign a test client in as someone who passed two-factor authentication."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from .otp import mark_session_verified, otp_required


def otp_verify_client(client, user) -> None:
    """Give ``user`` a confirmed TOTP device (if none) and mark ``client``'s session as verified
    with it, as a successful verification would."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    mark_session_verified(session, device)
    session.save()


def force_login_verified(client, user, backend=None, *, original=None) -> None:
    (original or type(client).force_login)(client, user, backend)
    if otp_required(user):
        otp_verify_client(client, user)


def next_totp_code(device) -> str:
    """A code the device accepts now: the current one, or the next step's if the current one
    was already used (django-otp refuses a code twice; it accepts one step of drift)."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.drift = device.drift + (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"
