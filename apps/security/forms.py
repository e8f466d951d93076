from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.forms import PortalForm

from .models import AuditKind


class TokenForm(PortalForm):
    token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*[0-9]{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6-digit code.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class BackupCodeForm(PortalForm):
    backup_code = forms.CharField(
        label=_("Backup code"),
        max_length=20,
        help_text=_("One of the ten codes you stored when you set up two-factor authentication."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "dir": "ltr",
            }
        ),
    )


class AuditSearchForm(PortalForm):
    q = forms.CharField(label=_("User, object or organization"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=pgettext_lazy("kind of audit event", "Kind"),
        required=False,
        choices=[("", pgettext_lazy("filter: any kind of event", "Any")), *AuditKind.choices],
    )
    since = forms.DateField(label=pgettext_lazy("start of a date range", "From"), required=False)
    until = forms.DateField(label=pgettext_lazy("end of a date range", "To"), required=False)
