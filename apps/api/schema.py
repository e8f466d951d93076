"""OpenAPI generation: every operation documents the error responses it can give."""

import re

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from apps.core.idempotency import KEY_MAX_LENGTH, KEY_PATTERN
from apps.core.text import PlainTextValidator

from .serializers import URL_PATTERN, StrictMixin, decimal_pattern

# A text the portal takes (apps/core/text.py): no control character (C0 but tab, line feed and
# carriage return; DEL; C1) or bidirectional override. Required texts have a character besides
# white space (it is trimmed). (Lone surrogates, refused too, cannot be written in a pattern
# that generators such as schemathesis read right; no JSON text produces one anyway.)
_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202d\u202e"
TEXT_PATTERN = rf"^[^{_REFUSED}]*$"
NON_BLANK_TEXT_PATTERN = rf"^[^{_REFUSED}]*[^\s{_REFUSED}][^{_REFUSED}]*$"
# A filter given has a value (apps.api.filters.FilterBackend).
QUERY_TEXT_PATTERN = rf"^[^{_REFUSED}]+$"
TEXT_FIELDS = (serializers.CharField,)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable code.")
    message = serializers.CharField(help_text="A translated message for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For 400: the messages per field (`non_field_errors` for the whole body).",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERRORS = {
    "400": "Bad input, what this schema refuses: unknown fields, wrong types, values outside "
    "their pattern, length or range, invalid filters, ordering or page size.",
    "401": "Not authenticated.",
    "403": "Not allowed to do this.",
    "404": "Not found, or not visible to you: the record of the path, or the records the body "
    "names (each named under `fields`).",
    "409": "Refused by a rule of the portal (its messages per field under `fields`), or someone "
    "else is acting on the record.",
    "415": "A body of a content type this operation does not take (see its request body).",
    "429": "Too many requests.",
}
READ_ERRORS = ("400", "401", "403", "404", "429")


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": KEY_MAX_LENGTH, "pattern": KEY_PATTERN},
    OpenApiParameter.HEADER,
    description=(
        "A key of your choosing (at most 100 printable ASCII characters), new for each "
        "operation. Sent again by the same user within 24 hours, the request is not done "
        "again: the first answer comes back, with the header `Idempotent-Replayed: true` (409 "
        "while the first is still running; 409 too for a key already used for another "
        "operation). An answer of 400 or more keeps no key: a corrected retry may reuse it."
    ),
)


class AutoSchema(openapi.AutoSchema):
    """The schema says what the server enforces: request bodies take no field they do not
    declare (``StrictMixin`` refuses them), decimals with a minimum of zero or more are not
    negative and say their minimum."""

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, StrictMixin):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and not field.read_only:
            schema["pattern"] = decimal_pattern(field)
            minimum = field.min_value
            if minimum is not None and minimum > 0:
                schema["description"] = " ".join(
                    filter(None, [schema.get("description"), f"At least {minimum}."])
                )
        if isinstance(field, serializers.FileField) and direction == "request":
            schema["minLength"] = 1  # an empty file is no file
        if isinstance(field, serializers.URLField) and not field.read_only:
            schema.pop("format", None)
            schema["pattern"] = URL_PATTERN
        elif (
            direction == "request"
            and type(field) in TEXT_FIELDS
            and any(isinstance(v, PlainTextValidator) for v in field.validators)
        ):
            schema["pattern"] = TEXT_PATTERN if field.allow_blank else NON_BLANK_TEXT_PATTERN
        return schema

    def _insert_field_validators(self, field, schema):
        """drf-spectacular wraps a blank-able field with a pattern in ``oneOf`` with an empty
        string; the portal's patterns of blank-able fields take the empty string already (and
        generators read a plain pattern better)."""
        super()._insert_field_validators(field, schema)
        options = schema.get("oneOf")
        if (
            options
            and len(options) == 2
            and options[1] == {"type": "string", "maxLength": 0}
            and re.match(options[0].get("pattern", "(?!)"), "")
        ):
            schema.update(schema.pop("oneOf")[0])
        if isinstance(field, serializers.URLField) and "pattern" in schema:
            schema.pop("format", None)  # the pattern is the rule (a subset of format "uri")

    def _get_parameters(self):
        """Query texts follow the rule for text (the filter sets' forms refuse control
        characters), and say so."""
        parameters = super()._get_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters if filterset else {}
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if (
                parameter.get("in") == "query"
                and schema.get("type") == "string"
                and not {"enum", "format", "pattern"} & set(schema)
            ):
                schema["pattern"] = QUERY_TEXT_PATTERN
                limit = getattr(filters.get(parameter["name"]), "extra", {}).get("max_length")
                if limit:
                    schema["maxLength"] = limit
        return parameters

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        return [*parameters, IDEMPOTENCY_KEY] if self.method == "POST" else parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD") else tuple(ERRORS)
        if "415" in codes and not self._get_request_body():
            codes = tuple(code for code in codes if code != "415")  # no body is read
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[code]), code
                )
        return responses
