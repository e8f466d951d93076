"""OpenAPI generation: every operation documents the error responses it can give."""

from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .serializers import StrictMixin


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
    "400": "Bad input: unknown fields, wrong types, invalid filters or page size.",
    "401": "Not authenticated.",
    "403": "Not allowed to do this.",
    "404": "Not found, or not visible to you.",
    "409": "Refused by a rule of the portal, or someone else is acting on the record.",
    "415": "A body of a content type this operation does not take (see its request body).",
    "429": "Too many requests.",
}
READ_ERRORS = ("400", "401", "403", "404", "429")


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "A key of your choosing (at most 100 characters), new for each operation. Sent again "
        "by the same user within 24 hours, the request is not done again: the first answer "
        "comes back, with the header `Idempotent-Replayed: true` (409 while the first is still "
        "running; 409 too for a key already used for another operation). An answer of 400 or more "
        "keeps no key: a corrected retry may reuse it."
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
        minimum = getattr(field, "min_value", None)
        if isinstance(field, serializers.DecimalField) and minimum is not None and minimum >= 0:
            if schema.get("pattern", "").startswith("^-?"):
                schema["pattern"] = "^" + schema["pattern"][3:]
            if minimum > 0:
                schema["description"] = " ".join(
                    filter(None, [schema.get("description"), f"At least {minimum}."])
                )
        return schema

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
