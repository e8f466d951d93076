from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from . import services
from .forms import PreferencesForm


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "accounts/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def form_valid(self, form):
        services.user_update_preferences(user=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Your preferences are saved."))
        return redirect("accounts:preferences")
