"""Sign-in, sign-out and failed sign-in go to the audit log; a password change, a
deactivation or the loss of one's last membership ends the user's other sessions and revokes
their API token.

These receivers record infrastructure facts (who signed in from where), not business rules.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from apps.organizations.models import Membership
from apps.organizations.selectors import user_is_unoda

from .context import client_ip, current_session_key
from .models import AuditKind
from .services import audit_record, user_sessions_end


@receiver(user_logged_in, dispatch_uid="security_sign_in")
def on_sign_in(sender, request, user, **kwargs):
    ip = client_ip(request) if request is not None else None
    audit_record(kind=AuditKind.SIGN_IN, actor=user, ip_address=ip)


@receiver(user_logged_out, dispatch_uid="security_sign_out")
def on_sign_out(sender, request, user, **kwargs):
    if user is None:
        return
    ip = client_ip(request) if request is not None else None
    audit_record(kind=AuditKind.SIGN_OUT, actor=user, ip_address=ip)


@receiver(user_login_failed, dispatch_uid="security_sign_in_failed")
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    ip = client_ip(request) if request is not None else None
    username = str(credentials.get("username", ""))[:150]
    audit_record(kind=AuditKind.SIGN_IN_FAILED, username=username, ip_address=ip)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security_user_pre_save")
def on_user_pre_save(sender, instance, raw=False, **kwargs):
    """Remember whether this save changes the password or deactivates the user."""
    if raw or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._security_end_sessions = bool(before) and (
        before["password"] != instance.password or (before["is_active"] and not instance.is_active)
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="security_user_post_save")
def on_user_post_save(sender, instance, created=False, raw=False, **kwargs):
    """A password change or a deactivation ends the user's other sessions on the server and
    revokes their API token (the session of the request that changed one's own password is
    kept: Django's ``update_session_auth_hash`` carries it over)."""
    if raw or created or not getattr(instance, "_security_end_sessions", False):
        return
    instance._security_end_sessions = False
    keep = current_session_key() if instance.is_active else None
    reason = "password_changed" if instance.is_active else "deactivated"
    transaction.on_commit(
        lambda: user_sessions_end(user=instance, keep_session_key=keep, reason=reason, tokens=True)
    )


@receiver(post_delete, sender=Membership, dispatch_uid="security_membership_post_delete")
def on_membership_post_delete(sender, instance, **kwargs):
    """A user removed from their last organization (and not UNODA) keeps no way in: their
    sessions end and their API token is revoked."""
    user_id = instance.user_id

    def end():
        user = get_user_model().objects.filter(pk=user_id).first()
        if user is None or user_is_unoda(user) or Membership.objects.filter(user=user).exists():
            return
        user_sessions_end(user=user, reason="last_membership_removed", tokens=True)

    transaction.on_commit(end)
