"""The JSON shape of the catalogue. Related objects are written by code (``"unit": "QLD"``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import CodeRelatedField, StrictInput
from procedures.models import (
    Field,
    Procedure,
    ProcedureFlags,
    ProcedureVersion,
    ReductionPlan,
    field_code_validator,
    procedure_code_validator,
)
from units.api.serializers import UNKNOWN_UNIT
from units.models import Unit


class FieldSerializer(StrictInput, serializers.ModelSerializer):
    class Meta:
        model = Field
        fields = ["code", "name_vi", "name_en"]
        # Uniqueness is left to the model's full_clean() so the message is the admin's.
        extra_kwargs = {"code": {"validators": [field_code_validator]}}


class ProcedureSerializer(StrictInput, serializers.ModelSerializer):
    field = CodeRelatedField(queryset=Field.objects.all(), unknown_message=_("No field has the code {value}."))
    unit = CodeRelatedField(queryset=Unit.objects.all(), unknown_message=UNKNOWN_UNIT)
    processing_days = serializers.IntegerField(
        source="current_processing_days",
        read_only=True,
        allow_null=True,
        help_text=_("Processing time (working days) of the version in force today; empty if none is."),
    )

    class Meta:
        model = Procedure
        fields = [
            "code",
            "name_vi",
            "name_en",
            "field",
            "unit",
            "level",
            "online_service",
            "business_related",
            "has_fee",
            "internal_procedure_issued",
            "portal_integrated",
            "paper_result",
            "for_citizens",
            "full_online_eligible",
            "payable_on_portal",
            "uses_population_data",
            "processing_days",
        ]
        extra_kwargs = {"code": {"validators": [procedure_code_validator]}}


class ProcedureVersionSerializer(StrictInput, serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ProcedureVersion
        fields = [
            "id",
            "procedure",
            "decision_number",
            "decision_date",
            "change_kind",
            "effective_from",
            "effective_to",
            "processing_days",
            "note",
            "legal_basis_effective_on",
            "published_on",
            "components_complete",
        ]


class ProcedureVersionPublicationSerializer(StrictInput, serializers.ModelSerializer):
    """What may change on a version once announced: its publicity (national index, group 1) and note.

    The dates and processing time fix deadlines and stay as announced; any other field is a 400.
    """

    class Meta:
        model = ProcedureVersion
        fields = ["legal_basis_effective_on", "published_on", "components_complete", "note"]


class ProcedureFlagsSerializer(serializers.ModelSerializer):
    """One stretch of a procedure's flags' history (read only)."""

    class Meta:
        model = ProcedureFlags
        fields = ["valid_from", "valid_to", *ProcedureFlags.FLAG_FIELDS]
        read_only_fields = fields


class ReductionPlanSerializer(StrictInput, serializers.ModelSerializer):
    procedure = CodeRelatedField(
        queryset=Procedure.objects.all(), unknown_message=_("No procedure has the national code {value}.")
    )
    unit = serializers.CharField(source="procedure.unit.code", read_only=True)

    class Meta:
        model = ReductionPlan
        fields = [
            "id",
            "procedure",
            "unit",
            "year",
            "baseline_days",
            "target_days",
            "baseline_cost",
            "target_cost",
            "baseline_conditions",
            "target_conditions",
            "note",
        ]
        # One plan per procedure and year is checked by the model's full_clean(), with its message.
        validators = []


class ReductionSummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2999)


class ReductionSummarySerializer(serializers.Serializer):
    procedures = serializers.IntegerField()
    baseline_days = serializers.IntegerField()
    target_days = serializers.IntegerField()
    days_cut_percent = serializers.FloatField(allow_null=True)
    baseline_cost = serializers.DecimalField(max_digits=24, decimal_places=0)
    target_cost = serializers.DecimalField(max_digits=24, decimal_places=0)
    cost_cut_percent = serializers.FloatField(allow_null=True)
    baseline_conditions = serializers.IntegerField()
    target_conditions = serializers.IntegerField()
    conditions_cut_percent = serializers.FloatField(allow_null=True)
