from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from apps.organizations.admin import MembershipInline

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_unoda_officer", "is_staff")
    list_filter = ("is_unoda_officer", "is_staff", "is_superuser", "is_active", "language")
    search_fields = ("username", "email", "first_name", "last_name")
    inlines = (MembershipInline,)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("language", "is_unoda_officer")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "password1", "password2", "is_unoda_officer"),
            },
        ),
    )
