from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import TemplateView

from apps.core.tables import csv_stream
from apps.followup.permissions import can_see_effectiveness
from apps.followup.selectors import effectiveness_by_criterion
from apps.organizations.selectors import user_is_unoda

from . import charts, exports, selectors
from .filters import DashboardFilter
from .iati import stream_activities


class PublicNeedsView(TemplateView):
    """Published needs whose State allowed a public summary; no sign-in."""

    template_name = "reports/public_needs.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "needs": selectors.public_need_list(),
            "outcomes": selectors.public_outcome_list(),
        }


# Lazy: translated when a page shows them, in the reader's language.
MONEY_TITLES = {
    "region": gettext_lazy("Requested, committed and disbursed by region (USD)"),
    "category": gettext_lazy("Requested, committed and disbursed by category (USD)"),
    "year": gettext_lazy("Requested, committed and disbursed by year the request was made (USD)"),
    "cooperation": gettext_lazy(
        "Requested, committed and disbursed by type of cooperation of the agreement (USD)"
    ),
}


class DashboardView(LoginRequiredMixin, TemplateView):
    """UNODA's dashboard; donors and States get the same figures over the cases they may see,
    without the reminder and effectiveness sections (UNODA's own)."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        filters = DashboardFilter(
            self.request.GET or None,
            queryset=selectors.dashboard_cases(user=user),
            full=user_is_unoda(user),
        )
        # Bad input (a date that is no date) leaves the figures unfiltered and says why.
        cases = filters.qs if filters.is_bound and filters.is_valid() else filters.queryset
        pipeline = selectors.pipeline(cases=cases)
        money = []
        for dimension in MONEY_TITLES:
            figures = selectors.money_by(cases=cases, dimension=dimension)
            rows = figures["rows"]
            money.append(
                {
                    "dimension": dimension,
                    "title": MONEY_TITLES[dimension],
                    "figures": figures,
                    "chart": (
                        charts.bar(
                            str(MONEY_TITLES[dimension]),
                            [row["label"] for row in rows],
                            {
                                _("Requested"): [row["requested"] for row in rows],
                                pgettext("amount of money", "Committed"): [
                                    row["committed"] for row in rows
                                ],
                                pgettext("amount of money", "Disbursed"): [
                                    row["disbursed"] for row in rows
                                ],
                            },
                        )
                    ),
                }
            )
        medians = selectors.median_days_in_status(cases=cases)
        context = {
            **super().get_context_data(**kwargs),
            "full": user_is_unoda(user),
            "filters": filters,
            "pipeline": pipeline,
            "pipeline_chart": (
                charts.horizontal(
                    _("Cases per status"),
                    [row["label"] for row in pipeline],
                    [row["n"] for row in pipeline],
                    name=pgettext("assistance requests handled as files", "Cases"),
                )
            ),
            "money": money,
            "medians": medians,
            "medians_chart": (
                charts.horizontal(
                    _("Median days spent in each status"),
                    [row["label"] for row in medians],
                    [row["days"] for row in medians],
                    name=_("Days"),
                )
            ),
        }
        if user_is_unoda(user):
            context["reminders"] = selectors.overdue_reminders(cases=cases)
        if can_see_effectiveness(user):
            criteria = effectiveness_by_criterion()
            context["criteria"] = criteria
            context["criteria_chart"] = charts.bar(
                _("Effectiveness: average ratings (1-5)"),
                [row["criterion"] for row in criteria],
                {
                    _("Recipients"): [row["recipient"] for row in criteria],
                    _("Donors"): [row["donor"] for row in criteria],
                },
            )
        return context


class ExportView(LoginRequiredMixin, View):
    """``/reports/export/<cases|funding>.<csv|xlsx>``: the rows the user may see."""

    def get(self, request, table, fmt):
        if table not in exports.TABLES or fmt not in ("csv", "xlsx"):
            raise Http404
        header, rows = exports.TABLES[table](user=request.user)
        stamp = timezone.localdate().isoformat()
        filename = f"{table}-{stamp}.{fmt}"
        if fmt == "csv":
            return csv_stream(filename, exports.csv_lines(header, rows))
        return FileResponse(
            exports.to_xlsx(header, rows, title=table),
            as_attachment=True,
            filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )


class IatiExportView(LoginRequiredMixin, View):
    """The IATI 2.03 activity file of the agreed and implemented cases the user may see."""

    def get(self, request):
        response = StreamingHttpResponse(
            stream_activities(user=request.user), content_type="application/xml; charset=utf-8"
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="iati-activities-{stamp}.xml"'
        return response
