from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.generic import TemplateView

from apps.cases.models import AssistanceKind
from apps.cases.selectors import all_categories, request_list
from apps.cases.views import case_page_again, get_case_or_404, refusal_messages
from apps.core.exceptions import ApplicationError
from apps.core.forms import add_service_errors
from apps.core.fragments import form_fingerprint, rendered_fragment
from apps.core.pagination import peek_page
from apps.core.tables import csv_stream, spreadsheet_safe
from apps.organizations.models import Organization
from apps.organizations.selectors import user_is_unoda, user_memberships

from . import selectors, services
from .forms import (
    CoverageForm,
    DisbursementForm,
    MeetingForm,
    MeetingItemForm,
    MeetingOutcomeForm,
    NeedsFilterForm,
    OfferFilterForm,
    OfferForm,
    ReferralAskForm,
    ReferralBringForm,
    ReferralDeclineForm,
    ReferralFilterForm,
    interest_form,
    pledge_form,
)
from .matching import match_pairs, requests_for_offer, requests_for_offers
from .models import Commitment, MatchmakingMeeting, Offer, ReferralStatus
from .permissions import (
    can_add_tranche,
    can_handle_offer_referrals,
    can_manage_meetings,
    can_update_commitment,
    can_use_donor_pages,
)
from .tables import NeedsTable


def _donor_orgs(user):
    return Organization.objects.filter(is_donor=True, memberships__user=user).order_by("name")


def _without_page(params, name: str = "page") -> str:
    """The query string of a list's filters, for its pagination links (whose page number is
    ``name``) to keep them."""
    params = params.copy()
    params.pop(name, None)
    return params.urlencode()


# Longer than the query string of any list of these pages; a longer one is not kept.
BACK_QUERY_MAX = 2000


def _back(request, url_name: str) -> str:
    """The address of the list ``url_name`` with the query string its form sent (``query``):
    back to the page and filters the form was on; to the list's first page when the query
    string is longer than any the list makes (a redirect may not exceed a length)."""
    query = QueryDict(request.POST.get("query", "")).urlencode()
    if not query or len(query) > BACK_QUERY_MAX:
        return reverse(url_name)
    return f"{reverse(url_name)}?{query}"


def _desk(request) -> str:
    """The desk's address, back to the page a row form was on."""
    return _back(request, "funding:donor-desk")


def missing_rate_link(request, error) -> None:
    """A refusal for a missing rate, for UNODA: a link to the exchange-rate page with the form
    pre-filled (the currency, the first day of the month, the nearest earlier rate)."""
    if not (isinstance(error, services.MissingRate) and user_is_unoda(request.user)):
        return
    url = f"{reverse('core:exchange-rate-list')}?{urlencode(error.form_initial)}"
    text = _("Record the rate of %(currency)s for %(month)s") % {
        "currency": error.currency,
        "month": date_format(error.day, "YEAR_MONTH_FORMAT"),
    }
    messages.info(request, format_html('<a href="{}">{}</a>', url, text))


def _org_or_404(queryset, pk):
    """The organization ``pk`` names (an id as the form sends it), or a 404."""
    try:
        organization = queryset.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        organization = None
    if organization is None:
        raise Http404(_("No such organization."))
    return organization


class DonorPagesMixin(LoginRequiredMixin):
    """Pages of donors (and UNODA): 403 for a State official."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_use_donor_pages(request.user):
            raise PermissionDenied(_("These pages are for donors and UNODA."))
        return super().dispatch(request, *args, **kwargs)


class NeedsListView(DonorPagesMixin, TemplateView):
    """Published needs the user may see, filtered, with the best matches to the donor's offers."""

    template_name = "funding/needs_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        form = NeedsFilterForm(self.request.GET, categories=all_categories())
        data = form.cleaned_data if form.is_valid() else {}
        page = selectors.needs_page(user=user, filters=data, number=self.request.GET.get("page"))
        table = NeedsTable(offers=list(selectors.own_active_offers(user=user)))
        context.update(
            form=form,
            page_obj=page,
            cases=page.object_list,
            table=table,
            rows=table.page_rows(page.object_list),
            query=_without_page(self.request.GET),
        )
        return context


class OfferListView(LoginRequiredMixin, TemplateView):
    """Every donor's offers of assistance: what is available today for States and donors, and
    for UNODA also the withdrawn and expired ones, with filters. A member of a requesting State
    also sees, for each offer, its explained match with each of the State's own requests that
    could use it (best first), and may ask UNODA to bring the offer to one of them; the page
    lists the State's earlier asks and UNODA's answers."""

    template_name = "funding/offer_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        params = kwargs.get("params") or self.request.GET
        unoda = user_is_unoda(user)
        form = OfferFilterForm(
            params,
            donors=Organization.objects.filter(is_donor=True).order_by("name"),
            categories=all_categories(),
            kinds=AssistanceKind.objects.all(),
            with_status=unoda,
        )
        data = form.cleaned_data if form.is_valid() else {}
        page = selectors.offers_page(user=user, filters=data, number=params.get("page"))
        context.update(
            form=form,
            page_obj=page,
            offers=page.object_list,
            can_edit=unoda,
            query=_without_page(params),
            here=params.urlencode(),
        )
        if any(m.organization.is_recipient for m in user_memberships(user)):
            context.update(self._for_the_state(user, page.object_list, kwargs.get("typed") or {}))
        return context

    @staticmethod
    def _for_the_state(user, offers, typed) -> dict:
        """Each offer's matches with the State's open requests (``offer.matches``: the match and
        the latest ask about the pair) and its ask form (``offer.ask_form``: the requests that
        could use it and have no ask waiting; ``typed`` holds a refused form by offer), and the
        State's asks: a fixed number of queries whatever the number of offers and requests."""
        cases = list(selectors.own_open_needs(user=user))
        matches = requests_for_offers(offers=offers, cases=cases)
        latest = {}
        if cases and offers:
            for referral in selectors.referral_list(user=user).filter(
                offer__in=[o.pk for o in offers], request__in=[c.pk for c in cases]
            ):
                latest.setdefault((referral.offer_id, referral.request_id), referral)
        for offer in offers:
            offer.matches = [
                (match, latest.get((offer.pk, match.request.pk)))
                for match in matches.get(offer.pk, [])
            ]
            # The best few explained; the others are among the ask form's choices.
            offer.matches_shown = offer.matches[:MATCHES_EXPLAINED]
            offer.matches_more = len(offer.matches) - len(offer.matches_shown)
            choices = [
                (match.request.reference, f"{match.request.reference}: {match.request.title} "
                 f"({match.score}/100)")
                for match, referral in offer.matches
                if referral is None or referral.status != ReferralStatus.OPEN
            ]  # fmt: skip
            offer.ask_form = typed.get(offer.pk)
            if offer.ask_form is not None:
                offer.ask_form.fields["request"].choices = (
                    choices or offer.ask_form.fields["request"].choices
                )
            elif choices:
                offer.ask_form = ReferralAskForm(offer_pk=offer.pk, choices=choices)
        return {
            "state_view": True,
            "open_needs": cases,
            "referrals": list(selectors.referral_list(user=user)[:REFERRALS_SHOWN]),
            "referrals_shown": REFERRALS_SHOWN,
        }


REFERRALS_SHOWN = 50  # the State's latest asks listed on the offers page
MATCHES_EXPLAINED = 3  # the State's requests explained beside each offer, best first


class OfferReferralAskView(LoginRequiredMixin, View):
    """A State asks UNODA to bring an offer to one of its requests (the form is on the offers
    page). A refusal shows the offers page again (400) with what was typed."""

    def post(self, request, pk):
        params = QueryDict(request.POST.get("query", ""))
        back = _back(request, "funding:offer-list")
        offer = selectors.offer_catalogue(user=request.user).filter(pk=pk).first()
        if offer is None:
            messages.error(
                request,
                _("This offer is no longer available (withdrawn by the donor or past its "
                  "validity)."),
            )  # fmt: skip
            return redirect(back)
        cases = {case.reference: case for case in selectors.own_open_needs(user=request.user)}
        form = ReferralAskForm(
            request.POST, offer_pk=pk, choices=[(reference, reference) for reference in cases]
        )
        if form.is_valid():
            case = cases[form.cleaned_data["request"]]
            try:
                services.offer_referral_ask(
                    actor=request.user, offer=offer, case=case, note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(
                    request,
                    _("UNODA is asked to bring “%(offer)s” to %(reference)s; you will be told "
                      "of its answer.") % {"offer": offer.title, "reference": case.reference},
                )  # fmt: skip
                return redirect(f"{back}#offer-{pk}")
        view = OfferListView()
        view.setup(request)
        context = view.get_context_data(params=params, typed={pk: form})
        return render(request, view.template_name, context, status=400)


class ReferralPagesMixin(LoginRequiredMixin):
    """UNODA's page of the offers States asked for: 403 for anyone else signed in."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_handle_offer_referrals(request.user):
            raise PermissionDenied(_("Only UNODA officers see this page."))
        return super().dispatch(request, *args, **kwargs)


REFERRALS_PER_PAGE = 25
REFERRAL_DONE = {
    "bring": gettext_lazy("The offer is brought to the request; the State and the donor are told."),
    "decline": gettext_lazy("Declined; the State is told why."),
}


class ReferralListView(ReferralPagesMixin, TemplateView):
    """The offers States asked UNODA to bring to their requests (waiting ones first by
    default), each with its explained match, and for each waiting one the forms to bring it
    (on a meeting's agenda or not) or to decline it with a reason. Each form posts here with
    ``form`` naming it; a refused form comes back with what was typed."""

    template_name = "funding/referral_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        params = kwargs.get("params") or self.request.GET
        form = ReferralFilterForm(params)
        status = (form.cleaned_data.get("status") if form.is_valid() else "") or "open"
        page = peek_page(
            selectors.referral_list(user=user, filters={"status": status}),
            REFERRALS_PER_PAGE,
            params.get("page"),
        )
        referrals = page.object_list
        meetings = list(selectors.upcoming_meetings(user=user))
        bound = kwargs.get("bound")  # (referral pk, form name, form) of a refused form
        matches = match_pairs(pairs=[(r.request, r.offer) for r in referrals])
        for referral, match in zip(referrals, matches, strict=True):
            referral.match = match
            if referral.status != ReferralStatus.OPEN:
                continue
            referral.bring_form = ReferralBringForm(referral_pk=referral.pk, meetings=meetings)
            referral.decline_form = ReferralDeclineForm(referral_pk=referral.pk)
            if bound and bound[0] == referral.pk:
                setattr(referral, f"{bound[1]}_form", bound[2])
                referral.open_form = bound[1]
        context.update(
            form=form,
            status=status,
            page_obj=page,
            referrals=referrals,
            query=_without_page(params),
            here=params.urlencode(),
        )
        return context

    def post(self, request):
        params = QueryDict(request.POST.get("query", ""))
        back = _back(request, "funding:referral-list")
        referral = (
            selectors.referral_list(user=request.user)
            .filter(pk=_int_or_none(request.POST.get("referral")))
            .first()
        )
        if referral is None:
            messages.error(request, _("No such request of a State."))
            return redirect(back)
        kind = request.POST.get("form")
        meetings = list(selectors.upcoming_meetings(user=request.user))
        if kind == "bring":
            form = ReferralBringForm(request.POST, referral_pk=referral.pk, meetings=meetings)
        elif kind == "decline":
            form = ReferralDeclineForm(request.POST, referral_pk=referral.pk)
        else:
            messages.error(request, _("Nothing was changed: the form was not recognised."))
            return redirect(back)
        if form.is_valid():
            try:
                if kind == "bring":
                    chosen = form.cleaned_data["meeting"]
                    services.offer_referral_bring(
                        actor=request.user,
                        referral=referral,
                        meeting=next((m for m in meetings if m.pk == chosen), None),
                        note=form.cleaned_data["note"],
                    )
                else:
                    services.offer_referral_decline(
                        actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect(back)
            else:
                messages.success(request, REFERRAL_DONE[kind])
                return redirect(back)
        context = self.get_context_data(params=params, bound=(referral.pk, kind, form))
        return self.render_to_response(context, status=400)


class InterestExpressView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        donor = _org_or_404(Organization.objects.filter(is_donor=True), request.POST.get("donor"))
        form = interest_form(case, donor, request.POST)
        if form.is_valid():
            try:
                services.interest_express(
                    actor=request.user,
                    case=case,
                    donor=donor,
                    message=form.cleaned_data["message"],
                    covers=form.covered(),
                    disclosed=form.disclosed(),
                )
            except ValidationError as error:
                if "covers" in getattr(error, "error_dict", {}):
                    add_service_errors(form, error)  # next to the activities, as ticked
                else:  # e.g. an interest already standing: the form may no longer be shown
                    refusal_messages(request, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(
                    request,
                    _("Interest recorded for %(donor)s. UNODA is informed.") % {"donor": donor},
                )
                return redirect("cases:request-detail", reference=case.reference)
        return case_page_again(request, case.reference, typed={"interest": {donor.pk: form}})


class CoverageUpdateView(LoginRequiredMixin, View):
    """A donor changes what its interest or commitment on the case covers, and whether other
    donors see its name (the "Donors on this need" section of the case page)."""

    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        kind = request.POST.get("kind")
        records = {
            "interest": selectors.interest_list(user=request.user),
            "commitment": selectors.commitment_list(user=request.user),
        }
        if kind not in records:
            raise Http404
        pk = request.POST.get("record", "")
        record = None
        if pk.isdigit():
            record = records[kind].filter(request=case, pk=int(pk)).prefetch_related("covers")
            record = record.first()
        if record is None:
            raise Http404(_("No such interest or commitment, or you may not see it."))
        form = CoverageForm(request.POST, case=case, record=record, kind=kind)
        if form.is_valid():
            change = (
                services.interest_coverage_update
                if kind == "interest"
                else services.commitment_coverage_update
            )
            try:
                change(
                    actor=request.user,
                    **{kind: record},
                    covers=form.covered() if "covers" in form.fields else None,
                    disclosed=form.disclosed(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect(reverse("cases:request-detail", args=[reference]) + "#coordination")
            else:
                messages.success(request, _("Saved: what it covers and who may see it."))
                return redirect(reverse("cases:request-detail", args=[reference]) + "#coordination")
        return case_page_again(
            request, case.reference, typed={"coverage": {(kind, record.pk): form}}
        )


class InterestWithdrawView(LoginRequiredMixin, View):
    def post(self, request, pk):
        interest = selectors.interest_list(user=request.user).filter(pk=pk).first()
        if interest is None:
            raise Http404
        try:
            services.interest_withdraw(actor=request.user, interest=interest)
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            refusal_messages(request, error)
        else:
            messages.success(request, _("Interest withdrawn."))
        return redirect(_desk(request))


class CommitmentCreateView(LoginRequiredMixin, View):
    def post(self, request, reference):
        case = get_case_or_404(request, reference)
        donor = _org_or_404(Organization.objects.filter(is_donor=True), request.POST.get("donor"))
        form = pledge_form(case, donor, request.POST)
        if form.is_valid():
            try:
                services.commitment_create(
                    actor=request.user,
                    case=case,
                    donor=donor,
                    amount=form.cleaned_data["amount"],
                    currency=form.cleaned_data["currency"],
                    status=form.cleaned_data["status"],
                    pledged_on=form.cleaned_data["pledged_on"],
                    expected_commitment_date=form.cleaned_data["expected_commitment_date"],
                    covers=form.covered(),
                    disclosed=form.disclosed(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
                missing_rate_link(request, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("cases:request-detail", reference=case.reference)
            else:
                messages.success(request, _("Recorded."))
                return redirect("cases:request-detail", reference=case.reference)
        return case_page_again(request, case.reference, typed={"pledge": {donor.pk: form}})


class DonorDeskView(DonorPagesMixin, TemplateView):
    """A donor's offers, interests and commitments, with inline updates. Each list is paged
    on its own (``page``, ``interests_page``, ``offers_page``), the others' pages kept in its
    links; the row forms send the page's query string (``query``) to come back to it. The
    commitments may be those of one case (``case``: its reference), as a case page links."""

    template_name = "funding/donor_desk.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        params = self.request.GET
        donors = list(_donor_orgs(user))
        ids = [d.pk for d in donors]
        offer_form = kwargs.get("offer_form") or (OfferForm() if donors else None)
        page = peek_page(
            selectors.desk_commitment_list(user=user, donor_ids=ids, case=params.get("case", "")),
            selectors.DESK_PER_PAGE,
            params.get("page"),
        )
        interests = peek_page(
            selectors.interest_list(user=user).filter(donor_id__in=ids),
            selectors.DESK_PER_PAGE,
            params.get("interests_page"),
        )
        offers = peek_page(
            selectors.offer_list(user=user),  # UNODA: every donor's; a donor: its own
            selectors.DESK_PER_PAGE,
            params.get("offers_page"),
        )
        context.update(
            donors=donors,
            case=params.get("case", ""),
            page_obj=page,
            interests_page=interests,
            offers_page=offers,
            interests=interests.object_list,
            offers=offers.object_list,
            query=_without_page(params),
            interests_query=_without_page(params, "interests_page"),
            offers_query=_without_page(params, "offers_page"),
            here=params.urlencode(),
            commitments=[
                (
                    c,
                    DisbursementForm(prefix=f"c{c.pk}") if can_update else None,
                    can_update,
                    c.is_last_tranche and can_add_tranche(user, c),
                )
                for c in page.object_list
                for can_update in [can_update_commitment(user, c)]
            ],
            offer_form=offer_form,
            # An empty form is alike for every donor: rendered once per language and choices,
            # at the edge; a form sent back with errors is rendered as typed.
            offer_fields=rendered_fragment(
                "funding/_offer_form_fields.html",
                {"form": offer_form},
                key=form_fingerprint(offer_form),
            )
            if offer_form is not None and not offer_form.is_bound
            else None,
        )
        return context


def _offer_data(form):
    data = dict(form.cleaned_data)
    relations = {
        "categories": list(data.pop("categories")),
        "kinds": list(data.pop("kinds")),
        "regions": data.pop("region_codes"),
    }
    if data.get("valid_from") is None:
        data.pop("valid_from")
    return data, relations


class OfferCreateView(DonorDeskView):
    """The desk's offer form posts here (the form itself is on the desk)."""

    http_method_names = ["post"]

    def post(self, request):
        donors = _donor_orgs(request.user)
        donor = _org_or_404(donors, request.POST.get("donor") or getattr(donors.first(), "pk", 0))
        form = OfferForm(request.POST)
        if form.is_valid():
            data, relations = _offer_data(form)
            try:
                services.offer_create(actor=request.user, donor=donor, **data, **relations)
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("funding:donor-desk")
            else:
                messages.success(request, _("Offer posted."))
                return redirect("funding:donor-desk")
        return self.render_to_response(self.get_context_data(offer_form=form))


class OfferEditView(LoginRequiredMixin, View):
    template_name = "funding/offer_edit.html"

    def _offer(self, request, pk):
        try:
            return selectors.offer_get(user=request.user, pk=pk)
        except Offer.DoesNotExist:
            raise Http404 from None

    def get(self, request, pk):
        offer = self._offer(request, pk)
        matches = requests_for_offer(offer=offer, limit=10, among=request_list(user=request.user))
        return render(
            request,
            self.template_name,
            {
                "offer": offer,
                "form": OfferForm(instance=offer),
                "matches": matches,
            },
        )

    def post(self, request, pk):
        offer = self._offer(request, pk)
        form = OfferForm(request.POST, instance=offer)
        if form.is_valid():
            data, relations = _offer_data(form)
            try:
                services.offer_update(actor=request.user, offer=offer, **data, **relations)
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("funding:donor-desk")
            else:
                messages.success(request, _("Offer updated."))
                return redirect("funding:donor-desk")
        return render(request, self.template_name, {"offer": offer, "form": form, "matches": []})


class CommitmentActionView(LoginRequiredMixin, View):
    """Inline updates of a commitment: confirm, disburse, cancel. With htmx only the row is
    swapped; without it the page reloads."""

    def post(self, request, pk, action):
        try:
            commitment = selectors.commitment_get(user=request.user, pk=pk)
        except Commitment.DoesNotExist:
            raise Http404 from None
        form = DisbursementForm(request.POST, prefix=f"c{pk}")
        confirm_needed = False
        try:
            if action == "confirm":
                services.commitment_confirm(actor=request.user, commitment=commitment)
            elif action == "cancel":
                services.commitment_cancel(
                    actor=request.user,
                    commitment=commitment,
                    comment=request.POST.get("comment", ""),
                )
            elif action == "disburse":
                if not form.is_valid():
                    raise ValidationError([e for errors in form.errors.values() for e in errors])
                services.disbursement_record(
                    actor=request.user,
                    commitment=commitment,
                    amount=form.cleaned_data["amount"],
                    date=form.cleaned_data["date"],
                    note=form.cleaned_data["note"],
                    confirm_repeat=form.cleaned_data["confirm_repeat"],
                )
            else:
                raise Http404
        except (ValidationError, PermissionDenied, ApplicationError) as error:
            # The same disbursement a moment ago: the form again, as typed, to confirm it.
            confirm_needed = "confirm_repeat" in getattr(error, "error_dict", {})
            refusal_messages(request, error)
            missing_rate_link(request, error)
        else:
            messages.success(request, _("Commitment updated."))
        if request.htmx:
            commitment = selectors.commitment_get(user=request.user, pk=pk)
            return render(
                request,
                "funding/_commitment_row.html",
                {
                    "c": commitment,
                    "form": form if confirm_needed else DisbursementForm(prefix=f"c{pk}"),
                    "confirm_needed": confirm_needed,
                    "can_update": can_update_commitment(request.user, commitment),
                    "can_add_tranche": can_add_tranche(request.user, commitment)
                    and not selectors.commitment_list(user=request.user)
                    .filter(
                        request_id=commitment.request_id,
                        donor_id=commitment.donor_id,
                        tranche__gt=commitment.tranche,
                    )
                    .exists(),
                    "inline_messages": True,
                    "here": request.POST.get("query", ""),
                },
            )
        return redirect(_desk(request))


# --- Meetings ----------------------------------------------------------------------------------


class MeetingPagesMixin(LoginRequiredMixin):
    """UNODA's meeting pages: 403 for anyone else signed in."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_meetings(request.user):
            raise PermissionDenied(_("Only UNODA officers see this page."))
        return super().dispatch(request, *args, **kwargs)


def _meeting_or_404(request, pk) -> MatchmakingMeeting:
    try:
        return selectors.meeting_get(user=request.user, pk=pk)
    except MatchmakingMeeting.DoesNotExist:
        raise Http404(_("No such meeting.")) from None


def _meeting_dossier(request, pk):
    meeting = _meeting_or_404(request, pk)
    return meeting, selectors.meeting_dossier(meeting=meeting)


def _invitable(meeting: MatchmakingMeeting | None = None):
    """Donors may be invited; a meeting keeps whoever it already invites (set in the admin)."""
    condition = Q(is_donor=True)
    if meeting is not None:
        condition |= Q(pk__in=[organization.pk for organization in meeting.invited.all()])
    return Organization.objects.filter(condition).order_by("name")


class MeetingListView(MeetingPagesMixin, TemplateView):
    """UNODA's matchmaking meetings, newest first, each with its agenda and dossier."""

    template_name = "funding/meeting_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["meetings"] = selectors.meeting_list(user=self.request.user).order_by(
            "-date", "-pk"
        )
        return context


class MeetingCreateView(MeetingPagesMixin, TemplateView):
    template_name = "funding/meeting_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or MeetingForm(invitable=_invitable())
        return context

    def post(self, request):
        form = MeetingForm(request.POST, invitable=_invitable())
        if form.is_valid():
            try:
                data = {**form.cleaned_data, "invited": list(form.cleaned_data["invited"])}
                meeting = services.meeting_create(actor=request.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("funding:meeting-list")
            else:
                messages.success(request, _("Meeting created: now put cases on its agenda."))
                return redirect("funding:meeting-detail", pk=meeting.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


MEETING_DONE = {
    "edit": gettext_lazy("Meeting saved."),
    "item": gettext_lazy("Added to the agenda."),
    "outcome": gettext_lazy("Outcome recorded."),
    "remove": gettext_lazy("Taken off the agenda."),
}


class MeetingDetailView(MeetingPagesMixin, TemplateView):
    """A meeting's page: its details (editable), its agenda with each item's outcome form and
    a form to put a case (with an offer) or an offer on the agenda. Each form posts here with
    ``form`` naming it; a form with errors comes back with what was typed."""

    template_name = "funding/meeting_detail.html"

    def _item_form(self, data=None):
        user = self.request.user
        return MeetingItemForm(
            data,
            cases=selectors.meeting_case_choices(user=user),
            offers=selectors.meeting_offer_choices(user=user),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = kwargs.get("meeting") or _meeting_or_404(self.request, kwargs["pk"])
        bound = kwargs.get("bound_item")  # (pk, form) of an outcome form with errors
        items = list(selectors.meeting_items(meeting=meeting))
        for item in items:
            if bound and bound[0] == item.pk:
                item.outcome_form, item.open_form = bound[1], True
            else:
                item.outcome_form = MeetingOutcomeForm(
                    item_pk=item.pk,
                    initial={name: getattr(item, name) for name in services.OUTCOME_FIELDS},
                )
        edit_form = kwargs.get("edit_form") or MeetingForm(
            invitable=_invitable(meeting),
            initial={
                **{name: getattr(meeting, name) for name in services.MEETING_FIELDS},
                "invited": list(meeting.invited.all()),
            },
        )
        context.update(
            meeting=meeting,
            items=items,
            edit_form=edit_form,
            edit_open="edit_form" in kwargs,
            item_form=kwargs.get("item_form") or self._item_form(),
            outcomes_open=timezone.localdate() >= meeting.date,
        )
        return context

    def post(self, request, pk):
        meeting = _meeting_or_404(request, pk)
        kind = request.POST.get("form")
        item = None
        if kind in ("outcome", "remove"):
            item = (
                selectors.meeting_items(meeting=meeting)
                .filter(pk=_int_or_none(request.POST.get("item")))
                .first()
            )
            if item is None:
                messages.error(request, _("This item is no longer on the agenda."))
                return redirect("funding:meeting-detail", pk=pk)
        if kind == "remove":
            try:
                services.meeting_remove_item(actor=request.user, item=item)
            except (ValidationError, PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
            else:
                messages.success(request, MEETING_DONE[kind])
            return redirect(reverse("funding:meeting-detail", args=[pk]) + "#agenda")
        if kind == "edit":
            form = MeetingForm(request.POST, invitable=_invitable(meeting))
        elif kind == "item":
            form = self._item_form(request.POST)
        elif kind == "outcome":
            form = MeetingOutcomeForm(request.POST, item_pk=item.pk)
        else:
            messages.error(request, _("Nothing was changed: the form was not recognised."))
            return redirect("funding:meeting-detail", pk=pk)
        if form.is_valid():
            try:
                self._save(kind, meeting, item, form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except (PermissionDenied, ApplicationError) as error:
                refusal_messages(request, error)
                return redirect("funding:meeting-detail", pk=pk)
            else:
                messages.success(request, MEETING_DONE[kind])
                anchor = f"#item-{item.pk}" if kind == "outcome" else "#agenda"
                return redirect(reverse("funding:meeting-detail", args=[pk]) + anchor)
        bound = {"bound_item": (item.pk, form)} if kind == "outcome" else {f"{kind}_form": form}
        context = self.get_context_data(pk=pk, meeting=meeting, **bound)
        return self.render_to_response(context, status=400)

    def _save(self, kind, meeting, item, data):
        actor = self.request.user
        if kind == "edit":
            data = {**data, "invited": list(data["invited"])}
            services.meeting_update(actor=actor, meeting=meeting, **data)
        elif kind == "item":
            services.meeting_add_item(actor=actor, meeting=meeting, **data)
        else:
            services.meeting_record_outcome(actor=actor, item=item, **data)


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
        header = (
            [pgettext("order in a list", "Position"), _("Type"), _("Reference"), _("Title"),
             _("Organization"), _("Categories"), _("Amount"), _("Currency"),
             pgettext("amount of money", "Committed"), pgettext("funding still missing", "Gap"),
             _("Interest shown"), _("Outcome"), _("Follow-up"), _("Suggested matches"),
             _("Decision"), _("Offer presented")]
        )  # fmt: skip
        lines = [header] + [[spreadsheet_safe(value) for value in row.as_list()] for row in rows]
        return csv_stream(f"meeting-{meeting.pk}-dossier.csv", lines)
