"""Computing a year: unit scores over subtrees, leaders over their own windows, ranks, no-data rule."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from emulation import selectors, services
from emulation.choices import Band, LineStatus
from emulation.models import CriterionScore, EmulationYear, LeaderScore, UnitScore
from tests.factories import PersonFactory, TenureFactory, UnitFactory, UserFactory
from units.choices import TenureRole

from .conftest import (
    TODAY,
    YEAR,
    criterion,
    late,
    local,
    make_scheme,
    on_time,
    procedure_of,
    roll_up,
    some_statistics,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def line(score, code) -> CriterionScore:
    return score.lines.get(code=code)


class TestHeadReplacedOnFirstJuly:
    """Unit A: every dossier before July on time; after July half of them late."""

    @pytest.fixture
    def world(self, scheme, unit_a, officer_a, office_staff, after_the_year):
        procedure = procedure_of(unit_a)
        for monday in (D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23)):
            on_time(procedure, officer_a, monday)
        for monday in (D(2026, 7, 6), D(2026, 7, 13)):
            on_time(procedure, officer_a, monday)
        for monday in (D(2026, 7, 20), D(2026, 7, 27)):
            late(procedure, officer_a, monday)
        roll_up()
        reform = scheme.criteria.get(code="reform")
        services.manual_score_set(
            year=YEAR, unit=unit_a, criterion=reform, points=Decimal(30), evidence="QĐ 12/QĐ-BYT", by=office_staff
        )
        first = TenureFactory(
            person=PersonFactory(full_name="Vũ Tuấn Cường"),
            unit=unit_a,
            start_date=D(2024, 1, 1),
            end_date=D(2026, 6, 30),
        )
        second = TenureFactory(person=PersonFactory(full_name="Lê Thị Hoa"), unit=unit_a, start_date=D(2026, 7, 1))
        # A deputy is not a head: no leader score.
        TenureFactory(unit=unit_a, role=TenureRole.DEPUTY, start_date=D(2025, 1, 1))
        services.emulation_compute(year=YEAR, by=office_staff, today=TODAY)
        return first, second

    def test_each_leader_is_scored_on_the_dossiers_of_their_own_window(self, world):
        first, second = world
        before = LeaderScore.objects.get(tenure=first)
        after = LeaderScore.objects.get(tenure=second)

        assert (before.window_start, before.window_end) == (D(2025, 12, 15), D(2026, 6, 30))
        on_time_before = line(before, "on-time")
        assert (on_time_before.value, on_time_before.numerator, on_time_before.denominator) == (Decimal("100.00"), 4, 4)
        assert on_time_before.points == Decimal("60.00")

        assert (after.window_start, after.window_end) == (D(2026, 7, 1), D(2026, 12, 14))
        on_time_after = line(after, "on-time")
        assert (on_time_after.value, on_time_after.numerator, on_time_after.denominator) == (Decimal("50.00"), 2, 4)
        assert on_time_after.points == Decimal("33.33")  # 50 × 60 / 90

    def test_the_leaders_carry_the_units_manual_points_and_get_their_own_totals(self, world):
        first, second = world
        before = LeaderScore.objects.get(tenure=first)
        after = LeaderScore.objects.get(tenure=second)
        assert line(before, "reform").points == line(after, "reform").points == Decimal("30.00")
        assert (before.total, before.band, before.classified, before.rank) == (
            Decimal("90.00"),
            Band.OUTSTANDING,
            True,
            1,
        )
        # 1 July – 14 December is five and a half months of the reporting year: listed, not classified.
        assert (after.total, after.band, after.classified, after.rank) == (Decimal("63.33"), "", False, None)

    def test_the_units_score_covers_the_whole_year(self, world, unit_a):
        score = UnitScore.objects.get(unit=unit_a)
        on_time_line = line(score, "on-time")
        assert (on_time_line.value, on_time_line.numerator, on_time_line.denominator) == (Decimal("75.00"), 6, 8)
        assert (score.window_start, score.window_end) == (D(2025, 12, 15), D(2026, 12, 14))
        # 75 × 60 / 90 = 50.00, plus 30 manual points: "good" by the points, but 2 of the 8
        # dossiers were late (25% behind schedule, above the 20% "completed" allows).
        assert (score.points, score.applicable_max, score.total, score.band_by_points, score.rank) == (
            Decimal("80.00"),
            Decimal("100.00"),
            Decimal("80.00"),
            Band.GOOD,
            1,
        )
        assert (score.behind_share, score.band) == (Decimal("25.00"), Band.NOT_COMPLETED)
        assert selectors.band_explanation(score, score.year) == (
            "25.00% of the dossiers were behind schedule: “Tasks completed well” allows at most 0.00%; "
            "“Tasks completed” allows at most 20.00%. The band is “Tasks not completed”."
        )

    def test_the_manual_line_keeps_its_evidence(self, world, unit_a):
        reform = line(UnitScore.objects.get(unit=unit_a), "reform")
        assert (reform.status, reform.evidence, reform.value) == (LineStatus.MANUAL, "QĐ 12/QĐ-BYT", None)

    def test_the_year_records_when_and_up_to_which_day_it_was_computed(self, world, office_staff):
        year = EmulationYear.objects.get(year=YEAR)
        assert (year.computed_by, year.scored_to, year.is_stale) == (office_staff, D(2026, 12, 14), False)


def test_a_four_month_tenure_is_scored_but_not_classified(scheme, unit_a, officer_a, after_the_year):
    procedure = procedure_of(unit_a)
    on_time(procedure, officer_a, D(2026, 3, 2))
    roll_up()
    tenure = TenureFactory(unit=unit_a, start_date=D(2026, 3, 1), end_date=D(2026, 6, 30))

    services.emulation_compute(year=YEAR, today=TODAY)

    score = LeaderScore.objects.get(tenure=tenure)
    assert (score.window_start, score.window_end, score.days) == (D(2026, 3, 1), D(2026, 6, 30), 122)
    # 60 points on time, the reform criterion not entered yet (0 of 40).
    assert (score.total, score.classified, score.band, score.rank) == (Decimal("60.00"), False, "", None)


def test_the_minimum_tenure_is_a_setting_of_the_year(unit_a, officer_a, after_the_year):
    make_scheme(YEAR, [criterion("on-time", 100, "on_time_rate", 90)], min_tenure_months=4)
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    roll_up()
    tenure = TenureFactory(unit=unit_a, start_date=D(2026, 3, 1), end_date=D(2026, 6, 30))

    services.emulation_compute(year=YEAR, today=TODAY)

    assert LeaderScore.objects.values_list("classified", "band", "rank").get(tenure=tenure) == (
        True,
        Band.OUTSTANDING,
        1,
    )


def test_a_units_score_includes_its_sub_units(scheme, unit_a, unit_a1, officer_a, after_the_year):
    officer_a1 = UserFactory(username="officer_a1")
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    late(procedure_of(unit_a1), officer_a1, D(2026, 3, 2))
    roll_up()

    services.emulation_compute(year=YEAR, today=TODAY)

    parent = line(UnitScore.objects.get(unit=unit_a), "on-time")
    child = line(UnitScore.objects.get(unit=unit_a1), "on-time")
    assert (parent.numerator, parent.denominator, parent.value) == (1, 2, Decimal("50.00"))
    assert (child.numerator, child.denominator, child.value) == (0, 1, Decimal("0.00"))


class TestNoData:
    def test_a_rate_with_no_dossiers_is_not_applicable_and_the_total_is_scaled(
        self, unit_a, unit_b, officer_a, office_staff, after_the_year
    ):
        # Given a scheme of 60 points on time, 30 points online rate and 10 by hand
        make_scheme(
            YEAR,
            [
                criterion("on-time", 60, "on_time_rate", 90),
                criterion("online", 30, "online_rate", 50),
                criterion("reform", 10),
            ],
        )
        on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
        procedure_of(unit_b)  # unit B resolves a procedure but received nothing this year
        roll_up()
        reform = EmulationYear.objects.get(year=YEAR).criteria.get(code="reform")
        services.manual_score_set(year=YEAR, unit=unit_b, criterion=reform, points=Decimal(8), evidence="x", by=None)

        services.emulation_compute(year=YEAR, today=TODAY)

        # Then unit B's rates do not apply: 8 of 10 applicable points → 80.00
        score_b = UnitScore.objects.get(unit=unit_b)
        assert [(each.code, each.status, each.points) for each in score_b.lines.order_by("position")] == [
            ("on-time", LineStatus.NOT_APPLICABLE, None),
            ("online", LineStatus.NOT_APPLICABLE, None),
            ("reform", LineStatus.MANUAL, Decimal("8.00")),
        ]
        assert (score_b.points, score_b.applicable_max, score_b.total, score_b.is_scaled) == (
            Decimal("8.00"),
            Decimal("10.00"),
            Decimal("80.00"),
            True,
        )
        # …while unit A, with every criterion measured, is not scaled: 60 + 30 + 0 (reform not entered)
        score_a = UnitScore.objects.get(unit=unit_a)
        assert (score_a.total, score_a.is_scaled) == (Decimal("90.00"), False)
        assert line(score_a, "reform").status == LineStatus.MANUAL_MISSING

    def test_a_year_without_statistics_is_refused_naming_the_year_and_nothing_is_written(
        self, scheme, unit_a, after_the_year
    ):
        procedure_of(unit_a)
        with pytest.raises(ValidationError) as refused:
            services.emulation_compute(year=YEAR, today=TODAY)
        assert refused.value.message_dict == {
            "year": [
                "There are no statistics for 2026 (15/12/2025 – 14/12/2026): compute the daily statistics first, "
                "then the scores."
            ]
        }
        assert (UnitScore.objects.count(), LeaderScore.objects.count(), CriterionScore.objects.count()) == (0, 0, 0)
        assert EmulationYear.objects.get(year=YEAR).computed_at is None

    def test_a_year_without_a_scheme_is_refused(self, db):
        with pytest.raises(ValidationError, match="no scoring scheme for 2031"):
            services.emulation_compute(year=2031, today=TODAY)


def test_the_ministry_and_units_without_procedures_are_not_scored(
    scheme, ministry, office_unit, unit_a, unit_a1, unit_b, officer_a, after_the_year
):
    procedure = procedure_of(unit_a1)  # A resolves nothing itself, but its sub-unit does
    procedure_of(UnitFactory(code="OLD", parent=ministry, is_active=False))
    some_statistics(unit_a1, procedure)

    services.emulation_compute(year=YEAR, today=TODAY)

    assert set(UnitScore.objects.values_list("unit__code", flat=True)) == {"QLD", "QLD_KD"}


def test_equal_totals_share_a_rank(ministry, after_the_year):
    # Given four units scored by hand only: 9, 8, 8 and 5 points of 10
    make_scheme(YEAR, [criterion("on-time", 90, "on_time_rate", 90), criterion("reform", 10)])
    reform = EmulationYear.objects.get(year=YEAR).criteria.get(code="reform")
    units = [UnitFactory(code=code, parent=ministry) for code in ("U1", "U2", "U3", "U4")]
    for unit, points in zip(units, (9, 8, 8, 5), strict=True):
        some_statistics(unit, procedure_of(unit))
        services.manual_score_set(year=YEAR, unit=unit, criterion=reform, points=Decimal(points), evidence="x", by=None)

    services.emulation_compute(year=YEAR, today=TODAY)

    ranking = list(UnitScore.objects.order_by("rank", "unit__code").values_list("unit__code", "total", "rank"))
    assert ranking == [
        ("U1", Decimal("90.00"), 1),
        ("U2", Decimal("80.00"), 2),
        ("U3", Decimal("80.00"), 2),
        ("U4", Decimal("50.00"), 4),
    ]


def test_catalogue_metrics_count_the_subtrees_procedures_in_force(unit_a, unit_a1, after_the_year):
    make_scheme(
        YEAR,
        [
            criterion("internal", 50, "internal_procedure_share", 100),
            criterion("portal", 50, "portal_integration_share", 80),
        ],
    )
    first = procedure_of(unit_a)
    first.internal_procedure_issued = first.portal_integrated = True
    first.save()
    second = procedure_of(unit_a1)
    second.internal_procedure_issued = True
    second.save()
    abolished = procedure_of(unit_a)  # not in force at the end of the year: not counted
    abolished.versions.update(effective_to=D(2026, 1, 31))
    procedure_of(unit_a1)
    some_statistics(unit_a, first)

    services.emulation_compute(year=YEAR, today=TODAY)

    score = UnitScore.objects.get(unit=unit_a)
    internal, portal = line(score, "internal"), line(score, "portal")
    assert (internal.numerator, internal.denominator, internal.value, internal.points) == (
        2,
        3,
        Decimal("66.67"),
        Decimal("33.34"),
    )
    assert (portal.numerator, portal.denominator, portal.value, portal.points) == (
        1,
        3,
        Decimal("33.33"),
        Decimal("20.83"),
    )


def test_a_running_year_is_scored_up_to_yesterday(scheme, unit_a, officer_a):
    with time_machine.travel(local(2026, 5, 10, 9), tick=False):
        on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
        roll_up()
        record = services.emulation_compute(year=YEAR)
    assert record.scored_to == D(2026, 5, 9)
    assert UnitScore.objects.get(unit=unit_a).window_end == D(2026, 5, 9)


def test_recomputing_replaces_the_results(scheme, unit_a, officer_a, after_the_year):
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    roll_up()
    TenureFactory(unit=unit_a, start_date=D(2024, 1, 1))
    services.emulation_compute(year=YEAR, today=TODAY)
    fields = ("code", "points", "unit_score__unit", "leader_score__tenure")
    first = set(CriterionScore.objects.values_list(*fields))

    services.emulation_compute(year=YEAR, today=TODAY)

    assert (UnitScore.objects.count(), LeaderScore.objects.count(), CriterionScore.objects.count()) == (1, 1, 4)
    assert set(CriterionScore.objects.values_list(*fields)) == first
