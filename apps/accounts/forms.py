from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from apps.cases.events import Delivery, Topic
from apps.core.forms import PlainTextMixin, PortalForm, PortalModelForm
from apps.notifications.services import notification_deliveries

from .models import User


class PreferencesForm(PortalModelForm):
    """The language, and how the user hears of each topic of notification (one choice per
    topic of ``apps.cases.events.Topic``, the current one, chosen or by default, selected)."""

    class Meta:
        model = User
        fields = ("language",)

    def __init__(self, *args, instance, **kwargs):
        super().__init__(*args, instance=instance, **kwargs)
        current = notification_deliveries(user=instance)
        for topic in Topic:
            self.fields[f"topic_{topic.value}"] = forms.ChoiceField(
                label=topic.label,
                choices=Delivery.choices,
                initial=current[topic],
                widget=forms.RadioSelect,
            )

    def topic_fields(self):
        return [self[f"topic_{topic.value}"] for topic in Topic]

    def deliveries(self) -> dict:
        return {topic: self.cleaned_data[f"topic_{topic.value}"] for topic in Topic}


class ApiTokenForm(PortalForm):
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


class SignInForm(PlainTextMixin, AuthenticationForm):
    """Django's sign-in form; its user name follows the portal's rule for text."""


class PasswordResetRequestForm(PlainTextMixin, PasswordResetForm):
    """Django's password-reset form; its e-mail address follows the portal's rule for text."""
