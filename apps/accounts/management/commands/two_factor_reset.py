"""Reset a user's two-factor authentication from the command line (the admin's action does the
same): for an administrator who cannot reach the admin, or for scripted recovery."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import User
from apps.accounts.services import user_two_factor_reset


class Command(BaseCommand):
    help = (
        "Delete a user's authenticators and backup codes, end their sessions and make them set "
        "up two-factor authentication again at their next sign-in; the audit log records who "
        "did it (--by, a superuser) and why (--reason)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="the user whose two-factor authentication is reset")
        parser.add_argument("--by", required=True, help="the superuser who resets it")
        parser.add_argument("--reason", required=True, help="why, for the audit log")

    def handle(self, *args, username, by, reason, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        actor = User.objects.filter(username=by).first()
        if actor is None:
            raise CommandError(f"No user {by!r}.")
        try:
            count = user_two_factor_reset(actor=actor, user=user, reason=reason)
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(
            f"Two-factor authentication of {username} reset ({count} device(s) deleted); "
            "they set up an authenticator at their next sign-in."
        )
