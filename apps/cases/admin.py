from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin
from modeltranslation.admin import TranslationAdmin
from modeltranslation.utils import build_localized_fieldname

from apps.core.admin import HistoryAdmin
from apps.core.exceptions import ApplicationError
from apps.core.forms import PortalModelForm

from . import services
from .forms import TransitionForm
from .models import (
    Activity,
    AssistanceKind,
    AssistanceRequest,
    Attachment,
    CaseLink,
    Category,
    Comment,
    Indicator,
    IndicatorTemplate,
    Result,
    StatusChange,
)
from .quality import completeness
from .workflow import TERMINAL


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "code", "isacs_modules", "position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code", "isacs_modules")
    list_editable = ("position", "is_active")


@admin.register(AssistanceKind)
class AssistanceKindAdmin(TranslationAdmin):
    list_display = ("name", "code", "position")
    search_fields = ("name", "code")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ("created_at", "transition", "from_status", "to_status", "actor", "comment")
    readonly_fields = fields
    ordering = ("created_at", "pk")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("title", "kind", "file", "uploaded_by")
    readonly_fields = ("uploaded_by",)


TRANSLATION_COLUMNS = tuple(
    build_localized_fieldname(field, code)
    for code, _name in settings.LANGUAGES
    for field in services.TRANSLATED_FIELDS
)


class AssistanceRequestAdminForm(PortalModelForm):
    """``title`` and ``summary`` edit the texts in the case's original language, whatever
    language the admin is shown in; the per-language columns are the translations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for field in services.TRANSLATED_FIELDS:
                column = build_localized_fieldname(field, self.instance.original_language)
                if field in self.fields:
                    self.initial[field] = getattr(self.instance, column) or ""

    def clean(self):
        # As ``request_translate`` would refuse it, shown on the form rather than on saving.
        cleaned = super().clean()
        for code, _name in settings.LANGUAGES:
            title, summary = (build_localized_fieldname(f, code) for f in ("title", "summary"))
            translation = code != self.instance.original_language and title in self.fields
            has_summary = bool((cleaned.get(summary) or "").strip())
            if translation and has_summary and not (cleaned.get(title) or "").strip():
                self.add_error(title, _("A translated summary needs its translated title."))
        return cleaned


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(GuardedModelAdminMixin, HistoryAdmin):
    form = AssistanceRequestAdminForm
    list_display = (
        "reference",
        "title",
        "requesting_organization",
        "status",
        "status_changed_at",
        "case_officer",
        "visibility",
    )
    list_filter = (
        "status",
        "visibility",
        "priority",
        "requesting_organization__region",
        "categories",
        "case_officer",
    )
    # Every language's column: a text is stored in the language it was written in.
    search_fields = (
        "reference",
        *(
            build_localized_fieldname(field, code)
            for field in ("title", "summary")
            for code, _name in settings.LANGUAGES
        ),
        "requesting_organization__name",
    )
    date_hierarchy = "created_at"
    list_select_related = ("requesting_organization", "case_officer")
    autocomplete_fields = ("requesting_organization", "case_officer")
    filter_horizontal = ("categories", "kinds", "selected_donors")
    readonly_fields = (
        "reference",
        "status",
        "status_changed_at",
        "created_by",
        "original_language",
        "completeness_score",
        "completeness_missing",
        "case_links",
    )
    inlines = (AttachmentInline, StatusChangeInline)
    actions = ("fire_transition",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "status",
                    "status_changed_at",
                    "requesting_organization",
                    "title",
                    "summary",
                    "original_language",
                    "completeness_score",
                    "completeness_missing",
                )
            },
        ),
        (
            _("Proposal"),
            {
                "fields": (
                    "background",
                    "objectives",
                    "activities",
                    "expected_results",
                    "beneficiaries",
                    "national_ownership",
                    "sustainability",
                    "risks",
                )
            },
        ),
        (
            _("Assistance"),
            {
                "fields": (
                    "categories",
                    "kinds",
                    "budget_amount",
                    "budget_currency",
                    "duration_months",
                    "priority",
                    "national_document",
                    "national_document_title",
                    "national_document_year",
                    "poa_cycle",
                    "national_report_url",
                    "case_links",
                )
            },
        ),
        (
            _("Translations"),
            {
                "classes": ("collapse",),
                "description": _(
                    "Title and summary above are in the original language. UNODA adds their "
                    "translations here; a language left empty shows the original text, marked "
                    "as such."
                ),
                "fields": TRANSLATION_COLUMNS,
            },
        ),
        (
            _("Follow-up"),
            {"fields": ("visibility", "selected_donors", "case_officer", "due_date", "created_by")},
        ),
    )

    @admin.display(description=_("related cases"))
    def case_links(self, obj):
        """Read-only here: UNODA links and unlinks cases on the case page, through
        ``case_link_add`` / ``case_link_remove``."""
        if not obj.pk:
            return "-"
        links = CaseLink.objects.filter(Q(from_case=obj) | Q(to_case=obj)).select_related(
            "from_case", "to_case"
        )
        rows = [
            (link.get_kind_display(), link.to_case.reference)
            if link.from_case_id == obj.pk
            else (link.inverse_kind_display(), link.from_case.reference)
            for link in links.only("kind", "from_case__reference", "to_case__reference")
        ]
        return format_html_join(", ", "{} {}", rows) or "-"

    @admin.display(description=_("completeness"))
    def completeness_score(self, obj):
        return f"{completeness(obj).score}%" if obj.pk else "-"

    @admin.display(description=_("missing for completeness"))
    def completeness_missing(self, obj):
        missing = [str(item.label) for item in completeness(obj).missing] if obj.pk else []
        return ", ".join(missing) if obj.pk and missing else "-"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in TERMINAL:
            # A finished case is a record: nothing is edited any more.
            return [f.name for f in obj._meta.concrete_fields if f.editable] + [
                *readonly,
                "categories",
                "kinds",
                "selected_donors",
            ]
        if obj is not None:
            readonly.append("requesting_organization")
        return readonly

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.PROPOSAL_FIELDS
            if name in form.cleaned_data
        }
        officer = form.cleaned_data.get("case_officer")
        if change:
            saved = services.request_update(actor=request.user, case=obj, **data)
        else:
            saved = services.request_create(
                actor=request.user,
                organization=form.cleaned_data["requesting_organization"],
                **data,
            )
        if saved.case_officer != officer:
            saved = services.request_assign_officer(actor=request.user, case=saved, officer=officer)
        for code, _name in settings.LANGUAGES:
            title, summary = (build_localized_fieldname(f, code) for f in ("title", "summary"))
            if code != saved.original_language and {title, summary} & set(form.changed_data):
                saved = services.request_translate(
                    actor=request.user,
                    case=saved,
                    language=code,
                    title=form.cleaned_data.get(title) or "",
                    summary=form.cleaned_data.get(summary) or "",
                )
        form.instance = saved
        obj.pk = saved.pk
        obj.reference = saved.reference

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            for instance in formset.new_objects:
                if isinstance(instance, Attachment) and instance.uploaded_by_id is None:
                    instance.uploaded_by = request.user
                    instance.save(update_fields=["uploaded_by"])
        services.request_sync_permissions(case=form.instance)

    @admin.action(description=_("Fire a lifecycle transition on the selected requests"))
    def fire_transition(self, request, queryset):
        form = TransitionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            for case in queryset:
                try:
                    services.request_transition(
                        actor=request.user,
                        case=case,
                        transition=form.cleaned_data["transition"],
                        comment=form.cleaned_data["comment"],
                    )
                except (ApplicationError, PermissionDenied, ValidationError) as error:
                    text = (
                        "; ".join(error.messages) if isinstance(error, ValidationError) else error
                    )
                    self.message_user(request, f"{case.reference}: {text}", messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(reference)s is now “%(status)s”.")
                        % {"reference": case.reference, "status": case.get_status_display()},
                        messages.SUCCESS,
                    )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Fire a transition"),
            "form": form,
            "queryset": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/cases/fire_transition.html", context)


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    list_display = ("request", "transition", "from_status", "to_status", "actor", "created_at")
    list_filter = ("transition", "to_status")
    search_fields = ("request__reference", "comment", "actor__username")
    list_select_related = ("request", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseLink)
class CaseLinkAdmin(admin.ModelAdmin):
    """Read-only: UNODA links and unlinks cases on the case page (``case_link_add`` /
    ``case_link_remove``), where the rules are checked and each change audited."""

    list_display = ("from_case", "kind", "to_case", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("from_case__reference", "to_case__reference", "note")
    list_select_related = ("from_case", "to_case", "created_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "request", "uploaded_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "request__reference")
    raw_id_fields = ("request",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments are written on the case page (``services.comment_add``); here they are read."""

    list_display = ("request", "author", "visibility", "created_at")
    list_filter = ("visibility",)
    search_fields = ("request__reference", "body")
    readonly_fields = ("request", "author", "body", "visibility", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The activity lines, read-only: the State and UNODA edit them with the proposal in the
    portal (``services.request_update``), which keeps the lines that donors cover."""

    list_display = ("request", "position", "description", "estimated_cost")
    list_select_related = ("request",)
    search_fields = ("request__reference", "description")
    ordering = ("request", "position", "pk")
    readonly_fields = ("request", "position", "description", "estimated_cost", "output")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(TranslationAdmin):
    """The common indicators offered per category when a proposal's results framework is
    written (reference data)."""

    list_display = ("name", "category", "unit", "measure", "by_sex", "position", "is_active")
    list_filter = ("category", "is_active")
    list_select_related = ("category",)
    search_fields = ("name", "unit")
    list_editable = ("position", "is_active")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A proposal's record that the State and UNODA write in the portal through the services;
    the admin shows it only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Result)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("request", "level", "position", "statement")
    list_filter = ("level",)
    list_select_related = ("request",)
    search_fields = ("request__reference", "statement")


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    list_display = ("name", "result", "baseline_value", "target_value", "target_date")
    list_select_related = ("result",)
    search_fields = ("name", "result__request__reference")
