import csv
from itertools import islice

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from apps.accounts.models import User
from apps.core.exceptions import ApplicationError
from apps.core.pagination import COUNT_CAP
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda, user_memberships
from apps.security.models import AuditKind
from apps.security.services import audit_case_view, audit_record
from apps.security.uploads import safe_content_type, sanitise_filename

from . import selectors, services
from .forms import (
    STEP_SLUGS,
    STEPS,
    AttachmentForm,
    BulkAssignForm,
    CommentForm,
    ProposalStepForm,
    QueueFilterForm,
    RequestStartForm,
    TransitionForm,
)
from .models import AssistanceRequest, Attachment, CommentVisibility, Status
from .permissions import (
    can_comment,
    can_comment_internally,
    can_create_request,
    can_download_attachment,
    can_edit_request,
    can_start_a_request,
    fireable,
    permissions_read_once,
)
from .quality import completeness
from .tables import officer_select, queue_rows, timeline_items
from .workflow import TERMINAL, transitions_from

# Transitions fired by a service of their own (with the record they need), not by a button.
FIRED_BY_RECORDS = {"register_interest", "interest_withdrawn", "record_agreement"}


def refusal_messages(request, error) -> None:
    """Show a refused action as messages (never a 500)."""
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(error) or _("You are not allowed to do this."))


def get_case_or_404(request, reference) -> AssistanceRequest:
    try:
        return selectors.request_get(user=request.user, reference=reference)
    except AssistanceRequest.DoesNotExist:
        raise Http404(_("No such case, or you may not see it.")) from None


_get_case = get_case_or_404


def creatable_organizations(user):
    """The requesting organizations for which the user may start a request."""
    queryset = Organization.objects.filter(is_recipient=True).order_by("name")
    if user_is_unoda(user):
        return queryset
    return queryset.filter(memberships__user=user)


class HomeView(LoginRequiredMixin, TemplateView):
    """What needs the user's action now, per role."""

    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        from apps.followup import selectors as followup_selectors
        from apps.funding import selectors as funding_selectors
        from apps.funding.matching import requests_for_offer
        from apps.funding.models import CommitmentStatus, InterestStatus
        from apps.notifications.selectors import notification_list, notification_unread_count

        context = super().get_context_data(**kwargs)
        user = self.request.user
        memberships = user_memberships(user)
        org_ids = [m.organization_id for m in memberships]
        is_unoda = user_is_unoda(user)
        context.update(
            is_unoda=is_unoda,
            organizations=[m.organization for m in memberships],
            can_create=can_start_a_request(user),
            unread=notification_unread_count(user=user),
            latest_notifications=notification_list(user=user).filter(read_at__isnull=True)[:5],
        )
        if is_unoda:
            queue = selectors.request_queue
            open_cases = {"status__in": [s for s in Status.values if s not in TERMINAL]}
            context.update(
                my_cases=queue(user=user, filters={"officer": user.pk}).filter(**open_cases)[:10],
                unassigned=queue(user=user, filters={"unassigned": True})[:10],
                overdue=queue(user=user, filters={"overdue": True})[:10],
                waiting_triage=queue(user=user, filters={"status": Status.SUBMITTED})[:10],
            )
        context["recent"] = selectors.request_list(user=user)[:10]
        own = selectors.request_list(user=user).filter(requesting_organization_id__in=org_ids)
        if any(m.organization.is_recipient for m in memberships):
            questions = list(own.filter(status=Status.NEEDS_REVISION))
            for case in questions:
                case.question = (
                    case.status_changes.filter(to_status=Status.NEEDS_REVISION)
                    .order_by("-created_at")
                    .values_list("comment", flat=True)
                    .first()
                )
            context.update(
                own_requests=own.exclude(status__in=TERMINAL),
                questions=questions,
            )
        context["reports_due"] = followup_selectors.reports_due_list(user=user)
        context["feedback_pending"] = followup_selectors.feedback_pending_list(user=user)
        if any(m.organization.is_donor for m in memberships):
            offers = funding_selectors.offer_list(user=user, filters={"active": True})
            matches = []
            seen = set()
            for offer in offers[:5]:
                for match in requests_for_offer(offer=offer, limit=5):
                    if match.request.pk not in seen and match.request.status in (
                        Status.PUBLISHED,
                        Status.DONOR_INTEREST,
                    ):
                        seen.add(match.request.pk)
                        matches.append(match)
            visible = set(
                selectors.request_list(user=user).filter(pk__in=seen).values_list("pk", flat=True)
            )
            context.update(
                is_donor=True,
                matches=[m for m in matches if m.request.pk in visible][:10],
                interests=funding_selectors.interest_list(user=user).filter(
                    donor_id__in=org_ids, status=InterestStatus.ACTIVE
                ),
                commitments_to_update=funding_selectors.commitment_list(user=user).filter(
                    donor_id__in=org_ids,
                    status__in=[
                        CommitmentStatus.PLEDGED,
                        CommitmentStatus.COMMITTED,
                        CommitmentStatus.PARTIALLY_DISBURSED,
                    ],
                ),
            )
        return context


# --- The queue ---------------------------------------------------------------------------------

SAVED_VIEWS = [
    ("mine", _("My cases")),
    ("unassigned", _("Unassigned")),
    ("overdue", _("Overdue")),
]


def _queue_params(request):
    """The query string as filters; a saved view is a preset of the same parameters."""
    params = request.GET.copy()
    view = params.get("view")
    if view == "mine":
        params["officer"] = str(request.user.pk)
    elif view == "unassigned":
        params["unassigned"] = "on"
    elif view == "overdue":
        params["overdue"] = "on"
    return params


def _queue(request) -> tuple[QueueFilterForm, dict]:
    """The filter form of the queue and what it asks for: ``filters``, ``sort``, ``search``."""
    officers = selectors.active_officers()
    # Every category, once: the filter's choices and the rows' category names.
    categories = selectors.all_categories()
    form = QueueFilterForm(_queue_params(request), officers=officers, categories=categories)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {
        key: data.get(key)
        for key in ("status", "region", "category", "officer", "overdue", "unassigned")
    }
    sort = data.get("sort") or selectors.DEFAULT_QUEUE_SORT
    return form, {"filters": filters, "sort": sort, "search": data.get("q", "")}


class RequestListView(LoginRequiredMixin, View):
    """The case queue (UNODA sees every case; others the cases they may see)."""

    template_name = "cases/request_list.html"
    paginate_by = 25
    count_cap = COUNT_CAP

    def get(self, request):
        from apps.funding.selectors import funding_gaps

        form, asked = _queue(request)
        sort = asked["sort"]
        # The keys of the rows' categories and their committed amounts come in the rows' own
        # query; the categories are named from those the form read.
        page = selectors.queue_page(
            user=request.user,
            **asked,
            per_page=self.paginate_by,
            number=request.GET.get("page"),
            cap=self.count_cap,
        )
        rows = list(page.object_list)
        selectors.attach_categories(rows, categories=form.categories)
        figures = funding_gaps(rows)
        now = timezone.now()
        for case in rows:
            case.days_in_state = selectors.days_in_state(case, now=now)
            case.funding = figures[case.pk]
        params = request.GET.copy()
        params.pop("page", None)
        sort_params = params.copy()
        sort_params.pop("sort", None)
        is_unoda = user_is_unoda(request.user)
        context = {
            "form": form,
            "page_obj": page,
            "cases": rows,
            "sort": sort,
            "query": params.urlencode(),
            "sort_query": sort_params.urlencode(),
            "saved_views": SAVED_VIEWS,
            "current_view": request.GET.get("view", ""),
            "is_unoda": is_unoda,
            "rows": queue_rows(rows, selectable=is_unoda),
            "officer_select": (
                officer_select(
                    form.officers, name="officer", element_id="bulk-officer", required=True
                )
                if is_unoda
                else ""
            ),
            "can_create": can_start_a_request(request.user),
            "bulk_form": BulkAssignForm(visible=AssistanceRequest.objects.none()),
        }
        template = (
            "cases/_queue_table.html"
            if request.htmx and request.htmx.target == "queue-results"
            else self.template_name
        )
        return render(request, template, context)


def _csv_safe(value) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


EXPORT_BATCH = 500


class RequestQueueCsvView(LoginRequiredMixin, View):
    """The current view of the queue (same filters, search and sort) as CSV."""

    def get(self, request):
        from apps.funding.selectors import funding_for_requests

        _form, asked = _queue(request)
        queryset = selectors.request_queue(user=request.user, **asked)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="cases.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [_("Reference"), _("State"), _("Title"), _("Categories"), _("Status"),
             _("Case officer"), _("Days in current state"), _("Overdue"), _("Budget"),
             _("Currency"), _("Funding gap")]
        )  # fmt: skip
        now = timezone.now()
        # In batches of 500 rows (each with its categories and funding read for the batch): the
        # queries grow with batches, not with rows, and none takes more parameters than
        # PostgreSQL's limit (65,535 a statement with server-side binding), whatever the size.
        rows = queryset.iterator(chunk_size=EXPORT_BATCH)
        while batch := list(islice(rows, EXPORT_BATCH)):
            figures = funding_for_requests(batch)
            for case in batch:
                gap = figures[case.pk].gap.amount
                writer.writerow(
                    _csv_safe(value)
                    for value in [
                        case.reference,
                        case.requesting_organization.name,
                        case.title,
                        "; ".join(c.name for c in case.categories.all()),
                        case.get_status_display(),
                        case.case_officer.get_full_name() if case.case_officer else "",
                        selectors.days_in_state(case, now=now),
                        _("yes") if case.is_overdue else _("no"),
                        case.budget_amount,
                        case.budget_currency,
                        gap,
                    ]
                )
        return response


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
            _("%(count)s cases assigned to %(officer)s.")
            % {"count": done, "officer": officer.get_full_name() or officer.username},
        )
        return redirect(back)


# --- Writing a request -------------------------------------------------------------------------


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

    def _context(self, case, step, form, attachment_form=None):
        index = STEP_SLUGS.index(step) if step in STEP_SLUGS else len(STEP_SLUGS)
        return {
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
                self.request.user,
                case,
                [t for t in transitions_from(case.status) if t.name in ("submit", "resubmit")],
            ),
        }

    def _case(self, request, reference):
        case = get_case_or_404(request, reference)
        if not can_edit_request(request.user, case):
            raise PermissionDenied(_("This request cannot be edited by you in its current status."))
        return case

    def get(self, request, reference, step):
        case = self._case(request, reference)
        if step != "review" and step not in STEP_SLUGS:
            raise Http404
        form = None if step == "review" else ProposalStepForm(instance=case, step=step)
        return render(request, self.template_name, self._context(case, step, form))

    def post(self, request, reference, step):
        case = self._case(request, reference)
        if step not in STEP_SLUGS:
            raise Http404
        form = ProposalStepForm(request.POST, instance=case, step=step)
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in form.fields}
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
        return render(request, self.template_name, self._context(case, step, form))


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


# --- The case page -----------------------------------------------------------------------------


class RequestDetailView(LoginRequiredMixin, TemplateView):
    template_name = "cases/request_detail.html"

    def get_context_data(self, **kwargs):
        # The page asks many questions of one case: its permissions are read once.
        with permissions_read_once():
            return self._context(**kwargs)

    def _context(self, **kwargs):
        from apps.followup import selectors as followup_selectors
        from apps.followup.permissions import can_record_agreement, can_view_followup
        from apps.funding import selectors as funding_selectors
        from apps.funding.models import InterestStatus
        from apps.funding.permissions import can_express_interest, can_record_commitment

        context = super().get_context_data(**kwargs)
        user = self.request.user
        try:
            case = selectors.request_page_get(user=user, reference=kwargs["reference"])
        except AssistanceRequest.DoesNotExist:
            raise Http404(_("No such case, or you may not see it.")) from None
        audit_case_view(user=user, case=case)
        # Its categories and kinds of help: their keys came with it, named from every one.
        selectors.attach_categories(
            [case], categories=selectors.all_categories(), kinds=selectors.all_kinds()
        )
        is_unoda = user_is_unoda(user)
        donor_orgs = [m.organization for m in user_memberships(user) if m.organization.is_donor]
        interests = funding_selectors.case_interests(user=user, case=case)
        active_interest_donors = {
            i.donor_id for i in interests if i.status == InterestStatus.ACTIVE
        }
        officers = selectors.active_officers() if is_unoda else []
        overview = None
        agreement = None
        if can_view_followup(user, case):
            agreement = followup_selectors.agreement_get(user=user, case=case)
            if agreement is not None:
                overview = followup_selectors.implementation_overview(user=user, case=case)
        context.update(
            case=case,
            is_unoda=is_unoda,
            timeline=timeline_items(selectors.request_timeline(user=user, case=case)),
            completeness=completeness(case),
            can_edit=can_edit_request(user, case),
            transitions=fireable(
                user,
                case,
                [t for t in transitions_from(case.status) if t.name not in FIRED_BY_RECORDS],
            ),
            funding=funding_selectors.request_funding(case=case),
            commitments=funding_selectors.case_commitments(user=user, case=case),
            interests=interests,
            interest_orgs=[
                org
                for org in donor_orgs
                if org.pk not in active_interest_donors and can_express_interest(user, org, case)
            ],
            pledge_orgs=[org for org in donor_orgs if can_record_commitment(user, org, case)],
            agreement=agreement,
            overview=overview,
            can_record_agreement=can_record_agreement(user)
            and case.status == Status.DONOR_INTEREST,
            can_comment=can_comment(user, case),
            comment_form=CommentForm() if can_comment(user, case) else None,
            can_comment_internally=can_comment_internally(user),
            attachments=selectors.attachment_list(case=case),
            officer_select=officer_select(
                officers, name="officer", element_id="assign-officer", selected=case.case_officer_id
            )
            if officers
            else "",
        )
        return context


class RequestTransitionView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
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
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            refusal_messages(request, error)
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
            if not can_download_attachment(request.user, attachment.request):
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
        response = FileResponse(
            handle, as_attachment=True, filename=name, content_type=safe_content_type(name)
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class CommentAddView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        form = CommentForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write a comment first."))
        else:
            try:
                services.comment_add(
                    actor=request.user,
                    case=case,
                    body=form.cleaned_data["body"],
                    visibility=form.cleaned_data["visibility"] or CommentVisibility.SHARED,
                )
            except (ValidationError, PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(request, _("Comment added."))
        return redirect(reverse("cases:request-detail", args=[case.reference]) + "#timeline")


class RequestAssignView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        officer = User.objects.filter(
            pk=request.POST.get("officer") or None, is_unoda_officer=True
        ).first()
        try:
            services.request_assign_officer(actor=request.user, case=case, officer=officer)
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("Case officer updated."))
        return redirect("cases:request-detail", reference=case.reference)
