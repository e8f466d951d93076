"""Writes of the security app: audit events, ending a user's sessions, two-factor enrolment,
verification and backup codes."""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .context import current_ip
from .models import AuditEvent, AuditKind

logger = logging.getLogger(__name__)


def _describe(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    label = obj._meta.label_lower
    ident = getattr(obj, "reference", None) or obj.pk
    return label, str(ident)


def _recorded_name(organization) -> str:
    """The organisation as the log records it: its English name, whatever the actor's language,
    so that the log reads and is searched the same way for every officer (the page marks it
    translate="no": a record, not interface text)."""
    if not organization:
        return ""
    with translation.override(settings.LANGUAGE_CODE):
        return str(organization)[:200]


def audit_record(
    *,
    kind: str,
    actor=None,
    obj=None,
    organization=None,
    detail: dict | None = None,
    ip_address: str | None = None,
    username: str = "",
) -> AuditEvent:
    """Append one event to the audit log (never updated, never deleted)."""
    object_type, object_id = _describe(obj)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        object_type=object_type,
        object_id=object_id[:100],
        organization=_recorded_name(organization),
        ip_address=ip_address or current_ip(),
        detail=detail or {},
    )


def user_session_keys(*, user) -> list[str]:
    """Keys of the user's unexpired server-side sessions (decoded one by one: this runs only
    when a password changes or a user is deactivated)."""
    user_id = str(user.pk)
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == user_id:
            keys.append(session.session_key)
    return keys


@transaction.atomic
def user_sessions_end(
    *, user, keep_session_key: str | None = None, actor=None, reason="", tokens: bool = False
) -> int:
    """End every server-side session of ``user`` except ``keep_session_key``; with ``tokens``,
    revoke the user's API token too (a new one must be asked for)."""
    from rest_framework.authtoken.models import Token

    keys = [key for key in user_session_keys(user=user) if key != keep_session_key]
    Session.objects.filter(session_key__in=keys).delete()
    revoked = Token.objects.filter(user=user).delete()[0] if tokens else 0
    if keys or revoked:
        audit_record(
            kind=AuditKind.SESSIONS_ENDED,
            actor=actor,
            obj=user,
            detail={"count": len(keys), "api_tokens": revoked, "reason": reason},
        )
    return len(keys)


def audit_refused_access(*, user, records: QuerySet, what: str) -> None:
    """Log a request by ``user`` for a record that exists (``records``: the one asked for,
    read without the user's scope) but that the user may not see; they get the same 404 as for
    a record that does not exist. ``what`` says what was asked for (a reference, a path). Past
    ``PORTAL_REFUSED_ALERT_COUNT`` such requests by one user within
    ``PORTAL_REFUSED_ALERT_MINUTES``, an alert goes to the UNODA coordinators and the ADMINS and
    into the log (once, when the count is reached)."""
    if not getattr(user, "is_authenticated", False):
        return
    record = records.first()
    if record is None:
        return
    audit_record(kind=AuditKind.ACCESS_REFUSED, actor=user, obj=record, detail={"asked": what})
    since = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_REFUSED_ALERT_MINUTES)
    refused = AuditEvent.objects.filter(
        kind=AuditKind.ACCESS_REFUSED, actor=user, created_at__gte=since
    ).count()
    if refused != settings.PORTAL_REFUSED_ALERT_COUNT:
        return
    audit_record(
        kind=AuditKind.ACCESS_ALERT,
        actor=user,
        obj=user,
        detail={"refused": refused, "minutes": settings.PORTAL_REFUSED_ALERT_MINUTES},
    )
    transaction.on_commit(lambda: _send_refused_alert(user, refused))


def _send_refused_alert(user, refused: int) -> None:
    from apps.core.services import mail_coordinators

    def compose():
        subject = ngettext(
            "Security alert: %(user)s asked for %(count)d record they may not see",
            "Security alert: %(user)s asked for %(count)d records they may not see",
            refused,
        ) % {"user": user.get_username(), "count": refused}
        body = ngettext(
            "The user %(user)s asked for %(count)d record that exists but that they may not see "
            "within %(minutes)d minutes. Each request is in the audit log (kind: refused access).",
            "The user %(user)s asked for %(count)d records that exist but that they may not see "
            "within %(minutes)d minutes. Each request is in the audit log (kind: refused access).",
            refused,
        ) % {
            "user": user.get_username(),
            "count": refused,
            "minutes": settings.PORTAL_REFUSED_ALERT_MINUTES,
        }
        return subject, body

    mail_coordinators(
        compose, what=f"The refused-access alert for {user.get_username()}", admins=True
    )


def audit_case_view(*, user, case, channel: str = "page") -> None:
    """Log a view of a case by someone outside its requesting organization when the case is
    not public (every case except a published one with the public-summary visibility)."""
    from apps.cases.models import Visibility
    from apps.cases.permissions import is_member
    from apps.cases.workflow import DONOR_VISIBLE

    if not user.is_authenticated or is_member(user, case.requesting_organization_id):
        return
    if case.visibility == Visibility.PUBLIC_SUMMARY and case.status in DONOR_VISIBLE:
        return
    audit_record(
        kind=AuditKind.VIEW_CONFIDENTIAL,
        actor=user,
        obj=case,
        organization=case.requesting_organization,
        detail={"channel": channel, "status": case.status, "at": timezone.now().isoformat()},
    )


def otp_has_device(*, user) -> bool:
    from .otp import confirmed_device

    return confirmed_device(user) is not None


def otp_pending_device(*, user):
    """The user's unconfirmed TOTP device (created once, kept until confirmed)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _otp_session_verified(request, device) -> None:
    import django_otp

    request.session.cycle_key()
    django_otp.login(request, device)


def otp_verify(*, request, token: str) -> bool:
    """Check ``token`` against the user's confirmed authenticators; on success mark the session
    verified (django-otp) and rotate the session key."""
    from .otp import totp_match

    user = request.user
    device = totp_match(user, token)
    if device is None:
        audit_record(kind=AuditKind.OTP_FAILED, actor=user)
        return False
    _otp_session_verified(request, device)
    audit_record(kind=AuditKind.OTP_VERIFIED, actor=user)
    return True


def otp_verify_backup_code(*, request, code: str) -> bool:
    """Sign-in's second step with a backup code instead of an authenticator's code: each code
    works once (deleted as it is accepted; a concurrent second use deletes nothing and fails),
    and a wrong code throttles the user's backup codes like a wrong authenticator code."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from .otp import backup_code_normalise
    from .selectors import otp_backup_codes_remaining

    user = request.user
    code = backup_code_normalise(code)
    with transaction.atomic():
        device = (
            StaticDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
            .first()
        )
        accepted = False
        if device is not None and device.verify_is_allowed()[0]:
            deleted, _per_model = StaticToken.objects.filter(device=device, token=code).delete()
            accepted = deleted > 0
            if accepted:
                device.throttle_reset(commit=False)
                device.set_last_used_timestamp(commit=False)
                device.save()
            else:
                device.throttle_increment()
        if not accepted:
            audit_record(kind=AuditKind.OTP_FAILED, actor=user, detail={"method": "backup_code"})
            return False
    _otp_session_verified(request, device)
    remaining = otp_backup_codes_remaining(user=user)
    audit_record(
        kind=AuditKind.OTP_VERIFIED,
        actor=user,
        detail={"method": "backup_code", "remaining": remaining},
    )
    return True


@transaction.atomic
def otp_backup_codes_issue(*, user, reason: str) -> list[str]:
    """A new set of backup codes for ``user``; every earlier code stops working. Returns the
    codes as they are shown (once): nothing shows them again."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    from .otp import (
        BACKUP_CODE_COUNT,
        BACKUP_DEVICE_NAME,
        backup_code_display,
        backup_code_new,
    )

    device, _created = StaticDevice.objects.select_for_update().get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(backup_code_new())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_record(
        kind=AuditKind.OTP_BACKUP_CODES,
        actor=user,
        obj=user,
        detail={"count": len(codes), "reason": reason},
    )
    return [backup_code_display(code) for code in sorted(codes)]


def otp_backup_codes_regenerate(*, user, token: str) -> list[str]:
    """New backup codes, asked for from the user's security page: a current code of their
    authenticator first (a signed-in browser alone must not be enough to mint codes)."""
    from .otp import totp_match

    if totp_match(user, (token or "").strip()) is None:
        audit_record(kind=AuditKind.OTP_FAILED, actor=user, detail={"step": "backup_codes"})
        raise ValidationError({"token": _("That code is not valid. Enter the current code.")})
    return otp_backup_codes_issue(user=user, reason="regenerated")


@transaction.atomic
def otp_enrol_confirm(*, request, token: str) -> list[str] | None:
    """Confirm the pending authenticator with a code it shows. On success the session is
    verified and a new set of backup codes is issued (returned to be shown once); None when
    the code is wrong."""
    user = request.user
    device = otp_pending_device(user=user)
    if not device.verify_token(token):
        audit_record(kind=AuditKind.OTP_FAILED, actor=user, detail={"step": "enrol"})
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    _otp_session_verified(request, device)
    audit_record(kind=AuditKind.OTP_ENROLLED, actor=user)
    return otp_backup_codes_issue(user=user, reason="enrolment")
