"""The procedure catalogue. Thin: resolve, check, call one service."""

from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from procedures.filtersets import FieldFilterSet, ProcedureFilterSet, ReductionPlanFilterSet
from procedures.models import Field, Procedure, ProcedureFlags, ProcedureVersion, ReductionPlan
from procedures.selectors import reduction_summary
from procedures.services import (
    field_create,
    field_delete,
    field_update,
    procedure_create,
    procedure_delete,
    procedure_update,
    procedure_version_create,
    procedure_version_update,
    reduction_plan_create,
    reduction_plan_delete,
    reduction_plan_update,
)
from units.api.permissions import CATALOGUE_SCOPES, UnitScopedWrites

from .serializers import (
    FieldSerializer,
    ProcedureFlagsSerializer,
    ProcedureSerializer,
    ProcedureVersionPublicationSerializer,
    ProcedureVersionSerializer,
    ReductionPlanSerializer,
    ReductionSummaryQuerySerializer,
    ReductionSummarySerializer,
)


class FieldViewSet(viewsets.ModelViewSet):
    """Fields of state management; written by the ministry office only."""

    queryset = Field.objects.all()
    token_scopes = CATALOGUE_SCOPES
    serializer_class = FieldSerializer
    filterset_class = FieldFilterSet
    lookup_field = "code"

    def perform_create(self, serializer):
        serializer.instance = field_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = field_update(field=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        field_delete(field=instance)


class ProcedureViewSet(UnitScopedWrites, viewsets.ModelViewSet):
    """The catalogue, by national code; a unit's write token may keep its own unit's procedures."""

    serializer_class = ProcedureSerializer
    token_scopes = CATALOGUE_SCOPES
    filterset_class = ProcedureFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"  # national codes contain a dot: 1.004567

    def get_queryset(self):
        # The processing time in force today, as a subquery: one query whatever the page size.
        current_version = ProcedureVersion.objects.filter(procedure=OuterRef("pk")).in_force_on(timezone.localdate())
        return Procedure.objects.select_related("field", "unit").annotate(
            current_processing_days=Subquery(current_version.order_by("-effective_from").values("processing_days")[:1])
        )

    def perform_create(self, serializer):
        self.check_unit_writable(serializer.validated_data["unit"])
        procedure = procedure_create(**serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=procedure.pk)

    def perform_update(self, serializer):
        if "unit" in serializer.validated_data:
            self.check_unit_writable(serializer.validated_data["unit"])
        procedure = procedure_update(procedure=serializer.instance, data=serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=procedure.pk)

    def perform_destroy(self, instance):
        procedure_delete(procedure=instance)

    @extend_schema(responses=ProcedureFlagsSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def flags(self, request, code=None):
        """The history of the procedure's flags (national index), oldest first: each stretch's
        ``valid_from`` (empty: since it was catalogued) and ``valid_to`` (excluded; empty: current)."""
        procedure = self.get_object()
        rows = ProcedureFlags.objects.filter(procedure=procedure).order_by("id")
        return Response(ProcedureFlagsSerializer(rows, many=True).data)


@extend_schema(
    parameters=[OpenApiParameter("procedure_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="1.004567")]
)
class ProcedureVersionViewSet(
    UnitScopedWrites, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The versions of one procedure, newest first; a new one is added by an announcing decision."""

    queryset = ProcedureVersion.objects.none()  # the real one depends on the URL: get_queryset()
    serializer_class = ProcedureVersionSerializer
    token_scopes = CATALOGUE_SCOPES

    @cached_property
    def procedure(self) -> Procedure:
        return get_object_or_404(Procedure.objects.select_related("unit"), code=self.kwargs["procedure_code"])

    def get_queryset(self):
        return ProcedureVersion.objects.filter(procedure=self.procedure).select_related("procedure")

    def unit_of(self, obj):
        return obj.procedure.unit

    def perform_create(self, serializer):
        self.check_unit_writable(self.procedure.unit)
        serializer.instance = procedure_version_create(procedure=self.procedure, **serializer.validated_data)

    @extend_schema(request=ProcedureVersionPublicationSerializer, responses=ProcedureVersionSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Record a version's publication on the national database, its components' completeness or
        the date its legal basis takes effect (the other fields stay as announced)."""
        version = self.get_object()
        self.check_unit_writable(self.procedure.unit)
        serializer = ProcedureVersionPublicationSerializer(version, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        version = procedure_version_update(version=version, data=serializer.validated_data)
        return Response(ProcedureVersionSerializer(version).data)


class ReductionPlanViewSet(viewsets.ModelViewSet):
    """Plans to cut procedures' processing time, cost and conditions; written by the ministry office."""

    queryset = ReductionPlan.objects.select_related("procedure__unit")
    serializer_class = ReductionPlanSerializer
    token_scopes = CATALOGUE_SCOPES
    filterset_class = ReductionPlanFilterSet

    def perform_create(self, serializer):
        serializer.instance = reduction_plan_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = reduction_plan_update(plan=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        reduction_plan_delete(plan=instance)

    @extend_schema(parameters=[ReductionSummaryQuerySerializer], responses=ReductionSummarySerializer, filters=True)
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        """The year's cut in percent, over the plans the other filters (unit, procedure) select."""
        query = ReductionSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plans = self.filter_queryset(self.get_queryset())
        summary = reduction_summary(year=query.validated_data["year"], plans=plans)
        return Response(ReductionSummarySerializer(summary).data)
