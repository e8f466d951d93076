from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from apps.cases.models import Status
from apps.cases.views import get_access_or_404, get_case_or_404, refusal_messages
from apps.core.exceptions import ApplicationError
from apps.core.forms import add_service_errors as _add_errors
from apps.core.pagination import peek_page
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda
from apps.security.models import AuditKind
from apps.security.services import audit_record
from apps.security.uploads import download_policy, safe_content_type, sanitise_filename

from . import selectors, services
from .forms import (
    AgreementChangeForm,
    AgreementDocumentForm,
    AgreementForm,
    FeedbackForm,
    LessonFilterForm,
    LessonForm,
    MilestoneDoneForm,
    MilestoneForm,
    ProgressReportForm,
    WaiverForm,
)
from .models import AgreementChangeKind, AgreementDocument, Milestone, ProgressReportAttachment
from .permissions import (
    can_change_agreement,
    can_edit_feedback,
    can_manage_milestones,
    can_report_progress,
    can_see_agreement_records,
    can_see_effectiveness,
    can_view_followup,
    member_organization_ids,
)


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
    """The cases with overdue milestones, a page at a time (``peek_page``: not counted)."""

    template_name = "followup/overdue_list.html"
    PER_PAGE = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = peek_page(
            selectors.overdue_cases(user=self.request.user),
            self.PER_PAGE,
            self.request.GET.get("page"),
        )
        context.update(page_obj=page, cases=page.object_list)
        return context


class FeedbackPendingView(LoginRequiredMixin, TemplateView):
    """The feedback a State's or a donor's organizations owe, and what they gave; UNODA gives
    none (it waives what a party will not give, on the case's feedback page)."""

    template_name = "followup/feedback_list.html"
    GIVEN_SHOWN = 20

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_is_unoda(request.user):
            raise PermissionDenied(
                _("This page is for States and donors: UNODA gives no feedback.")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            pending=selectors.feedback_pending_list(user=user).order_by("request__reference"),
            given=selectors.feedback_given_list(user=user)[: self.GIVEN_SHOWN],
        )
        return context


class ImplementationPlanView(LoginRequiredMixin, TemplateView):
    """The plan against the reports, for everyone who follows the case; the State and the
    implementing partner file progress reports here, UNODA and the State set milestones, edit
    them, mark them done (with a note and evidence) and reopen them."""

    template_name = "followup/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        access = get_access_or_404(self.request, kwargs["reference"])
        case = access.case
        if not can_view_followup(access):
            raise PermissionDenied(_("You may not see this case."))
        overview = selectors.implementation_overview(access=access)
        agreement = overview.agreement if overview else None
        can_report = agreement is not None and can_report_progress(user, agreement)
        can_milestones = agreement is not None and can_manage_milestones(user, agreement)
        if can_milestones:
            bound = kwargs.get("bound_milestone")  # (pk, kind, form) of a form with errors
            for milestone in overview.milestones:
                milestone.edit_form = MilestoneForm(
                    prefix_pk=milestone.pk,
                    initial={
                        "title": milestone.title,
                        "due_date": milestone.due_date,
                        "description": milestone.description,
                    },
                )
                milestone.done_form = MilestoneDoneForm(
                    milestone_pk=milestone.pk, initial={"completed_on": timezone.localdate()}
                )
                if bound and bound[0] == milestone.pk:
                    setattr(milestone, f"{bound[1]}_form", bound[2])
                    milestone.open_form = bound[1]
        context.update(
            case=case,
            overview=overview,
            can_change_agreement=agreement is not None and can_change_agreement(user, agreement),
            records_visible=agreement is not None and can_see_agreement_records(user, agreement),
            history=selectors.agreement_history(user=user, agreement=agreement)
            if agreement is not None
            else [],
            can_milestones=can_milestones,
            report_form=kwargs.get("report_form")
            or (ProgressReportForm(standings=_report_standings(access)) if can_report else None),
            milestone_form=kwargs.get("milestone_form")
            or (MilestoneForm() if can_milestones else None),
        )
        return context

    def post(self, request, reference):
        access = get_access_or_404(request, reference)
        agreement = selectors.agreement_get(access=access)
        if agreement is None:
            raise Http404(_("No agreement has been recorded for this case."))
        kind = request.POST.get("form")
        if kind in MILESTONE_ACTIONS:
            return self._milestone_action(request, reference, agreement, kind)
        if kind == "report":
            form = ProgressReportForm(
                request.POST, request.FILES, standings=_report_standings(access)
            )
            key = "report_form"
        else:
            form, key = MilestoneForm(request.POST), "milestone_form"
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(reference=reference, **{key: form}), status=400
            )
        try:
            if kind == "report":
                services.progress_report_submit(
                    actor=request.user, agreement=agreement, **form.service_data()
                )
            else:
                services.milestone_create(
                    actor=request.user, agreement=agreement, **form.cleaned_data
                )
        except ValidationError as error:
            _add_errors(form, error)
            return self.render_to_response(
                self.get_context_data(reference=reference, **{key: form}), status=400
            )
        except (PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("followup:plan-detail", reference=reference)

    def _milestone_action(self, request, reference, agreement, kind):
        try:
            milestone = agreement.milestones.get(pk=request.POST.get("milestone"))
        except (Milestone.DoesNotExist, ValueError, TypeError):
            raise Http404(_("No such milestone.")) from None
        form = None
        if kind == "edit":
            form = MilestoneForm(request.POST, prefix_pk=milestone.pk)
        elif kind == "done":
            form = MilestoneDoneForm(request.POST, request.FILES, milestone_pk=milestone.pk)
        if form is not None and not form.is_valid():
            return self._with_errors(reference, milestone, kind, form)
        try:
            if kind == "edit":
                services.milestone_update(
                    actor=request.user, milestone=milestone, **form.cleaned_data
                )
            elif kind == "done":
                data = form.cleaned_data
                services.milestone_complete(
                    actor=request.user,
                    milestone=milestone,
                    completed_on=data["completed_on"],
                    note=data["note"],
                    evidence=data["evidence"],
                )
            else:
                services.milestone_reopen(actor=request.user, milestone=milestone)
        except ValidationError as error:
            if form is None:
                refusal_messages(request, error)
            else:
                _add_errors(form, error)
                return self._with_errors(reference, milestone, kind, form)
        except (PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, MILESTONE_ACTIONS[kind] % {"milestone": milestone.title})
        return redirect(f"{reverse('followup:plan-detail', args=[reference])}#milestones")

    def _with_errors(self, reference, milestone, kind, form):
        context = self.get_context_data(
            reference=reference, bound_milestone=(milestone.pk, kind, form)
        )
        return self.render_to_response(context, status=400)


def _report_standings(access):
    """The indicators a progress report gives values for, with how each stands (the form shows
    the last value reported)."""
    return selectors.case_results(access=access).standings


MILESTONE_ACTIONS = {
    "edit": gettext_lazy("Milestone “%(milestone)s” saved."),
    "done": gettext_lazy("Milestone “%(milestone)s” marked done."),
    "reopen": gettext_lazy("Milestone “%(milestone)s” reopened."),
}


class AgreementRecordView(UnodaOnlyMixin, TemplateView):
    """UNODA records the signed agreement; the service fires "record agreement" with it."""

    template_name = "followup/agreement_form.html"

    def _form(self, case, data=None):
        from apps.funding.selectors import interest_list
        from apps.organizations.models import Organization

        interested = interest_list(user=self.request.user).filter(request=case)
        donors = Organization.objects.filter(
            is_donor=True, pk__in=interested.values("donor_id")
        ).order_by("name")
        partners = Organization.objects.exclude(pk=case.requesting_organization_id).order_by("name")
        initial = {
            "donors": list(donors),
            "amount": case.budget_amount,
            "currency": case.budget_currency,
        }
        return AgreementForm(data, donors=donors, partners=partners, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = get_case_or_404(self.request, kwargs["reference"])
        context.update(case=case, form=kwargs.get("form") or self._form(case))
        return context

    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = self._form(case, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["donors"] = list(data["donors"])
            data["currency"] = data["currency"].upper()
            try:
                services.agreement_record(actor=request.user, case=case, **data)
            except ValidationError as error:
                _add_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("cases:request-detail", reference=reference)
            else:
                messages.success(request, _("Agreement recorded."))
                return redirect("cases:request-detail", reference=reference)
        return self.render_to_response(self.get_context_data(reference=reference, form=form))


def _changeable_agreement(request, reference):
    """The agreement of the case, for UNODA to change: 404 without one, 403 once the case has
    moved past implementation."""
    access = get_access_or_404(request, reference)
    agreement = selectors.agreement_get(access=access)
    if agreement is None:
        raise Http404(_("No agreement has been recorded for this case."))
    if not can_change_agreement(request.user, agreement):
        raise PermissionDenied(
            _("The agreement can no longer be changed: the case is “%(status)s”.")
            % {"status": access.case.get_status_display()}
        )
    return agreement


def _plan_url(reference, anchor):
    return f"{reverse('followup:plan-detail', args=[reference])}#{anchor}"


class AgreementEditView(UnodaOnlyMixin, TemplateView):
    """UNODA correct or amend a recorded agreement, saying why (and with the signed amendment,
    if any); each change is kept in the agreement's history on the plan page."""

    template_name = "followup/agreement_edit.html"

    def _form(self, agreement, data=None, files=None):
        case = agreement.request
        donors = (
            Organization.objects.filter(is_donor=True)
            .exclude(pk=case.requesting_organization_id)
            .order_by("name")
        )
        partners = Organization.objects.exclude(pk=case.requesting_organization_id).order_by("name")
        initial = {
            "signed_on": agreement.signed_on,
            "donors": [donor.pk for donor in agreement.donors.all()],
            "implementing_partner": agreement.implementing_partner_id,
            "amount": agreement.amount,
            "currency": agreement.currency,
            "start_date": agreement.start_date,
            "end_date": agreement.end_date,
            "cooperation_type": agreement.cooperation_type,
            "reporting_interval_months": agreement.reporting_interval_months,
            "notes": agreement.notes,
        }
        return AgreementChangeForm(data, files, donors=donors, partners=partners, initial=initial)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = kwargs.get("agreement") or _changeable_agreement(
            self.request, kwargs["reference"]
        )
        context.update(
            case=agreement.request,
            agreement=agreement,
            form=kwargs.get("form") or self._form(agreement),
        )
        return context

    def post(self, request, reference):
        agreement = _changeable_agreement(request, reference)
        form = self._form(agreement, request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["donors"] = list(data["donors"])
            try:
                services.agreement_update(actor=request.user, agreement=agreement, **data)
            except ValidationError as error:
                _add_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect(_plan_url(reference, "agreement"))
            else:
                messages.success(
                    request,
                    _("The amendment is recorded.")
                    if data["kind"] == AgreementChangeKind.AMENDMENT
                    else _("The correction is saved."),
                )
                return redirect(_plan_url(reference, "agreement-history"))
        context = self.get_context_data(reference=reference, agreement=agreement, form=form)
        return self.render_to_response(context, status=400)


class AgreementDocumentAddView(UnodaOnlyMixin, TemplateView):
    """UNODA add a further signed document to the agreement."""

    template_name = "followup/agreement_document_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = kwargs.get("agreement") or _changeable_agreement(
            self.request, kwargs["reference"]
        )
        context.update(
            case=agreement.request,
            agreement=agreement,
            form=kwargs.get("form") or AgreementDocumentForm(),
        )
        return context

    def post(self, request, reference):
        agreement = _changeable_agreement(request, reference)
        form = AgreementDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.agreement_document_add(
                    actor=request.user, agreement=agreement, **form.cleaned_data
                )
            except ValidationError as error:
                _add_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect(_plan_url(reference, "agreement"))
            else:
                messages.success(
                    request,
                    _("The document “%(title)s” is added to the agreement.")
                    % {"title": form.cleaned_data["title"]},
                )
                return redirect(_plan_url(reference, "agreement-documents"))
        context = self.get_context_data(reference=reference, agreement=agreement, form=form)
        return self.render_to_response(context, status=400)


@download_policy
def _download(request, case, file, detail: dict):
    """A stored file as a download (never inline), audited."""
    name = sanitise_filename(file.name)
    audit_record(
        kind=AuditKind.DOWNLOAD,
        actor=request.user,
        obj=case,
        organization=case.requesting_organization,
        detail={**detail, "name": name},
    )
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=name, content_type=safe_content_type(name)
    )


class AgreementDocumentDownloadView(LoginRequiredMixin, View):
    """A signed document of the agreement, to UNODA and the agreement's parties; 404 to anyone
    else, as for a document that does not exist."""

    def get(self, request, reference, pk):
        access = get_access_or_404(request, reference)
        try:
            document = selectors.agreement_document_get(access=access, pk=pk)
        except (AgreementDocument.DoesNotExist, PermissionDenied):
            raise Http404(_("No such document, or you may not see it.")) from None
        return _download(request, access.case, document.file, {"agreement_document": pk})


class ReportAttachmentDownloadView(LoginRequiredMixin, View):
    """An attachment of a progress report, to UNODA and the agreement's parties; 404 to anyone
    else, as for an attachment that does not exist."""

    def get(self, request, reference, pk):
        access = get_access_or_404(request, reference)
        try:
            attachment = selectors.report_attachment_get(access=access, pk=pk)
        except (ProgressReportAttachment.DoesNotExist, PermissionDenied):
            raise Http404(_("No such document, or you may not see it.")) from None
        return _download(request, access.case, attachment.file, {"report_attachment": pk})


class FeedbackView(LoginRequiredMixin, TemplateView):
    """The feedback on a case the user may read, and the user's own form while it is open."""

    template_name = "followup/feedback_detail.html"

    def _own(self, case):
        mine = member_organization_ids(self.request.user)
        for feedback in selectors.feedback_list(user=self.request.user, case=case):
            if feedback.organization_id in mine and can_edit_feedback(self.request.user, feedback):
                return feedback
        return None

    def _waiver_form(self, case, data=None):
        """UNODA's form to waive the feedback of a party that has not submitted it, while the
        case waits for feedback (None for anyone else, or when no party is left to waive)."""
        if not user_is_unoda(self.request.user) or case.status != Status.FEEDBACK:
            return None
        parties = selectors.waivable_parties(case=case)
        return WaiverForm(data, parties=parties) if parties.exists() else None

    def _lesson_form(self, case, shareable, data=None):
        """UNODA's form to publish a lesson of a closed case whose parties agreed to share
        theirs, first filled with what they wrote."""
        if not user_is_unoda(self.request.user) or case.status != Status.CLOSED or not shareable:
            return None
        body = "\n\n".join(feedback.lessons_learned for feedback in shareable)
        return LessonForm(data, initial={"body": body})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = get_case_or_404(self.request, kwargs["reference"])
        own = self._own(case)
        shareable = (
            selectors.shareable_lessons(case=case) if user_is_unoda(self.request.user) else []
        )
        context.update(
            shareable=shareable,
            lessons=selectors.case_lessons(case=case) if user_is_unoda(self.request.user) else [],
            lesson_form=kwargs.get("lesson_form") or self._lesson_form(case, shareable),
            case=case,
            feedback=selectors.feedback_list(user=self.request.user, case=case),
            waivers=selectors.feedback_waivers(user=self.request.user, case=case),
            can_withdraw_waivers=case.status == Status.FEEDBACK,
            own=own,
            form=kwargs.get("form") or (FeedbackForm(instance=own) if own else None),
            # What the case achieved against its targets, shown to a party before it rates.
            achievement=selectors.case_standings(case) if own else [],
            waiver_form=kwargs.get("waiver_form") or self._waiver_form(case),
        )
        return context

    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        kind = request.POST.get("form")
        if kind in ("waive", "withdraw-waiver"):
            return self._waiver_action(request, reference, case, kind)
        if kind == "publish-lesson":
            return self._publish_lesson(request, reference, case)
        own = self._own(case)
        if own is None:
            raise PermissionDenied(_("You have no open feedback on this case."))
        # The two buttons: "Save draft" (save_draft) and "Submit" (seal).
        action = (
            "submit" if "seal" in request.POST else "save" if "save_draft" in request.POST else None
        )
        if action is None:
            messages.error(request, _("Choose “Save draft” or “Submit”."))
            return redirect("followup:feedback-detail", reference=reference)
        form = FeedbackForm(request.POST, instance=own)
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(reference=reference, form=form), status=400
            )
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        service = services.feedback_submit if action == "submit" else services.feedback_save
        try:
            service(actor=request.user, case=case, organization=own.organization, **data)
        except ValidationError as error:
            _add_errors(form, error)
            return self.render_to_response(
                self.get_context_data(reference=reference, form=form), status=400
            )
        except (ApplicationError, PermissionDenied) as error:
            refusal_messages(request, error)
        else:
            messages.success(
                request,
                _("Your feedback has been submitted.")
                if action == "submit"
                else _("Your draft has been saved."),
            )
        return redirect("followup:feedback-detail", reference=reference)

    def _publish_lesson(self, request, reference, case):
        form = LessonForm(request.POST)
        if form.is_valid():
            try:
                services.lesson_publish(actor=request.user, case=case, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            except (ApplicationError, PermissionDenied) as error:
                refusal_messages(request, error)
                return redirect("followup:feedback-detail", reference=reference)
            else:
                messages.success(request, _("The lesson is published on the lessons-learned page."))
                return redirect("followup:feedback-detail", reference=reference)
        if not user_is_unoda(request.user):
            raise PermissionDenied(_("Only UNODA officers publish lessons learned."))
        return self.render_to_response(
            self.get_context_data(reference=reference, lesson_form=form), status=400
        )

    def _waiver_action(self, request, reference, case, kind):
        form = None
        try:
            if kind == "withdraw-waiver":
                services.feedback_waiver_withdraw(
                    actor=request.user, case=case, waiver_id=request.POST.get("waiver")
                )
                done = _("The waiver has been withdrawn: this party's feedback is awaited again.")
            else:
                form = self._waiver_form(case, request.POST)
                if form is None:
                    raise PermissionDenied(_("There is no feedback to waive on this case."))
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(reference=reference, waiver_form=form), status=400
                    )
                services.feedback_waive(actor=request.user, case=case, **form.cleaned_data)
                done = _("The feedback of %(party)s is waived.") % {
                    "party": form.cleaned_data["organization"]
                }
        except ValidationError as error:
            if form is None:
                refusal_messages(request, error)
            else:
                _add_errors(form, error)
                return self.render_to_response(
                    self.get_context_data(reference=reference, waiver_form=form), status=400
                )
        except (ApplicationError, PermissionDenied) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, done)
        return redirect("followup:feedback-detail", reference=reference)


class LessonListView(LoginRequiredMixin, TemplateView):
    """The lessons learned UNODA published from closed cases, with the parties' consent: every
    signed-in State, donor and officer reads and searches them; UNODA withdraws one here."""

    template_name = "followup/lesson_list.html"
    paginate_by = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = LessonFilterForm(self.request.GET)
        data = form.cleaned_data if form.is_valid() else {}
        lessons = selectors.lesson_list(filters=data)
        page = Paginator(lessons, self.paginate_by).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page_obj=page,
            lessons=page.object_list,
            query=query.urlencode(),
            can_withdraw=user_is_unoda(self.request.user),
        )
        return context

    def post(self, request):
        try:
            services.lesson_withdraw(actor=request.user, lesson_id=request.POST.get("lesson"))
        except ApplicationError as error:  # a PermissionDenied is the 403 page
            refusal_messages(request, error)
        else:
            messages.success(request, _("The lesson has been withdrawn."))
        return redirect("followup:lesson-list")
