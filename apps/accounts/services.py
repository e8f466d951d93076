from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from rest_framework.authtoken.models import Token

from apps.notifications.services import notification_preferences_set
from apps.security.models import AuditKind
from apps.security.otp import otp_required, totp_match
from apps.security.services import audit_record, user_sessions_end

from .models import User


@transaction.atomic
def user_update_preferences(*, user: User, language: str, deliveries: dict | None = None) -> User:
    """Save the user's language and how they hear of each topic of notification
    (``deliveries``: topic -> delivery; unchanged when not given)."""
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language"])
    if deliveries is not None:
        notification_preferences_set(user=user, deliveries=deliveries)
    return user


def _check_fresh(user: User, proof: str) -> None:
    """A fresh check before a token is issued or revoked: a code of the user's authenticator
    when the account uses two-factor authentication (not a backup code: those are for signing
    in without the phone), its password otherwise."""
    proof = (proof or "").strip()
    if otp_required(user):
        if not proof or totp_match(user, proof) is None:
            raise ValidationError({"proof": _("That code is not valid. Enter the current code.")})
    elif not user.check_password(proof):
        raise ValidationError({"proof": _("That is not your password.")})


@transaction.atomic
def api_token_rotate(*, user: User, proof: str) -> Token:
    """A new API token for the user, the old one (if any) stopped at once."""
    _check_fresh(user, proof)
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(kind=AuditKind.CHANGE, actor=user, obj=user, detail={"action": "api_token_rotate"})
    return token


@transaction.atomic
def api_token_revoke(*, user: User, proof: str) -> None:
    _check_fresh(user, proof)
    Token.objects.filter(user=user).delete()
    audit_record(kind=AuditKind.CHANGE, actor=user, obj=user, detail={"action": "api_token_revoke"})


def can_reset_two_factor(actor) -> bool:
    """Only system administrators (superusers) reset someone's second factor."""
    return bool(actor and actor.is_authenticated and actor.is_active and actor.is_superuser)


@transaction.atomic
def user_two_factor_reset(*, actor: User, user: User, reason: str) -> int:
    """Recovery for a user who lost their authenticator and backup codes: every two-factor
    device of ``user`` is deleted (authenticators and backup codes), they must enrol a new
    authenticator at their next sign-in (``two_factor_required``), and their sessions end.
    The audit log records who reset whom and why. Returns how many devices were deleted."""
    if not can_reset_two_factor(actor):
        raise PermissionDenied(
            _("Only a system administrator may reset two-factor authentication.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the two-factor authentication is reset.")})
    user = User.objects.select_for_update().get(pk=user.pk)
    devices = list(devices_for_user(user, confirmed=None))
    for device in devices:
        device.delete()
    user.two_factor_required = True
    user.save(update_fields=["two_factor_required"])
    audit_record(
        kind=AuditKind.OTP_RESET,
        actor=actor,
        obj=user,
        detail={
            "reason": reason[:500],
            "devices": sorted(f"{d._meta.label_lower}:{d.name}" for d in devices),
        },
    )
    user_sessions_end(user=user, actor=actor, reason="two-factor reset")
    return len(devices)
