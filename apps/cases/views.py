from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from apps.core.exceptions import ApplicationError
from apps.security.models import AuditKind
from apps.security.services import audit_case_view, audit_record
from apps.security.uploads import safe_content_type, sanitise_filename

from . import selectors, services
from .forms import TransitionForm
from .models import AssistanceRequest, Attachment
from .permissions import can_edit_request, can_fire
from .quality import completeness
from .workflow import transitions_from


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = selectors.request_list(user=self.request.user)[:10]
        context["unread"] = self.request.user.notifications.filter(read_at__isnull=True).count()
        return context


class RequestListView(LoginRequiredMixin, ListView):
    template_name = "cases/request_list.html"
    context_object_name = "cases"
    paginate_by = 25

    def get_queryset(self):
        return selectors.request_list(
            user=self.request.user, filters={"status": self.request.GET.get("status")}
        )


def _get_case(request, reference) -> AssistanceRequest:
    try:
        return selectors.request_get(user=request.user, reference=reference)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("No such case, or you may not see it.")) from None


class RequestDetailView(LoginRequiredMixin, TemplateView):
    template_name = "cases/request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = _get_case(self.request, kwargs["reference"])
        user = self.request.user
        audit_case_view(user=user, case=case)
        context.update(
            case=case,
            history=selectors.request_history(case=case),
            completeness=completeness(case),
            can_edit=can_edit_request(user, case),
            transitions=[t for t in transitions_from(case.status) if can_fire(user, case, t)],
        )
        return context


class RequestTransitionView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = _get_case(request, reference)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown action."))
            return redirect("cases:request-detail", reference=case.reference)
        try:
            services.request_transition(
                actor=request.user,
                case=case,
                transition=form.cleaned_data["transition"],
                comment=form.cleaned_data["comment"],
                expected_status=request.POST.get("expected_status") or None,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except (ApplicationError, PermissionDenied) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("The case is now “%(status)s”.") % {"status": case.get_status_display()}
            )
        return redirect("cases:request-detail", reference=case.reference)


class AttachmentDownloadView(LoginRequiredMixin, View):
    """A case's document, to whoever may see the case; always as a download, never inline."""

    def get(self, request, reference, pk):
        try:
            attachment = selectors.attachment_get(user=request.user, reference=reference, pk=pk)
        except Attachment.DoesNotExist:
            raise Http404(_("No such document, or you may not see it.")) from None
        name = sanitise_filename(attachment.file.name)
        audit_record(
            kind=AuditKind.DOWNLOAD,
            actor=request.user,
            obj=attachment.request,
            organization=attachment.request.requesting_organization,
            detail={"attachment": attachment.pk, "name": name},
        )
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("The file of this document is missing.")) from None
        response = FileResponse(
            handle, as_attachment=True, filename=name, content_type=safe_content_type(name)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
