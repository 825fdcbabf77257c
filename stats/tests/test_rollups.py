"""The rollups against direct counts from the dossiers, on random histories (hypothesis)."""

import datetime
import re
from collections import defaultdict

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from demo.generator import generate_dossiers
from dossiers import services
from dossiers.choices import Channel, EventKind, Outcome, Timeliness
from dossiers.deadlines import derive_state
from dossiers.models import Dossier, DossierEvent
from stats import rollups
from stats.choices import StatsRunStatus
from stats.models import DailyStat, StatsRun
from stats.selectors import form06, monthly_trend
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local
from tests.strategies import lives

D = datetime.date
NOW = local(2025, 12, 31, 20)
FIRST_DAY = D(2025, 9, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(unit_a, unit_a1, unit_b):
    for index, unit in enumerate([unit_a, unit_a1, unit_b, unit_a, unit_b]):
        ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit, online_service="partial", has_fee=index % 2 == 0),
            processing_days=2 + 3 * index,
        )


def state_at_end_of(dossier, day):
    """The dossier as its events up to the end of ``day`` make it (None before its receipt)."""
    events = [event for event in dossier.events.order_by("sequence") if event.on <= day]
    return derive_state(events, processing_days=dossier.processing_days) if events else None


def direct_form06(date_from, date_to, group_field):
    """Form 06 counted straight from the dossiers and their events, by the definitions: the stocks
    of a day from the events up to that day, never from a dossier's current status."""
    rows = defaultdict(lambda: defaultdict(int))
    for dossier in Dossier.objects.all():
        row = rows[getattr(dossier, group_field)]
        before = state_at_end_of(dossier, date_from - datetime.timedelta(days=1))
        if before is not None and before.is_open:
            row["carried_over"] += 1
        if date_from <= dossier.received_on <= date_to:
            row[f"received_{dossier.channel}"] += 1
            row["paid_online"] += dossier.fee_paid_online
        if dossier.ended_on and date_from <= dossier.ended_on <= date_to:
            row[f"resolved_{dossier.timeliness}"] += 1
        closing = state_at_end_of(dossier, date_to)
        if closing is not None and closing.is_open:
            overdue = closing.overdue_from is not None and closing.overdue_from <= date_to
            row["open_overdue" if overdue else "open_within_deadline"] += 1
    for event in DossierEvent.objects.filter(on__gte=date_from, on__lte=date_to).select_related("dossier"):
        row = rows[getattr(event.dossier, group_field)]
        if event.kind == EventKind.SUPPLEMENT_REQUESTED:
            row["supplement_requests"] += 1
        elif event.kind == EventKind.REAPPOINTED:
            row["reappointments"] += 1
        elif event.kind == EventKind.RATED:
            row["rated_satisfied" if event.dossier.satisfied else "rated_unsatisfied"] += 1
    cleaned = {key: {name: value for name, value in counts.items() if value} for key, counts in rows.items()}
    return {key: counts for key, counts in cleaned.items() if counts}


COMPARED = (
    "carried_over",
    "received_online",
    "received_in_person",
    "received_postal",
    "paid_online",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "open_within_deadline",
    "open_overdue",
    "supplement_requests",
    "reappointments",
    "rated_satisfied",
    "rated_unsatisfied",
)


def as_counts(row):
    return {name: getattr(row, name) for name in COMPARED if getattr(row, name)}


# Each example writes up to a hundred dossiers: no shrinking phase, so a failure is reported at once.
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    count=st.integers(1, 120),
    start_offset=st.integers(0, 120),
    length=st.integers(0, 60),
    group_by=st.sampled_from(["unit", "field", "procedure"]),
)
def test_rollups_equal_direct_counts(catalogue, seed, count, start_offset, length, group_by):
    # Given random histories of dossiers received since September
    DailyStat.objects.all().delete()
    DossierEvent.objects.all().delete()
    Dossier.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        generate_dossiers(count=count, start=FIRST_DAY, seed=seed)
        # When the rollups are computed for every day
        rollups.rollup_days(FIRST_DAY, NOW.date())
    # Then any period's Form 06, in any grouping, equals the direct count
    date_from = FIRST_DAY + datetime.timedelta(days=start_offset)
    date_to = min(date_from + datetime.timedelta(days=length), NOW.date())
    rows, totals = form06(date_from=date_from, date_to=date_to, group_by=group_by)
    expected = direct_form06(date_from, date_to, f"{group_by}_id")
    assert {row.key: as_counts(row) for row in rows if as_counts(row)} == expected
    total_expected = defaultdict(int)
    for counts in expected.values():
        for name, value in counts.items():
            total_expected[name] += value
    assert as_counts(totals) == dict(total_expected)
    # …and what is carried over equals what was in progress at the end of the previous period.
    if date_from > FIRST_DAY:
        previous = form06(date_from=FIRST_DAY, date_to=date_from - datetime.timedelta(days=1), group_by=group_by)[1]
        assert totals.carried_over == previous.open_total


def test_worked_example_rates():
    # 564 received, 551 resolved of which 550 on time or early, 13 in progress: 99.82%.
    from stats.selectors import Form06Row

    row = Form06Row(
        received_in_person=564, resolved_on_time=540, resolved_early=10, resolved_late=1, open_within_deadline=13
    )
    assert (row.received_total, row.resolved_total, row.open_total) == (564, 551, 13)
    assert str(row.on_time_rate) == "99.82"
    assert str(row.progress_rate) == "99.82"
    assert Form06Row().on_time_rate is None


class TestNightly:
    def receive(self, procedure, officer, at):
        return services.dossier_receive(
            procedure=procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="Trần Thị B"),
            received_at=at,
            by=officer,
        )

    def test_nightly_computes_yesterday_and_days_touched_by_late_syncs(self, catalogue, officer_a):
        procedure = ProcedureFactory._meta.model.objects.filter(unit__code="QLD").first()
        with time_machine.travel(local(2025, 11, 3, 18), tick=False):
            self.receive(procedure, officer_a, local(2025, 11, 3, 9))
        with time_machine.travel(local(2025, 11, 4, 1), tick=False):
            first = rollups.stats_nightly()
        assert (first.status, first.date_from, first.date_to) == (
            StatsRunStatus.SUCCEEDED,
            D(2025, 11, 3),
            D(2025, 11, 3),
        )
        assert DailyStat.objects.get(day=D(2025, 11, 3)).received_online == 1

        # A portal syncs, a week later, a dossier received on 5 November and ended on 6 November.
        with time_machine.travel(local(2025, 11, 12, 14), tick=False):
            late = self.receive(procedure, officer_a, local(2025, 11, 5, 9))
            services.dossier_end(dossier=late, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 6, 9))
        with time_machine.travel(local(2025, 11, 13, 1), tick=False):
            second = rollups.stats_nightly()
        assert (second.date_from, second.date_to) == (D(2025, 11, 5), D(2025, 11, 12))
        assert DailyStat.objects.get(day=D(2025, 11, 5)).received_online == 1
        assert DailyStat.objects.get(day=D(2025, 11, 6)).ended_early == 1
        assert StatsRun.objects.count() == 2

    def test_rerunning_a_range_changes_nothing(self, catalogue):
        with time_machine.travel(NOW, tick=False):
            generate_dossiers(count=60, start=FIRST_DAY)
            rollups.rollup_days(FIRST_DAY, NOW.date())
            before = list(DailyStat.objects.order_by("day", "unit", "procedure").values(*DailyStat.COUNT_FIELDS, "day"))
            rollups.stats_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 10, 31))
            after = list(DailyStat.objects.order_by("day", "unit", "procedure").values(*DailyStat.COUNT_FIELDS, "day"))
        assert before == after

    def test_a_failing_run_is_recorded_and_leaves_old_rows(self, catalogue, monkeypatch):
        with time_machine.travel(NOW, tick=False):
            generate_dossiers(count=30, start=FIRST_DAY)
            rollups.rollup_days(FIRST_DAY, NOW.date())
            rows = DailyStat.objects.count()

            def broken(start, end, **kwargs):
                raise RuntimeError("database went away")

            monkeypatch.setattr(rollups, "_write_chunk", broken)
            with pytest.raises(RuntimeError):
                rollups.stats_backfill(date_from=FIRST_DAY, date_to=NOW.date())
        run = StatsRun.objects.get()
        assert (run.status, "database went away" in run.error) == (StatsRunStatus.FAILED, True)
        assert DailyStat.objects.count() == rows


def test_monthly_trend_matches_form06_per_month(catalogue):
    with time_machine.travel(NOW, tick=False):
        generate_dossiers(count=150, start=FIRST_DAY)
        rollups.rollup_days(FIRST_DAY, NOW.date())
    points = monthly_trend(date_from=D(2025, 9, 15), date_to=D(2025, 12, 14))
    assert [point.month for point in points] == [D(2025, 9, 1), D(2025, 10, 1), D(2025, 11, 1), D(2025, 12, 1)]
    october = form06(date_from=D(2025, 10, 1), date_to=D(2025, 10, 31))[1]
    assert as_counts(points[1].figures) == as_counts(october)
    december = form06(date_from=D(2025, 12, 1), date_to=D(2025, 12, 14))[1]
    assert as_counts(points[3].figures) == as_counts(december)
    assert (
        points[0].figures.resolved_total == form06(date_from=D(2025, 9, 15), date_to=D(2025, 9, 30))[1].resolved_total
    )
    assert Timeliness.LATE  # the enum is imported for readers of the assertions above


def test_a_subtrees_form06_and_trend_read_its_units_by_id_and_add_up_its_units(catalogue, unit_a, unit_a1, unit_b):
    with time_machine.travel(NOW, tick=False):
        generate_dossiers(count=150, start=FIRST_DAY)
        rollups.rollup_days(FIRST_DAY, NOW.date())
    period = {"date_from": D(2025, 10, 1), "date_to": D(2025, 11, 30)}
    with CaptureQueriesContext(connection) as captured:
        rows, totals = form06(**period, subtree=unit_a)
        trend = monthly_trend(**period, subtree=unit_a)
    by_unit = {row.key: row for row in form06(**period)[0]}

    assert {row.key for row in rows} <= {unit_a.pk, unit_a1.pk}
    assert as_counts(totals) == as_counts(form06(**period, unit_ids=[unit_a.pk, unit_a1.pk])[1])
    assert totals.newly_received == by_unit[unit_a.pk].newly_received + by_unit[unit_a1.pk].newly_received > 0
    assert sum(point.figures.newly_received for point in trend) == totals.newly_received
    # The subtree is named by its units' ids (PostgreSQL then reads them through an index on
    # the unit), never by the path of the units joined to every rollup row of the period.
    rollup_reads = [query["sql"] for query in captured if "stats_dailystat" in query["sql"]]
    assert len(rollup_reads) == 5
    for sql in rollup_reads:
        assert "path" not in sql
        named = re.search(r'"unit_id" IN \(([\d, ]+)\)', sql)
        assert named and {int(pk) for pk in named.group(1).split(",")} == {unit_a.pk, unit_a1.pk}


# --- Day by day as the nightly task runs them, against one backfill afterwards -----------------------

SIMULATION_START = datetime.datetime(2025, 12, 20, tzinfo=datetime.UTC)


def _record(step, dossier, procedure, officer):
    """Record ``step`` through its service; a re-appointment the rules refuse is simply not made."""
    from django.core.exceptions import ValidationError

    from config.exceptions import ConflictError

    if step.kind == EventKind.RECEIVED:
        return services.dossier_receive(
            procedure=procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="Lê Văn C"),
            received_at=step.at,
            by=officer,
        )
    common = {"dossier": dossier, "by": officer, "at": step.at}
    if step.kind == EventKind.SUPPLEMENT_REQUESTED:
        return services.dossier_request_supplement(note="Bổ sung", **common)
    if step.kind == EventKind.SUPPLEMENT_RECEIVED:
        return services.dossier_receive_supplement(**common)
    if step.kind == EventKind.ENDED:
        return services.dossier_end(outcome=step.data["outcome"], note="Lý do", **common)
    try:
        return services.dossier_reappoint(
            new_date=datetime.date.fromisoformat(step.data["new_date"]), reason="Chờ thẩm định", **common
        )
    except (ConflictError, ValidationError):
        return dossier


def _rows_by_day():
    rows = defaultdict(set)
    for values in DailyStat.objects.values_list("day", "unit", "procedure", "field", *DailyStat.COUNT_FIELDS):
        rows[values[0]].add(values[1:])
    return rows


@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(
        st.tuples(
            lives(first=SIMULATION_START, span_days=25, max_steps=4, max_gap_days=5),
            # Most dossiers are recorded as they happen; some reach us days later (a late sync).
            st.sampled_from([0, 0, 0, 2, 9]),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_nightly_day_by_day_equals_one_backfill_afterwards(unit_a, officer_a, histories):
    from tests.factories import ProcedureFactory, ProcedureVersionFactory

    DailyStat.objects.all().delete()
    StatsRun.objects.all().delete()
    Dossier.objects.all().delete()
    procedures = {}
    recorded = []  # (recorded at, life number, step)
    for number, ((steps, days), delay) in enumerate(histories):
        if days not in procedures:
            procedures[days] = ProcedureVersionFactory(
                procedure=ProcedureFactory(unit=unit_a), processing_days=days
            ).procedure
        for step in steps:
            recorded.append((step.at + datetime.timedelta(days=delay, minutes=1), number, step))
    recorded.sort(key=lambda item: (item[0], item[1]))
    first_day = SIMULATION_START.date()
    last_day = max(item[0] for item in recorded).astimezone(datetime.UTC).date() + datetime.timedelta(days=2)

    dossiers = {}
    first_computed = {}  # day → (rows when the nightly first computed it, when)
    day = first_day
    while day <= last_day:
        night = datetime.datetime.combine(day, datetime.time(1, 0), tzinfo=local(2025, 1, 1).tzinfo)
        if day > first_day:
            with time_machine.travel(night, tick=False):
                run = rollups.stats_nightly()
            rows = _rows_by_day()
            for computed in range((run.date_to - run.date_from).days + 1):
                computed_day = run.date_from + datetime.timedelta(days=computed)
                first_computed.setdefault(computed_day, (rows.get(computed_day, set()), night))
        for when, number, step in [item for item in recorded if night <= item[0] < night + datetime.timedelta(days=1)]:
            (_steps, days), _delay = histories[number]
            with time_machine.travel(when, tick=False):
                dossiers[number] = _record(step, dossiers.get(number), procedures[days], officer_a)
        day += datetime.timedelta(days=1)

    nightly = _rows_by_day()
    with time_machine.travel(night, tick=False):
        rollups.rollup_days(first_day - datetime.timedelta(days=1), last_day - datetime.timedelta(days=1))
    backfill = _rows_by_day()
    # The nightly runs, which recompute the days late syncs touched, end with exactly the backfill …
    assert nightly == backfill
    # … and a day, once computed, was already final unless an event dated on or before it was
    # recorded after it had been computed.
    for computed_day, (rows, when) in first_computed.items():
        late = DossierEvent.objects.filter(on__lte=computed_day, recorded_at__gt=when).exists()
        if not late:
            assert rows == backfill.get(computed_day, set()), computed_day
