"""A year's lifecycle: draft, finalised (frozen), reopened with a reason; every step audited."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.exceptions import ConflictError
from emulation import services
from emulation.choices import AuditAction, YearStatus
from emulation.models import AuditEntry, Criterion, CriterionScore, EmulationYear, ManualScore, UnitScore

from .conftest import TODAY, YEAR, criterion, on_time, procedure_of, roll_up

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(scheme, unit_a, officer_a, office_staff, after_the_year):
    """2026 scored: unit A with one dossier on time and 30 manual points."""
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    roll_up()
    services.manual_score_set(
        year=YEAR,
        unit=unit_a,
        criterion=scheme.criteria.get(code="reform"),
        points=Decimal(30),
        evidence="Đề án số hoá",
        by=office_staff,
    )
    services.emulation_compute(year=YEAR, by=office_staff, today=TODAY)
    return services.council_decision_record(year=YEAR, number="01/QĐ-HĐTĐKT", date=D(2026, 12, 16), by=None)


@pytest.fixture
def finalised(computed, office_staff):
    return services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)


def snapshot():
    """Everything a frozen year must keep."""
    return (
        list(UnitScore.objects.values_list("unit__code", "total", "band", "rank")),
        list(CriterionScore.objects.order_by("pk").values_list("code", "points")),
        list(ManualScore.objects.values_list("unit__code", "points", "evidence")),
        list(Criterion.objects.order_by("position").values_list("code", "max_points", "target")),
        EmulationYear.objects.values_list("computed_at", "outstanding_min").get(year=YEAR),
    )


class TestFinalised:
    def test_finalising_records_who_and_when_and_is_audited(self, finalised, office_staff):
        record = EmulationYear.objects.get(year=YEAR)
        assert (record.status, record.finalised_by) == (YearStatus.FINALISED, office_staff)
        entry = AuditEntry.objects.get(action=AuditAction.FINALISED)
        assert (entry.by, entry.before, entry.after["status"], entry.after["units"]) == (
            office_staff,
            {"status": "draft"},
            "finalised",
            1,
        )

    def test_recomputing_is_refused_and_changes_nothing(self, finalised):
        before = snapshot()
        with pytest.raises(ConflictError) as refused:
            services.emulation_compute(year=YEAR, today=TODAY + datetime.timedelta(days=3))
        assert refused.value.code == "finalised"
        assert refused.value.message == (
            "Year 2026 is finalised: its scores can no longer be recomputed. Reopen it first, stating why."
        )
        assert snapshot() == before

    def test_editing_manual_points_is_refused_and_changes_nothing(self, finalised, unit_a, office_staff):
        before, audit = snapshot(), AuditEntry.objects.count()
        with pytest.raises(ConflictError, match="its manual points can no longer be changed"):
            services.manual_score_set(
                year=YEAR,
                unit=unit_a,
                criterion=Criterion.objects.get(code="reform"),
                points=Decimal(40),
                evidence="Sửa",
                by=office_staff,
            )
        assert (snapshot(), AuditEntry.objects.count()) == (before, audit)

    def test_editing_the_scheme_is_refused_and_changes_nothing(self, finalised):
        before = snapshot()
        with pytest.raises(ConflictError, match="its scoring scheme can no longer be changed"):
            services.scheme_update(
                year=YEAR,
                criteria=[criterion("reform", 100)],
                outstanding_min=Decimal(80),
                good_min=Decimal(70),
                completed_min=Decimal(50),
                min_tenure_months=6,
            )
        assert snapshot() == before

    def test_the_nightly_run_skips_it(self, finalised):
        before = snapshot()
        assert services.emulation_recompute_drafts(today=TODAY) == {"computed": [], "skipped": {}}
        assert snapshot() == before

    def test_finalising_twice_is_refused(self, finalised, office_staff):
        with pytest.raises(ConflictError, match="already finalised"):
            services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)


class TestFinalisingNeedsAFinishedComputedYear:
    def test_not_before_the_year_is_over(self, computed, office_staff):
        with pytest.raises(ConflictError) as refused:
            services.emulation_finalise(year=YEAR, by=office_staff, today=D(2026, 12, 14))
        assert refused.value.message == "Year 2026 runs until 14/12/2026; it can be finalised from 15/12/2026."

    def test_not_while_the_scores_are_out_of_date(self, computed, unit_a, office_staff):
        services.manual_score_set(
            year=YEAR,
            unit=unit_a,
            criterion=Criterion.objects.get(code="reform"),
            points=Decimal(35),
            evidence="Bổ sung",
            by=office_staff,
        )
        assert EmulationYear.objects.get(year=YEAR).is_stale is True
        with pytest.raises(ConflictError, match="recompute before finalising"):
            services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
        assert EmulationYear.objects.get(year=YEAR).status == YearStatus.DRAFT

    def test_not_with_scores_computed_before_the_year_ended(self, computed, office_staff):
        EmulationYear.objects.filter(year=YEAR).update(scored_to=D(2026, 11, 30))
        with pytest.raises(ConflictError, match="over the whole year"):
            services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)

    def test_not_without_scores(self, scheme, office_staff):
        with pytest.raises(ConflictError, match="Compute the scores of 2026"):
            services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)


class TestReopen:
    def test_reopening_needs_a_reason(self, finalised, office_staff):
        with pytest.raises(ValidationError) as refused:
            services.emulation_reopen(year=YEAR, by=office_staff, reason="   ")
        assert refused.value.message_dict == {"reason": ["Say why the year is reopened."]}
        assert EmulationYear.objects.get(year=YEAR).status == YearStatus.FINALISED

    def test_reopening_with_a_reason_is_audited_and_allows_corrections(self, finalised, unit_a, office_staff):
        services.emulation_reopen(year=YEAR, by=office_staff, reason="Cục QLD bổ sung minh chứng sáng kiến")

        entry = AuditEntry.objects.get(action=AuditAction.REOPENED)
        assert (entry.by, entry.reason, entry.before["status"], entry.after) == (
            office_staff,
            "Cục QLD bổ sung minh chứng sáng kiến",
            "finalised",
            {"status": "draft"},
        )
        services.manual_score_set(
            year=YEAR,
            unit=unit_a,
            criterion=Criterion.objects.get(code="reform"),
            points=Decimal(40),
            evidence="Ba sáng kiến",
            by=office_staff,
        )
        services.emulation_compute(year=YEAR, today=TODAY)
        assert UnitScore.objects.get(unit=unit_a).total == Decimal("100.00")

    def test_a_draft_cannot_be_reopened(self, computed, office_staff):
        with pytest.raises(ConflictError, match="is not finalised"):
            services.emulation_reopen(year=YEAR, by=office_staff, reason="x")


def test_the_nightly_run_recomputes_drafts_and_reports_those_it_cannot(computed, office_staff):
    services.emulation_year_create(year=2027)  # no criteria yet
    services.emulation_seed_demo_scheme(year=2025)  # no statistics in 2025
    result = services.emulation_recompute_drafts(today=TODAY)
    assert result["computed"] == [2026]
    assert result["skipped"] == {
        2025: "There are no statistics for 2025 (15/12/2024 – 14/12/2025): compute the daily statistics first, "
        "then the scores.",
        2027: "The criteria of 2027 add up to 0.00 points; they must add up to exactly 100.",
    }
