"""Writes of the core app: the portal settings; the e-mails to UNODA's coordinators."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from apps.security.models import AuditKind
from apps.security.services import audit_record

from .models import PortalSettings
from .selectors import portal_settings_read, user_is_coordinator

logger = logging.getLogger(__name__)

PORTAL_SETTINGS_FIELDS = (
    "submit_min_completeness",
    "publish_min_completeness",
    "pledge_ageing_days",
)


def require_coordinator(actor) -> None:
    if not user_is_coordinator(actor):
        raise PermissionDenied(
            _("Only UNODA coordinators set the exchange rates and the portal settings.")
        )


@transaction.atomic
def portal_settings_update(*, actor, **fields) -> PortalSettings:
    """Change the portal settings (the row is made from the defaults the first time); each
    change is audited with the old and the new value."""
    unknown = set(fields) - set(PORTAL_SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be set here: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    require_coordinator(actor)
    defaults = portal_settings_read()
    locked, _created = PortalSettings.objects.select_for_update().get_or_create(
        pk=PortalSettings.SINGLETON_PK,
        defaults={name: getattr(defaults, name) for name in PORTAL_SETTINGS_FIELDS},
    )
    changes = {
        name: [getattr(locked, name), value]
        for name, value in fields.items()
        if getattr(locked, name) != value
    }
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if changes:
        locked.save(update_fields=list(changes))
        audit_record(
            kind=AuditKind.CHANGE,
            actor=actor,
            obj=locked,
            detail={"action": "portal_settings_update", "changes": changes},
        )
    return locked


def mail_coordinators(compose, *, what: str, admins: bool = False) -> None:
    """E-mail the active UNODA coordinators (and the ``ADMINS`` when ``admins``) a message that
    ``compose()`` writes as ``(subject, body)``, in the portal's language (several people of
    different languages read it). ``what`` names the message in the log, where it goes when
    nobody can receive it or the mail server refuses it: the caller's work is never undone by
    a message that could not be sent."""
    from .selectors import coordinator_emails

    recipients = set(coordinator_emails())
    if admins:
        recipients.update(email for _name, email in settings.ADMINS)
    if not recipients:
        logger.warning("%s: nobody to e-mail it to", what)
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = compose()
    try:
        send_mail(subject, body, None, sorted(recipients))
    except OSError:
        logger.exception("%s was not sent", what)
