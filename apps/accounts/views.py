from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView
from django.views.i18n import set_language
from rest_framework.authtoken.models import Token

from apps.cases.events import Delivery
from apps.security.otp import otp_required
from apps.security.selectors import otp_backup_codes_remaining
from apps.security.services import otp_has_device

from . import services
from .forms import ApiTokenForm, PreferencesForm


class PreferencesView(LoginRequiredMixin, FormView):
    template_name = "accounts/preferences.html"
    form_class = PreferencesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.request.user}

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            delivery_choices=Delivery.choices,
            two_factor_enrolled=otp_has_device(user=user),
            backup_codes_remaining=otp_backup_codes_remaining(user=user),
            **kwargs,
        )

    def form_valid(self, form):
        user = services.user_update_preferences(
            user=self.request.user,
            language=form.cleaned_data["language"],
            deliveries=form.deliveries(),
        )
        with override(user.language):
            messages.success(self.request, _("Your preferences are saved."))
        response = redirect("accounts:preferences")
        _set_language_cookie(response, user.language)
        return response


def _set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def language_switch(request):
    """The language switcher on every page: Django's ``set_language`` (cookie and redirect
    back), and for a signed-in user the choice is also saved as their preferred language, so
    e-mails and other browsers follow it."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and request.user.language != language
    ):
        services.user_update_preferences(user=request.user, language=language)
    return response


class ApiTokenView(LoginRequiredMixin, TemplateView):
    """The user's API token: issued or rotated (the new key shown once) and revoked after a
    fresh check (an authenticator code, or the password for an account without two-factor)."""

    template_name = "accounts/api_token.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        two_factor = otp_required(user)
        context.update(
            token=Token.objects.filter(user=user).first(),
            two_factor=two_factor,
            form=kwargs.get("form") or ApiTokenForm(two_factor=two_factor),
            new_key=kwargs.get("new_key"),
        )
        return context

    def post(self, request):
        form = ApiTokenForm(request.POST, two_factor=otp_required(request.user))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if "rotate" in request.POST:  # the button pressed: "rotate" or "revoke"
                    token = services.api_token_rotate(user=request.user, proof=data["proof"])
                    messages.success(request, _("Your new API token is shown below, only once."))
                    return self.render_to_response(self.get_context_data(new_key=token.key))
                services.api_token_revoke(user=request.user, proof=data["proof"])
            except ValidationError as error:
                form.add_error("proof", error.message_dict.get("proof", error.messages))
            else:
                messages.success(request, _("Your API token is revoked."))
                return redirect("accounts:api-token")
        return self.render_to_response(self.get_context_data(form=form), status=400)
