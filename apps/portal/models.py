"""The queue's saved views: a named set of the queue's filter parameters that a user keeps and
may share with colleagues."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

QUERY_MAX_LENGTH = 1000


class SavedView(TimeStampedModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
        editable=False,
    )
    name = models.CharField(_("name"), max_length=80)
    # The queue's parameters as a query string, checked by the queue's filter form and kept
    # in one order (``apps.portal.forms.queue_query``), never a page number.
    query = models.CharField(_("filters"), max_length=QUERY_MAX_LENGTH, blank=True)
    shared = models.BooleanField(
        _("shared with colleagues"),
        default=False,
        help_text=_("Colleagues of your organization (UNODA: other officers) see it too."),
    )

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ("name", "pk")
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="savedview_unique_owner_name",
                violation_error_message=_("You already have a saved view with this name."),
            ),
        ]
        indexes = [models.Index(fields=["shared", "owner"], name="savedview_shared_owner")]

    def __str__(self) -> str:
        return self.name
