"""Admin screens for the working-day calendar."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .choices import OverrideSource
from .models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Days the government announced differently from the ``holidays`` package (saving refreshes the calendar).

    Shipped official rows may be corrected (they then become staff rows that later releases leave
    alone); applying one to the open dossiers is a separate, explicit step.
    """

    list_display = ("date", "kind", "document", "note", "source", "applied_at", "applied_count", "updated_at")
    list_filter = ("kind", "source")
    search_fields = ("document", "note")
    date_hierarchy = "date"
    readonly_fields = ("source", "applied_at", "applied_by", "applied_count", "updated_at")
    actions = ["apply_to_open_dossiers"]

    def save_model(self, request, obj, form, change):
        if change and form.changed_data:
            obj.source = OverrideSource.STAFF
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Apply to the open dossiers (shows what it would do first)"))
    def apply_to_open_dossiers(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one day to apply."), level=messages.WARNING)
            return None
        # The page belongs to the dossiers (it moves their dates); it is named, not imported.
        return redirect("dossiers:recalculate", pk=queryset.get().pk)
