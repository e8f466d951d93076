"""One error format for the whole API: ``{"error": {"code", "message", "fields"}}``.

Status codes: 400 bad input, what the schema refuses (a serializer's or a filter's
``ValidationError``: unknown fields, wrong types, lengths, bad filters, page size over the
maximum), 401 not authenticated, 403 ``PermissionDenied``, 404 not found or not visible to the
caller (``ObjectDoesNotExist``, ``Http404``, and a body naming only records that do not exist),
409 a rule of the portal refused what the schema takes (a service's Django ``ValidationError``,
with its messages per field; ``ApplicationError``, e.g. an illegal transition; ``ConflictError``,
someone else is acting on the same record), 413 a body larger than the API reads
(``PORTAL_API_BODY_MAX_BYTES``), 415 a body of a content type the operation does not take, 429
throttled. So a request the schema takes is never a 400 (schemathesis checks it both ways).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from apps.core.exceptions import ApplicationError


def _error(code: str, message, fields=None, http_status=400, headers=None) -> Response:
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return Response(body, status=http_status, headers=headers)


NON_FIELD = "non_field_errors"


def _fields(detail) -> dict[str, list[str]]:
    """DRF error details as one flat mapping of messages per field: a nested field is named
    by its dotted path (``regions.0``, ``items.2.amount``), errors of the whole body are under
    ``non_field_errors``. Always ``{str: [str, ...]}``, as the schema declares."""
    found: dict[str, list[str]] = {}

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict | list):
                    walk(item, f"{path}.{index}" if path else str(index))
                else:
                    found.setdefault(path or NON_FIELD, []).append(str(item))
        else:
            found.setdefault(path or NON_FIELD, []).append(str(value))

    walk(detail, "")
    return found


def _django_fields(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if key == "__all__" else key): list(messages)
            for key, messages in error.message_dict.items()
        }
    return {NON_FIELD: list(error.messages)}


def _leaf_codes(codes) -> set:
    if isinstance(codes, dict):
        return set().union(*(_leaf_codes(value) for value in codes.values()))
    if isinstance(codes, list):
        return set().union(*(_leaf_codes(value) for value in codes))
    return {codes}


def exception_handler(exc, context):
    set_rollback()
    if isinstance(exc, DjangoValidationError):
        # Raised by a service: the body had the schema's shape, a rule of the portal refused
        # it (a date outside the agreement, a party that is not one...).
        return _error(
            "invalid",
            _("The data sent is refused by a rule of the portal."),
            _django_fields(exc),
            http_status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        if _leaf_codes(exc.get_codes()) == {"does_not_exist"}:
            # Every error is a record named in the body that does not exist (or that the
            # caller may not see): not found, as such a record in the path.
            return _error(
                "not_found",
                _("Not found, or you may not see it."),
                fields,
                http_status=status.HTTP_404_NOT_FOUND,
            )
        return _error("invalid", _("The data sent is not valid."), fields)
    if isinstance(exc, PermissionDenied):
        message = str(exc) or _("You are not allowed to do this.")
        return _error("permission_denied", message, http_status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ObjectDoesNotExist | Http404):
        return _error(
            "not_found",
            _("Not found, or you may not see it."),
            http_status=status.HTTP_404_NOT_FOUND,
        )
    if isinstance(exc, ApplicationError):
        return _error(exc.code, exc.message, http_status=status.HTTP_409_CONFLICT)
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        detail = exc.detail
        if isinstance(detail, list | dict):
            return _error(exc.default_code, exc.default_detail, _fields(detail), exc.status_code)
        return _error(exc.get_codes(), str(detail), http_status=exc.status_code, headers=headers)
    return None


# --- Errors outside the API's views (Django's handlers) ----------------------------------------

API_PREFIX = "/api/"
# What Django's handlers answer under /api/, in the API's format: an error met before a view
# of the API ran (a body too large, a path no route matches) or after one failed unexpectedly.
_HANDLED = {
    400: ("bad_request", lambda: _("The request could not be understood.")),
    403: ("permission_denied", lambda: _("You are not allowed to do this.")),
    404: ("not_found", lambda: _("Not found, or you may not see it.")),
    413: ("too_large", lambda: _("The request body is too large.")),
    500: ("server_error", lambda: _("Something went wrong on our side; it has been reported.")),
}


def api_error_or_page(status_code: int, page_handler):
    """A handler of Django's (``handler400``...) that answers the API's JSON error under /api/
    and ``page_handler``'s page elsewhere."""

    def handler(request, exception=None):
        if request.path.startswith(API_PREFIX):
            answer = 413 if isinstance(exception, RequestDataTooBig) else status_code
            code, message = _HANDLED[answer]
            body = {"error": {"code": code, "message": str(message()), "fields": {}}}
            return JsonResponse(body, status=answer)
        if status_code == 500:
            return page_handler(request)
        return page_handler(request, exception)

    return handler
