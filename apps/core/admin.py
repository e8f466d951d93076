from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .models import PortalSettings, SubmittedKey
from .selectors import portal_settings
from .services import PORTAL_SETTINGS_FIELDS, portal_settings_update


class HistoryAdmin(SimpleHistoryAdmin):
    """A record's "History" page (django-simple-history): each change with who and when, and
    each earlier version to read. Nothing is put back from there: an old version saved from the
    admin would bypass the services' rules, so only reading is allowed
    (``SIMPLE_HISTORY_REVERT_DISABLED`` hides the button; this refuses the post)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "submit_min_completeness",
        "publish_min_completeness",
        "pledge_ageing_days",
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        defaults = portal_settings()
        return {name: getattr(defaults, name) for name in PORTAL_SETTINGS_FIELDS}

    def save_model(self, request, obj, form, change):
        saved = portal_settings_update(
            actor=request.user, **{name: form.cleaned_data[name] for name in PORTAL_SETTINGS_FIELDS}
        )
        obj.pk = saved.pk


@admin.register(SubmittedKey)
class SubmittedKeyAdmin(admin.ModelAdmin):
    """The one-time keys of forms and API calls (apps/core/idempotency.py): read-only, for
    looking into a request someone says was sent twice."""

    list_display = ("created_at", "user", "path", "status_code")
    list_filter = ("status_code",)
    search_fields = ("user__username", "key", "path")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
