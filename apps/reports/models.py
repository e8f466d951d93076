"""The dashboard's figures, kept in SQL (issue 25, Must have 3): rebuilt as a whole by
``rollup.dashboard_figures_build`` (nightly, and on demand), read by ``selectors``.

Each figure row sums the cases made in one month that share a region, a status and a type of
cooperation; ``category`` and ``donor`` are slices: a row with neither counts each case once
(the totals), a row with a category counts the cases of that category, a row with a donor the
cases that donor funds firmly. A case with several categories (or donors) is in several of the
sliced rows but once in the totals, so no total counts a case twice."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Status
from apps.organizations.models import Region

MONEY = {"max_digits": 20, "decimal_places": 2}


class DashboardBuild(models.Model):
    """One build of the figures: when, with the rates of which day, and what it left out."""

    built_at = models.DateTimeField(_("built at"))
    rates_on = models.DateField(_("exchange rates of"))
    cases = models.PositiveIntegerField(_("cases"))
    not_convertible = models.JSONField(_("currencies without a rate"), default=list)
    awaiting = models.PositiveIntegerField(_("amounts awaiting a rate"), default=0)
    medians = models.JSONField(_("median days in each status"), default=list)

    class Meta:
        verbose_name = _("dashboard build")
        verbose_name_plural = _("dashboard builds")
        ordering = ("-built_at",)

    def __str__(self) -> str:
        return self.built_at.isoformat()


class FigureBase(models.Model):
    month = models.DateField(_("month the requests were made"))
    region = models.CharField(_("region"), max_length=20, choices=Region.choices)
    # NULL: cases without an agreement; "": an agreement from before the type was asked.
    cooperation = models.CharField(_("type of cooperation"), max_length=30, null=True)  # noqa: DJ001
    category = models.ForeignKey(
        "cases.Category", on_delete=models.CASCADE, null=True, related_name="+"
    )
    donor = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, null=True, related_name="+"
    )
    cases = models.PositiveIntegerField(_("cases"))
    requested_usd = models.DecimalField(_("requested (USD)"), **MONEY, default=0)
    committed_usd = models.DecimalField(_("committed (USD)"), **MONEY, default=0)
    disbursed_usd = models.DecimalField(_("disbursed (USD)"), **MONEY, default=0)

    class Meta:
        abstract = True


class DashboardFigure(FigureBase):
    """The pipeline and the money by region, category, year and type of cooperation."""

    status = models.CharField(_("status"), max_length=20, choices=Status.choices)

    class Meta:
        verbose_name = _("dashboard figure")
        verbose_name_plural = _("dashboard figures")
        indexes = [
            # Donor first: the chart by category reads every category's rows of one donor slice.
            models.Index(fields=["donor", "category", "month"], name="dashfig_slice_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.region} {self.status}"


class DashboardCategoryFigure(FigureBase):
    """The money by category without the status: the category slices only, a tenth of their
    rows in ``DashboardFigure``, for the chart by category."""

    class Meta:
        verbose_name = _("dashboard figure by category")
        verbose_name_plural = _("dashboard figures by category")
        indexes = [
            models.Index(fields=["donor", "category", "month"], name="dashcategory_slice_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.category_id}"


class DashboardCountryFigure(FigureBase):
    """The map: requests and funding by the requesting State's country."""

    country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("dashboard figure by country")
        verbose_name_plural = _("dashboard figures by country")
        indexes = [
            models.Index(fields=["donor", "category", "month"], name="dashcountry_slice_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.country}"
