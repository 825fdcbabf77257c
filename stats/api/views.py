"""The statistics API: Form 06/VPCP/KSTT figures, the rates with their monthly trend, and the
feedback counts for the national index.

Thin views: a serializer parses the query string (bad input is a 400 naming the parameter), the
principal's readable units bound the figures (another unit asked for by name is a 403), and
``stats.selectors`` computes them from the daily rollups.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import CodeRelatedField
from units.access import access_for_request
from units.api.permissions import TokenScopes
from units.choices import TokenScope
from units.models import Unit

from .. import periods
from ..index766 import COMPUTED, NOT_APPLICABLE, NOT_AVAILABLE, index766
from ..selectors import GROUPINGS, feedback_figures, form06, monthly_trend, period_figures

ERRORS = {
    400: OpenApiResponse(description=_("Bad input: {parameter: [messages]}.")),
    403: OpenApiResponse(description=_("No role in any unit, or the unit asked for is not one you may read.")),
}


class StatsAccess(permissions.BasePermission):
    """Statistics are read by anyone who may read some unit; the figures are limited to those units."""

    message = _("You have no access to the statistics of any unit.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and access_for_request(request).can_read_anything)


# --- Query parameters -----------------------------------------------------------------------


class StatsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(help_text=_("First day of the period, YYYY-MM-DD."))
    date_to = serializers.DateField(help_text=_("Last day of the period (included), YYYY-MM-DD; today at the latest."))
    unit = CodeRelatedField(
        queryset=Unit.objects.all(),
        required=False,
        unknown_message=_("No unit has the code {value}."),
        help_text=_("A unit code: that unit and its sub-units. Default: every unit you may read."),
    )

    def validate(self, attrs):
        periods.validate_range(attrs["date_from"], attrs["date_to"], today=timezone.localdate())
        return attrs


class Form06QuerySerializer(StatsQuerySerializer):
    group_by = serializers.ChoiceField(choices=list(GROUPINGS), default="unit")


class RatesQuerySerializer(StatsQuerySerializer):
    interval = serializers.ChoiceField(
        choices=["month"], default="month", help_text=_("The step of the trend; only month for now.")
    )


# --- Answers ----------------------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    """The Form 06 counts of one scope over the period, and the rates in percent (null: nothing to divide)."""

    carried_over = serializers.IntegerField(help_text=_("Open at the end of the day before the period."))
    received_online = serializers.IntegerField()
    received_in_person = serializers.IntegerField()
    received_postal = serializers.IntegerField()
    received_offline = serializers.IntegerField(help_text=_("In person plus by public post."))
    newly_received = serializers.IntegerField()
    received_total = serializers.IntegerField(help_text=_("Carried over plus newly received."))
    resolved_early = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    resolved_late = serializers.IntegerField()
    resolved_total = serializers.IntegerField()
    open_within_deadline = serializers.IntegerField(help_text=_("In progress at the end of the period, in time."))
    open_overdue = serializers.IntegerField()
    open_total = serializers.IntegerField()
    paid_online = serializers.IntegerField()
    supplement_requests = serializers.IntegerField()
    reappointments = serializers.IntegerField()
    rated_satisfied = serializers.IntegerField()
    rated_unsatisfied = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True, help_text=_("(early + on time) / resolved × 100."))
    progress_rate = serializers.FloatField(
        allow_null=True,
        help_text=_("(early + on time + in progress within deadline) / (resolved + in progress) × 100."),
    )
    online_rate = serializers.FloatField(allow_null=True, help_text=_("Newly received online / newly received × 100."))
    online_payment_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)


class Form06RowSerializer(FiguresSerializer):
    code = serializers.CharField(help_text=_("Code of the unit, field or procedure."))
    name = serializers.CharField()


class Form06Serializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    rows = Form06RowSerializer(many=True)
    totals = FiguresSerializer()


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-11"})
class MonthField(serializers.DateField):
    """A month written ``YYYY-MM`` (a date field would promise a whole date)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class TrendPointSerializer(FiguresSerializer):
    month = MonthField(help_text=_("The month, e.g. 2025-11 (clipped to the period)."))
    received = serializers.IntegerField(source="newly_received", help_text=_("Newly received in the month."))
    resolved = serializers.IntegerField(source="resolved_total", help_text=_("Resolved in the month."))


class RatesSerializer(serializers.Serializer):
    unit = serializers.CharField(allow_null=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    interval = serializers.CharField()
    totals = FiguresSerializer()
    trend = TrendPointSerializer(many=True)


class FeedbackFiguresSerializer(serializers.Serializer):
    """Feedback counts of one scope over the period (national index, group 5)."""

    received = serializers.IntegerField(help_text=_("Sent or forwarded in the period."))
    handled_on_time = serializers.IntegerField(help_text=_("Refused or answered in the period, within its deadline."))
    handled_late = serializers.IntegerField()
    handled_total = serializers.IntegerField()
    liked = serializers.IntegerField()
    disliked = serializers.IntegerField()
    received_about_dossier = serializers.IntegerField(help_text=_("Received in the period and about a dossier."))
    handled_on_time_rate = serializers.FloatField(allow_null=True, help_text=_("Handled on time / handled × 100."))
    liked_rate = serializers.FloatField(allow_null=True, help_text=_("Liked / rated × 100."))


class FeedbackRowSerializer(FeedbackFiguresSerializer):
    code = serializers.CharField(help_text=_("The unit's code."))
    name = serializers.CharField()


class FeedbackStatsSerializer(serializers.Serializer):
    unit = serializers.CharField(allow_null=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rows = FeedbackRowSerializer(many=True)
    totals = FeedbackFiguresSerializer()


class _FeedbackRow:
    """A unit's feedback figures read like the figures, with the unit's code and name beside them."""

    def __init__(self, unit, figures):
        self.code, self.name, self._figures = unit.code, unit.name, figures

    def __getattr__(self, name):
        return getattr(self._figures, name)


class _TrendPoint:
    """A month of ``monthly_trend`` read like its figures, with the month beside them."""

    def __init__(self, point):
        self.month = point.month
        self._figures = point.figures

    def __getattr__(self, name):
        return getattr(self._figures, name)


# --- Views ------------------------------------------------------------------------------------


class StatsView(APIView):
    permission_classes = [TokenScopes, StatsAccess]
    token_scopes = {"read": TokenScope.STATS_READ}
    query_serializer_class = StatsQuerySerializer

    def parse(self, request) -> tuple[dict, dict]:
        """The validated query and the scope of ``stats.selectors`` it allows."""
        query = self.query_serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        access = access_for_request(request)
        unit = query.validated_data.get("unit")
        if unit is not None and not access.can_read_unit(unit.pk):
            raise exceptions.PermissionDenied(
                _("You may not read the statistics of unit %(code)s.") % {"code": unit.code}
            )
        scope = {"unit_ids": None if access.read_all else access.read_unit_ids, "subtree": unit}
        return query.validated_data, scope


class Form06StatsView(StatsView):
    """Form 06/VPCP/KSTT for any period, grouped by unit, field or procedure, with the totals row."""

    query_serializer_class = Form06QuerySerializer

    @extend_schema(parameters=[Form06QuerySerializer], responses={200: Form06Serializer, **ERRORS})
    def get(self, request):
        query, scope = self.parse(request)
        rows, totals = form06(
            date_from=query["date_from"], date_to=query["date_to"], group_by=query["group_by"], **scope
        )
        answer = {
            "date_from": query["date_from"],
            "date_to": query["date_to"],
            "group_by": query["group_by"],
            "unit": scope["subtree"].code if scope["subtree"] else None,
            "rows": rows,
            "totals": totals,
        }
        return Response(Form06Serializer(answer).data)


class RatesStatsView(StatsView):
    """The rates and counts of a unit (or of every unit you may read) over a period, month by month."""

    query_serializer_class = RatesQuerySerializer

    @extend_schema(parameters=[RatesQuerySerializer], responses={200: RatesSerializer, **ERRORS})
    def get(self, request):
        query, scope = self.parse(request)
        period = {"date_from": query["date_from"], "date_to": query["date_to"]}
        totals = period_figures(**period, **scope)
        trend = monthly_trend(**period, **scope)
        answer = {
            "unit": scope["subtree"].code if scope["subtree"] else None,
            **period,
            "interval": query["interval"],
            "totals": totals,
            "trend": [_TrendPoint(point) for point in trend],
        }
        return Response(RatesSerializer(answer).data)


class FeedbackStatsView(StatsView):
    """Feedback and petitions over a period, per unit and in total: received, handled on time and
    late, liked and disliked (from the nightly rollups)."""

    @extend_schema(parameters=[StatsQuerySerializer], responses={200: FeedbackStatsSerializer, **ERRORS})
    def get(self, request):
        query, scope = self.parse(request)
        per_unit, totals = feedback_figures(date_from=query["date_from"], date_to=query["date_to"], **scope)
        answer = {
            "unit": scope["subtree"].code if scope["subtree"] else None,
            "date_from": query["date_from"],
            "date_to": query["date_to"],
            "rows": [_FeedbackRow(unit, figures) for unit, figures in per_unit],
            "totals": totals,
        }
        return Response(FeedbackStatsSerializer(answer).data)


# --- The national index (Decision 766) ---------------------------------------------------------


class IndicatorSerializer(serializers.Serializer):
    """One indicator: its counts, rate and points (null where it is not computed)."""

    code = serializers.CharField(help_text=_("The indicator's code, e.g. 2.1."))
    name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[COMPUTED, NOT_APPLICABLE, NOT_AVAILABLE],
        help_text=_("computed; not_applicable (the denominator is 0); not_available (inputs not recorded)."),
    )
    reason = serializers.CharField(help_text=_("Why it is not computed (empty when it is)."))
    counted = serializers.BooleanField(help_text=_("Whether it counts towards the group and the total."))
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    rate = serializers.FloatField(allow_null=True, help_text=_("numerator / denominator × 100, two decimals."))
    target = serializers.FloatField(allow_null=True, help_text=_("Percent; null: no target (the rate itself)."))
    maximum = serializers.FloatField(help_text=_("The indicator's maximum points this year."))
    points = serializers.FloatField(allow_null=True)
    lost = serializers.FloatField(allow_null=True, help_text=_("maximum − points, for a counted indicator."))


class IndexGroupSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    maximum = serializers.FloatField(help_text=_("The group's points this year."))
    counted_maximum = serializers.FloatField(help_text=_("The maximum of its counted indicators."))
    points = serializers.FloatField()
    indicators = IndicatorSerializer(many=True)


class Index766Serializer(serializers.Serializer):
    unit = serializers.CharField(allow_null=True)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    year = serializers.IntegerField(help_text=_("The year whose configuration applies (that of date_to)."))
    not_applicable_rule = serializers.CharField()
    total = serializers.FloatField(
        allow_null=True, help_text=_("On 100: points earned / counted maximum × 100; null when nothing is counted.")
    )
    points = serializers.FloatField()
    counted_maximum = serializers.FloatField(help_text=_("The points the total rests on (100 when all are counted)."))
    groups = IndexGroupSerializer(many=True)


class Index766StatsView(StatsView):
    """The national index (Decision 766 of 2022) of a unit and its sub-units (or of every unit you
    may read) over a period: each indicator's figures and points, the groups and the total on 100."""

    @extend_schema(parameters=[StatsQuerySerializer], responses={200: Index766Serializer, **ERRORS})
    def get(self, request):
        query, scope = self.parse(request)
        index = index766(
            date_from=query["date_from"], date_to=query["date_to"], unit=scope["subtree"], unit_ids=scope["unit_ids"]
        )
        answer = {
            "unit": index.unit.code if index.unit else None,
            "date_from": index.date_from,
            "date_to": index.date_to,
            "year": index.configuration.year,
            "not_applicable_rule": index.configuration.not_applicable_rule,
            "total": index.total,
            "points": index.points,
            "counted_maximum": index.counted_maximum,
            "groups": index.groups,
        }
        return Response(Index766Serializer(answer).data)
