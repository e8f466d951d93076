from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "kind", "user", "request", "email_state", "created_at", "read_at")
    list_filter = ("kind", "email_state", "read_at")
    search_fields = ("subject", "user__username", "request__reference")
    raw_id_fields = ("user", "request")
    readonly_fields = ("created_at",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """What people chose on their preferences page (for support: a person changes their own)."""

    list_display = ("user", "topic", "delivery")
    list_filter = ("topic", "delivery")
    search_fields = ("user__username", "user__email")
    raw_id_fields = ("user",)
