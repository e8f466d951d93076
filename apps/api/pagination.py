import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.pagination import COUNT_CAP, UNCAPPED, CappedPaginator, page_number

MAX_PAGE_SIZE = 100


MAX_PAGE = 999_999_999


def _whole(raw: str) -> bool:
    """A whole number from 1 in plain digits (not " 2", "+2" or "2.0"), as the schema says."""
    return bool(re.fullmatch(r"[0-9]{1,9}", raw)) and int(raw) >= 1


class Pagination(PageNumberPagination):
    """Page-number pagination; ``page_size`` from 1 to 100, anything else is a 400.

    ``count`` is exact up to 1,000 rows (or up to the requested page, if further); past that it
    is that limit plus one and ``count_capped`` is true, so a long list is not counted on
    every call. Follow ``next`` to the end to read everything.
    """

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    count_cap = COUNT_CAP

    def django_paginator_class(self, queryset, page_size):
        raw = self.request.query_params.get(self.page_query_param, "1")
        if raw not in self.last_page_strings and not _whole(raw):
            raise ValidationError(
                {self.page_query_param: [_("Give a page number from 1 (or “last”).")]}
            )
        if raw in self.last_page_strings:  # ?page=last: the true last page, counted in full
            return CappedPaginator(queryset, page_size, cap=UNCAPPED)
        return CappedPaginator(
            queryset, page_size, page_number=page_number(raw), cap=self.count_cap
        )

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "count_capped": self.page.paginator.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": "True when there are more rows than ``count`` says.",
        }
        response["required"] = [*response.get("required", []), "count_capped"]
        return response

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if _whole(raw) else 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE_SIZE})
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update({"minimum": 1, "maximum": MAX_PAGE})
        return parameters
