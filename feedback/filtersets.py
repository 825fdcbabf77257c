"""Filters of the feedback list, shared by the staff page and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.api import ApiFilterSet, StrictBooleanFilter, ordered_ranges_form
from dossiers.selectors import local_today
from units.models import Unit

from .choices import Classification, Handling, Source, Status
from .models import Feedback


class FeedbackFilterSet(ApiFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    classification = django_filters.ChoiceFilter(choices=Classification.choices)
    source = django_filters.ChoiceFilter(choices=Source.choices)
    unit = django_filters.CharFilter(field_name="unit__code", label=_("Unit code"))
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")
    # As the national index counts them (``stats.FeedbackDailyStat``): its drill-downs.
    subtree = django_filters.ModelChoiceFilter(
        field_name="unit",
        to_field_name="code",
        queryset=Unit.objects.all(),
        method="filter_subtree",
        label=_("Unit and its sub-units (code)"),
    )
    handled_from = django_filters.DateFilter(field_name="handled_on", lookup_expr="gte", label=_("Handled on or after"))
    handled_to = django_filters.DateFilter(field_name="handled_on", lookup_expr="lte", label=_("Handled on or before"))
    handling = django_filters.ChoiceFilter(choices=Handling.choices, label=_("Handled on time or late"))
    about_dossier = StrictBooleanFilter(
        field_name="dossier", lookup_expr="isnull", exclude=True, label=_("About a dossier")
    )
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue today"))
    due_soon = StrictBooleanFilter(method="filter_due_soon", label=_("Due soon"))
    q = django_filters.CharFilter(method="search", label=_("Code or title"))

    class Meta:
        model = Feedback
        fields = ["status", "classification", "source", "unit", "overdue", "due_soon", "q"]
        form = ordered_ranges_form(("received_from", "received_to"), ("handled_from", "handled_to"))

    def filter_overdue(self, queryset, name, value):
        overdue = Q(due_date__lt=local_today())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_soon(self, queryset, name, value):
        soon = Q(pk__in=Feedback.objects.due_soon(on=local_today()).values("pk"))
        return queryset.filter(soon) if value else queryset.exclude(soon)

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(unit__in=Unit.objects.subtree(value)) if value else queryset

    def search(self, queryset, name, value):
        """``?q=`` is the start of a code (PAKN-2603) or words of the title."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__startswith=value.upper()) | Q(title__icontains=value))
