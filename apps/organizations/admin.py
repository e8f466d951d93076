from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from apps.core.admin import HistoryAdmin

from . import services
from .models import Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("organization", "user")


@admin.register(Organization)
class OrganizationAdmin(HistoryAdmin, TranslationAdmin):
    list_display = ("name", "acronym", "kind", "country", "region", "is_recipient", "is_donor")
    list_filter = ("kind", "region", "is_recipient", "is_donor")
    search_fields = ("name", "acronym")
    readonly_fields = ("group",)
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("name", "acronym", "kind", "country", "region")}),
        (_("Capacities"), {"fields": ("is_recipient", "is_donor")}),
        (_("IATI"), {"fields": ("iati_identifier",)}),
        (_("Access"), {"fields": ("group",)}),
    )

    def save_model(self, request, obj, form, change):
        services.organization_save(organization=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        affected = set(form.instance.group.user_set.all()) if change else set()
        super().save_related(request, form, formsets, change)
        affected |= {m.user for m in form.instance.memberships.select_related("user")}
        for user in affected:
            services.membership_sync_groups(user=user)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "position")
    list_filter = ("organization__kind",)
    search_fields = ("user__username", "user__email", "organization__name")
    autocomplete_fields = ("user", "organization")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.membership_sync_groups(user=obj.user)

    def delete_model(self, request, obj):
        user = obj.user
        super().delete_model(request, obj)
        services.membership_sync_groups(user=user)
