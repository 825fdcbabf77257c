"""Admin screens for the working-day calendar."""

from django.contrib import admin

from .models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    """Days the government announced differently from the ``holidays`` package (saving refreshes the calendar)."""

    list_display = ("date", "kind", "document", "note", "updated_at")
    list_filter = ("kind",)
    search_fields = ("document", "note")
    date_hierarchy = "date"
    readonly_fields = ("updated_at",)
