from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class PortalSettings(models.Model):
    """Portal rules that UNODA's coordinators tune (on the portal's settings page, or the admin
    in the admin); one row (pk=1), defaults from settings."""

    SINGLETON_PK = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_PK, editable=False)
    submit_min_completeness = models.PositiveSmallIntegerField(
        _("minimum completeness to submit (%)"),
        default=30,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A State cannot submit a request less complete than this."),
    )
    publish_min_completeness = models.PositiveSmallIntegerField(
        _("minimum completeness to publish (%)"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A request less complete than this cannot be published to donors."),
    )
    pledge_ageing_days = models.PositiveSmallIntegerField(
        _("days before an unconverted pledge is ageing"),
        validators=[MinValueValidator(1)],
        help_text=_(
            "A pledge without its own expected date is flagged as ageing when it is not "
            "committed this many days after it was made."
        ),
    )

    class Meta:
        verbose_name = _("portal settings")
        verbose_name_plural = _("portal settings")
        # The "UNODA coordinator" role (the group made by migration 0002 holds it): set the
        # exchange rates and these settings in the portal.
        permissions = [("coordinate", _("Can set exchange rates and portal settings"))]
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="portalsettings_singleton"),
            models.CheckConstraint(
                condition=Q(publish_min_completeness__lte=100),
                name="portalsettings_completeness_max_100",
            ),
            models.CheckConstraint(
                condition=Q(submit_min_completeness__lte=100),
                name="portalsettings_submit_completeness_max_100",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Portal settings"))


class SubmittedKey(models.Model):
    """A one-time key of a write (a form's ``form_token``, the API's ``Idempotency-Key``) and
    the answer its first request got: the same key sent again gets that answer and writes
    nothing (``apps.core.idempotency``). Kept ``PORTAL_IDEMPOTENCY_HOURS``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    key = models.CharField(_("key"), max_length=100)
    path = models.CharField(_("path"), max_length=500)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # Empty while the first request runs.
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=1000, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.TextField(_("body"), blank=True)

    class Meta:
        verbose_name = _("one-time key")
        verbose_name_plural = _("one-time keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_answer_per_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.key}"
