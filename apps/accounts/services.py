from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from rest_framework.authtoken.models import Token

from apps.notifications.services import notification_preferences_set
from apps.security.models import AuditKind
from apps.security.otp import otp_required
from apps.security.services import audit_record

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
    when the account uses two-factor authentication, its password otherwise."""
    proof = (proof or "").strip()
    if otp_required(user):
        if not proof or match_token(user, proof) is None:
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
