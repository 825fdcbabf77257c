"""The national index for many scopes and periods at once (``grouped_counts``, ``index766_grouped``):
the same counts as one index at a time, in a fixed number of queries."""

import datetime
import itertools

import pytest

from procedures.choices import OnlineService
from stats.index766 import counts, grouped_counts, index766, index766_grouped, month_periods
from stats.models import DailyStat, FeedbackDailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 4, 1)


@pytest.fixture
def spread(ministry, unit_a, unit_a1, unit_b):
    """Rollup rows for units A, A1 (under A) and B over January–March 2026, with varied counts."""
    procedures = {}
    for unit, (fee, service) in itertools.product(
        (unit_a, unit_a1, unit_b), [(False, OnlineService.NONE), (True, OnlineService.FULL)]
    ):
        procedures[(unit.pk, fee)] = ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit, has_fee=fee, online_service=service), effective_from=D(2020, 1, 1)
        ).procedure
    for number, (unit, fee, day) in enumerate(
        itertools.product((unit_a, unit_a1, unit_b), (False, True), (D(2026, 1, 31), D(2026, 2, 14), D(2026, 3, 31)))
    ):
        procedure = procedures[(unit.pk, fee)]
        DailyStat.objects.create(
            day=day,
            unit=unit,
            procedure=procedure,
            field_id=procedure.field_id,
            received_online=number % 3,
            received_in_person=number % 4 + 1,
            paid_online=number % 2 if fee else 0,
            ended_on_time=number % 5,
            ended_late=number % 2,
            open_within_deadline=number % 3 + 1,
            open_overdue=number % 2,
            received_online_e_result=number % 3 // 2,
            rated_unsatisfied=number % 2,
        )
    for unit, day in itertools.product((unit_a, unit_a1, unit_b), (D(2026, 1, 5), D(2026, 3, 9))):
        FeedbackDailyStat.objects.create(day=day, unit=unit, received=2, handled_on_time=1, handled_late=1)
    return {"scopes": [None, ministry, unit_a, unit_a1, unit_b]}


def test_grouped_counts_equal_one_index_at_a_time(spread):
    months = month_periods(D(2026, 1, 1), D(2026, 3, 31))
    found = grouped_counts(scopes=spread["scopes"], periods=months, today=TODAY)

    assert len(found) == len(spread["scopes"]) * 3
    for scope, period in itertools.product(spread["scopes"], months):
        single = counts(date_from=period[0], date_to=period[1], unit=scope, today=TODAY)
        assert found[(scope.pk if scope else None, period)] == single
    # Overlapping scopes: a parent holds its sub-units.
    march = months[2]
    assert (
        found[(spread["scopes"][2].pk, march)]["received_in_person"]
        > found[(spread["scopes"][3].pk, march)]["received_in_person"]
    )


def test_the_read_scope_limits_every_scope(spread, unit_a, unit_a1):
    period = (D(2026, 1, 1), D(2026, 3, 31))
    found = grouped_counts(scopes=[None, unit_a], periods=[period], unit_ids=[unit_a1.pk], today=TODAY)

    only_a1 = counts(date_from=period[0], date_to=period[1], unit=unit_a1, today=TODAY)
    assert found[(None, period)] == only_a1
    assert found[(unit_a.pk, period)] == only_a1


def test_the_catalogue_counts_every_period_as_it_stood_then(spread, unit_a):
    months = month_periods(D(2026, 1, 1), D(2026, 3, 31))
    found = grouped_counts(scopes=[unit_a], periods=months, today=TODAY)

    assert found[(unit_a.pk, months[0])]["procedures"] == 4  # A's two and A1's two
    assert found[(unit_a.pk, months[2])]["procedures"] == 4


def test_grouped_indexes_equal_single_indexes(spread):
    months = month_periods(D(2026, 1, 1), D(2026, 3, 31))
    found = index766_grouped(scopes=spread["scopes"], periods=months, today=TODAY)

    for scope, period in itertools.product(spread["scopes"], months):
        single = index766(date_from=period[0], date_to=period[1], unit=scope, today=TODAY)
        grouped = found[(scope.pk if scope else None, period)]
        assert (grouped.total, grouped.points, grouped.counted_maximum) == (
            single.total,
            single.points,
            single.counted_maximum,
        )
        assert grouped.unit == scope


def test_many_scopes_and_months_cost_the_same_few_queries(spread, django_assert_max_num_queries):
    months = month_periods(D(2026, 1, 1), D(2026, 12, 31))
    # The configuration, the units in scope, three rollup queries, the catalogue's versions, the
    # flags' history and the receipts per procedure.
    with django_assert_max_num_queries(8):
        found = index766_grouped(scopes=spread["scopes"], periods=months, today=TODAY)
    assert len(found) == 5 * 12


def test_overlapping_periods_are_counted_each_whole(spread, unit_a):
    month, quarter = (D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 1, 1), D(2026, 3, 31))
    found = grouped_counts(scopes=[unit_a], periods=[month, quarter], today=TODAY)

    for period in (month, quarter):
        assert found[(unit_a.pk, period)] == counts(date_from=period[0], date_to=period[1], unit=unit_a, today=TODAY)
    assert found[(unit_a.pk, quarter)]["received_in_person"] > found[(unit_a.pk, month)]["received_in_person"]


def test_month_periods_are_clipped_to_the_range():
    assert month_periods(D(2026, 1, 15), D(2026, 3, 10)) == [
        (D(2026, 1, 15), D(2026, 1, 31)),
        (D(2026, 2, 1), D(2026, 2, 28)),
        (D(2026, 3, 1), D(2026, 3, 10)),
    ]


def test_the_procedures_counted_are_those_in_force_on_the_periods_last_day(unit_a):
    from procedures.choices import ChangeKind
    from procedures.models import Procedure

    kept = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a), effective_from=D(2020, 1, 1)).procedure
    ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a), effective_from=D(2026, 4, 2))  # not yet
    abolished = ProcedureFactory(unit=unit_a)
    ProcedureVersionFactory(procedure=abolished, effective_from=D(2020, 1, 1), effective_to=D(2026, 2, 28))
    ProcedureVersionFactory(procedure=abolished, effective_from=D(2026, 3, 1), change_kind=ChangeKind.ABOLISHED)
    ended = ProcedureVersionFactory(
        procedure=ProcedureFactory(unit=unit_a), effective_from=D(2020, 1, 1), effective_to=D(2026, 3, 30)
    ).procedure

    period = (D(2026, 3, 1), D(2026, 3, 31))
    found = grouped_counts(scopes=[unit_a], periods=[period], today=TODAY)[(unit_a.pk, period)]
    assert found["procedures"] == Procedure.objects.in_force_on(D(2026, 3, 31)).count() == 1
    assert {kept.pk} == set(Procedure.objects.in_force_on(D(2026, 3, 31)).values_list("pk", flat=True))
    assert ended.pk != kept.pk
