"""Filters of the catalogue lists (API ``?name=value``), each tested in tests/test_filtersets.py."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.api import ApiFilterSet, CodeFilter
from units.models import Unit

from .choices import CompetentLevel, OnlineService
from .models import Field, Procedure, ReductionPlan


class FieldFilterSet(ApiFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Field
        fields = []

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name_vi__icontains=value) | Q(name_en__icontains=value))


class ProcedureFilterSet(ApiFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    field = CodeFilter(relation="field", queryset=Field.objects.all(), label=_("Field (code)"))
    unit = CodeFilter(relation="unit", queryset=Unit.objects.all(), label=_("Resolving unit (code)"))
    level = django_filters.MultipleChoiceFilter(choices=CompetentLevel.choices)
    online_service = django_filters.MultipleChoiceFilter(choices=OnlineService.choices)
    in_force_on = django_filters.DateFilter(method="filter_in_force_on", label=_("In force on"))
    subtree = django_filters.ModelChoiceFilter(
        field_name="unit",
        to_field_name="code",
        queryset=Unit.objects.all(),
        method="filter_subtree",
        label=_("Resolving unit and its sub-units (code)"),
    )

    class Meta:
        model = Procedure
        fields = [
            "field",
            "unit",
            "level",
            "online_service",
            "business_related",
            "has_fee",
            "internal_procedure_issued",
            "portal_integrated",
        ]

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name_vi__icontains=value) | Q(name_en__icontains=value))

    def filter_in_force_on(self, queryset, name, value):
        return queryset.in_force_on(value)

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(unit__in=Unit.objects.subtree(value)) if value else queryset


class ReductionPlanFilterSet(ApiFilterSet):
    procedure = CodeFilter(relation="procedure", queryset=Procedure.objects.all(), label=_("Procedure (code)"))
    unit = CodeFilter(relation="procedure__unit", queryset=Unit.objects.all(), label=_("Resolving unit (code)"))

    class Meta:
        model = ReductionPlan
        fields = ["year", "procedure", "unit"]
