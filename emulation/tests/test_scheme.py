"""The scoring scheme: criteria adding up to 100, targets, bands, copies, manual points, the demo scheme."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from emulation import services
from emulation.choices import AuditAction
from emulation.models import AuditEntry, Criterion, EmulationYear, ManualScore

from .conftest import YEAR, criterion, make_scheme

pytestmark = pytest.mark.django_db


def update(year=YEAR, criteria=(), **settings):
    record = EmulationYear.objects.get(year=year)
    return services.scheme_update(
        year=year,
        criteria=list(criteria),
        outstanding_min=settings.get("outstanding_min", record.outstanding_min),
        good_min=settings.get("good_min", record.good_min),
        completed_min=settings.get("completed_min", record.completed_min),
        min_tenure_months=settings.get("min_tenure_months", record.min_tenure_months),
        by=settings.get("by"),
    )


def scheme_state():
    return list(Criterion.objects.order_by("year", "position").values_list("code", "max_points", "metric", "target"))


class TestCriteria:
    def test_criteria_that_do_not_add_up_to_100_are_refused_with_the_current_sum(self, scheme):
        before, audit = scheme_state(), AuditEntry.objects.count()

        with pytest.raises(ValidationError) as refused:
            update(criteria=[criterion("on-time", 40, "on_time_rate", 90), criterion("reform", 55)])

        assert refused.value.message_dict == {
            "criteria": ["The criteria of 2026 add up to 95.00 points; they must add up to exactly 100."]
        }
        assert (scheme_state(), AuditEntry.objects.count()) == (before, audit)

    @pytest.mark.parametrize("target", ["0", "-5", "100.01", "120"])
    def test_a_target_outside_0_to_100_percent_is_a_field_error(self, scheme, target):
        on_time = Criterion(year=scheme, code="x", name_vi="x", max_points=Decimal(10), metric="on_time_rate")
        on_time.target = Decimal(target)
        with pytest.raises(ValidationError) as refused:
            on_time.full_clean()
        assert refused.value.message_dict["target"] == ["The target is a percentage above 0 and at most 100."]

        with pytest.raises(ValidationError) as refused:
            update(criteria=[criterion("on-time", 60, "on_time_rate", target), criterion("reform", 40)])
        assert refused.value.message_dict == {
            "criteria": ["on-time: The target is a percentage above 0 and at most 100."]
        }

    def test_a_target_of_exactly_100_is_accepted(self, scheme):
        update(criteria=[criterion("on-time", 60, "on_time_rate", 100), criterion("reform", 40)])
        assert Criterion.objects.get(code="on-time").target == Decimal(100)

    def test_a_computed_criterion_needs_a_target_and_a_manual_one_has_none(self, scheme):
        with pytest.raises(ValidationError) as refused:
            update(criteria=[criterion("on-time", 60, "on_time_rate"), criterion("reform", 40, target=90)])
        assert refused.value.message_dict == {
            "criteria": [
                "on-time: A computed criterion needs a target rate.",
                "reform: A criterion scored by hand has no target; leave it empty or choose a metric.",
            ]
        }

    def test_an_unknown_metric_and_a_repeated_code_are_refused(self, scheme):
        with pytest.raises(ValidationError) as refused:
            update(criteria=[criterion("a", 50, "speed_rate", 90), criterion("a", 50)])
        messages = refused.value.message_dict["criteria"]
        assert "a: Value 'speed_rate' is not a valid choice." in messages
        assert "Code a is used by two criteria." in messages

    def test_band_thresholds_must_rise(self, scheme):
        with pytest.raises(ValidationError) as refused:
            update(criteria=[criterion("reform", 100)], good_min=Decimal(45))
        assert refused.value.message_dict == {
            "good_min": ["The threshold for “good” must be above the one for “completed”."]
        }
        assert EmulationYear.objects.get(year=YEAR).good_min == Decimal(70)

    def test_saving_a_scheme_keeps_existing_criteria_deletes_removed_ones_and_is_audited(self, scheme, office_staff):
        reform = scheme.criteria.get(code="reform")
        on_time = scheme.criteria.get(code="on-time")

        update(
            criteria=[
                services.CriterionInput(
                    id=on_time.pk,
                    code="on-time",
                    name_vi="Đúng hạn",
                    max_points=Decimal(70),
                    metric="on_time_rate",
                    target=Decimal(95),
                ),
                criterion("online", 30, "online_rate", 50),
            ],
            outstanding_min=Decimal(85),
            by=office_staff,
        )

        assert scheme_state() == [
            ("on-time", Decimal("70.00"), "on_time_rate", Decimal("95.00")),
            ("online", Decimal("30.00"), "online_rate", Decimal("50.00")),
        ]
        assert Criterion.objects.get(code="on-time").pk == on_time.pk
        assert not Criterion.objects.filter(pk=reform.pk).exists()
        entry = AuditEntry.objects.filter(action=AuditAction.SCHEME_CHANGED).latest("pk")
        assert (entry.by, entry.before["outstanding_min"], entry.after["outstanding_min"]) == (
            office_staff,
            "90.00",
            "85.00",
        )
        assert [item["code"] for item in entry.before["criteria"]] == ["on-time", "reform"]
        assert [item["code"] for item in entry.after["criteria"]] == ["on-time", "online"]

    def test_saving_an_unchanged_scheme_records_nothing(self, scheme):
        audit = AuditEntry.objects.count()
        criteria = [
            services.CriterionInput(
                id=item.pk,
                code=item.code,
                name_vi=item.name_vi,
                name_en=item.name_en,
                max_points=item.max_points,
                metric=item.metric,
                target=item.target,
            )
            for item in scheme.criteria.order_by("position")
        ]
        update(criteria=criteria)
        assert AuditEntry.objects.count() == audit


class TestCopy:
    def test_a_new_year_starts_as_a_copy_of_the_previous_one(self, scheme, office_staff):
        update(criteria=[criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)], completed_min=55)
        services.head_settings_update(year=YEAR, head_method="decree_335", general_max=Decimal(25), quota_percent=15)

        copy = services.scheme_copy(from_year=YEAR, to_year=2027, by=office_staff)

        assert (copy.head_method, copy.general_max, copy.quota_percent) == ("decree_335", Decimal(25), Decimal(15))
        assert (copy.year, copy.status, copy.completed_min, copy.min_tenure_months) == (2027, "draft", 55, 6)
        assert list(copy.criteria.values_list("code", "max_points", "metric", "target")) == [
            ("on-time", Decimal("60.00"), "on_time_rate", Decimal("90.00")),
            ("reform", Decimal("40.00"), "", None),
        ]
        entry = AuditEntry.objects.get(year=copy)
        assert (entry.action, entry.by, entry.after["copied_from"]) == (AuditAction.CREATED, office_staff, 2026)

    def test_copying_onto_a_year_with_criteria_or_from_a_missing_year_is_refused(self, scheme):
        make_scheme(2027, [criterion("reform", 100)])
        with pytest.raises(ValidationError) as refused:
            services.scheme_copy(from_year=YEAR, to_year=2027)
        assert refused.value.message_dict == {"to_year": ["Year 2027 already has criteria; edit them instead."]}
        with pytest.raises(ValidationError) as refused:
            services.scheme_copy(from_year=2019, to_year=2028)
        assert refused.value.message_dict == {"from_year": ["There is no scheme for 2019 to copy."]}
        assert not EmulationYear.objects.filter(year=2028).exists()

    def test_a_year_cannot_be_opened_twice(self, scheme):
        with pytest.raises(ValidationError, match="Year 2026 already exists."):
            services.emulation_year_create(year=YEAR)


class TestManualPoints:
    @pytest.fixture
    def reform(self, scheme):
        return scheme.criteria.get(code="reform")

    def give(self, unit, reform, points, evidence="Sáng kiến số hoá hồ sơ", by=None):
        return services.manual_score_set(
            year=YEAR, unit=unit, criterion=reform, points=Decimal(points), evidence=evidence, by=by
        )

    def test_points_above_the_maximum_or_negative_are_refused(self, unit_a, reform):
        for points, message in (
            ("40.01", "At most 40.00 points for this criterion."),
            ("-1", "Points cannot be negative."),
        ):
            with pytest.raises(ValidationError) as refused:
                self.give(unit_a, reform, points)
            assert refused.value.message_dict == {"points": [message]}
        assert not ManualScore.objects.exists()
        assert not AuditEntry.objects.filter(action=AuditAction.MANUAL_SCORE).exists()

    def test_points_need_evidence_and_a_criterion_scored_by_hand(self, unit_a, scheme, reform):
        with pytest.raises(ValidationError) as refused:
            self.give(unit_a, reform, 10, evidence="  ")
        assert refused.value.message_dict == {"evidence": ["Say what the points rest on."]}
        with pytest.raises(ValidationError) as refused:
            self.give(unit_a, scheme.criteria.get(code="on-time"), 10)
        assert refused.value.message_dict == {
            "criterion": ["Criterion on-time is computed from the statistics, not scored by hand."]
        }

    def test_the_ministry_itself_is_not_scored(self, ministry, reform):
        with pytest.raises(ValidationError, match="Unit BYT is not scored."):
            self.give(ministry, reform, 10)

    def test_every_change_is_audited_with_before_and_after(self, unit_a, reform, office_staff):
        self.give(unit_a, reform, 30, by=office_staff)
        self.give(unit_a, reform, "32.5", evidence="Hai sáng kiến", by=office_staff)
        self.give(unit_a, reform, "32.5", evidence="Hai sáng kiến", by=office_staff)  # no change: no entry

        entries = list(AuditEntry.objects.filter(action=AuditAction.MANUAL_SCORE).order_by("pk"))
        assert [(entry.unit, entry.criterion_code, entry.before, entry.after) for entry in entries] == [
            (unit_a, "reform", {}, {"points": "30.00", "evidence": "Sáng kiến số hoá hồ sơ"}),
            (
                unit_a,
                "reform",
                {"points": "30.00", "evidence": "Sáng kiến số hoá hồ sơ"},
                {"points": "32.50", "evidence": "Hai sáng kiến"},
            ),
        ]
        assert ManualScore.objects.get().points == Decimal("32.50")


def test_the_demo_scheme_adds_up_to_100_and_is_left_alone_once_made(db):
    record = services.emulation_seed_demo_scheme(year=YEAR)
    criteria = list(record.criteria.values_list("code", "max_points", "metric", "target"))
    assert sum(points for _code, points, _metric, _target in criteria) == Decimal(100)
    # From 2026 ten of the on-time rate's points go to the national index's total.
    assert criteria[0] == ("on-time", Decimal("30.00"), "on_time_rate", Decimal("90.00"))
    assert criteria[-2] == ("index766", Decimal("10.00"), "index766_total", Decimal("80.00"))
    assert criteria[-1] == ("reform-initiatives", Decimal("10.00"), "", None)
    assert len(criteria) == 8

    services.emulation_seed_demo_scheme(year=YEAR)
    assert Criterion.objects.count() == 8
    earlier = services.emulation_seed_demo_scheme(year=YEAR - 1)
    assert earlier.criteria.get(code="on-time").max_points == Decimal("40.00")
    assert earlier.criteria.count() == 7


def test_the_demo_scores_2026_by_decree_335_with_illustrative_inputs(db, unit_a):
    from emulation.choices import HeadMethod, YearRule
    from emulation.models import HeadAssessment, StaffRating
    from tests.factories import ProcedureFactory, TenureFactory

    ProcedureFactory(unit=unit_a)
    head = TenureFactory(unit=unit_a, start_date=datetime.date(2025, 1, 1))
    record = services.emulation_seed_demo_scheme(year=2026)
    assert (record.head_method, record.year_rule) == (HeadMethod.DECREE_335, YearRule.MONTH_MEAN)
    assert HeadAssessment.objects.get(tenure=head).general_points == Decimal(27)
    assert StaffRating.objects.get(unit=unit_a).document_number.endswith("(minh hoạ)")
    earlier = services.emulation_seed_demo_scheme(year=2025)
    assert (earlier.head_method, earlier.year_rule) == (HeadMethod.SCHEME, YearRule.WHOLE_YEAR)
