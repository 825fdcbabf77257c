"""The national index (Decision 766): the issue's worked example through the real services and
rollups, then each computed indicator's numerator, denominator and "not applicable" from rollup
rows, the threshold rule, the not-applicable rules, the configuration and the query budget."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.choices import OnlineService
from stats.choices import NotApplicableRule
from stats.index766 import COMPUTED, NOT_APPLICABLE, NOT_AVAILABLE, index766, override_errors, rate_points
from stats.models import DailyStat, FeedbackDailyStat, Index766Config
from tests.factories import ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = {"date_from": D(2026, 3, 1), "date_to": D(2026, 3, 31)}


def test_the_issues_worked_example(worked_example, unit_a):
    index = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1))

    progress, online, satisfaction = index.indicator("2.1"), index.indicator("3.3"), index.indicator("5.4")
    assert (progress.numerator, progress.denominator, progress.rate, progress.points) == (
        8,
        10,
        Decimal("80.00"),
        Decimal("16.00"),
    )
    assert (online.numerator, online.denominator, online.rate) == (3, 10, Decimal("30.00"))
    assert online.points == Decimal("2.40")  # 30 / 50 of its maximum (4)
    assert (satisfaction.rate, satisfaction.points, satisfaction.maximum) == (
        Decimal("70.00"),
        Decimal("4.67"),
        Decimal("6"),
    )
    assert progress.lost == Decimal("4.00")
    # The counts added to the rollups for the index, through the nightly computation.
    assert (index.indicator("4.1").numerator, index.indicator("4.1").denominator) == (3, 7)
    assert (index.indicator("4.2a").numerator, index.indicator("4.2a").denominator) == (2, 10)


def test_the_index_of_a_parent_unit_includes_its_sub_units_and_another_unit_is_left_out(
    worked_example, ministry, unit_b
):
    assert index766(**MARCH, unit=ministry, today=D(2026, 4, 1)).indicator("2.1").denominator == 10
    assert index766(**MARCH, unit=unit_b, today=D(2026, 4, 1)).indicator("2.1").status == NOT_APPLICABLE


# --- One indicator at a time, from rollup rows ------------------------------------------------


@pytest.fixture
def rows(unit_a):
    """``rows(day=…, **counts)``: a DailyStat row of unit A's procedure (fee-bearing if ``fee``)."""
    procedures = {}

    def make(day=None, *, fee=False, online_service=OnlineService.NONE, **values):
        key = (fee, online_service)
        if key not in procedures:
            procedures[key] = ProcedureVersionFactory(
                procedure=ProcedureFactory(unit=unit_a, has_fee=fee, online_service=online_service),
                effective_from=D(2020, 1, 1),
            ).procedure
        procedure = procedures[key]
        return DailyStat.objects.create(
            day=day or D(2026, 3, 10), unit=unit_a, procedure=procedure, field_id=procedure.field_id, **values
        )

    return make


def figures(code, unit, **period):
    item = index766(**(period or MARCH), unit=unit, today=D(2026, 4, 1)).indicator(code)
    return item.numerator, item.denominator, item.rate, item.points, item.status


def test_2_1_progress_counts_ended_in_the_period_and_open_at_its_end(rows, unit_a):
    rows(ended_early=3, ended_on_time=2, ended_late=1)
    rows(day=D(2026, 3, 31), open_within_deadline=3, open_overdue=1)
    rows(day=D(2026, 3, 30), open_within_deadline=50)  # a stock before the last day is not read

    assert figures("2.1", unit_a) == (8, 10, Decimal("80.00"), Decimal("16.00"), COMPUTED)


def test_3_3_online_counts_only_electronic_results_of_procedures_with_a_paper_result(rows, unit_a):
    rows(received_online=4, received_online_e_result=3, received_in_person=5, received_postal=1)

    # The catalogue's default: a paper result (test_index766_indicators.py changes it).
    assert figures("3.3", unit_a) == (3, 10, Decimal("30.00"), Decimal("2.40"), COMPUTED)


def test_3_6_paid_online_over_dossiers_of_fee_bearing_procedures(rows, unit_a):
    rows(fee=True, received_online=3, received_in_person=1, paid_online=2)
    rows(received_in_person=7)  # no fee: not in the denominator

    assert figures("3.6", unit_a) == (2, 4, Decimal("50.00"), Decimal("3.00"), COMPUTED)


def test_4_1_electronic_results_over_resolved_dossiers(rows, unit_a):
    rows(ended_resolved=4, ended_refused=2, resolved_e_result=1)

    assert figures("4.1", unit_a) == (1, 4, Decimal("25.00"), Decimal("1.50"), COMPUTED)


def test_4_2_digitised_over_received_with_its_target(rows, unit_a):
    rows(received_in_person=10, received_digitised=8)

    assert figures("4.2a", unit_a) == (8, 10, Decimal("80.00"), Decimal("4.00"), COMPUTED)


def test_5_2_feedback_handled_on_time(unit_a):
    FeedbackDailyStat.objects.create(day=D(2026, 3, 3), unit=unit_a, handled_on_time=3, handled_late=1)

    assert figures("5.2", unit_a) == (3, 4, Decimal("75.00"), Decimal("4.50"), COMPUTED)


def test_5_4_counts_feedback_about_dossiers_with_dislikes(rows, unit_a):
    rows(ended_on_time=9, ended_late=1, rated_unsatisfied=1)
    FeedbackDailyStat.objects.create(day=D(2026, 3, 3), unit=unit_a, received=2, received_about_dossier=1)

    # 100 − (10% late + 20% feedback or dislike) = 70 → 70 / 90 × 6.
    assert figures("5.4", unit_a) == (7, 10, Decimal("70.00"), Decimal("4.67"), COMPUTED)


def test_catalogue_indicators_count_procedures_in_force_on_the_periods_last_day(rows, unit_a):
    rows(online_service=OnlineService.FULL, received_online=2)
    rows(online_service=OnlineService.PARTIAL)
    rows(fee=True, paid_online=1, received_online=1)
    rows()

    assert figures("3.1", unit_a) == (2, 4, Decimal("50.00"), Decimal("2.50"), COMPUTED)
    assert figures("3.2", unit_a) == (1, 2, Decimal("50.00"), Decimal("2.00"), COMPUTED)
    assert figures("3.5b", unit_a) == (1, 1, Decimal("100.00"), Decimal("2.00"), COMPUTED)
    # An earlier period, with the catalogue as it stood then (unchanged here; the history's own
    # tests are in test_index766_indicators.py).
    past = figures("3.1", unit_a, date_from=D(2026, 2, 1), date_to=D(2026, 2, 28))
    assert past == (2, 4, Decimal("50.00"), Decimal("2.50"), COMPUTED)


@pytest.mark.parametrize(
    "code",
    ["1.1", "1.2", "1.3", "1.4", "2.1", "3.1", "3.3", "3.5a", "3.6", "4.1", "4.2a", "4.3", "4.4", "4.5a", "4.5b"]
    + ["5.2", "5.3", "5.4"],
)
def test_an_indicator_with_nothing_to_divide_is_not_applicable_and_left_out(unit_a, code):
    index = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1))
    item = index.indicator(code)

    assert (item.denominator or 0, item.rate, item.points, item.status, item.counted) == (
        0,
        None,
        None,
        NOT_APPLICABLE,
        False,
    )


@pytest.mark.parametrize("code", ["2.2", "4.2b"])
def test_an_indicator_whose_inputs_are_not_recorded_is_not_available_with_its_reason(rows, unit_a, code):
    rows(received_in_person=10, ended_on_time=10)
    item = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1)).indicator(code)

    assert (item.numerator, item.points, item.status, item.counted) == (None, None, NOT_AVAILABLE, False)
    assert item.reason


# --- The total, the rules and the configuration ------------------------------------------------


def test_the_total_is_on_100_over_the_indicators_counted(rows, unit_a):
    rows(ended_on_time=10, received_in_person=10, received_digitised=10)
    rows(day=D(2026, 3, 31))
    index = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1))

    counted = {item.code for group in index.groups for item in group.indicators if item.counted}
    assert counted == {"1.4", "2.1", "3.1", "3.3", "4.2a", "4.3", "4.4", "5.4"}
    # 1.4: 0/6 (nothing synchronised), 2.1: 20/20, 3.1: 0/4 (no procedure online), 3.3: 0/4,
    # 4.2: 4/4, 4.3: 0/2, 4.4: 0/4 (none from the data store), 5.4: 6/6 → 30 of 50.
    assert (index.points, index.counted_maximum) == (Decimal("30.00"), Decimal("50"))
    assert index.total == Decimal("60.00")
    assert sum(group.maximum for group in index.groups) == 100


def test_the_not_applicable_rule_of_the_year(rows, unit_a):
    rows(ended_on_time=10)
    Index766Config.objects.create(year=2026, not_applicable_rule=NotApplicableRule.FULL)
    item = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1)).indicator("5.2")
    assert (item.status, item.points, item.counted) == (NOT_APPLICABLE, Decimal("6"), True)

    Index766Config.objects.filter(year=2026).update(not_applicable_rule=NotApplicableRule.ZERO)
    item = index766(**MARCH, unit=unit_a, today=D(2026, 4, 1)).indicator("5.2")
    assert (item.points, item.counted, item.lost) == (Decimal("0"), True, Decimal("6"))


def test_points_and_targets_are_configured_per_year(rows, unit_a):
    rows(received_online=3, received_online_e_result=3, received_in_person=7)
    Index766Config.objects.create(year=2026, overrides={"3.3": {"points": 6, "target": None}})

    assert figures("3.3", unit_a) == (3, 10, Decimal("30.00"), Decimal("1.80"), COMPUTED)
    assert index766(date_from=D(2025, 3, 1), date_to=D(2025, 3, 31), unit=unit_a).indicator("3.3").maximum == 4


def test_the_threshold_rule():
    assert rate_points(Decimal("80"), Decimal("20"), None) == Decimal("16.00")
    assert rate_points(Decimal("30"), Decimal("4"), Decimal("50")) == Decimal("2.40")
    assert rate_points(Decimal("95"), Decimal("6"), Decimal("90")) == Decimal("6.00")


def test_bad_overrides_are_named():
    assert override_errors({"3.3": {"points": 4, "target": 50}}) == []
    assert len(override_errors({"9.9": {}, "3.3": {"points": -1}, "2.1": {"target": 0}, "5.4": {"x": 1}})) == 4


def test_the_index_costs_a_fixed_number_of_queries(rows, unit_a, django_assert_max_num_queries):
    for day in range(1, 29):
        rows(day=D(2026, 3, day), received_online=1, ended_on_time=1, open_within_deadline=1)
    # The configuration, the units in scope, three rollup queries, the catalogue's versions, the
    # flags' history and the receipts per procedure.
    with django_assert_max_num_queries(8):
        index766(**MARCH, unit=unit_a, today=D(2026, 4, 1))


def test_a_units_rollups_are_read_by_the_ids_of_its_subtree(rows, unit_a, unit_a1, unit_b):
    rows(ended_on_time=1)
    with CaptureQueriesContext(connection) as captured:
        index766(**MARCH, unit=unit_a, today=D(2026, 4, 1))
    rollup_reads = [query["sql"] for query in captured if "dailystat" in query["sql"]]
    # Flows, stocks, feedback and receipts per procedure: each names the subtree's units by id
    # (which lets PostgreSQL read them through an index on the unit) and none joins the units
    # (whose path condition made it scan every unit's rows of the period).
    assert len(rollup_reads) == 4
    for sql in rollup_reads:
        assert "units_unit" not in sql
        named = re.search(r'"unit_id" IN \(([\d, ]+)\)', sql)
        assert named and {int(pk) for pk in named.group(1).split(",")} == {unit_a.pk, unit_a1.pk}


def test_a_rollup_row_of_a_unit_no_longer_in_the_tree_is_not_counted(rows, unit_a):
    row = rows(ended_on_time=1)
    before = index766(**MARCH, unit=None, today=D(2026, 4, 1)).indicator("2.1").denominator
    # The rollups' unit has no foreign-key constraint: a row may outlive its unit.
    DailyStat.objects.create(
        day=D(2026, 3, 10), unit_id=unit_a.pk + 1000, procedure=row.procedure, field_id=row.field_id, ended_late=5
    )

    assert before == 1
    assert index766(**MARCH, unit=None, today=D(2026, 4, 1)).indicator("2.1").denominator == before
