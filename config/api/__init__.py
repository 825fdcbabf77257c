"""API plumbing shared by every app: pagination, error translation, objects by code."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.exceptions import ConflictError

# No request body of ours nests deeper than a few levels; a hostile one 1,000 deep would otherwise
# exhaust the interpreter's recursion limit in the decoder or in the serializers after it.
MAX_JSON_DEPTH = 32


def _too_deep(data, limit: int) -> bool:
    """Whether ``data`` nests lists/objects more than ``limit`` levels (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that answers 400, not 500, to bodies nested too deep to be ours."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _too_deep(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("JSON nested more than %(limit)d levels deep is refused.") % {"limit": MAX_JSON_DEPTH}
            )
        return data


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class CodeRelatedField(serializers.SlugRelatedField):
    """A related object written and shown by its code (``"unit": "QLD"``), never by its id.

    ``unknown_message`` is a ``str.format`` template with ``{value}``, e.g. "No unit has the code {value}."
    """

    def __init__(self, *, unknown_message, slug_field="code", **kwargs):
        super().__init__(slug_field=slug_field, error_messages={"does_not_exist": unknown_message}, **kwargs)


@extend_schema_field(OpenApiTypes.STR)  # the schema generator cannot follow ``__code`` itself
class CodeFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows whose related object has one of the given codes (``?unit=QLD&unit=ATTP``).

    An unknown code is a 400 naming the filter, not an empty list that looks like "none". The
    codes are resolved to objects first, so the filter is ``unit_id IN (...)`` on the filtered
    table (no join, no DISTINCT: a DISTINCT over a million rows forces a full sort).
    """

    def __init__(self, *, relation: str, queryset, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(field_name=relation, to_field_name="code", queryset=queryset, **kwargs)

    def get_filter_predicate(self, value):
        return {f"{self.field_name}_id" if "__" not in self.field_name else f"{self.field_name}__pk": value.pk}


def _validation_detail(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    """DRF's handler, plus the domain's exceptions turned into 400 and 409 answers."""
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
