"""Writes of the core app: the portal settings."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.security.models import AuditKind
from apps.security.services import audit_record

from .models import PortalSettings
from .selectors import portal_settings_read, user_is_coordinator

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
