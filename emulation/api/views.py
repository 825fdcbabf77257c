"""The read-only emulation API: years, the rankings, and each score with its breakdown.

Reads follow ``units.access`` as the dossiers do (``emulation.selectors``): a unit head lists every
unit's total, band and rank but reads the breakdown of their own subtree only; the breakdown of
another unit is a 403.
"""

from functools import cached_property

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from units.access import access_for_request
from units.choices import TokenScope

from .. import selectors
from ..models import EmulationYear, LeaderScore, UnitScore
from .serializers import (
    LeaderScoreDetailSerializer,
    LeaderScoreSerializer,
    UnitScoreDetailSerializer,
    UnitScoreSerializer,
    YearSerializer,
)

DETAIL_RESPONSES = {
    403: OpenApiResponse(description=_("The breakdown of a unit you may not read.")),
    404: OpenApiResponse(description=_("No such year, or no score for it.")),
}


class YearViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Emulation years with their status (draft or finalised), reporting period, and when and why a
    finalised year was last reopened."""

    queryset = selectors.years_with_reopening()
    serializer_class = YearSerializer
    lookup_field = "year"
    filter_backends = []
    token_scopes = {"read": TokenScope.EMULATION_READ}


class YearScoped(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scores of the year in the URL; the list is the ranking the principal may see."""

    filter_backends = []
    detail_serializer_class = None
    token_scopes = {"read": TokenScope.EMULATION_READ}

    @cached_property
    def year(self) -> EmulationYear:
        return get_object_or_404(EmulationYear, year=self.kwargs["year"])

    @cached_property
    def access(self):
        return access_for_request(self.request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "year": self.kwargs["year"]}

    def retrieve(self, request, *args, **kwargs):
        score = self.get_object()
        if not selectors.may_read_breakdown(self.access, score.unit_id):
            self.permission_denied(
                request,
                message=_("You may read the breakdown of unit %(code)s's scores only if you may read that unit.")
                % {"code": score.unit.code},
            )
        context = {
            **self.get_serializer_context(),
            "lines": selectors.breakdown(score),
            "periods": selectors.period_scores(score),
        }
        return Response(self.detail_serializer_class(score, context=context).data)


class UnitScoreViewSet(YearScoped):
    """Units' scores of a year, best first; a unit's score covers its sub-units."""

    serializer_class = UnitScoreSerializer
    detail_serializer_class = UnitScoreDetailSerializer
    lookup_field = "unit__code"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        if self.action == "list":
            return selectors.unit_ranking(self.year, self.access)
        return UnitScore.objects.filter(year=self.year).select_related("unit")

    @extend_schema(responses={200: UnitScoreDetailSerializer, **DETAIL_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class LeaderScoreViewSet(YearScoped):
    """Heads' scores of a year, one per tenure overlapping it: classified ones by rank, then the others."""

    serializer_class = LeaderScoreSerializer
    detail_serializer_class = LeaderScoreDetailSerializer
    lookup_field = "tenure_id"
    lookup_url_kwarg = "tenure"

    def get_queryset(self):
        if self.action == "list":
            return selectors.leader_ranking(self.year, self.access)
        return LeaderScore.objects.filter(year=self.year).select_related("unit", "tenure__person")

    @extend_schema(responses={200: LeaderScoreDetailSerializer, **DETAIL_RESPONSES})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)
