from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import TemplateView

from apps.cases.selectors import visible_cases_key
from apps.core.fragments import form_fingerprint, rendered_fragment
from apps.core.reference import cached
from apps.core.tables import csv_stream
from apps.followup.permissions import can_see_effectiveness
from apps.organizations.selectors import user_is_unoda

from . import exports, selectors
from .filters import DashboardFilter
from .iati import build_organisation, stream_activities
from .permissions import can_download_iati


class PublicNeedsView(TemplateView):
    """Published needs whose State allowed a public summary; no sign-in."""

    template_name = "reports/public_needs.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "needs": selectors.public_need_list(),
            "outcomes": selectors.public_outcome_list(),
            "categories": selectors.public_category_list(),
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


class DashboardMixin(LoginRequiredMixin):
    """The filters and the figures, the same for the page and its JSON."""

    def dashboard(self) -> tuple[DashboardFilter, dict]:
        user = self.request.user
        full = user_is_unoda(user)
        filters = DashboardFilter(
            self.request.GET or None, queryset=selectors.dashboard_cases(user=user), full=full
        )
        data = selectors.dashboard_data(
            filters=filters,
            full=full,
            effectiveness=can_see_effectiveness(user),
            scope=visible_cases_key(user),
        )
        return filters, data


class DashboardView(DashboardMixin, TemplateView):
    """UNODA's dashboard; donors and States get the same figures over the cases they may see,
    without the reminder and effectiveness sections (UNODA's own). The charts are drawn in the
    browser (static/dashboard.js) from ``DashboardDataView``; the tables carry the numbers."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs):
        filters, data = self.dashboard()
        money = [
            {"dimension": dimension, "title": title, "figures": data["money"][dimension]}
            for dimension, title in MONEY_TITLES.items()
        ]
        context = {
            **super().get_context_data(**kwargs),
            "full": user_is_unoda(self.request.user),
            "filters": filters,
            "data": data,
            "money": money,
            "data_url": f"{reverse('reports:dashboard-data')}?{self.request.GET.urlencode()}",
        }

        def figures() -> str:
            # Without the request: the tables show only these figures, and the page's context
            # processors (the unread count, the menus) have run once already.
            shown = {"data": data, "money": money, "full": context["full"]}
            return render_to_string("reports/_figures.html", shown)

        # The filter form (its choices: every country, donor and category): rendered once per
        # language and filters, at the edge.
        context["filter_panel"] = rendered_fragment(
            "reports/_dashboard_filters.html",
            {"filters": filters},
            key=f"{filters.is_bound}:{form_fingerprint(filters.form)}",
        )
        # The tables are the same for everyone who reads the same data: kept rendered beside
        # it (UNODA's per build, filters and language; a donor's or State's per scope too).
        name, key = data["cache_name"], data["cache_key"]
        context["figures"] = cached(name, figures, part=f"html:{key}") if name else figures()
        return context


class DashboardDataView(DashboardMixin, View):
    """``/reports/dashboard/data/``: every chart's series as JSON, with the page's filters as
    query parameters; the titles and labels in the reader's language."""

    def get(self, request):
        _filters, data = self.dashboard()
        titles = {
            "pipeline": _("Cases per status"),
            "medians": _("Median days spent in each status"),
            "countries": _("Cases and committed funding by requesting country"),
            "criteria": _("Effectiveness: average ratings (1-5)"),
            **{dimension: str(title) for dimension, title in MONEY_TITLES.items()},
        }
        series = {
            "requested": _("Requested"),
            "committed": pgettext("amount of money", "Committed"),
            "disbursed": pgettext("amount of money", "Disbursed"),
            "cases": pgettext("assistance requests handled as files", "Cases"),
            "days": _("Days"),
            "recipient": _("Recipients"),
            "donor": _("Donors"),
        }
        data.pop("reminders", None)
        data.pop("cache_key", None)
        data.pop("cache_name", None)
        return JsonResponse(
            {**data, "titles": titles, "series": series, "no_data": _("No data to chart")},
            encoder=DjangoJSONEncoder,
        )


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


XML = "application/xml; charset=utf-8"
PUBLIC_FILE_MAX_AGE = 60 * 60  # the IATI Registry reads the files once a day


class IatiExportView(LoginRequiredMixin, View):
    """UNODA's IATI 2.03 activity file of every agreed case, to check before the cases are made
    public; the public ones exactly as in ``IatiActivityFileView``."""

    def get(self, request):
        if not can_download_iati(request.user):
            raise PermissionDenied
        response = StreamingHttpResponse(stream_activities(user=request.user), content_type=XML)
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="iati-activities-{stamp}.xml"'
        return response


class IatiActivityFileView(View):
    """``/iati/activities.xml``: the public IATI activity file (agreed cases whose State chose a
    public summary), without sign-in, at the URL registered with the IATI Registry."""

    def get(self, request):
        response = StreamingHttpResponse(stream_activities(), content_type=XML)
        patch_cache_control(response, public=True, max_age=PUBLIC_FILE_MAX_AGE)
        return response


class IatiOrganisationFileView(View):
    """``/iati/organisation.xml``: the public IATI organisation file of UNODA, the reporting
    organisation, without sign-in."""

    def get(self, request):
        response = HttpResponse(build_organisation(), content_type=XML)
        patch_cache_control(response, public=True, max_age=PUBLIC_FILE_MAX_AGE)
        return response
