"""What the API reads: JSON (a body nested deeper than Python can decode is a 400 with a
message, not a server error), multipart only where files are uploaded; a body of any other
content type is a 415 in the API's error format."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser


class PortalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON sent is nested too deeply.")) from None


class StrictNegotiation(DefaultContentNegotiation):
    """A parser for the body's own content type, never for a wildcard (``*/*`` or
    ``application/*`` sent as a body's type would otherwise match the first parser)."""

    def select_parser(self, request, parsers):
        main, _slash, sub = request.content_type.partition(";")[0].strip().partition("/")
        if "*" in (main, sub):
            return None
        return super().select_parser(request, parsers)
