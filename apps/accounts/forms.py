from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("language", "notification_frequency")
        widgets = {"notification_frequency": forms.RadioSelect}


class ApiTokenForm(forms.Form):
    proof = forms.CharField(
        label=_("Current code of your authenticator app"),
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, two_factor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not two_factor:
            self.fields["proof"].label = _("Your password")
            self.fields["proof"].widget.attrs["autocomplete"] = "current-password"
