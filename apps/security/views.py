import base64

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from apps.core.pagination import capped_page
from apps.organizations.selectors import user_is_unoda

from . import selectors, services
from .forms import AuditSearchForm, TokenForm
from .otp import otp_is_verified, otp_required


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return "/"


class OTPVerifyView(LoginRequiredMixin, FormView):
    """Second step of signing in: the code from the user's authenticator app."""

    template_name = "security/otp_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.otp_has_device(user=request.user):
            url = reverse("security:otp-enrol")
            return redirect(f"{url}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _next_url(self.request)}

    def form_valid(self, form):
        if services.otp_verify(request=self.request, token=form.cleaned_data["token"].strip()):
            return redirect(_next_url(self.request))
        form.add_error("token", _("That code is not valid. Try the current one."))
        return self.form_invalid(form)


class OTPEnrolView(LoginRequiredMixin, FormView):
    """Set up an authenticator app: shows the secret key, then confirms it with a code."""

    template_name = "security/otp_enrol.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if (
            user.is_authenticated
            and services.otp_has_device(user=user)
            and not otp_is_verified(user)
        ):
            # Replacing a device needs the current one first.
            return redirect("security:otp-verify")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = services.otp_pending_device(user=self.request.user)
        key = base64.b32encode(device.bin_key).decode()
        return {
            **super().get_context_data(**kwargs),
            "secret": " ".join(key[i : i + 4] for i in range(0, len(key), 4)),
            "otpauth_uri": device.config_url,
            "required": otp_required(self.request.user),
            "enrolled": services.otp_has_device(user=self.request.user),
            "next": _next_url(self.request),
        }

    def form_valid(self, form):
        if services.otp_enrol_confirm(
            request=self.request, token=form.cleaned_data["token"].strip()
        ):
            messages.success(self.request, _("Two-factor authentication is set up."))
            return redirect(_next_url(self.request))
        form.add_error("token", _("That code is not valid. Check the key and try again."))
        return self.form_invalid(form)


class AuditLogView(LoginRequiredMixin, TemplateView):
    """UNODA searches the audit log."""

    template_name = "security/audit_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_is_unoda(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        form = AuditSearchForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        events = selectors.audit_event_list(user=self.request.user, filters=filters)
        page = capped_page(events.select_related(None), 50, self.request.GET.get("page"))
        return {**super().get_context_data(**kwargs), "form": form, "page": page}
