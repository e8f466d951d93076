"""Sign-in, sign-out and failed sign-in go to the audit log; sessions are remembered per user.

These receivers record infrastructure facts (who signed in from where), not business rules.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .context import client_ip
from .models import AuditKind
from .services import audit_record, user_session_remember


@receiver(user_logged_in, dispatch_uid="security_sign_in")
def on_sign_in(sender, request, user, **kwargs):
    ip = client_ip(request) if request is not None else None
    audit_record(kind=AuditKind.SIGN_IN, actor=user, ip_address=ip)
    if request is not None and hasattr(request, "session"):
        if request.session.session_key is None:
            request.session.save()
        user_session_remember(user=user, session_key=request.session.session_key)


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
