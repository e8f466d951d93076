"""Request-level security: client address for the audit log, session idle and absolute
lifetime, two-factor enforcement and no-store on private pages."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from .context import (
    client_ip,
    reset_current_ip,
    reset_current_session_key,
    set_current_ip,
    set_current_session_key,
)
from .otp import otp_is_verified, otp_required

SIGNED_IN_AT = "security_signed_in_at"
LAST_SEEN = "security_last_seen"
# Refresh the idle clock at most this often, so that not every request writes the session.
LAST_SEEN_RESOLUTION = 60


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_current_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_current_ip(token)


class SessionLifetimeMiddleware:
    """Signs out a browser session idle for longer than ``PORTAL_SESSION_IDLE_SECONDS`` or
    older than ``SESSION_COOKIE_AGE`` (absolute lifetime), whatever the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        key_token = set_current_session_key(session.session_key if session is not None else None)
        try:
            return self._handle(request, user, session)
        finally:
            reset_current_session_key(key_token)

    def _handle(self, request, user, session):
        if user is not None and user.is_authenticated and session is not None:
            now = int(time.time())
            signed_in_at = session.get(SIGNED_IN_AT)
            last_seen = session.get(LAST_SEEN)
            if signed_in_at is None:
                session[SIGNED_IN_AT] = now
                session[LAST_SEEN] = now
            elif (
                now - signed_in_at > settings.SESSION_COOKIE_AGE
                or now - (last_seen or signed_in_at) > settings.PORTAL_SESSION_IDLE_SECONDS
            ):
                logout(request)
            elif now - (last_seen or 0) >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN] = now
        return self.get_response(request)


def _exempt_paths() -> tuple[str, ...]:
    return (
        reverse("security:otp-verify"),
        reverse("security:otp-enrol"),
        reverse("logout"),
        reverse("login"),
        "/i18n/",
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
    )


class OTPRequiredMiddleware:
    """After ``django_otp``'s middleware: a signed-in user who must pass two-factor
    authentication (UNODA, staff, superusers, anyone who enrolled a device) and has not yet
    done so in this session reaches nothing but the verify/enrol pages and sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not otp_is_verified(user)
            and not request.path.startswith(_exempt_paths())
            and otp_required(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "code": "otp_required",
                            "message": _("Two-factor verification is required."),
                            "fields": {},
                        }
                    },
                    status=403,
                )
            target = reverse("security:otp-verify")
            nxt = request.get_full_path()
            if request.method == "GET" and url_has_allowed_host_and_scheme(
                nxt, allowed_hosts={request.get_host()}
            ):
                target = f"{target}?{urlencode({'next': nxt})}"
            return redirect(target)
        return self.get_response(request)


class PrivateNoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user and on every API
    response (cases are confidential: nothing kept in caches). The other security headers are
    django-csp's and Django's SecurityMiddleware's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/"):
            patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than the portal reads before reading it (413): at most
    ``PORTAL_REQUEST_MAX_BYTES`` (a page's form with its files), and under /api/, which takes
    no files, at most ``PORTAL_API_BODY_MAX_BYTES``, answered in the API's error format. A
    page's form without files is limited by Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, set well
    above what its fields may hold, so that a form answers a too-long text with a message (the
    413 page of ``apps.core.views.bad_request`` beyond it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith("/api/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            if api:
                return _api_error("bad_request", _("Bad Content-Length."), 400)
            return HttpResponseBadRequest(_("Bad Content-Length."), content_type="text/plain")
        limit = settings.PORTAL_REQUEST_MAX_BYTES
        if api:
            limit = min(limit, settings.PORTAL_API_BODY_MAX_BYTES)
        if length <= limit:
            return self.get_response(request)
        if api:
            message = _("The request body is too large: the API accepts at most %(size)s.") % {
                "size": filesizeformat(limit)
            }
            response = _api_error("too_large", message, 413)
        else:
            response = HttpResponse(
                _("The request is too large."), status=413, content_type="text/plain"
            )
        response["Connection"] = "close"
        return response


class PageMethodsMiddleware:
    """Pages take GET and POST only (and HEAD, OPTIONS): any other method is refused with 405
    before a view runs, whoever asks. Django's form views would otherwise treat a PUT as a
    POST. The API (/api/) declares its own methods per endpoint."""

    PAGE_METHODS = ("GET", "HEAD", "POST", "OPTIONS")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.PAGE_METHODS and not request.path.startswith("/api/"):
            return HttpResponseNotAllowed(self.PAGE_METHODS)
        return self.get_response(request)
