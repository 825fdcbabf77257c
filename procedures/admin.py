"""Admin screens for the procedure catalogue.

Versions are edited inline under their procedure. Each version's ``clean()`` checks it against
the versions already saved; the inline formset adds the check among the rows submitted together
(two new rows, or a changed row against another), which ``clean()`` alone cannot see.
"""

from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from units.forms import NonOverlappingPeriodsFormSet

from .models import Field, Procedure, ProcedureFlags, ProcedureVersion, ReductionPlan
from .services import procedure_flags_record


class ProcedureVersionInlineFormSet(NonOverlappingPeriodsFormSet):
    start_field = "effective_from"
    end_field = "effective_to"

    def overlap_message(self, earlier, start, end):
        return gettext(
            "These dates overlap version %(decision)s, in force from %(start)s to %(end)s. Close that version first."
        ) % {"decision": earlier.get("decision_number", ""), "start": start, "end": end}


class ProcedureVersionInline(admin.TabularInline):
    model = ProcedureVersion
    formset = ProcedureVersionInlineFormSet
    extra = 0
    fields = (
        "decision_number",
        "decision_date",
        "change_kind",
        "effective_from",
        "effective_to",
        "processing_days",
        "legal_basis_effective_on",
        "published_on",
        "components_complete",
    )
    ordering = ("-effective_from",)
    show_change_link = True


class ProcedureFlagsInline(admin.TabularInline):
    """The flags' history, read only: it is written when the procedure's flags are saved."""

    model = ProcedureFlags
    extra = 0
    fields = ("valid_from", "valid_to", *ProcedureFlags.FLAG_FIELDS, "recorded_at")
    readonly_fields = fields
    ordering = ("-id",)
    verbose_name_plural = _("history of the flags (national index)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReductionPlanInline(admin.TabularInline):
    model = ReductionPlan
    extra = 0
    fields = (
        "year",
        "baseline_days",
        "target_days",
        "baseline_cost",
        "target_cost",
        "baseline_conditions",
        "target_conditions",
    )
    show_change_link = True


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "name_en")
    list_display_links = ("code", "name_vi")
    search_fields = ("code", "name_vi", "name_en")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name_vi", "field", "unit", "level", "online_service", "business_related")
    list_display_links = ("code", "name_vi")
    list_filter = (
        "online_service",
        "level",
        "business_related",
        "has_fee",
        "internal_procedure_issued",
        "portal_integrated",
        "paper_result",
        "payable_on_portal",
        "uses_population_data",
        "field",
        "unit",
    )
    search_fields = ("code", "name_vi", "name_en")
    autocomplete_fields = ("field", "unit")
    list_select_related = ("field", "unit")
    inlines = (ProcedureVersionInline, ReductionPlanInline, ProcedureFlagsInline)
    fieldsets = (
        (None, {"fields": ("code", "name_vi", "name_en", "field", "level", "unit")}),
        (
            _("Service"),
            {
                "fields": (
                    "online_service",
                    "business_related",
                    "has_fee",
                    "internal_procedure_issued",
                    "portal_integrated",
                )
            },
        ),
        (
            _("National index"),
            {
                "fields": (
                    "paper_result",
                    "for_citizens",
                    "full_online_eligible",
                    "payable_on_portal",
                    "uses_population_data",
                ),
                "description": _("A change of any flag is kept in the history below, from the day it is saved."),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The admin saves the row itself; the history follows as the catalogue's services keep it.
        procedure_flags_record(procedures=Procedure.objects.filter(pk=obj.pk))


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = (
        "procedure",
        "decision_number",
        "decision_date",
        "change_kind",
        "effective_from",
        "effective_to",
        "processing_days",
        "published_on",
        "components_complete",
    )
    list_filter = ("change_kind", "components_complete", "procedure__field")
    search_fields = ("procedure__code", "procedure__name_vi", "decision_number")
    autocomplete_fields = ("procedure",)
    list_select_related = ("procedure",)
    date_hierarchy = "effective_from"


@admin.register(ReductionPlan)
class ReductionPlanAdmin(admin.ModelAdmin):
    list_display = (
        "procedure",
        "year",
        "baseline_days",
        "target_days",
        "baseline_cost",
        "target_cost",
        "baseline_conditions",
        "target_conditions",
    )
    list_filter = ("year", "procedure__field")
    search_fields = ("procedure__code", "procedure__name_vi")
    autocomplete_fields = ("procedure",)
    list_select_related = ("procedure",)
