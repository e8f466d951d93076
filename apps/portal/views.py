"""The pages that bring cases, funding and follow-up together."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from apps.cases import selectors, services
from apps.cases.duplicates import checked, likenesses
from apps.cases.forms import (
    AssignForm,
    BulkAssignForm,
    CaseLinkForm,
    CommentForm,
    DuplicateDecisionForm,
    QueueFilterForm,
    officer_choices,
)
from apps.cases.models import AssistanceRequest, LinkKind, Status
from apps.cases.permissions import (
    can_comment,
    can_comment_internally,
    can_edit_request,
    can_link_cases,
    can_start_a_request,
    can_view_translations,
    fireable,
)
from apps.cases.quality import completeness
from apps.cases.views import get_access_or_404, refusal_messages
from apps.cases.workflow import (
    AGREED,
    DONOR_VISIBLE,
    OPEN,
    OPEN_NEEDS,
    OPEN_TO_DONORS,
    resolve,
    status_track,
    transitions_from,
)
from apps.core.exceptions import ApplicationError
from apps.core.forms import add_service_errors
from apps.core.fragments import form_fingerprint, rendered_fragment
from apps.core.pagination import COUNT_CAP, capped_page
from apps.followup import selectors as followup_selectors
from apps.followup.permissions import (
    can_change_agreement,
    can_record_agreement,
    can_see_agreement_records,
    can_view_followup,
)
from apps.funding import selectors as funding_selectors
from apps.funding.forms import CoverageForm, interest_form, pledge_form
from apps.funding.guards import undisbursed_tranches
from apps.funding.matching import best_requests_kept, offers_for_request
from apps.funding.models import CommitmentStatus, InterestStatus
from apps.funding.permissions import (
    can_act_for_donor,
    can_ask_offer_referral,
    can_express_interest,
    can_record_commitment,
    can_see_best_offers,
    can_update_commitment,
)
from apps.notifications.selectors import notification_list
from apps.organizations.selectors import user_is_unoda, user_memberships
from apps.security.services import audit_case_view

from . import services as portal_services
from .changes import CHANGES_RECENT, case_changes
from .forms import (
    DEFAULT_VIEW,
    QUEUE_FILTERS,
    SavedViewChangeForm,
    SavedViewForm,
    queue_filter_form,
    queue_table_class,
    queue_view,
    queue_views,
)
from .models import SavedView
from .selectors import (
    needs_action,
    request_queue,
    rows_in_order,
    saved_view_get_own,
    saved_view_list,
    with_question,
)
from .tables import DEFAULT_ORDERING, QueueTable

BEST_OFFERS = 5  # offers shown on the case page, best first
HOME_ROWS = 10  # rows of each list on the home page; the rest on the list's own page


@dataclass
class Firsts:
    """The first rows of a list of the home page, and whether it has more."""

    rows: list
    more: bool


def _firsts(rows) -> Firsts:
    rows = list(rows[: HOME_ROWS + 1])
    return Firsts(rows[:HOME_ROWS], len(rows) > HOME_ROWS)


class HomeView(LoginRequiredMixin, TemplateView):
    """What needs the user's action now, per role."""

    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        memberships = user_memberships(user)
        org_ids = [m.organization_id for m in memberships]
        is_unoda = user_is_unoda(user)
        context.update(
            is_unoda=is_unoda,
            organizations=[m.organization for m in memberships],
            can_create=can_start_a_request(user),
            latest_notifications=notification_list(user=user).filter(read_at__isnull=True)[:5],
        )
        if is_unoda:

            def queue(**filters):
                return request_queue(user=user, filters=filters, ordering=DEFAULT_ORDERING)

            context.update(
                my_cases=queue(officer=user.pk).filter(status__in=OPEN)[:10],
                unassigned=queue(unassigned=True)[:10],
                overdue=queue(overdue=True)[:10],
                waiting_triage=queue(status=Status.SUBMITTED)[:10],
            )
        visible = selectors.request_list(user=user)
        context["recent"] = visible[:10]
        own = visible.filter(requesting_organization_id__in=org_ids)
        if any(m.organization.is_recipient for m in memberships):
            questions = with_question(own.filter(status=Status.NEEDS_REVISION))
            context.update(
                own_requests=_firsts(own.filter(status__in=OPEN)), questions=_firsts(questions)
            )
        context["reports_due"] = _firsts(
            followup_selectors.reports_due_list(user=user, limit=HOME_ROWS + 1)
        )
        context["feedback_pending"] = _firsts(
            followup_selectors.feedback_pending_list(user=user).order_by("request__reference")
        )
        if any(m.organization.is_donor for m in memberships):
            context.update(
                is_donor=True,
                matches=self._matches(user, visible),
                interests=_firsts(
                    funding_selectors.interest_list(user=user).filter(
                        donor_id__in=org_ids, status=InterestStatus.ACTIVE
                    )
                ),
                commitments_to_update=_firsts(
                    funding_selectors.commitment_list(user=user).filter(
                        donor_id__in=org_ids,
                        status__in=[
                            CommitmentStatus.PLEDGED,
                            CommitmentStatus.COMMITTED,
                            CommitmentStatus.PARTIALLY_DISBURSED,
                        ],
                    )
                ),
            )
        return context

    @staticmethod
    def _matches(user, visible, limit=10):
        """The best open needs for any of the donor's first active offers, among the cases the
        user may see (scoped in the query, before any limit), each with its best offer; the
        ranking kept for the users of the same scope until a row it comes from changes."""
        return best_requests_kept(
            offers=funding_selectors.offer_list(user=user, filters={"active": True})[:5],
            among=visible.filter(status__in=OPEN_TO_DONORS),
            scope=selectors.visible_cases_key(user),
            limit=limit,
        )


# --- The queue ---------------------------------------------------------------------------------

NEEDS_COUNT_CAP = 99  # the needs tab counts up to this, then says "99+"


def _queue(request) -> tuple[QueueFilterForm, QueueTable, object, list, str]:
    """The queue's filter form, its table, its rows, the officers to choose from and the view
    (``forms.QUEUE_VIEWS``), as the query string asks. Needs-my-action is the default view;
    the others are presets of the same filter parameters."""
    user = request.user
    params = request.GET.copy()
    view = queue_view(params, user)
    if view == "mine":
        params["officer"] = str(user.pk)
    elif view == "unassigned":
        params["unassigned"] = "on"
    elif view == "overdue":
        params["overdue"] = "on"
    form = queue_filter_form(params, user=user)
    officers = form.fields["officer"].choices[1:]
    data = form.cleaned_data if form.is_valid() else {}
    query = request.GET.copy()
    for key in ("page", "sort", "saved"):
        query.pop(key, None)
    query["view"] = view
    table = queue_table_class(view)(
        sort=data.get("sort") or "",
        query=query.urlencode(),
        selectable=user_is_unoda(user),
    )
    filters = {key: data.get(key) for key in QUEUE_FILTERS}
    read = needs_action if view == DEFAULT_VIEW else request_queue
    rows = read(
        user=user, filters=filters, search=data.get("q", ""), ordering=table.ordering()
    ).prefetch_related("categories")  # the table's categories column
    return form, table, rows, officers, view


class RequestListView(LoginRequiredMixin, View):
    """The case queue (UNODA sees every case; others the cases they may see)."""

    template_name = "portal/request_list.html"
    paginate_by = 25
    count_cap = COUNT_CAP

    def get(self, request):
        form, table, rows, officers, view = _queue(request)
        if view == DEFAULT_VIEW:
            # Ordered by a computed urgency: the page's keys and urgencies are sorted first,
            # narrow; then only its rows are read in full, by key (the conditions that chose
            # them are not evaluated twice).
            page = capped_page(
                rows.values_list("pk", "urgency"),
                self.paginate_by,
                request.GET.get("page"),
                cap=self.count_cap,
            )
            urgencies = dict(page.object_list)
            page_rows = rows_in_order(
                request_queue(user=request.user).prefetch_related("categories"), list(urgencies)
            )
            for row in page_rows:
                row.urgency = urgencies[row.pk]
        else:
            page = capped_page(rows, self.paginate_by, request.GET.get("page"), cap=self.count_cap)
            page_rows = page.object_list
        params = request.GET.copy()
        for key in ("page", "saved"):
            params.pop(key, None)
        params["view"] = view
        query = params.urlencode()
        saved_views = list(saved_view_list(user=request.user))
        for saved in saved_views:
            if saved.owner_id == request.user.pk:
                saved.change_form = SavedViewChangeForm(instance=saved)
        current_saved = next(
            (saved for saved in saved_views if str(saved.pk) == request.GET.get("saved")), None
        )
        context = {
            "form": form,
            "page_obj": page,
            "table": table,
            "rows": table.page_rows(page_rows),
            "table_class": "queue",
            "query": query,
            "queue_views": queue_views(request.user),
            "current_view": view,
            # Counted on the needs view itself, from its own pages' count: another view would
            # pay a second query as costly as its own for the tab's figure.
            "needs_count": page.paginator.count if view == DEFAULT_VIEW else None,
            "needs_count_cap": NEEDS_COUNT_CAP,
            "saved_views": saved_views,
            "current_saved": current_saved,
            "save_form": SavedViewForm(initial={"query": query}),
            "own_saved_views": [
                saved for saved in saved_views if saved.owner_id == request.user.pk
            ],
            "is_unoda": table.selectable,
            "can_create": can_start_a_request(request.user),
            "bulk_form": self._bulk_form(officers) if table.selectable else None,
        }
        if request.htmx and request.htmx.target == "queue-results":
            return render(request, "portal/_queue_table.html", context)
        # The filter form, alike for every user of a side with the same filters: rendered
        # once per language, view and filters (its choices included), at the edge.
        context["filter_panel"] = rendered_fragment(
            "portal/_queue_filters.html",
            {"form": form, "current_view": view, "is_unoda": table.selectable},
            key=f"{view}:{table.selectable}:{form_fingerprint(form)}",
        )
        return render(request, self.template_name, context)

    @staticmethod
    def _bulk_form(officers):
        """The bulk-assign form, its officers from the list the filters read (no query)."""
        form = BulkAssignForm(visible=AssistanceRequest.objects.none())
        form.fields["officer"].choices = [("", "---------"), *officers]
        return form


class RequestQueueCsvView(LoginRequiredMixin, View):
    """The current view of the queue (same filters, search and sort) as CSV."""

    def get(self, request):
        _form, table, rows, _officers, _view = _queue(request)
        return table.csv_response(rows.iterator(chunk_size=500), "cases.csv")


def _queue_url(query: str = "", saved: SavedView | None = None) -> str:
    url = reverse("cases:request-list")
    if saved is not None:
        query = f"{query}&saved={saved.pk}" if query else f"saved={saved.pk}"
    return f"{url}?{query}" if query else url


class SavedViewCreateView(LoginRequiredMixin, View):
    """Save the queue as shown under a name (sent twice, it is saved once)."""

    def post(self, request):
        form = SavedViewForm(request.POST)
        query = request.POST.get("query", "")
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(_queue_url(query))
        try:
            saved = portal_services.saved_view_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                query=form.cleaned_data["query"],
                shared=form.cleaned_data["shared"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(_queue_url(query))
        messages.success(request, gettext("View “%(name)s” saved.") % {"name": saved.name})
        return redirect(_queue_url(saved.query, saved))


class SavedViewUpdateView(LoginRequiredMixin, View):
    """Rename one of the user's saved views, share it or stop sharing it."""

    def post(self, request, pk):
        try:
            saved = saved_view_get_own(user=request.user, pk=pk)
        except SavedView.DoesNotExist:
            raise Http404(_("No such saved view, or it is not yours.")) from None
        form = SavedViewChangeForm(request.POST, instance=SavedView(name=saved.name))
        if form.is_valid():
            try:
                saved = portal_services.saved_view_update(
                    actor=request.user,
                    saved_view=saved,
                    name=form.cleaned_data["name"],
                    shared=form.cleaned_data["shared"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages)
        if form.errors:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        else:
            messages.success(request, gettext("View “%(name)s” changed.") % {"name": saved.name})
        return redirect(_queue_url(saved.query, saved))


class SavedViewDeleteView(LoginRequiredMixin, View):
    """Delete one of the user's saved views."""

    def post(self, request, pk):
        try:
            saved = saved_view_get_own(user=request.user, pk=pk)
        except SavedView.DoesNotExist:
            # Deleted already (the form sent twice), or not the user's: nothing to do.
            return redirect(_queue_url())
        portal_services.saved_view_delete(actor=request.user, saved_view=saved)
        messages.success(request, gettext("View “%(name)s” deleted.") % {"name": saved.name})
        return redirect(_queue_url(saved.query))


# --- The case page -----------------------------------------------------------------------------


class RequestDetailView(LoginRequiredMixin, TemplateView):
    """The case page. Its forms post to their own views; when one is refused, that view shows
    this page again (``case_page_again``) with what was typed (``typed``: the bound comment
    form, the pledge form of one donor, the interest message of one donor, the reason given
    for a transition), so that nothing is lost."""

    template_name = "portal/request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        typed = kwargs.get("typed") or {}
        try:
            access = selectors.case_access(user=user, reference=kwargs["reference"])
        except AssistanceRequest.DoesNotExist:
            raise Http404(_("No such case, or you may not see it.")) from None
        case = access.case
        # The activity lines, read once for the proposal, the donors' forms and coordination;
        # the categories once for the checklist and the details.
        prefetch_related_objects([case], "activity_lines", "categories", "kinds")
        audit_case_view(user=user, case=case)
        donor_orgs = [m.organization for m in user_memberships(user) if m.organization.is_donor]
        interests = list(funding_selectors.case_interests(user=user, case=case))
        commitments = self._with_case(
            funding_selectors.case_commitments(user=user, case=case), case
        )
        for commitment in commitments:
            commitment.can_update = can_update_commitment(user, commitment)
        # A donor with an active interest or live funding is not offered a new interest; a
        # donor with live funding adds a tranche.
        funding_donors = {c.donor_id for c in commitments if c.status != CommitmentStatus.CANCELLED}
        engaged = funding_donors | {
            i.donor_id for i in interests if i.status == InterestStatus.ACTIVE
        }
        transitions = fireable(
            access, [t for t in transitions_from(case.status) if not t.by_record]
        )
        agreement = overview = results = None
        # An agreement exists from its status on (recording it fires the transition).
        if case.status in AGREED and can_view_followup(access):
            # The plan against the reports, with the agreement itself (read once).
            overview = followup_selectors.implementation_overview(access=access)
            if overview is not None:
                agreement = overview.agreement
                # The indicators against their targets: two queries, whatever their number.
                results = followup_selectors.case_results(access=access)
        # The latest entries; the whole history with ?timeline=all.
        timeline = selectors.request_timeline(
            user=user,
            case=case,
            recent=None if self.request.GET.get("timeline") == "all" else selectors.TIMELINE_RECENT,
        )
        track = status_track(case.status, stopped_at=_stopped_at(case, timeline.entries))
        meeting_items = list(funding_selectors.case_meeting_items(user=user, case=case))
        offer_referrals = self._with_case(
            funding_selectors.case_referrals(user=user, case=case), case
        )
        # Who changed which field of the case and its records; the whole of it with
        # ?changes=all.
        changes = case_changes(
            access=access,
            commitments=commitments,
            agreement=agreement,
            offer_ids={r.offer_id for r in [*meeting_items, *offer_referrals] if r.offer_id},
            recent=None if self.request.GET.get("changes") == "all" else CHANGES_RECENT,
        )
        funding = funding_selectors.request_funding(case=case)
        primary, other_transitions = _primary_first(transitions)
        context.update(
            case=case,
            access=access,
            is_unoda=access.is_unoda,
            timeline=timeline,
            track=track,
            your_turn=bool(track.actors & access.roles),
            funding_bar=funding_selectors.funding_bar(funding=funding, commitments=commitments),
            primary_transition=primary,
            other_transitions=other_transitions,
            completeness=completeness(case),
            can_edit=can_edit_request(access),
            transitions=transitions,
            typed_transition=typed.get("transition", {}),
            # What closing would leave undisbursed (UNODA, who closes, sees every tranche).
            undisbursed=(
                undisbursed_tranches(commitments)
                if any(t.name == "close" for t in transitions)
                else []
            ),
            # What the other transitions ask to confirm (submitting a likely duplicate).
            confirm_notes={
                t.name: notes
                for t in transitions
                if t.name != "close"
                and (
                    notes := [n.message for check in t.confirmations if (n := resolve(check)(case))]
                )
            },
            # The offers that fit the need best come after the page (CaseBestOffersView).
            shows_best_offers=case.status in OPEN_NEEDS and can_see_best_offers(access),
            # UNODA weighs the request's likely duplicates and related needs while reviewing.
            likenesses=likenesses(case) if access.is_unoda and checked(case) else None,
            can_withdraw=any(t.name == "withdraw" for t in transitions),
            funding=funding,
            commitments=commitments,
            meeting_items=meeting_items,
            offer_referrals=offer_referrals,
            changes=changes,
            can_ask_referral=can_ask_offer_referral(user, case),
            coordination=self._coordination(
                access, typed.get("coverage", {}), interests, commitments
            ),
            interests=interests,
            interest_orgs=[
                (org, typed.get("interest", {}).get(org.pk) or interest_form(case, org))
                for org in donor_orgs
                if org.pk not in engaged and can_express_interest(user, org, case)
            ],
            pledge_forms=[
                (
                    org,
                    typed.get("pledge", {}).get(org.pk) or pledge_form(case, org),
                    org.pk in funding_donors,
                )
                for org in donor_orgs
                if can_record_commitment(user, org, case)
            ],
            agreement=agreement,
            overview=overview,
            results=results if results and results.standings else None,
            # Who may open the values' evidence (asked only where there are values to show).
            records_visible=bool(results and results.standings)
            and can_see_agreement_records(user, agreement),
            can_record_agreement=can_record_agreement(user)
            and case.status == Status.DONOR_INTEREST,
            can_change_agreement=agreement is not None and can_change_agreement(user, agreement),
            can_comment=can_comment(access),
            comment_form=(typed.get("comment") or CommentForm()) if can_comment(access) else None,
            can_comment_internally=can_comment_internally(user),
            attachments=selectors.attachment_list(case=case),
            assign_form=self._assign_form(access),
            related=selectors.case_links(user=user, case=case),
            can_link=can_link_cases(user),
            link_form=kwargs.get("link_form") or (CaseLinkForm() if can_link_cases(user) else None),
            can_view_translations=can_view_translations(access),
            missing_translations=sum(
                row.missing for row in selectors.request_translations(case=case)
            ),
        )
        return context

    @staticmethod
    def _coordination(access, typed, interests, commitments):
        """The "Donors on this need" section, from publication on: who else is in, what each
        covers, and the reader's own records with a form to change them (``typed``: a refused
        one, as typed; ``interests``, ``commitments``: the page's, as read for this reader)."""
        if access.case.status not in DONOR_VISIBLE:
            return None
        coordination = funding_selectors.case_coordination(
            access=access, interests=interests, commitments=commitments
        )
        for entry in coordination.own:
            record, key = entry.record, (entry.kind, entry.record.pk)
            record.request = access.case  # read by the permission, not again
            if entry.kind == "interest":
                editable = can_act_for_donor(access.user, record.donor)
            else:
                editable = can_update_commitment(access.user, record)
            entry.form = (
                typed.get(key)
                or CoverageForm(
                    initial={
                        "covers": [line.pk for line in entry.lines],
                        "undisclosed": not record.disclosed,
                    },
                    case=access.case,
                    record=record,
                    kind=entry.kind,
                )
                if editable
                else None
            )
        return coordination

    @staticmethod
    def _with_case(records, case):
        """``records`` of ``case`` as a list, each pointing at the case already read."""
        records = list(records)
        for record in records:
            record.request = case
        return records

    @staticmethod
    def _assign_form(access):
        """UNODA's form to assign the case officer, when there is an officer to choose (the
        officers read once, for the choice and the select)."""
        officers = officer_choices() if access.is_unoda else []
        if not officers:
            return None
        form = AssignForm(initial={"officer": access.case.case_officer_id})
        form.fields["officer"].choices = [("", "—"), *officers]
        return form


def _stopped_at(case, entries) -> str | None:
    """The status a withdrawn or declined case was in when it ended (from the timeline read
    for the page; None when that change is older than the entries shown)."""
    changes = [e for e in entries if getattr(e, "to_status", None) == case.status]
    return changes[-1].from_status if changes else None


def _primary_first(transitions) -> tuple[object | None, list]:
    """The user's next step (the first transition that moves the case on: neither ending it
    nor asking why) and the others, which the page keeps behind a menu."""
    primary = next((t for t in transitions if not t.destructive and not t.comment_required), None)
    return primary, [t for t in transitions if t is not primary]


def case_page_again(request, reference, *, typed, status=400):
    """The case page once more, after one of its forms was refused, with what the user typed
    (see ``RequestDetailView``) and the refusal shown: nothing typed is lost."""
    view = RequestDetailView()
    view.setup(request, reference=reference)
    context = view.get_context_data(reference=reference, typed=typed)
    return render(request, view.template_name, context, status=status)


class CaseLinkAddView(RequestDetailView):
    """UNODA links the case to another ("builds on", "complements", "repeats"); a refused link
    shows the case page again with the form as typed and the reason next to its field."""

    http_method_names = ["post"]

    def post(self, request, reference):
        if not can_link_cases(request.user):
            raise PermissionDenied(gettext("Only UNODA officers link cases."))
        case = get_access_or_404(request, reference).case
        form = CaseLinkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                link = services.case_link_add(
                    actor=request.user,
                    case=case,
                    other_reference=data["reference"],
                    kind=data["kind"],
                    note=data["note"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect(_related(case))
            else:
                messages.success(
                    request,
                    gettext("Linked: %(from)s %(kind)s %(to)s.")
                    % {
                        "from": case.reference,
                        "kind": link.get_kind_display(),
                        "to": link.to_case.reference,
                    },
                )
                return redirect(_related(case))
        context = self.get_context_data(reference=reference, link_form=form)
        return self.render_to_response(context, status=400)


class CaseLinkRemoveView(LoginRequiredMixin, View):
    def post(self, request, reference, pk):
        if not can_link_cases(request.user):
            raise PermissionDenied(gettext("Only UNODA officers link cases."))
        case = get_access_or_404(request, reference).case
        try:
            services.case_link_remove(actor=request.user, case=case, link_id=pk)
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, gettext("The link has been removed."))
        return redirect(_related(case))


class CaseBestOffersView(LoginRequiredMixin, View):
    """The offers that fit a request best, with the reasons of each score, for UNODA and the
    requesting State: the case page loads this section after itself (htmx); without
    JavaScript its link opens it as a page of its own."""

    def get(self, request, reference):
        access = get_access_or_404(request, reference)
        if not can_see_best_offers(access):
            raise PermissionDenied(
                gettext("Only UNODA and the requesting State see the best offers.")
            )
        case = access.case
        context = {
            "case": case,
            "is_unoda": access.is_unoda,
            "best_offers": (
                offers_for_request(case=case, limit=BEST_OFFERS)
                if case.status in OPEN_NEEDS
                else []
            ),
        }
        template = (
            "portal/_best_offers.html"
            if request.headers.get("HX-Request")
            else "portal/best_offers.html"
        )
        return render(request, template, context)


class CaseDuplicateDecideView(LoginRequiredMixin, View):
    """UNODA decides on a likely duplicate or related need shown on the case page."""

    SAID = {
        LinkKind.DISTINCT: _("Marked: %(case)s is not a duplicate of %(other)s."),
        LinkKind.RELATED: _("Marked: %(case)s is related to %(other)s."),
        LinkKind.DUPLICATES: _("%(case)s was withdrawn as a duplicate of %(other)s."),
    }

    def post(self, request, reference):
        if not can_link_cases(request.user):
            raise PermissionDenied(gettext("Only UNODA officers decide on duplicates."))
        case = get_access_or_404(request, reference).case
        form = DuplicateDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Choose a decision on the likely duplicate."))
            return redirect(_related(case, "duplicates"))
        data = form.cleaned_data
        try:
            link = services.case_duplicate_decide(
                actor=request.user,
                case=case,
                other_reference=data["reference"],
                decision=data["decision"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(
                request,
                self.SAID[link.kind] % {"case": case.reference, "other": link.to_case.reference},
            )
        return redirect(_related(case, "duplicates"))


def _related(case, section="related") -> str:
    return reverse("cases:request-detail", args=[case.reference]) + f"#{section}"
