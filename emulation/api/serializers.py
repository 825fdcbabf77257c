"""The JSON shape of the emulation results. Scores and rates are numbers out of 100 (null: none)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import EmulationYear, LeaderScore, PeriodScore, UnitScore


class YearSerializer(serializers.ModelSerializer):
    date_from = serializers.DateField(source="period.date_from", help_text=_("First day of the reporting year."))
    date_to = serializers.DateField(source="period.date_to", help_text=_("Last day of the reporting year."))
    scored_to = serializers.DateField(
        allow_null=True, help_text=_("The statistics were read up to this day (null: not computed).")
    )
    finalised_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_("When the year was (last) finalised; a reopened year keeps it, with reopened_at after it."),
    )
    reopened_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("When a finalised year was last reopened (null: never).")
    )
    reopen_reason = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Why it was reopened, as the ministry office recorded it.")
    )

    class Meta:
        model = EmulationYear
        fields = [
            "year",
            "status",
            "date_from",
            "date_to",
            "scored_to",
            "computed_at",
            "finalised_at",
            "reopened_at",
            "reopen_reason",
        ]


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField(help_text=_("The filtered dossier (or procedure) list behind the value."))


class LineSerializer(serializers.Serializer):
    """One criterion of a breakdown (an ``emulation.selectors.BreakdownLine``)."""

    code = serializers.CharField(source="line.code")
    name = serializers.CharField(source="line.name")
    metric = serializers.CharField(source="line.metric", help_text=_("Empty for a criterion scored by hand."))
    status = serializers.CharField(
        source="line.status", help_text=_("computed, not_applicable, manual or manual_missing.")
    )
    max_points = serializers.FloatField(source="line.max_points")
    target = serializers.FloatField(source="line.target", allow_null=True, help_text=_("Target rate in percent."))
    value = serializers.FloatField(source="line.value", allow_null=True, help_text=_("The rate in percent."))
    numerator = serializers.IntegerField(source="line.numerator", allow_null=True)
    denominator = serializers.IntegerField(source="line.denominator", allow_null=True)
    points = serializers.FloatField(
        source="line.points", allow_null=True, help_text=_("Null when not applicable: the total is scaled to 100.")
    )
    evidence = serializers.CharField(source="line.evidence")
    formula = serializers.CharField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(LinkSerializer(many=True))
    def get_links(self, obj):
        request = self.context.get("request")
        return [
            {"label": str(label), "url": request.build_absolute_uri(url) if request else url}
            for label, url in obj.links
        ]


class ScoreFields(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", help_text=_("Unit code; the score covers its sub-units."))
    unit_name = serializers.CharField(source="unit.name")
    total = serializers.FloatField(allow_null=True, help_text=_("Out of 100."))
    band_label = serializers.CharField(source="get_band_display")
    url = serializers.SerializerMethodField()

    SCORE_FIELDS = ["unit", "unit_name", "window_start", "window_end", "total", "band", "band_label", "rank", "url"]


class UnitScoreSerializer(ScoreFields):
    class Meta:
        model = UnitScore
        fields = ScoreFields.SCORE_FIELDS

    def get_url(self, obj) -> str:
        url = reverse("emulation-api:unit-detail", kwargs={"year": self.context["year"], "code": obj.unit.code})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class LeaderScoreSerializer(ScoreFields):
    tenure = serializers.IntegerField(source="tenure_id")
    person = serializers.CharField(source="tenure.person.full_name")
    days = serializers.IntegerField(help_text=_("Days of the tenure within the year, as scored."))
    classified = serializers.BooleanField(help_text=_("False when the tenure within the year is below the minimum."))

    class Meta:
        model = LeaderScore
        fields = ["tenure", "person", "classified", "days", *ScoreFields.SCORE_FIELDS]

    def get_url(self, obj) -> str:
        url = reverse("emulation-api:leader-detail", kwargs={"year": self.context["year"], "tenure": obj.tenure_id})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PeriodSerializer(serializers.ModelSerializer):
    """A month's or a quarter's score, from the same rollups as the year."""

    total = serializers.FloatField(allow_null=True, help_text=_("Out of 100."))
    behind_share = serializers.FloatField(allow_null=True, help_text=_("Dossiers behind schedule, in percent."))

    class Meta:
        model = PeriodScore
        fields = ["kind", "number", "window_start", "window_end", "total", "band", "behind_share", "band_reason"]


class BreakdownFields(serializers.Serializer):
    points = serializers.FloatField(help_text=_("Sum of the points of the applicable criteria."))
    applicable_max = serializers.FloatField(help_text=_("Sum of the maximum points of the applicable criteria."))
    band_by_points = serializers.CharField(help_text=_("The band the points alone reach."))
    behind_share = serializers.FloatField(allow_null=True, help_text=_("Dossiers behind schedule, in percent."))
    band_reason = serializers.CharField(help_text=_("The decision that forced “not completed”, if any."))
    criteria = serializers.SerializerMethodField()
    periods = serializers.SerializerMethodField()

    @extend_schema_field(LineSerializer(many=True))
    def get_criteria(self, obj):
        return LineSerializer(self.context["lines"], many=True, context=self.context).data

    @extend_schema_field(PeriodSerializer(many=True))
    def get_periods(self, obj):
        periods = self.context["periods"]
        return PeriodSerializer([*periods.get("month", []), *periods.get("quarter", [])], many=True).data


DETAIL_FIELDS = ["points", "applicable_max", "band_by_points", "behind_share", "band_reason", "criteria", "periods"]


class UnitScoreDetailSerializer(BreakdownFields, UnitScoreSerializer):
    class Meta(UnitScoreSerializer.Meta):
        fields = [*UnitScoreSerializer.Meta.fields, *DETAIL_FIELDS]


class LeaderScoreDetailSerializer(BreakdownFields, LeaderScoreSerializer):
    class Meta(LeaderScoreSerializer.Meta):
        fields = [*LeaderScoreSerializer.Meta.fields, *DETAIL_FIELDS]
