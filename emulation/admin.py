"""The emulation records in the admin, for inspection only.

Every change goes through the emulation pages (``emulation.services``), which check the scheme
adds up to 100, refuse to touch a finalised year and write the audit trail; editing here would
bypass all three, so the admin only shows.
"""

from django.contrib import admin

from .models import AuditEntry, Criterion, EmulationYear, LeaderScore, ManualScore, UnitScore


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ["position", "code", "name_vi", "max_points", "metric", "target"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EmulationYear)
class EmulationYearAdmin(ReadOnlyAdmin):
    list_display = ["year", "status", "computed_at", "scored_to", "finalised_at"]
    list_filter = ["status"]
    inlines = [CriterionInline]


@admin.register(ManualScore)
class ManualScoreAdmin(ReadOnlyAdmin):
    list_display = ["year", "unit", "criterion", "points", "by", "at"]
    list_filter = ["year"]
    list_select_related = ["year", "unit", "criterion", "by"]


@admin.register(UnitScore)
class UnitScoreAdmin(ReadOnlyAdmin):
    list_display = ["year", "rank", "unit", "total", "band"]
    list_filter = ["year", "band"]
    list_select_related = ["year", "unit"]


@admin.register(LeaderScore)
class LeaderScoreAdmin(ReadOnlyAdmin):
    list_display = ["year", "rank", "tenure", "unit", "window_start", "window_end", "total", "band", "classified"]
    list_filter = ["year", "classified"]
    list_select_related = ["year", "unit", "tenure__person", "tenure__unit"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["year", "at", "action", "by", "unit", "criterion_code"]
    list_filter = ["year", "action"]
    list_select_related = ["year", "by", "unit"]
