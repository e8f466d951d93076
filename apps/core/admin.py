from django.contrib import admin

from .models import PortalSettings
from .selectors import portal_settings


@admin.register(PortalSettings)
class PortalSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "publish_min_completeness", "pledge_ageing_days")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PortalSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        defaults = portal_settings()
        return {
            "publish_min_completeness": defaults.publish_min_completeness,
            "pledge_ageing_days": defaults.pledge_ageing_days,
        }

    def save_model(self, request, obj, form, change):
        obj.pk = PortalSettings.SINGLETON_PK
        super().save_model(request, obj, form, change)
