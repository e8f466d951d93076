from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _
from django.views import View
from modeltranslation.utils import build_localized_fieldname

from apps.core.exceptions import ApplicationError
from apps.core.forms import add_service_errors
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda
from apps.security.models import AuditKind
from apps.security.services import audit_record
from apps.security.uploads import download_policy, safe_content_type, sanitise_filename

from . import selectors, services
from .forms import (
    FRAMEWORK_STEP,
    STEP_SLUGS,
    STEPS,
    AssignForm,
    AttachmentForm,
    BulkAssignForm,
    CommentForm,
    IndicatorForm,
    ProposalStepForm,
    RequestStartForm,
    ResultForm,
    TemplateChoiceForm,
    TransitionForm,
    TranslationForm,
    activity_lines_formset,
    activity_lines_posted,
)
from .models import (
    AssistanceRequest,
    Attachment,
    CommentVisibility,
    IndicatorMeasure,
    ResultLevel,
)
from .permissions import (
    CaseAccess,
    can_create_request,
    can_download_attachment,
    can_edit_request,
    can_translate_request,
    can_view_translations,
    fireable,
)
from .quality import completeness
from .selectors import Framework
from .workflow import transitions_from


def case_page_again(request, reference, *, typed):
    """The case page with what the user typed (``apps.portal.views.case_page_again``; the
    portal's pages import this module, so it is read when called)."""
    from apps.portal.views import case_page_again

    return case_page_again(request, reference, typed=typed)


def refusal_texts(error) -> list[str]:
    """What a refused action says, one text per reason."""
    if isinstance(error, ValidationError):
        return list(error.messages)
    return [str(error) or _("You are not allowed to do this.")]


def refusal_messages(request, error) -> None:
    """Show a refused action as messages (never a 500)."""
    for text in refusal_texts(error):
        messages.error(request, text)


def get_access_or_404(request, reference) -> CaseAccess:
    """The case the user asks for and what the user is to it, through the one scope (404 for
    a case that does not exist and for one the user may not see alike)."""
    try:
        return selectors.case_access(user=request.user, reference=reference)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("No such case, or you may not see it.")) from None


def get_case_or_404(request, reference) -> AssistanceRequest:
    return get_access_or_404(request, reference).case


def creatable_organizations(user):
    """The requesting organizations for which the user may start a request."""
    queryset = Organization.objects.filter(is_recipient=True).order_by("name")
    if user_is_unoda(user):
        return queryset
    return queryset.filter(memberships__user=user)


# --- Writing a request -------------------------------------------------------------------------


class RequestBulkAssignView(LoginRequiredMixin, View):
    def post(self, request):
        if not user_is_unoda(request.user):
            raise PermissionDenied(_("Only UNODA officers assign case officers."))
        form = BulkAssignForm(request.POST, visible=selectors.request_list(user=request.user))
        back = reverse("cases:request-list") + "?" + request.POST.get("query", "")
        if not form.is_valid():
            messages.error(request, _("Choose an officer and at least one case."))
            return redirect(back)
        officer = form.cleaned_data["officer"]
        done = 0
        for case in form.cleaned_data["cases"]:
            try:
                services.request_assign_officer(actor=request.user, case=case, officer=officer)
            except (ValidationError, PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                done += 1
        messages.success(
            request,
            ngettext(
                "%(count)s case assigned to %(officer)s.",
                "%(count)s cases assigned to %(officer)s.",
                done,
            )
            % {"count": done, "officer": officer.get_full_name() or officer.username},
        )
        return redirect(back)


class RequestCreateView(LoginRequiredMixin, View):
    template_name = "cases/request_start.html"

    def _form(self, data=None):
        return RequestStartForm(data, organizations=creatable_organizations(self.request.user))

    def get(self, request):
        form = self._form()
        if not form.fields["organization"].queryset.exists():
            raise PermissionDenied(_("You may not create requests."))
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            organization = form.cleaned_data["organization"]
            if not can_create_request(request.user, organization):
                raise PermissionDenied(_("You may only create requests for your own State."))
            try:
                case = services.request_create(
                    actor=request.user, organization=organization, title=form.cleaned_data["title"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(
                    request,
                    _("Draft %(reference)s created. Continue step by step; every step is saved.")
                    % {"reference": case.reference},
                )
                return redirect("cases:request-edit", reference=case.reference, step="basics")
        return render(request, self.template_name, {"form": form})


class RequestEditView(LoginRequiredMixin, View):
    """One step of the proposal template; each step saves through ``request_update``."""

    template_name = "cases/request_edit.html"

    # The step whose page also edits the activity lines.
    LINES_STEP = "objectives"

    def _context(self, case, step, form, attachment_form=None, lines_formset=None):
        index = STEP_SLUGS.index(step) if step in STEP_SLUGS else len(STEP_SLUGS)
        if step == self.LINES_STEP and lines_formset is None:
            lines_formset = activity_lines_formset(case)
        return {
            "lines_formset": lines_formset,
            "activity_lines": case.activity_lines.all(),
            "case": case,
            "step": step,
            "steps": [(slug, label) for slug, label, _fields in STEPS]
            + [("review", _("Review and submit"))],
            "step_index": index,
            "form": form,
            "attachment_form": attachment_form or AttachmentForm(),
            "completeness": completeness(case),
            "attachments": case.attachments.all(),
            "submit_transitions": fireable(
                CaseAccess(user=self.request.user, case=case),
                [t for t in transitions_from(case.status) if t.name in ("submit", "resubmit")],
            ),
        }

    def _case(self, request, reference):
        access = get_access_or_404(request, reference)
        if not can_edit_request(access):
            raise PermissionDenied(_("This request cannot be edited by you in its current status."))
        return access.case

    def get(self, request, reference, step):
        case = self._case(request, reference)
        if step == FRAMEWORK_STEP:
            return FrameworkStep(self, request, case).get()
        if step != "review" and step not in STEP_SLUGS:
            raise Http404
        form = None if step == "review" else ProposalStepForm(instance=case, step=step)
        return render(request, self.template_name, self._context(case, step, form))

    def post(self, request, reference, step):
        case = self._case(request, reference)
        if step == FRAMEWORK_STEP:
            return FrameworkStep(self, request, case).post()
        if step not in STEP_SLUGS:
            raise Http404
        form = ProposalStepForm(request.POST, instance=case, step=step)
        lines_formset = None
        if step == self.LINES_STEP and "lines-TOTAL_FORMS" in request.POST:
            # A post without the lines' rows (a script, an older page) leaves them as they are.
            lines_formset = activity_lines_formset(case, request.POST)
        if form.is_valid() and (lines_formset is None or lines_formset.is_valid()):
            fields = {name: form.cleaned_data[name] for name in form.fields}
            if lines_formset is not None:
                fields["activity_lines"] = activity_lines_posted(lines_formset)
            try:
                services.request_update(actor=request.user, case=case, **fields)
            except ValidationError as error:
                form.add_error(None, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("cases:request-detail", reference=case.reference)
            else:
                messages.success(request, _("Saved."))
                index = STEP_SLUGS.index(step)
                following = (
                    step
                    if "stay" in request.POST
                    else (STEP_SLUGS[index + 1] if index + 1 < len(STEP_SLUGS) else "review")
                )
                return redirect("cases:request-edit", reference=case.reference, step=following)
        case.refresh_from_db()
        context = self._context(case, step, form, lines_formset=lines_formset)
        return render(request, self.template_name, context, status=400)


class FrameworkStep:
    """The "Results framework" step of the wizard: the outcomes, the outputs that serve them
    and each one's indicators, with a form for each change (each saved on its own through
    the framework's services, ``apps/cases/framework.py``). One form at a time is open in
    place (``?edit=result-12``, ``?edit=indicator-7``, ``?add=12`` for a new indicator of
    result 12); the forms to add an outcome or an output and the common indicators of the
    request's categories are always there. A refused form is shown again with its errors
    (status 400); the page reads the same few queries however large the framework."""

    ADD_OUTCOME, ADD_OUTPUT = "outcome", "output"

    def __init__(self, view, request, case):
        self.view, self.request, self.case = view, request, case
        self.framework: Framework = selectors.results_framework(case)
        self.results = {result.pk: result for result in self.framework.results}
        self.indicators = {indicator.pk: indicator for indicator in self.framework.indicators}

    def url(self, anchor: str = "") -> str:
        url = reverse("cases:request-edit", args=[self.case.reference, FRAMEWORK_STEP])
        return f"{url}#{anchor}" if anchor else url

    # --- The forms ---------------------------------------------------------------------------

    def result_form(self, level, data=None, result=None, prefix=None):
        initial = None
        if result is not None:
            initial = {"statement": result.statement, "outcome": result.outcome_id}
        return ResultForm(
            data,
            initial=initial,
            level=level,
            outcomes=self.framework.outcomes,
            prefix=prefix or level,
        )

    def indicator_form(self, data=None, indicator=None):
        initial = IndicatorForm.initial_of(indicator) if indicator is not None else None
        return IndicatorForm(data, initial=initial, prefix="indicator")

    def _open(self) -> dict | None:
        """The form asked for by the query string (``edit`` or ``add``), if any."""
        edit, add = self.request.GET.get("edit", ""), self.request.GET.get("add", "")
        kind, _sep, key = edit.partition("-")
        if kind == "result" and key.isdigit() and int(key) in self.results:
            result = self.results[int(key)]
            form = self.result_form(result.level, result=result, prefix="edit")
            return {"action": "result-edit", "result": result.pk, "form": form}
        if kind == "indicator" and key.isdigit() and int(key) in self.indicators:
            indicator = self.indicators[int(key)]
            return {
                "action": "indicator-edit",
                "result": indicator.result_id,
                "indicator": indicator.pk,
                "form": self.indicator_form(indicator=indicator),
            }
        if add.isdigit() and int(add) in self.results:
            return {"action": "indicator-add", "result": int(add), "form": self.indicator_form()}
        return None

    def render(self, open_form=None, outcome_form=None, output_form=None, status=200):
        templates = selectors.indicator_templates(self.case)
        numbered = [(r.number, r) for r in self.framework.results]
        context = self.view._context(self.case, FRAMEWORK_STEP, None)
        context.update(
            framework=self.framework,
            open_form=open_form,
            outcome_form=outcome_form or self.result_form(ResultLevel.OUTCOME),
            output_form=output_form or self.result_form(ResultLevel.OUTPUT),
            templates=templates,
            template_form=TemplateChoiceForm(results=numbered) if numbered else None,
            framework_url=self.url(),
            percentage=IndicatorMeasure.PERCENTAGE,
            next_step=STEP_SLUGS[STEP_SLUGS.index(FRAMEWORK_STEP) + 1],
        )
        return render(self.request, self.view.template_name, context, status=status)

    # --- GET and POST ------------------------------------------------------------------------

    def get(self):
        return self.render(open_form=self._open())

    def post(self):
        action = self.request.POST.get("action", "")
        handler = {
            "outcome-add": self._add_result,
            "output-add": self._add_result,
            "result-edit": self._edit_result,
            "result-remove": self._remove_result,
            "indicator-add": self._add_indicator,
            "indicator-template": self._add_from_template,
            "indicator-edit": self._edit_indicator,
            "indicator-remove": self._remove_indicator,
        }.get(action)
        if handler is None:
            messages.error(self.request, _("Unknown action."))
            return redirect(self.url())
        try:
            return handler(action)
        except (PermissionDenied, ApplicationError) as error:
            refusal_messages(self.request, error)
            if isinstance(error, PermissionDenied):
                return redirect("cases:request-detail", reference=self.case.reference)
            return redirect(self.url())

    def _posted(self, registry: dict, name: str):
        """The result or indicator named in the post, among this request's (None: gone)."""
        key = self.request.POST.get(name, "")
        return registry.get(int(key)) if key.isdigit() else None

    def _gone(self, what: str):
        messages.error(
            self.request,
            _("This result has already been removed.")
            if what == "result"
            else _("This indicator has already been removed."),
        )
        return redirect(self.url())

    def _saved(self, text, anchor=""):
        messages.success(self.request, text)
        return redirect(self.url(anchor))

    def _add_result(self, action):
        level = ResultLevel.OUTCOME if action == "outcome-add" else ResultLevel.OUTPUT
        form = self.result_form(level, self.request.POST)
        if form.is_valid():
            try:
                result = services.result_create(
                    actor=self.request.user, case=self.case, level=level, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                text = _("Outcome added.") if level == ResultLevel.OUTCOME else _("Output added.")
                return self._saved(text, f"result-{result.pk}")
        forms = {"outcome_form" if level == ResultLevel.OUTCOME else "output_form": form}
        return self.render(status=400, **forms)

    def _edit_result(self, action):
        result = self._posted(self.results, "result")
        if result is None:
            return self._gone("result")
        form = self.result_form(result.level, self.request.POST, prefix="edit")
        if form.is_valid():
            try:
                services.result_update(actor=self.request.user, result=result, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._saved(_("Saved."), f"result-{result.pk}")
        return self.render(
            open_form={"action": action, "result": result.pk, "form": form}, status=400
        )

    def _remove_result(self, action):
        result = self._posted(self.results, "result")
        if result is None:
            return self._gone("result")
        services.result_remove(actor=self.request.user, result=result)
        return self._saved(_("Removed."), "framework")

    def _add_indicator(self, action):
        result = self._posted(self.results, "result")
        if result is None:
            return self._gone("result")
        form = self.indicator_form(self.request.POST)
        if form.is_valid():
            try:
                indicator = services.indicator_create(
                    actor=self.request.user, result=result, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._saved(_("Indicator added."), f"indicator-{indicator.pk}")
        return self.render(
            open_form={"action": action, "result": result.pk, "form": form}, status=400
        )

    def _add_from_template(self, action):
        numbered = [(r.number, r) for r in self.framework.results]
        form = TemplateChoiceForm(self.request.POST, results=numbered)
        if not form.is_valid():
            messages.error(self.request, _("Choose a result to add the indicator to."))
            return redirect(self.url("templates"))
        result = self.results[form.cleaned_data["result"]]
        try:
            indicator = services.indicator_create(
                actor=self.request.user, result=result, template=form.cleaned_data["template"]
            )
        except ValidationError as error:
            refusal_messages(self.request, error)
            return redirect(self.url("templates"))
        return self._saved(
            _("Indicator added: give it its baseline and target."), f"indicator-{indicator.pk}"
        )

    def _edit_indicator(self, action):
        indicator = self._posted(self.indicators, "indicator")
        if indicator is None:
            return self._gone("indicator")
        form = self.indicator_form(self.request.POST)
        if form.is_valid():
            try:
                services.indicator_update(
                    actor=self.request.user, indicator=indicator, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self._saved(_("Saved."), f"indicator-{indicator.pk}")
        return self.render(
            open_form={
                "action": action,
                "result": indicator.result_id,
                "indicator": indicator.pk,
                "form": form,
            },
            status=400,
        )

    def _remove_indicator(self, action):
        indicator = self._posted(self.indicators, "indicator")
        if indicator is None:
            return self._gone("indicator")
        services.indicator_remove(actor=self.request.user, indicator=indicator)
        return self._saved(_("Removed."), f"result-{indicator.result_id}")


class AttachmentAddView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = AttachmentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            try:
                services.attachment_add(actor=request.user, case=case, **form.cleaned_data)
            except (ValidationError, PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(request, _("Document attached."))
        return redirect(
            (
                request.POST.get("back") == "detail"
                and reverse("cases:request-detail", args=[case.reference])
            )
            or reverse("cases:request-edit", args=[case.reference, "visibility"])
        )


class RequestTransitionView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Unknown action."))
            return redirect("cases:request-detail", reference=case.reference)
        transition = form.cleaned_data["transition"]
        try:
            services.request_transition(
                actor=request.user,
                case=case,
                transition=transition,
                comment=form.cleaned_data["comment"],
                expected_status=request.POST.get("expected_status") or None,
                confirmed=form.cleaned_data["confirm"],
            )
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            refusal_messages(request, error)
            typed = {
                "name": form.cleaned_data["transition"],
                "errors": refusal_texts(error),
                "comment": form.cleaned_data["comment"],
                "confirm": form.cleaned_data["confirm"],
            }
            return case_page_again(request, case.reference, typed={"transition": typed})
        messages.success(
            request, _("The case is now “%(status)s”.") % {"status": case.get_status_display()}
        )
        return redirect("cases:request-detail", reference=case.reference)


@method_decorator(download_policy, name="get")
class AttachmentDownloadView(LoginRequiredMixin, View):
    """A case's document, to whoever may see the case; always as a download, never inline."""

    def get(self, request, reference, pk):
        try:
            attachment = selectors.attachment_get(user=request.user, reference=reference, pk=pk)
            if not can_download_attachment(CaseAccess(user=request.user, case=attachment.request)):
                raise Attachment.DoesNotExist
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
        return FileResponse(
            handle, as_attachment=True, filename=name, content_type=safe_content_type(name)
        )


class CommentAddView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_add(
                    actor=request.user,
                    case=case,
                    body=form.cleaned_data["body"],
                    visibility=form.cleaned_data["visibility"] or CommentVisibility.SHARED,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(request, _("Comment added."))
                return redirect(
                    reverse("cases:request-detail", args=[case.reference]) + "#timeline"
                )
        return case_page_again(request, case.reference, typed={"comment": form})


class RequestAssignView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = AssignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the UNODA officers."))
            return redirect("cases:request-detail", reference=case.reference)
        officer = form.cleaned_data["officer"]
        try:
            services.request_assign_officer(actor=request.user, case=case, officer=officer)
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("Case officer updated."))
        return redirect("cases:request-detail", reference=case.reference)


# --- Translations ------------------------------------------------------------------------------


class RequestTranslationsView(LoginRequiredMixin, View):
    """The title and summary of a request in the other UN languages: UNODA adds and corrects
    them (one form per language, saved through ``request_translate``); the requesting State
    reads them."""

    template_name = "cases/request_translations.html"

    def _access(self, request, reference) -> CaseAccess:
        access = get_access_or_404(request, reference)
        if not can_view_translations(access):
            raise PermissionDenied(
                _("Only UNODA and the requesting State see the translations of a request.")
            )
        return access

    def _render(self, request, access, bound=None, status=200):
        case, original = access.case, access.case.original_language
        editable = can_translate_request(request.user)
        rows = selectors.request_translations(case=case)
        entries = []  # (row, its form or None)
        for row in rows:
            if bound is not None and bound.prefix == row.language:
                form = bound
            elif editable:
                form = TranslationForm(
                    language=row.language, initial={"title": row.title, "summary": row.summary}
                )
            else:
                form = None
            entries.append((row, form))
        context = {
            "case": case,
            "entries": entries,
            "editable": editable,
            "original_language": get_language_info(original),
            "original": {
                field: getattr(case, build_localized_fieldname(field, original)) or ""
                for field in services.TRANSLATED_FIELDS
            },
            "missing": [row.language for row in rows if row.missing],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, reference):
        return self._render(request, self._access(request, reference))

    def post(self, request, reference):
        access = self._access(request, reference)
        if not can_translate_request(request.user):
            raise PermissionDenied(_("Only UNODA officers translate requests."))
        case = access.case
        language = request.POST.get("language", "")
        if language not in dict(settings.LANGUAGES) or language == case.original_language:
            messages.error(request, _("Choose one of the languages of the page."))
            return redirect("cases:request-translations", reference=case.reference)
        form = TranslationForm(request.POST, language=language)
        if form.is_valid():
            try:
                services.request_translate(
                    actor=request.user, case=case, language=language, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("cases:request-translations", reference=case.reference)
            else:
                messages.success(
                    request,
                    _("Translation into %(language)s saved.")
                    % {"language": get_language_info(language)["name_translated"]},
                )
                return redirect(
                    reverse("cases:request-translations", args=[case.reference])
                    + f"#lang-{language}"
                )
        return self._render(request, access, bound=form, status=400)


class StateNeedsView(LoginRequiredMixin, View):
    """A State's requests by the national report or action plan they come from: its own
    members see all of them, UNODA every one, donors those they may see."""

    template_name = "cases/state_needs.html"

    def get(self, request, pk):
        organization = Organization.objects.filter(pk=pk, is_recipient=True).first()
        if organization is None:
            raise Http404(_("No such State."))
        page, groups = selectors.needs_by_national_document(
            user=request.user, organization=organization, number=request.GET.get("page")
        )
        return render(
            request,
            self.template_name,
            {"organization": organization, "groups": groups, "page_obj": page},
        )
