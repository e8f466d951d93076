from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from apps.cases import selectors as case_selectors
from apps.cases.models import AssistanceRequest
from apps.core.exceptions import ApplicationError

from . import selectors, services
from .forms import FeedbackForm
from .permissions import can_edit_feedback, can_see_effectiveness, member_organization_ids


def _get_case(request, reference) -> AssistanceRequest:
    try:
        return case_selectors.request_get(user=request.user, reference=reference)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("No such case, or you may not see it.")) from None


class UnodaOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_see_effectiveness(request.user):
            raise PermissionDenied(_("Only UNODA officers see this page."))
        return super().dispatch(request, *args, **kwargs)


class EffectivenessView(UnodaOnlyMixin, TemplateView):
    template_name = "followup/effectiveness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.effectiveness_get(user=self.request.user))
        return context


class OverdueListView(UnodaOnlyMixin, TemplateView):
    template_name = "followup/overdue_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cases"] = selectors.overdue_cases(user=self.request.user)
        return context


class ImplementationPlanView(UnodaOnlyMixin, TemplateView):
    template_name = "followup/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = _get_case(self.request, kwargs["reference"])
        context["case"] = case
        context["overview"] = selectors.implementation_overview(user=self.request.user, case=case)
        return context


class FeedbackView(LoginRequiredMixin, TemplateView):
    """The feedback on a case the user may read, and the user's own form while it is open."""

    template_name = "followup/feedback_detail.html"

    def _own(self, case):
        mine = member_organization_ids(self.request.user)
        for feedback in selectors.feedback_list(user=self.request.user, case=case):
            if feedback.organization_id in mine and can_edit_feedback(self.request.user, feedback):
                return feedback
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = _get_case(self.request, kwargs["reference"])
        own = self._own(case)
        context.update(
            case=case,
            feedback=selectors.feedback_list(user=self.request.user, case=case),
            waivers=selectors.feedback_waivers(user=self.request.user, case=case),
            own=own,
            form=kwargs.get("form") or (FeedbackForm(instance=own) if own else None),
        )
        return context

    def post(self, request, reference):
        case = _get_case(request, reference)
        own = self._own(case)
        if own is None:
            raise PermissionDenied(_("You have no open feedback on this case."))
        form = FeedbackForm(request.POST, instance=own)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(reference=reference, form=form))
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        service = (
            services.feedback_submit
            if form.cleaned_data["action"] == "submit"
            else services.feedback_save
        )
        try:
            service(actor=request.user, case=case, organization=own.organization, **data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_to_response(self.get_context_data(reference=reference, form=form))
        except ApplicationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your feedback has been saved."))
        return redirect("followup:feedback-detail", reference=reference)
