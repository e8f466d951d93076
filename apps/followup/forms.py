from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Feedback

RATING_CHOICES = [("", "-")] + [(str(n), str(n)) for n in range(1, 6)]


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = (
            "relevance",
            "coherence",
            "effectiveness",
            "efficiency",
            "impact",
            "sustainability",
            "overall",
            "what_worked",
            "what_did_not_work",
            "lessons_learned",
            "would_work_together_again",
        )

    action = forms.ChoiceField(
        choices=[("save", _("Save draft")), ("submit", _("Submit"))], initial="save"
    )
