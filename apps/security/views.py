from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, TemplateView

from apps.core.pagination import capped_page
from apps.organizations.selectors import user_is_unoda

from . import selectors, services
from .forms import AuditSearchForm, BackupCodeForm, TokenForm
from .otp import otp_is_verified, otp_required, qr_code_data_uri, totp_issuer, totp_key_text


def _next_url(request) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return "/"


class OTPVerifyView(LoginRequiredMixin, FormView):
    """Second step of signing in: the code from the user's authenticator app, or one of their
    backup codes (a second form on the same page, for a lost or forgotten phone)."""

    template_name = "security/otp_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.otp_has_device(user=request.user):
            url = reverse("security:otp-enrol")
            return redirect(f"{url}?{urlencode({'next': _next_url(request)})}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("backup_form", BackupCodeForm())
        return {**super().get_context_data(**kwargs), "next": _next_url(self.request)}

    def post(self, request, *args, **kwargs):
        if "backup_code" in request.POST:
            return self.backup_code_post(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if services.otp_verify(request=self.request, token=form.cleaned_data["token"].strip()):
            return redirect(_next_url(self.request))
        form.add_error("token", _("That code is not valid. Try the current one."))
        return self.form_invalid(form)

    def backup_code_post(self, request):
        backup_form = BackupCodeForm(request.POST)
        if backup_form.is_valid():
            code = backup_form.cleaned_data["backup_code"]
            if services.otp_verify_backup_code(request=request, code=code):
                remaining = selectors.otp_backup_codes_remaining(user=request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a backup code; it no longer works. "
                        "%(count)d backup code is left.",
                        "You signed in with a backup code; it no longer works. "
                        "%(count)d backup codes are left.",
                        remaining,
                    )
                    % {"count": remaining},
                )
                return redirect(_next_url(request))
            backup_form.add_error(
                "backup_code", _("That backup code is not valid, or it was already used.")
            )
        context = self.get_context_data(form=TokenForm(), backup_form=backup_form)
        return self.render_to_response(context)


class OTPEnrolView(LoginRequiredMixin, FormView):
    """Set up an authenticator app: shows a QR code and the secret key as text, confirms them
    with a code, then shows the new backup codes once."""

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
        uri = device.config_url
        return {
            **super().get_context_data(**kwargs),
            "secret": totp_key_text(device),
            "issuer": totp_issuer(),
            "account": self.request.user.get_username(),
            "otpauth_uri": uri,
            "qr_code": qr_code_data_uri(uri),
            "required": otp_required(self.request.user),
            "enrolled": services.otp_has_device(user=self.request.user),
            "next": _next_url(self.request),
        }

    def form_valid(self, form):
        codes = services.otp_enrol_confirm(
            request=self.request, token=form.cleaned_data["token"].strip()
        )
        if codes is None:
            form.add_error("token", _("That code is not valid. Check the key and try again."))
            return self.form_invalid(form)
        messages.success(self.request, _("Two-factor authentication is set up."))
        return render(
            self.request,
            "security/otp_backup_codes_issued.html",
            {"codes": codes, "next": _next_url(self.request)},
        )


class OTPBackupCodesView(LoginRequiredMixin, TemplateView):
    """The user's backup codes: how many are left, and a new set (the old ones stop working)
    after a current code of their authenticator."""

    template_name = "security/otp_backup_codes.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not services.otp_has_device(user=request.user):
            return redirect("security:otp-enrol")  # backup codes come with an authenticator
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "remaining": selectors.otp_backup_codes_remaining(user=self.request.user),
            "form": kwargs.get("form") or TokenForm(),
        }

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            try:
                codes = services.otp_backup_codes_regenerate(
                    user=request.user, token=form.cleaned_data["token"]
                )
            except ValidationError as error:
                form.add_error("token", error.message_dict["token"])
            else:
                messages.success(
                    request, _("New backup codes are ready; the old ones no longer work.")
                )
                return render(
                    request,
                    "security/otp_backup_codes_issued.html",
                    {"codes": codes, "next": reverse("security:otp-backup-codes")},
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)


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
