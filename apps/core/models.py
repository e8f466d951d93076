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
