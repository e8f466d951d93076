from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from apps.core.choices import display_of
from apps.core.models import TimeStampedModel


class OrganizationKind(models.TextChoices):
    STATE = "state", pgettext_lazy("a UN member State, a country", "State")
    INTERGOVERNMENTAL = "intergovernmental", _("Intergovernmental organization")
    REGIONAL = "regional", _("Regional organization")
    UN_ENTITY = "un_entity", _("UN entity")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    FOUNDATION = "foundation", _("Foundation")


class Region(models.TextChoices):
    """UN M49 macro regions, plus 'global' for organizations that work everywhere."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")
    GLOBAL = "global", pgettext_lazy("region: the whole world", "Global")


class Organization(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(
        pgettext_lazy("kind of organization", "kind"),
        max_length=20,
        choices=OrganizationKind.choices,
    )
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    iati_identifier = models.CharField(
        _("IATI organisation identifier"),
        max_length=100,
        blank=True,
        validators=[
            RegexValidator(
                r"^[^/&|?\s]+-[^/&|?\s]+$",
                _("An IATI organisation identifier: an agency prefix, a hyphen and the code."),
            )
        ],
        help_text=_(
            "As registered with IATI, for example XM-DAC-701 for Japan or XM-DAC-41114 for UNDP. "
            "Leave it empty when the organisation has none: the IATI file then names it "
            "without an identifier."
        ),
    )
    is_recipient = models.BooleanField(
        _("can request assistance"),
        default=False,
        help_text=_("Members may write and submit assistance requests."),
    )
    is_donor = models.BooleanField(
        _("can offer assistance"),
        default=False,
        help_text=_("Members may see published needs, offer and fund assistance."),
    )
    group = models.OneToOneField(
        Group,
        verbose_name=_("permission group"),
        on_delete=models.PROTECT,
        related_name="organization",
        editable=False,
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organizations",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ("name",)
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=OrganizationKind.STATE) | ~Q(country=""),
                name="organization_state_has_country",
                violation_error_message=_("A State must have a country."),
            ),
            # One identifier, one organisation: the IATI files name organisations by it.
            models.UniqueConstraint(
                fields=["iati_identifier"],
                condition=~Q(iati_identifier=""),
                name="organization_unique_iati_identifier",
                violation_error_message=_("Another organization has this IATI identifier."),
            ),
        ]
        indexes = [models.Index(fields=["is_donor"]), models.Index(fields=["region"])]

    def __str__(self) -> str:
        return self.display_name

    def get_region_display(self) -> str:
        return display_of(Region, self.region)

    @property
    def display_name(self) -> str:
        """A State is shown by the UN's short name of its country in the reader's language
        (settings.COUNTRIES_OVERRIDE); other organisations by their name in that language."""
        if self.kind == OrganizationKind.STATE and self.country:
            return str(self.country.name)
        return self.name


class Membership(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    position = models.CharField(
        pgettext_lazy("job title of a member", "position"),
        max_length=120,
        blank=True,
        help_text=_("For example: national point of contact."),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_unique_user_organization"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"


ALL_DONORS_GROUP_NAME = "portal:all-donors"
