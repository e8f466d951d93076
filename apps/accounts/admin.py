from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.forms import PortalForm
from apps.organizations.admin import MembershipInline
from apps.security.selectors import otp_authenticators_count, otp_backup_codes_remaining

from . import services
from .models import User


class TwoFactorResetForm(PortalForm):
    reason = forms.CharField(
        label=_("Why (for the audit log)"),
        max_length=500,
        help_text=_("For example: lost phone and backup codes; identity checked by telephone."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_unoda_officer", "is_staff")
    list_filter = ("is_unoda_officer", "is_staff", "is_superuser", "is_active", "language")
    search_fields = ("username", "email", "first_name", "last_name")
    inlines = (MembershipInline,)
    actions = ("reset_two_factor",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Portal"),
            {
                "fields": (
                    "language",
                    "is_unoda_officer",
                    "two_factor_required",
                    "two_factor_devices",
                )
            },
        ),
    )
    readonly_fields = ("two_factor_devices",)
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "password1", "password2", "is_unoda_officer"),
            },
        ),
    )

    @admin.display(description=_("two-factor devices"))
    def two_factor_devices(self, obj) -> str:
        """What a reset would delete (keys and codes are never shown here)."""
        if obj.pk is None:
            return "-"
        apps = otp_authenticators_count(user=obj)
        codes = otp_backup_codes_remaining(user=obj)
        return " ".join(
            (
                ngettext("%(count)d authenticator app,", "%(count)d authenticator apps,", apps)
                % {"count": apps},
                ngettext("%(count)d unused backup code.", "%(count)d unused backup codes.", codes)
                % {"count": codes},
            )
        )

    def has_two_factor_reset_permission(self, request) -> bool:
        return services.can_reset_two_factor(request.user)

    @admin.action(
        description=_("Reset two-factor authentication (enrol again at next sign-in)"),
        permissions=["two_factor_reset"],
    )
    def reset_two_factor(self, request, queryset):
        """Asks why first (a page of its own), then resets each selected user through
        ``services.user_two_factor_reset``, which writes the audit entries."""
        form = TwoFactorResetForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                for user in queryset:
                    services.user_two_factor_reset(
                        actor=request.user, user=user, reason=form.cleaned_data["reason"]
                    )
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            count = len(queryset)
            self.message_user(
                request,
                ngettext(
                    "Two-factor authentication is reset for %(count)d user: they set up an "
                    "authenticator again at their next sign-in.",
                    "Two-factor authentication is reset for %(count)d users: they set up an "
                    "authenticator again at their next sign-in.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/accounts/user/two_factor_reset.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reset two-factor authentication"),
                "opts": self.model._meta,
                "form": form,
                "users": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )
