"""The admin for agreements, implementation and feedback. Every save goes through a service."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from apps.cases.models import Status
from apps.core.admin import HistoryAdmin
from apps.core.exceptions import ApplicationError
from apps.core.forms import PortalModelForm

from . import services
from .models import (
    RATING_FIELDS,
    Agreement,
    AgreementChange,
    AgreementChangeKind,
    AgreementDocument,
    Feedback,
    FeedbackWaiver,
    IndicatorActual,
    Lesson,
    Milestone,
    ProgressReport,
    ProgressReportAttachment,
)


def _error_text(error) -> str:
    return "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)


class ServiceErrorsMixin:
    """A rule refused by a service on save shows as an error message, not a server error.

    The admin's own transaction is rolled back by the exception, so nothing is saved.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ApplicationError, PermissionDenied, ValidationError) as error:
            if request.method != "POST":
                raise
            self.message_user(request, _error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AgreementDocumentInline(admin.TabularInline):
    model = AgreementDocument
    extra = 0
    fields = ("title", "file", "uploaded_by")
    readonly_fields = ("uploaded_by",)


class AgreementAdminForm(PortalModelForm):
    """The agreement's fields, and for a change what kind it is and why (the history keeps
    both)."""

    change_kind = forms.ChoiceField(
        label=_("kind of change"), choices=AgreementChangeKind.choices, required=False
    )
    change_reason = forms.CharField(
        label=_("reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Agreement
        fields = (
            "request",
            "signed_on",
            "donors",
            "implementing_partner",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "cooperation_type",
            "reporting_interval_months",
            "notes",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cooperation_type"].required = True  # blank only on rows from before it

    def terms_changed(self) -> bool:
        return bool(set(self.changed_data) - {"change_kind", "change_reason"})

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.terms_changed():
            if not cleaned.get("change_kind"):
                self.add_error(
                    "change_kind", _("Say whether this is a correction or an amendment.")
                )
            if not (cleaned.get("change_reason") or "").strip():
                self.add_error("change_reason", _("Please say why the agreement changes."))
        return cleaned


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("title", "due_date", "completed_on", "description")


class ProgressReportInline(ReadOnlyInline):
    model = ProgressReport
    fields = ("period_start", "period_end", "status", "percent_done", "organization")
    readonly_fields = fields
    show_change_link = True


@admin.register(Agreement)
class AgreementAdmin(ServiceErrorsMixin, HistoryAdmin):
    list_display = (
        "request",
        "signed_on",
        "amount",
        "currency",
        "implementing_partner",
        "start_date",
        "end_date",
        "cooperation_type",
    )
    list_filter = (
        "request__status",
        "cooperation_type",
        "currency",
        "implementing_partner",
        "donors",
    )
    search_fields = ("request__reference", "request__title", "donors__name", "notes")
    list_select_related = ("request", "implementing_partner")
    filter_horizontal = ("donors",)
    autocomplete_fields = ("implementing_partner",)
    readonly_fields = ("recorded_by", "history")
    inlines = (AgreementDocumentInline, MilestoneInline, ProgressReportInline)
    date_hierarchy = "signed_on"
    form = AgreementAdminForm

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "request"] if obj is not None else readonly

    @admin.display(description=_("corrections and amendments"))
    def history(self, obj):
        """The agreement's history, read-only (a field rather than an inline: nothing to post)."""
        if obj is None or obj.pk is None:
            return self.get_empty_value_display()
        changes = AgreementChange.objects.filter(agreement=obj).select_related("actor")
        return (
            format_html_join(
                "",
                "<p>{} — {} — {}: {}<br>{}</p>",
                (
                    (
                        change.created_at.strftime("%Y-%m-%d %H:%M"),
                        change.actor,
                        change.get_kind_display(),
                        "; ".join(f"{label}: {old} → {new}" for label, old, new in change.rows),
                        change.reason,
                    )
                    for change in changes
                ),
            )
            or self.get_empty_value_display()
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "request":
            from apps.cases.models import AssistanceRequest

            # Recording an agreement moves a case with donor interest to "agreement".
            kwargs["queryset"] = AssistanceRequest.objects.filter(
                status=Status.DONOR_INTEREST, agreement__isnull=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in services.AGREEMENT_FIELDS
            if name in form.cleaned_data
        }
        if change and not form.terms_changed():
            saved = obj  # only inline rows changed: they go through their own services
        elif change:
            saved = services.agreement_update(
                actor=request.user,
                agreement=obj,
                kind=form.cleaned_data["change_kind"],
                reason=form.cleaned_data["change_reason"],
                donors=form.cleaned_data["donors"],
                **data,
            )
        else:
            saved = services.agreement_record(
                actor=request.user,
                case=form.cleaned_data["request"],
                donors=form.cleaned_data["donors"],
                **data,
            )
        form.instance = saved
        obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        # Donors are set by the service; inline rows go through their services too.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        agreement = form.instance
        # The admin's change message reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            data = inline_form.cleaned_data
            instance = inline_form.instance
            if formset.model is AgreementDocument and instance.pk is None:
                formset.new_objects.append(
                    services.agreement_document_add(
                        actor=request.user,
                        agreement=agreement,
                        title=data["title"],
                        file=data["file"],
                    )
                )
            elif formset.model is AgreementDocument:
                formset.changed_objects.append((inline_form.save(), inline_form.changed_data))
            elif formset.model is Milestone and instance.pk is None:
                milestone = services.milestone_create(
                    actor=request.user,
                    agreement=agreement,
                    title=data["title"],
                    due_date=data["due_date"],
                    description=data.get("description", ""),
                )
                if data.get("completed_on"):
                    services.milestone_complete(
                        actor=request.user, milestone=milestone, completed_on=data["completed_on"]
                    )
                formset.new_objects.append(milestone)
            elif formset.model is Milestone:
                milestone = services.milestone_update(
                    actor=request.user,
                    milestone=instance,
                    **{name: data[name] for name in inline_form.changed_data},
                )
                formset.changed_objects.append((milestone, inline_form.changed_data))
        for deleted in formset.deleted_forms:
            if deleted.instance.pk is not None:
                formset.deleted_objects.append(deleted.instance)
                deleted.instance.delete()


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("title", "agreement", "uploaded_by", "created_at")
    search_fields = ("title", "agreement__request__reference")
    raw_id_fields = ("agreement",)
    readonly_fields = ("uploaded_by",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = services.agreement_document_add(
            actor=request.user, agreement=obj.agreement, title=obj.title, file=obj.file
        )
        obj.pk = saved.pk


@admin.register(AgreementChange)
class AgreementChangeAdmin(admin.ModelAdmin):
    """The history of agreements: written by ``services.agreement_update`` only, read here."""

    list_display = ("agreement", "kind", "actor", "created_at")
    list_filter = ("kind",)
    search_fields = ("agreement__request__reference", "reason")
    list_select_related = ("agreement__request", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Milestone)
class MilestoneAdmin(ServiceErrorsMixin, HistoryAdmin):
    list_display = ("title", "agreement", "due_date", "completed_on")
    list_filter = (("completed_on", admin.EmptyFieldListFilter), "agreement__request__status")
    search_fields = ("title", "agreement__request__reference")
    date_hierarchy = "due_date"
    raw_id_fields = ("agreement",)
    actions = ("mark_done",)

    def save_model(self, request, obj, form, change):
        if change:
            saved = services.milestone_update(
                actor=request.user,
                milestone=obj,
                **{name: form.cleaned_data[name] for name in form.changed_data},
            )
        else:
            saved = services.milestone_create(
                actor=request.user,
                agreement=obj.agreement,
                title=obj.title,
                due_date=obj.due_date,
                description=obj.description,
            )
            if obj.completed_on:
                saved = services.milestone_complete(
                    actor=request.user, milestone=saved, completed_on=obj.completed_on
                )
        obj.pk = saved.pk

    @admin.action(description=_("Mark the selected milestones as done today"))
    def mark_done(self, request, queryset):
        for milestone in queryset.filter(completed_on__isnull=True):
            try:
                services.milestone_complete(actor=request.user, milestone=milestone)
            except (ApplicationError, PermissionDenied, ValidationError) as error:
                self.message_user(request, f"{milestone}: {_error_text(error)}", messages.ERROR)


class ProgressReportAttachmentInline(admin.TabularInline):
    model = ProgressReportAttachment
    extra = 0
    fields = ("title", "file")


@admin.register(ProgressReport)
class ProgressReportAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "agreement",
        "period_start",
        "period_end",
        "status",
        "percent_done",
        "organization",
        "submitted_by",
    )
    list_filter = ("status", "agreement__request__status", "organization")
    search_fields = ("agreement__request__reference", "narrative", "organization__name")
    raw_id_fields = ("agreement",)
    list_select_related = ("agreement__request", "organization", "submitted_by")
    readonly_fields = ("submitted_by",)
    inlines = (ProgressReportAttachmentInline,)

    def has_change_permission(self, request, obj=None):
        # A submitted report is a record; attachments may still be added on the add page.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A record, and the reminders rely on the agreement's stored first unreported period
        # (kept by the services): a report is not deleted from the admin.
        return False

    def save_model(self, request, obj, form, change):
        saved = services.progress_report_submit(
            actor=request.user,
            agreement=obj.agreement,
            organization=obj.organization,
            period_start=obj.period_start,
            period_end=obj.period_end,
            status=obj.status,
            percent_done=obj.percent_done,
            narrative=obj.narrative,
        )
        form.instance = saved
        obj.pk = saved.pk


@admin.register(ProgressReportAttachment)
class ProgressReportAttachmentAdmin(admin.ModelAdmin):
    list_display = ("title", "report", "created_at")
    search_fields = ("title", "report__agreement__request__reference")
    raw_id_fields = ("report",)


@admin.register(IndicatorActual)
class IndicatorActualAdmin(admin.ModelAdmin):
    """Values reached, read-only: reporters record them with their progress reports in the
    portal."""

    list_display = ("indicator", "value", "women", "report")
    list_select_related = ("indicator", "report")
    search_fields = ("indicator__name", "report__agreement__request__reference")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Feedback is the parties' own voice: UNODA reads it here, the parties write it."""

    list_display = ("request", "organization", "role", "status", "overall", "submitted_at")
    list_filter = ("status", "role", "overall", "request__requesting_organization__region")
    search_fields = ("request__reference", "organization__name", "what_worked", "lessons_learned")
    list_select_related = ("request", "organization")
    readonly_fields = (
        "request",
        "organization",
        "role",
        "status",
        *RATING_FIELDS,
        "what_worked",
        "what_did_not_work",
        "lessons_learned",
        "share_lessons",
        "would_work_together_again",
        "submitted_at",
        "submitted_by",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeedbackWaiver)
class FeedbackWaiverAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = ("request", "organization", "recorded_by", "created_at")
    search_fields = ("request__reference", "organization__name", "reason")
    list_select_related = ("request", "organization", "recorded_by")
    readonly_fields = ("recorded_by",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "request":
            from apps.cases.models import AssistanceRequest

            kwargs["queryset"] = AssistanceRequest.objects.filter(status=Status.FEEDBACK)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.feedback_waive(
            actor=request.user, case=obj.request, organization=obj.organization, reason=obj.reason
        )
        obj.pk = saved.pk


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """The lessons UNODA published (on the feedback page of a closed case, and taken off on the
    lessons page): read here; publishing asks for the parties' consent, which only the
    service checks."""

    list_display = ("title", "request", "published_by", "created_at")
    search_fields = ("title", "body", "request__reference")
    list_select_related = ("request", "published_by")
    readonly_fields = ("request", "title", "body", "published_by", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
