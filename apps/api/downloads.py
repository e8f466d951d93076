"""Documents downloaded through the API: the same access checks as the pages' downloads (the
caller fetched the document through its selector), the same audit line, never inline."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from apps.security.models import AuditKind
from apps.security.services import audit_record
from apps.security.uploads import safe_content_type, sanitise_filename

from .parsers import StrictNegotiation

# What a downloaded document may be sent as (``safe_content_type``).
FILE_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "application/octet-stream",
)
FILE_RESPONSES = {
    (200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description="The file, to download.")
    for media_type in FILE_TYPES
}


class AnyAccept(StrictNegotiation):
    """A download answers its file (or a JSON error) whatever the client says it accepts."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_response(*, user, case, file, detail: dict) -> FileResponse:
    """A stored file of ``case`` as a download (never inline), audited as the pages' are."""
    name = sanitise_filename(file.name)
    audit_record(
        kind=AuditKind.DOWNLOAD,
        actor=user,
        obj=case,
        organization=case.requesting_organization,
        detail={**detail, "name": name, "channel": "api"},
    )
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file of this document is missing.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=safe_content_type(name)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
