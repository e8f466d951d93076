from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "user", "request", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("subject", "user__username", "request__reference")
    raw_id_fields = ("user", "request")
    readonly_fields = ("created_at",)
