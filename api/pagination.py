"""Numbered pages whose cost does not grow with the knowledge base, as the explorer's.

Every list is in a stable order (ending in a unique key), so a page holds the same rows however
often it is asked for while the knowledge version is the same. A page holds `page_size` rows, 25
unless asked for, at most MAX_PAGE_SIZE. The count is comparisons.pagination's bounded one: exact
when the results end within LOOK_AHEAD pages of the one asked for, otherwise a lower bound
(`count_is_exact` says which), so a deep page costs about what its rows cost and never a count of
every claim. Pages stop at MAX_PAGE, as the explorer's do.
"""

import re

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from comparisons.pagination import MAX_PAGE, BoundedPaginator

from .problems import InvalidParameters

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# Only plain decimal digits, without sign, blanks or a leading zero: "1e3" or "0x10" are errors.
WHOLE_NUMBER = re.compile(r"[1-9][0-9]{0,9}")


def whole_number(query, name, default, maximum, errors):
    """The query parameter `name` as an integer from 1 to `maximum`, or `default` when absent."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not WHOLE_NUMBER.fullmatch(raw):
        errors[name] = ["Enter a whole number from 1."]
        return default
    value = int(raw)
    if value > maximum:
        errors[name] = [f"Ensure this value is less than or equal to {maximum}."]
    return value


class BoundedPagination(BasePagination):
    page_query_param = "page"
    page_size_query_param = "page_size"

    def paginate_queryset(self, queryset, request, view=None):
        errors = {}
        number = whole_number(request.query_params, self.page_query_param, 1, MAX_PAGE, errors)
        size = whole_number(
            request.query_params,
            self.page_size_query_param,
            DEFAULT_PAGE_SIZE,
            MAX_PAGE_SIZE,
            errors,
        )
        if errors:
            raise InvalidParameters(errors)
        self.request = request
        self.paginator = BoundedPaginator(queryset, size, number)
        try:
            self.page = self.paginator.page(number)
        except InvalidPage:
            raise NotFound(self.paginator.error_message(str(number))) from None
        return list(self.page)

    def link(self, number):
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data):
        page, paginator = self.page, self.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.exact,
                "page": page.number,
                "page_size": paginator.per_page,
                "pages": paginator.num_pages,
                "next": self.link(page.number + 1)
                if page.has_next() and page.number < MAX_PAGE
                else None,
                "previous": self.link(page.number - 1) if page.has_previous() else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "format": "uri", "nullable": True, "example": None}
        return {
            "type": "object",
            "required": [
                "count",
                "count_is_exact",
                "page",
                "page_size",
                "pages",
                "next",
                "previous",
                "results",
            ],
            "properties": {
                "count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many results there are: exact when `count_is_exact`, "
                    "otherwise at least this many (counting stops ten pages past this one).",
                    "example": 1,
                },
                "count_is_exact": {"type": "boolean", "example": True},
                "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "example": 1},
                "page_size": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "example": DEFAULT_PAGE_SIZE,
                },
                "pages": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "Pages counted so far (see `count`).",
                    "example": 1,
                },
                "next": {**link, "description": "The next page, or null on the last one."},
                "previous": {**link, "description": "The previous page, or null on the first."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": f"The page, from 1 to {MAX_PAGE} (empty: the first).",
                "allowEmptyValue": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Results per page, from 1 to {MAX_PAGE_SIZE} (empty: "
                f"{DEFAULT_PAGE_SIZE}).",
                "allowEmptyValue": True,
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
        ]
