"""UNODA's settings pages: the exchange rates and the portal settings. Every UNODA officer reads
them; a UNODA coordinator (``user_is_coordinator``) also changes them here. And /health/."""

import asyncio
import hmac

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View, defaults
from django.views.generic import TemplateView

from apps.funding import selectors as funding_selectors
from apps.funding import services as funding_services
from apps.organizations.selectors import user_is_unoda

from . import services
from .forms import ExchangeRateForm, PortalSettingsForm, add_service_errors
from .health import health_checks
from .pagination import capped_page
from .selectors import portal_settings, portal_settings_read, user_is_coordinator

HISTORY_PER_PAGE = 50


class UnodaSettingsMixin(LoginRequiredMixin):
    """UNODA officers only (others: 403); a change (POST) by a coordinator only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_is_unoda(request.user):
            raise PermissionDenied(_("Only UNODA officers see this page."))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not user_is_coordinator(request.user):
            raise PermissionDenied(
                _("Only UNODA coordinators set the exchange rates and the portal settings.")
            )
        return self.change(request)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "can_change": user_is_coordinator(self.request.user),
        }


class ExchangeRateListView(UnodaSettingsMixin, TemplateView):
    """The rates in force and every rate set; a coordinator sets the day's rate of a currency
    (or corrects an earlier day's)."""

    template_name = "core/exchange_rates.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        in_force = list(funding_selectors.exchange_rates_in_force())
        currency = self.request.GET.get("currency", "").upper()
        if currency not in {rate.currency for rate in in_force}:
            currency = ""  # the history of every currency
        history = funding_selectors.exchange_rate_history(currency=currency)
        context.update(
            in_force=in_force,
            currency=currency,
            page=capped_page(history, HISTORY_PER_PAGE, self.request.GET.get("page")),
            form=kwargs.get("form")
            or (ExchangeRateForm(initial=self._proposed()) if context["can_change"] else None),
            awaiting=funding_selectors.amounts_awaiting_rate(),
        )
        return context

    def _proposed(self) -> dict:
        """The form pre-filled from the link of a refusal for a missing rate (currency, day,
        the nearest earlier rate): only what parses."""
        initial = {"valid_on": timezone.localdate()}
        form = ExchangeRateForm(self.request.GET)
        form.is_valid()
        for name in ("currency", "valid_on", "rate_per_usd"):
            if name in getattr(form, "cleaned_data", {}) and name in self.request.GET:
                initial[name] = form.cleaned_data[name]
        return initial

    def change(self, request):
        if "fill_rates" in request.POST:
            filled, waiting = funding_services.stored_rates_fill(actor=request.user)
            # Two counts, two sentences: each one agrees with its own number.
            filled_text = ngettext(
                "%(count)s amount was given the rate of its date.",
                "%(count)s amounts were given the rate of their date.",
                filled,
            ) % {"count": filled}
            waiting_text = ngettext(
                "%(count)s amount still waits for a rate.",
                "%(count)s amounts still wait for a rate.",
                waiting,
            ) % {"count": waiting}
            messages.success(request, f"{filled_text} {waiting_text}")
            return redirect("core:exchange-rate-list")
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            try:
                rate = funding_services.exchange_rate_set(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Rate set: 1 USD = %(rate)s %(currency)s from %(date)s.")
                    % {
                        "rate": number_format(rate.rate_per_usd),
                        "currency": rate.currency,
                        "date": date_format(rate.valid_on),
                    },
                )
                return redirect("core:exchange-rate-list")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PortalSettingsView(UnodaSettingsMixin, TemplateView):
    """The publishing threshold and the pledge ageing; a coordinator changes them."""

    template_name = "core/portal_settings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        current = portal_settings()
        form = kwargs.get("form")
        if form is None and context["can_change"]:
            form = PortalSettingsForm(instance=portal_settings_read())
        context.update(current=current, form=form)
        return context

    def change(self, request):
        form = PortalSettingsForm(request.POST, instance=portal_settings_read())
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in services.PORTAL_SETTINGS_FIELDS}
            try:
                services.portal_settings_update(actor=request.user, **fields)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Portal settings saved."))
                return redirect("core:portal-settings")
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HealthView(View):
    """``/health/``: 200 "ok" when every check passes, else 503 "error", and nothing more for
    the public. Staff, and a monitor that sends ``Authorization: Bearer <PORTAL_HEALTH_TOKEN>``,
    get each check's result as JSON. Never a 500: each check catches its own failure."""

    async def get(self, request):
        checks = health_checks()
        results = await asyncio.gather(*(check.get_result() for check in checks.values()))
        healthy = not any(result.error for result in results)
        status = 200 if healthy else 503
        if not await self._may_see_details(request):
            response = HttpResponse(
                "ok\n" if healthy else "error\n", status=status, content_type="text/plain"
            )
        else:
            report = {
                name: {
                    "status": "error" if result.error else "ok",
                    "detail": str(result.error) if result.error else getattr(check, "detail", ""),
                    "seconds": round(result.time_taken, 3),
                }
                for (name, check), result in zip(checks.items(), results, strict=True)
            }
            response = JsonResponse(
                {"status": "ok" if healthy else "error", "checks": report}, status=status
            )
        add_never_cache_headers(response)
        return response

    @staticmethod
    async def _may_see_details(request) -> bool:
        token = settings.PORTAL_HEALTH_TOKEN
        sent = request.headers.get("Authorization", "")
        if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return True
        user = await request.auser()
        return user.is_active and user.is_staff


def bad_request(request, exception=None):
    """Django's 400 page, except for a form larger than Django reads
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``): a 413 page that says how large a form may be."""
    if isinstance(exception, RequestDataTooBig):
        context = {"limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
        return render(request, "413.html", context, status=413)
    return defaults.bad_request(request, exception)
