"""API plumbing shared by every app: pagination, error translation, objects by code."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.exceptions import ConflictError


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
