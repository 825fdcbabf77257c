"""API plumbing shared by every app: pagination, error translation, objects by code."""

from collections.abc import Mapping

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.api.parsers import RequestTooLarge
from config.exceptions import ConflictError
from config.pagination import BoundedPaginator
from config.text import invisible_message, nfc


class Pagination(PageNumberPagination):
    """``?page=2&page_size=100``: a page size that is not a positive whole number is a 400; one
    above 500 gives pages of 500."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            message = _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise exceptions.ValidationError({self.page_size_query_param: [message]})
        return min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) == "":
            raise exceptions.ValidationError({self.page_query_param: [_("Give a page number, or leave it out.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
        return parameters


class BoundedCountPagination(Pagination):
    """``Pagination`` for the broad lists (the dossiers): the count is bounded (config/pagination.py).

    ``{"count", "counted_up_to", "next", "previous", "results"}``: ``count`` is the exact number of
    matches when there are at most ``counted_up_to`` (``settings.TTHC_LIST_COUNT_LIMIT``), and
    null when there are more; ``next`` and ``previous`` work as always, up to the last row.
    """

    django_paginator_class = BoundedPaginator

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count if paginator.count_is_exact else None,
                "counted_up_to": paginator.limit,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        response["required"] = ["count", "counted_up_to", "results"]
        response["properties"] = {
            "count": {
                "type": "integer",
                "nullable": True,
                "example": 123,
                "description": "The number of matches when at most counted_up_to match; null when more do.",
            },
            "counted_up_to": {
                "type": "integer",
                "example": 10000,
                "description": "The most matches the list counts exactly (TTHC_LIST_COUNT_LIMIT).",
            },
            **{name: value for name, value in properties.items() if name != "count"},
        }
        return response


class StrictInput:
    """Serializer mixin for request bodies: a field the body does not know is a 400 naming it
    (``"status": "returned"`` is not silently dropped), every text value is put in NFC, and one
    holding a bidi-control or zero-width character is refused (``config.text``).

    Read-only fields of the shape (sent back as they were read) are accepted and ignored.
    """

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors, cleaned = {}, {}
            lists = data.getlist if hasattr(data, "getlist") else None
            for name in data:
                if name not in self.fields:
                    errors[name] = [_("This field is not known here; see the API documentation.")]
                    continue
                values = lists(name) if lists else [data[name]]
                texts = [value for value in values if isinstance(value, str)]
                message = next(filter(None, (invisible_message(text) for text in texts)), None)
                if message:
                    errors[name] = [message]
                    continue
                values = [nfc(value) if isinstance(value, str) else value for value in values]
                cleaned[name] = values if lists and len(values) > 1 else values[0]
            if errors:
                raise exceptions.ValidationError(errors)
            data = cleaned
            json_body = lists is None
        else:
            json_body = False
        value = super().to_internal_value(data)  # DRF's own messages first ("A valid integer is required.")
        if json_body:
            errors = json_type_errors(self, data)
            if errors:
                raise exceptions.ValidationError(errors)
        return value


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, not a silently ignored filter."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value in (None, ""):
            return None
        normalised = value.lower() if isinstance(value, str) else value
        if normalised in (True, "true", "1"):
            return True
        if normalised in (False, "false", "0"):
            return False
        raise DjangoValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (django-filter's number filter takes ``0.5`` for an integer column)."""

    field_class = forms.IntegerField


class ApiFilterSet(django_filters.FilterSet):
    """The filter sets of the API: a filter generated for a boolean or integer column is strict."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        **{
            field: {"filter_class": IntegerFilter}
            for field in (
                models.IntegerField,
                models.SmallIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.BigIntegerField,
            )
        },
    }


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that an empty filter (``?unit=``) is a 400, not "no filter":
    a client that sends a parameter means something by it, and an empty value would silently
    widen the answer to everything."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            empty = {
                name: [_("Give a value, or leave the parameter out.")]
                for name in filterset_class.base_filters
                if name in request.query_params and "" in request.query_params.getlist(name)
            }
            if empty:
                raise exceptions.ValidationError(empty)
        return kwargs


def _json_type_error(field, value) -> str | None:
    """The message when ``value`` (from a JSON body) is not of the JSON type the schema gives ``field``."""
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Must be true or false.")
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return None if isinstance(value, int) and not isinstance(value, bool) else _("Must be a whole number.")
    if isinstance(field, serializers.FloatField):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else _("Must be a number.")
    textual = (serializers.CharField, serializers.DateField, serializers.DateTimeField, serializers.SlugRelatedField)
    if isinstance(field, textual) or (
        isinstance(field, serializers.ChoiceField) and all(isinstance(key, str) for key in field.choices)
    ):
        return None if isinstance(value, str) else _("Must be a string.")
    return None


def json_type_errors(serializer, data) -> dict:
    """Fields of a JSON body whose values have another JSON type than the schema gives them
    (``"name": 0``, ``"active": 0``): DRF would coerce them silently."""
    errors = {}
    for field in serializer.fields.values():
        if field.read_only or field.field_name not in data or data[field.field_name] is None:
            continue
        message = _json_type_error(field, data[field.field_name])
        if message:
            errors[field.field_name] = [message]
    return errors


class CodeRelatedField(serializers.SlugRelatedField):
    """A related object written and shown by its code (``"unit": "QLD"``), never by its id.

    ``unknown_message`` is a ``str.format`` template with ``{value}``, e.g. "No unit has the code {value}."
    """

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "blank": _("Give a code, or null for none."),
    }

    def __init__(self, *, unknown_message, slug_field="code", **kwargs):
        super().__init__(slug_field=slug_field, error_messages={"does_not_exist": unknown_message}, **kwargs)

    def run_validation(self, data=serializers.empty):
        # DRF reads "" as null for related fields; a code is given, or null is sent for none.
        if data == "":
            self.fail("blank")
        return super().run_validation(data)


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


def ordered_ranges_form(*pairs: tuple[str, str]) -> type[forms.Form]:
    """A filterset form (``Meta.form``) refusing a range whose end comes before its start.

    ``pairs`` are ``(from_filter, to_filter)`` names, e.g. ``("received_from", "received_to")``;
    the error is on the end's name, so the API's 400 names the filter to fix.
    """

    class OrderedRangesForm(forms.Form):
        def clean(self):
            cleaned = super().clean()
            for start, end in pairs:
                if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
                    self.add_error(
                        end, _("The end of the range comes before its start (%(start)s).") % {"start": start}
                    )
            return cleaned

    return OrderedRangesForm


def error_body(detail: str, code: str, errors: dict | None = None) -> dict:
    """The one shape of every error under /api/: ``{"detail", "code", "errors"}``.

    ``detail`` is one sentence for a person, ``code`` a stable word for a program (``invalid``,
    ``not_found``, ``permission_denied``, ``stale``, ...), ``errors`` the messages by field
    (``non_field_errors`` for the body as a whole), empty when the error is not about fields.
    """
    return {"detail": str(detail), "code": str(code), "errors": errors or {}}


def _first_message(errors) -> str:
    """The first message of a (possibly nested) error structure, prefixed with its field's name."""
    stack = [("", errors)]
    while stack:
        field, value = stack.pop(0)
        if isinstance(value, dict):
            stack[:0] = [(name if name != "non_field_errors" else field, each) for name, each in value.items()]
        elif isinstance(value, list):
            stack[:0] = [(field, each) for each in value]
        elif value:
            return f"{field}: {value}" if field else str(value)
    return str(_("The request is not valid."))


def _validation_detail(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def validation_error_response(errors) -> Response:
    """A 400 with ``errors`` (a dict by field, or a list of messages about the whole body)."""
    if not isinstance(errors, dict):
        errors = {"non_field_errors": errors if isinstance(errors, list) else [errors]}
    return Response(error_body(_first_message(errors), "invalid", errors), status=status.HTTP_400_BAD_REQUEST)


def exception_handler(exc, context):
    """Every error as ``error_body``: DRF's own, the domain's (400, 409), 404, 403 and 413."""
    if isinstance(exc, DjangoValidationError):
        return validation_error_response(_validation_detail(exc))
    if isinstance(exc, ConflictError):
        return Response(error_body(exc.message, exc.code), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler500 answers (config.errors) and logs the traceback
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data
        response.data = error_body(_first_message(errors), "invalid", errors if isinstance(errors, dict) else None)
        if not isinstance(errors, dict):
            response.data["errors"] = {"non_field_errors": errors}
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    response.data = error_body(detail, codes if isinstance(codes, str) else "error")
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error under /api/ (``error_body``), for the schema."""

    detail = serializers.CharField(help_text=_("One sentence for a person; for a 400, the first field message."))
    code = serializers.CharField(help_text=_("A stable word for a program: invalid, not_found, stale, ..."))
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages by field (non_field_errors for the whole body); {} when not about fields."),
    )
