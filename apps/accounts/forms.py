from django import forms

from .models import User


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("language", "notification_frequency")
        widgets = {"notification_frequency": forms.RadioSelect}
