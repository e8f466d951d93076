from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only and nobody edits it, not even superusers."""

    list_display = (
        "created_at",
        "kind",
        "actor_username",
        "object_type",
        "object_id",
        "ip_address",
    )
    list_filter = ("kind",)
    search_fields = ("actor_username", "object_id", "organization")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
