"""Demo TOTP devices for the demo logins that must pass two-factor authentication.

The key is public on purpose (it is printed by seed_demo and in the README): it is the RFC 6238
test key. ``manage.py totp_code`` prints codes for devices named ``demo`` only.
"""

import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

DEMO_DEVICE_NAME = "demo"
DEMO_TOTP_KEY_HEX = b"12345678901234567890".hex()
DEMO_TOTP_KEY_BASE32 = base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode()


def demo_totp_device(user) -> TOTPDevice:
    device, _created = TOTPDevice.objects.get_or_create(
        user=user,
        name=DEMO_DEVICE_NAME,
        defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
    )
    return device


def demo_totp_code(device: TOTPDevice) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
