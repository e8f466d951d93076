"""Writes sent twice are done once: a page's form carries a one-time ``form_token`` (the
``{% form_token %}`` tag, next to ``{% csrf_token %}``), an API call may carry an
``Idempotency-Key`` header. The first request with a key is served and its answer kept; the
same key sent again by the same user (a double click, a retry after a timeout) gets that answer
back, writes nothing, and is told so. A request whose first try failed (a form shown again with
its errors, a 4xx) leaves no key: correcting and sending again is a new try.

Sent at the same instant, the second waits for nothing: the key's row is taken first (a unique
constraint), so it is told that the first is still being processed.
"""

import datetime
import logging
import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from .models import SubmittedKey

logger = logging.getLogger(__name__)

FORM_FIELD = "form_token"
API_HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 100
# Printable ASCII, as the API's schema declares it (a form's tokens are hexadecimal).
KEY_PATTERN = r"^[ -~]{1,100}$"
KEY_RE = re.compile(KEY_PATTERN[1:-1])
# A first request that has not finished after this long died with its process: its key is
# given to the next try.
ABANDONED_AFTER = datetime.timedelta(minutes=2)


def form_token_input() -> str:
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4().hex)


def submitted_keys_purge(*, now=None) -> int:
    """Forget the keys older than ``PORTAL_IDEMPOTENCY_HOURS`` (run daily by beat)."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(hours=settings.PORTAL_IDEMPOTENCY_HOURS)
    return SubmittedKey.objects.filter(created_at__lt=limit).delete()[0]


def _api_user(request):
    """The user of an API request (a session, or a token that DRF would accept)."""
    if request.user.is_authenticated:
        return request.user
    try:
        found = TokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        return None
    return found[0] if found else None


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


def _done(request, response, api: bool) -> bool:
    """Whether the first try did its work: any answer below 400 from the API; from a page, a
    redirect (the form's success), or what an htmx form redrew. A page shown again (200) is a
    form with its errors: nothing was written."""
    if api or request.headers.get("HX-Request"):
        return response.status_code < 400
    return 300 <= response.status_code < 400


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        api = request.path.startswith("/api/")
        raw = request.headers.get(API_HEADER) if api else request.POST.get(FORM_FIELD)
        user = _api_user(request) if api and raw is not None else getattr(request, "user", None)
        if raw is None or user is None or not user.is_authenticated:
            return self.get_response(request)
        # The key as sent is checked, before any trimming: an empty header, blanks beyond the
        # schema's length or a tab are refused, not taken for "no key".
        if len(raw) > KEY_MAX_LENGTH or not KEY_RE.fullmatch(raw):
            if api:
                return _error("invalid", _("The Idempotency-Key header is not valid."), 400)
            return self.get_response(request)
        key = raw.strip()
        if not key:  # spaces only: no key
            return self.get_response(request)
        taken = self._take(user, key, request.path)
        if taken is not None:
            return self._again(request, taken, api)
        try:
            response = self.get_response(request)
        except BaseException:
            SubmittedKey.objects.filter(user=user, key=key).delete()
            raise
        self._keep(user, key, response, done=_done(request, response, api))
        return response

    @staticmethod
    def _take(user, key: str, path: str) -> SubmittedKey | None:
        """Take the key for this request (None), or the row of the request that had it."""
        now = timezone.now()
        SubmittedKey.objects.filter(
            user=user,
            key=key,
            created_at__lt=now - datetime.timedelta(hours=settings.PORTAL_IDEMPOTENCY_HOURS),
        ).delete()
        SubmittedKey.objects.filter(
            user=user, key=key, status_code__isnull=True, created_at__lt=now - ABANDONED_AFTER
        ).delete()
        try:
            with transaction.atomic():
                SubmittedKey.objects.create(user=user, key=key, path=path[:500])
        except IntegrityError:
            return SubmittedKey.objects.filter(user=user, key=key).first() or SubmittedKey(
                user=user, key=key, path=path
            )
        return None

    @staticmethod
    def _keep(user, key: str, response, *, done: bool) -> None:
        rows = SubmittedKey.objects.filter(user=user, key=key)
        if not done or getattr(response, "streaming", False):
            # Nothing was written (a form shown again with its errors, a refusal): the next
            # try is a new one.
            rows.delete()
            return
        location = response.get("Location", "")[:1000]
        rows.update(
            status_code=response.status_code,
            location=location,
            content_type="" if location else response.get("Content-Type", "")[:100],
            body="" if location else response.content.decode(errors="replace"),
        )

    @staticmethod
    def _again(request, first: SubmittedKey, api: bool):
        if api and first.path and first.path != request.path[:500]:
            # The same key for another operation: its answer is not this one's.
            return _error(
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for another request: send a new one."),
                409,
            )
        if first.status_code is None:
            if api:
                return _error(
                    "in_progress",
                    _("A request with this Idempotency-Key is still being processed."),
                    409,
                )
            messages.info(request, _("This form was already sent and is still being processed."))
            return redirect(request.headers.get("Referer") or request.path)
        if api or not first.location:
            # The API's answer, or the part of a page an htmx form redrew, as it was.
            response = HttpResponse(
                first.body, status=first.status_code, content_type=first.content_type
            )
            if first.location:
                response["Location"] = first.location
            response["Idempotent-Replayed"] = "true"
            return response
        messages.info(request, _("This form was already sent: nothing was saved twice."))
        return redirect(first.location)
