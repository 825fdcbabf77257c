"""Filters of the dossier list (API ``?name=value``), each tested in tests/test_filtersets.py."""

import re

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from config.api import ApiFilterSet, CodeFilter, StrictBooleanFilter, ordered_ranges_form
from config.text import PHONE_SEPARATORS, nfc
from procedures.models import Field, Procedure
from units.access import access_for_request
from units.models import Unit

from .choices import Channel, EventKind, Outcome, Status, Timeliness
from .models import Dossier, DossierEvent, StateInterval
from .search import search_key
from .selectors import local_today


class StableOrderingFilter(django_filters.OrderingFilter):
    """The requested order, then the newest id first, so pages neither repeat nor skip rows on ties."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*qs.query.order_by, "-id")


DOSSIER_CODE_PREFIX = re.compile(r"^[A-Za-z0-9_]+-[A-Za-z0-9_-]+$")
# A prefix that fixes the unit and starts the date (BYT-QLD-25…): its codes sort newest first.
UNIT_CODE_PREFIX = re.compile(r"^[A-Z0-9_]+-[A-Z0-9_]+-[0-9]")


class DossierFilterSet(ApiFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    unit = CodeFilter(relation="unit", queryset=Unit.objects.all(), label=_("Resolving unit (code)"))
    subtree = django_filters.ModelChoiceFilter(
        field_name="unit",
        to_field_name="code",
        queryset=Unit.objects.all(),
        method="filter_subtree",
        label=_("Unit and its sub-units (code)"),
    )
    procedure = CodeFilter(relation="procedure", queryset=Procedure.objects.all(), label=_("Procedure (code)"))
    field = CodeFilter(relation="field", queryset=Field.objects.all(), label=_("Field (code)"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    outcome = django_filters.MultipleChoiceFilter(choices=Outcome.choices, distinct=False)
    timeliness = django_filters.MultipleChoiceFilter(choices=Timeliness.choices, distinct=False)
    received_from = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received on or after")
    )
    received_to = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received on or before")
    )
    ended_from = django_filters.DateFilter(field_name="ended_on", lookup_expr="gte", label=_("Ended on or after"))
    ended_to = django_filters.DateFilter(field_name="ended_on", lookup_expr="lte", label=_("Ended on or before"))
    # As the statistics count them (``StateInterval``): the drill-downs of the emulation scores.
    open_on = django_filters.DateFilter(method="filter_open_on", label=_("In progress at the end of the day"))
    overdue_on = django_filters.DateFilter(method="filter_overdue_on", label=_("In progress and overdue on the day"))
    rated_from = django_filters.DateFilter(method="filter_rated_from", label=_("Rated on or after"))
    rated_to = django_filters.DateFilter(method="filter_rated_to", label=_("Rated on or before"))
    satisfied = StrictBooleanFilter(field_name="satisfied", label=_("Applicant satisfied"))
    # The dossier flags the national index counts (``stats.index766``): its drill-downs.
    fee_paid_online = StrictBooleanFilter(field_name="fee_paid_online", label=_("Fee paid online"))
    result_electronic = StrictBooleanFilter(field_name="result_electronic", label=_("Electronic result"))
    documents_digitised = StrictBooleanFilter(field_name="documents_digitised", label=_("Documents digitised"))
    has_fee = StrictBooleanFilter(field_name="procedure__has_fee", label=_("Procedure bears a fee"))
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue today"))
    due_soon = StrictBooleanFilter(method="filter_due_soon", label=_("Due soon"))
    ordering = StableOrderingFilter(fields=("received_at", "appointment_date", "code"))

    class Meta:
        model = Dossier
        fields = ["unit", "procedure", "field", "channel", "status", "outcome", "timeliness"]
        form = ordered_ranges_form(
            ("received_from", "received_to"), ("ended_from", "ended_to"), ("rated_from", "rated_to")
        )

    def search(self, queryset, name, value):
        """``?q=``: a code prefix, a code's last digits, an ID or phone number, or part of a name.

        * shaped like a code (``BYT-QLD-2511``): codes starting with it, an indexed range; within
          one unit's codes, newest first by code (the date is in the code), so the page is read
          straight off the index instead of sorting every match;
        * digits only: codes holding them (their last digits ``0042``, their date ``251110``),
          and, for those who may see them (``selectors.shows_personal_data``), the exact ID or
          tax number and phone;
        * anything else: applicants' names, accent- and case-insensitively (``dossiers.search``).
        """
        value = nfc(value).strip()
        if not value:
            return queryset
        if DOSSIER_CODE_PREFIX.match(value):
            prefix = value.upper()
            # A range, not LIKE: PostgreSQL then reads just the prefix's stretch of the code index,
            # backwards (newest first), and stops after a page; with LIKE it misjudged how many
            # rows match and sorted them all. Codes are ASCII letters, digits, "-" and "_", so
            # under the databases' C.UTF-8 collation the range is exactly the prefix.
            following = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            matches = queryset.filter(code__gte=prefix, code__lt=following)
            return matches.order_by("-code") if UNIT_CODE_PREFIX.match(prefix) else matches
        compact = PHONE_SEPARATORS.sub("", value)
        if compact.lstrip("+").isdigit():
            condition = Q(code__contains=compact)  # its last digits (0042) or its date (251110)
            access = access_for_request(self.request) if self.request is not None else None
            if access is not None and len(compact) >= 6:
                personal = Q(applicant_id_number=compact) | Q(applicant_phone=compact)
                if not access.write_all:
                    personal &= Q(unit_id__in=access.write_unit_ids)
                condition |= personal
            return queryset.filter(condition)
        return queryset.filter(search_name__contains=search_key(value))

    def filter_open_on(self, queryset, name, value):
        """Open at the end of ``value``: the "in progress" column of Form 06 on that day."""
        intervals = StateInterval.objects.filter(starts_on__lte=value, ends_on__gt=value)
        return queryset.filter(pk__in=intervals.values("dossier_id"))

    def filter_overdue_on(self, queryset, name, value):
        """Open and overdue at the end of ``value`` (Form 06's "in progress, overdue")."""
        intervals = StateInterval.objects.filter(starts_on__lte=value, ends_on__gt=value, overdue_from__lte=value)
        return queryset.filter(pk__in=intervals.values("dossier_id"))

    def filter_rated_from(self, queryset, name, value):
        return queryset.filter(
            pk__in=DossierEvent.objects.filter(kind=EventKind.RATED, on__gte=value).values("dossier_id")
        )

    def filter_rated_to(self, queryset, name, value):
        return queryset.filter(
            pk__in=DossierEvent.objects.filter(kind=EventKind.RATED, on__lte=value).values("dossier_id")
        )

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(unit__in=Unit.objects.subtree(value)) if value else queryset

    # ``false`` keeps the complement, so the queryset method's rule decides both ways.
    def filter_overdue(self, queryset, name, value):
        if value:
            return queryset.overdue(on=local_today())
        return queryset.exclude(pk__in=Dossier.objects.overdue(on=local_today()).values("pk"))

    def filter_due_soon(self, queryset, name, value):
        if value:
            return queryset.due_soon(on=local_today())
        return queryset.exclude(pk__in=Dossier.objects.due_soon(on=local_today()).values("pk"))
