"""The append-only audit trail."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    SIGN_OUT = "sign_out", _("Sign-out")
    OTP_VERIFIED = "otp_verified", _("Two-factor verification")
    OTP_FAILED = "otp_failed", _("Failed two-factor verification")
    OTP_ENROLLED = "otp_enrolled", _("Two-factor device enrolled")
    OTP_BACKUP_CODES = "otp_backup_codes", _("Two-factor backup codes issued")
    OTP_RESET = "otp_reset", _("Two-factor authentication reset by an administrator")
    VIEW_CONFIDENTIAL = "view_confidential", _("View of a confidential case")
    CHANGE = "change", _("Change")
    PERMISSION_GRANT = "permission_grant", _("Permission granted")
    PERMISSION_REVOKE = "permission_revoke", _("Permission revoked")
    DOWNLOAD = "download", _("File download")
    SESSIONS_ENDED = "sessions_ended", _("Other sessions ended")
    ACCESS_REFUSED = "access_refused", _("Refused access to a record")
    ACCESS_ALERT = "access_alert", _("Alert: many refused requests")
    CONSISTENCY = "consistency", _("Changed outside the portal's rules")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    def delete(self):
        raise PermissionDenied("The audit log is append-only.")


class AuditEvent(models.Model):
    """One line of the audit trail. Rows are only ever inserted: the model refuses to update or
    delete, and a database trigger (migration 0002) refuses UPDATE and DELETE as well."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    kind = models.CharField(
        pgettext_lazy("kind of audit event", "kind"),
        max_length=30,
        choices=AuditKind.choices,
        db_index=True,
    )
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object"), max_length=100, blank=True, db_index=True)
    organization = models.CharField(_("organization"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ("-created_at", "-pk")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.actor_username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")
