"""Filters of the unit and tenure lists (API ``?name=value``), each tested in tests/test_filtersets.py."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.api import ApiFilterSet, CodeFilter

from .choices import TenureRole, UnitKind
from .models import Tenure, Unit


class UnitFilterSet(ApiFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices)
    parent = CodeFilter(relation="parent", queryset=Unit.objects.all(), label=_("Parent unit (code)"))
    subtree_of = django_filters.ModelChoiceFilter(
        to_field_name="code",
        queryset=Unit.objects.all(),
        method="filter_subtree_of",
        label=_("Unit and its sub-units (code)"),
    )

    class Meta:
        model = Unit
        fields = ["kind", "parent", "is_active"]

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name_vi__icontains=value) | Q(name_en__icontains=value))

    def filter_subtree_of(self, queryset, name, value: Unit):
        return queryset.subtree(value) if value else queryset


class TenureFilterSet(ApiFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    unit = CodeFilter(relation="unit", queryset=Unit.objects.all(), label=_("Unit (code)"))
    role = django_filters.ChoiceFilter(choices=TenureRole.choices)
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("In office on"))

    class Meta:
        model = Tenure
        fields = ["unit", "role"]

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(
            Q(person__full_name__icontains=value)
            | Q(unit__code__icontains=value)
            | Q(unit__name_vi__icontains=value)
            | Q(unit__name_en__icontains=value)
        )

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value)
