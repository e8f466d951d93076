"""Print the current two-factor code of a demo login (devices created by seed_demo only)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.security.demo_devices import DEMO_DEVICE_NAME, demo_totp_code


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user's demo device (made by seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        device = (
            TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
            if user
            else None
        )
        if device is None:
            raise CommandError(f"{username} has no demo two-factor device (run seed_demo).")
        self.stdout.write(demo_totp_code(device))
