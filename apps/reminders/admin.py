from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .models import ReminderLog, ReminderRule


@admin.register(ReminderRule)
class ReminderRuleAdmin(TranslationAdmin):
    list_display = (
        "name",
        "code",
        "watch",
        "status",
        "delay_days",
        "escalate_after_days",
        "is_active",
    )
    list_filter = ("is_active", "watch", "status")
    list_editable = ("is_active",)
    search_fields = ("code", "name", "message")
    fieldsets = (
        (None, {"fields": ("code", "name", "message", "is_active")}),
        (_("What it watches"), {"fields": ("watch", "status", "delay_days")}),
        (
            _("Whom it reminds"),
            {
                "fields": (
                    "notify_case_officer",
                    "notify_recipient",
                    "notify_donors",
                    "notify_partner",
                    "escalate_after_days",
                )
            },
        ),
    )


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ("rule", "request", "stage", "due_at", "created_at", "recipients")
    list_filter = ("stage", "rule")
    search_fields = ("request__reference", "rule__code")
    list_select_related = ("rule", "request")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
