"""Admin for the donor side. Every save and action goes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.cases.admin import AssistanceRequestAdmin
from apps.cases.models import AssistanceRequest
from apps.core.admin import HistoryAdmin
from apps.core.exceptions import ApplicationError

from . import services
from .forms import OfferAdminForm
from .matching import offers_for_request, requests_for_offer
from .models import (
    Commitment,
    CommitmentChange,
    Disbursement,
    ExchangeRate,
    ExpressionOfInterest,
    MatchmakingMeeting,
    MeetingItem,
    Offer,
    OfferReferral,
)
from .selectors import commitment_is_ageing, request_funding

ERRORS = (ApplicationError, PermissionDenied, ValidationError)


def _error_text(error) -> str:
    return "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(HistoryAdmin):
    form = OfferAdminForm
    list_display = ("title", "donor", "amount_min", "amount_max", "currency", "valid_from",
                    "valid_until", "cooperation_type", "is_active")  # fmt: skip
    list_filter = (
        "is_active",
        "cooperation_type",
        "currency",
        "categories",
        "kinds",
        "regions__region",
        "donor",
    )
    search_fields = ("title", "description", "donor__name")
    list_select_related = ("donor",)
    autocomplete_fields = ("donor",)
    filter_horizontal = ("categories", "kinds")
    readonly_fields = ("created_by", "matching_requests")

    @admin.display(description=_("best matching requests"))
    def matching_requests(self, obj):
        if not obj.pk:
            return "-"
        rows = [
            (m.request.reference, m.score, "; ".join(m.reasons))
            for m in requests_for_offer(offer=obj, limit=10)
        ]
        return format_html_join("\n", "<p><b>{}</b> — {}/100: {}</p>", rows) or "-"

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.OFFER_FIELDS
                if name in form.cleaned_data}  # fmt: skip
        self._pending = (data, form.cleaned_data.get("region_codes") or [])
        if change:
            saved = services.offer_update(actor=request.user, offer=obj, **data)
        else:
            saved = services.offer_create(
                actor=request.user, donor=form.cleaned_data["donor"], **data
            )
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        services.offer_update(
            actor=request.user,
            offer=form.instance,
            categories=form.cleaned_data.get("categories", []),
            kinds=form.cleaned_data.get("kinds", []),
            regions=form.cleaned_data.get("region_codes") or [],
        )


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(admin.ModelAdmin):
    list_display = ("request", "donor", "status", "created_at")
    list_filter = ("status", "donor")
    search_fields = ("request__reference", "donor__name", "message")
    list_select_related = ("request", "donor")
    autocomplete_fields = ("donor",)
    raw_id_fields = ("request",)
    readonly_fields = ("status", "created_by")
    actions = ("withdraw",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.interest_express(
            actor=request.user,
            case=form.cleaned_data["request"],
            donor=form.cleaned_data["donor"],
            message=form.cleaned_data.get("message", ""),
        )
        obj.pk = saved.pk

    @admin.action(description=_("Withdraw the selected interests"))
    def withdraw(self, request, queryset):
        for interest in queryset:
            try:
                services.interest_withdraw(actor=request.user, interest=interest)
            except ERRORS as error:
                self.message_user(request, f"{interest}: {_error_text(error)}", messages.ERROR)


class DisbursementInline(ReadOnlyInline):
    model = Disbursement
    fields = ("date", "amount", "rate_per_usd", "rate_valid_on", "amount_usd", "amount_case",
              "note", "recorded_by", "created_at")  # fmt: skip
    readonly_fields = fields


class CommitmentChangeInline(ReadOnlyInline):
    model = CommitmentChange
    fields = ("created_at", "action", "changes", "actor", "comment")
    readonly_fields = fields


@admin.register(Commitment)
class CommitmentAdmin(HistoryAdmin):
    list_display = ("request", "donor", "tranche", "status", "amount", "currency", "pledged_on",
                    "expected_commitment_date", "ageing")  # fmt: skip
    list_filter = ("status", "currency", "donor")
    search_fields = ("request__reference", "donor__name", "note")
    list_select_related = ("request", "donor")
    autocomplete_fields = ("donor",)
    raw_id_fields = ("request",)
    readonly_fields = ("tranche", "status", "committed_on", "created_by", "funding_of_request",
                       *services.RATE_FIELDS)  # fmt: skip
    inlines = (DisbursementInline, CommitmentChangeInline)
    actions = ("confirm",)

    @admin.display(description=_("ageing pledge"), boolean=True)
    def ageing(self, obj):
        return commitment_is_ageing(obj)

    @admin.display(description=_("funding of the request"))
    def funding_of_request(self, obj):
        return funding_html(obj.request) if obj.pk else "-"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["request", "donor", "pledged_on"]
        return readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in services.EDITABLE_COMMITMENT_FIELDS
                      if name in data}  # fmt: skip
            saved = services.commitment_update(actor=request.user, commitment=obj, **fields)
        else:
            saved = services.commitment_create(
                actor=request.user,
                case=data["request"],
                donor=data["donor"],
                amount=data["amount"],
                currency=data["currency"],
                pledged_on=data.get("pledged_on"),
                expected_commitment_date=data.get("expected_commitment_date"),
                note=data.get("note", ""),
            )
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Turn the selected pledges into commitments"))
    def confirm(self, request, queryset):
        for commitment in queryset:
            try:
                services.commitment_confirm(actor=request.user, commitment=commitment)
            except ERRORS as error:
                self.message_user(request, f"{commitment}: {_error_text(error)}", messages.ERROR)


@admin.register(Disbursement)
class DisbursementAdmin(admin.ModelAdmin):
    list_display = ("commitment", "date", "amount", "recorded_by")
    search_fields = ("commitment__request__reference", "commitment__donor__name", "note")
    list_select_related = ("commitment__request", "commitment__donor", "recorded_by")
    raw_id_fields = ("commitment",)
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.disbursement_record(
            actor=request.user,
            commitment=form.cleaned_data["commitment"],
            amount=form.cleaned_data["amount"],
            date=form.cleaned_data["date"],
            note=form.cleaned_data.get("note", ""),
        )
        obj.pk = saved.pk


@admin.register(CommitmentChange)
class CommitmentChangeAdmin(admin.ModelAdmin):
    list_display = ("commitment", "action", "actor", "created_at")
    list_filter = ("action",)
    search_fields = ("commitment__request__reference", "commitment__donor__name", "comment")
    list_select_related = ("commitment__request", "commitment__donor", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfferReferral)
class OfferReferralAdmin(admin.ModelAdmin):
    """Read-only: States ask on the offers page, UNODA answers on its "Offers asked for" page
    (``offer_referral_ask``, ``offer_referral_bring``, ``offer_referral_decline``)."""

    list_display = ("request", "offer", "organization", "status", "created_at", "handled_at")
    list_filter = ("status",)
    search_fields = ("request__reference", "offer__title", "offer__donor__name", "note")
    list_select_related = ("request", "offer__donor", "organization")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate_per_usd", "valid_on", "source")
    list_filter = ("currency",)
    search_fields = ("currency", "source")
    date_hierarchy = "valid_on"

    def save_model(self, request, obj, form, change):
        saved = services.exchange_rate_set(
            actor=request.user,
            currency=form.cleaned_data["currency"],
            rate_per_usd=form.cleaned_data["rate_per_usd"],
            valid_on=form.cleaned_data["valid_on"],
            source=form.cleaned_data.get("source", ""),
        )
        obj.pk = saved.pk


class MeetingItemInline(admin.TabularInline):
    model = MeetingItem
    extra = 0
    can_delete = False
    fields = (
        "position",
        "request",
        "offer",
        "decision",
        "interest_shown",
        "outcome",
        "follow_up",
    )
    raw_id_fields = ("request", "offer")


@admin.register(MatchmakingMeeting)
class MatchmakingMeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "date", "place", "is_online")
    list_filter = ("is_online",)
    search_fields = ("title", "place", "notes")
    date_hierarchy = "date"
    filter_horizontal = ("invited",)
    readonly_fields = ("created_by", "dossier_links")
    inlines = (MeetingItemInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("dossier"))
    def dossier_links(self, obj):
        if not obj.pk:
            return "-"
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            [
                (f"/funding/meetings/{obj.pk}/dossier/", _("printable page")),
                (f"/funding/meetings/{obj.pk}/dossier.csv", _("CSV")),
            ],
        )

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.MEETING_FIELDS
                  if name in form.cleaned_data}  # fmt: skip
        if change:
            saved = services.meeting_update(actor=request.user, meeting=obj, **fields)
        else:
            saved = services.meeting_create(actor=request.user, **fields)
        obj.pk = saved.pk
        form.instance = saved

    def save_related(self, request, form, formsets, change):
        services.meeting_update(
            actor=request.user, meeting=form.instance, invited=form.cleaned_data.get("invited", [])
        )
        for formset in formsets:
            # The admin's change message reads these lists.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for item_form in formset.forms:
                if not item_form.has_changed() or not item_form.cleaned_data:
                    continue
                data = item_form.cleaned_data
                item = item_form.instance
                if item.pk is None:
                    item = services.meeting_add_item(
                        actor=request.user,
                        meeting=form.instance,
                        request=data.get("request"),
                        offer=data.get("offer"),
                    )
                    formset.new_objects.append(item)
                outcome = set(item_form.changed_data) & set(services.OUTCOME_FIELDS)
                if outcome:
                    item = services.meeting_record_outcome(
                        actor=request.user,
                        item=item,
                        **{name: data.get(name) for name in services.OUTCOME_FIELDS},
                    )
                    if item_form.instance.pk is not None:
                        formset.changed_objects.append((item, sorted(outcome)))


def matching_offers_html(case) -> str:
    """The best offers for a request, with their reasons."""
    rows = [
        (m.offer.donor, m.offer.title, m.score, "; ".join(m.reasons))
        for m in offers_for_request(case=case, limit=10)
    ]
    return format_html_join("\n", "<p><b>{}: {}</b> — {}/100: {}</p>", rows) or "-"


def funding_html(case) -> str:
    """Requested, pledged, committed, disbursed and gap of a request."""
    figures = request_funding(case=case)
    rows = [
        (label, "—" if f.amount is None else f.amount, figures.currency,
         ", ".join(f.missing))
        for label, f in (
            (_("pledged"), figures.pledged),
            (_("committed"), figures.committed),
            (_("disbursed"), figures.disbursed),
            (pgettext_lazy("funding still missing", "gap"), figures.gap),
        )
    ]  # fmt: skip
    return format_html_join("\n", "<p>{}: {} {} {}</p>", rows)


class RequestFundingAdmin(AssistanceRequestAdmin):
    """The request's admin page with its funding figures and best matching offers (this app
    builds on the cases app, which knows nothing of funding)."""

    readonly_fields = (
        *AssistanceRequestAdmin.readonly_fields,
        "funding_figures",
        "matching_offers",
    )
    fieldsets = (
        *AssistanceRequestAdmin.fieldsets,
        (_("Funding and matching"), {"fields": ("funding_figures", "matching_offers")}),
    )

    @admin.display(description=_("funding"))
    def funding_figures(self, obj):
        return funding_html(obj) if obj.pk else "-"

    @admin.display(description=_("best matching offers"))
    def matching_offers(self, obj):
        return matching_offers_html(obj) if obj.pk else "-"


admin.site.unregister(AssistanceRequest)
admin.site.register(AssistanceRequest, RequestFundingAdmin)
