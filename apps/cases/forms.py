from django import forms
from django.utils.translation import gettext_lazy as _

from .workflow import TRANSITIONS


class TransitionForm(forms.Form):
    transition = forms.ChoiceField(
        label=_("Action"), choices=[(t.name, t.label) for t in TRANSITIONS.values()]
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return for revision, decline or withdraw."),
    )
