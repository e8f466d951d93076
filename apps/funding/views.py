import csv

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import selectors
from .models import MatchmakingMeeting


def _meeting_dossier(request, pk):
    try:
        meeting = selectors.meeting_get(user=request.user, pk=pk)
    except MatchmakingMeeting.DoesNotExist:
        raise Http404(_("No such meeting.")) from None
    return meeting, selectors.meeting_dossier(meeting=meeting)


class MeetingDossierView(LoginRequiredMixin, TemplateView):
    template_name = "funding/meeting_dossier.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, rows = _meeting_dossier(self.request, kwargs["pk"])
        context.update(meeting=meeting, rows=rows)
        return context


class MeetingDossierCsvView(LoginRequiredMixin, View):
    def get(self, request, pk):
        meeting, rows = _meeting_dossier(request, pk)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}-dossier.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [_("Position"), _("Type"), _("Reference"), _("Title"), _("Organization"),
             _("Categories"), _("Amount"), _("Currency"), _("Committed"), _("Gap"),
             _("Interest shown"), _("Outcome"), _("Follow-up"), _("Suggested matches")]
        )  # fmt: skip
        for row in rows:
            writer.writerow([_csv_safe(value) for value in row.as_list()])
        return response


def _csv_safe(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
