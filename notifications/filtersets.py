"""Filters of the messages list, shared by the staff page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from config.api import ApiFilterSet

from .choices import MessageChannel, MessageStatus
from .models import Message


class MessageFilterSet(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices)
    channel = django_filters.ChoiceFilter(choices=MessageChannel.choices)
    kind = django_filters.CharFilter()
    q = django_filters.CharFilter(method="search", label=_("Reference"))

    class Meta:
        model = Message
        fields = ["status", "channel", "kind", "q"]

    def search(self, queryset, name, value):
        """``?q=`` matches the start of the reference (a dossier code, a digest's date)."""
        return queryset.filter(reference__startswith=value.strip()) if value.strip() else queryset
