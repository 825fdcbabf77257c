"""The rollups against direct counts from the dossiers, on random histories (hypothesis)."""

import datetime
from collections import defaultdict

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from demo.generator import generate_dossiers
from dossiers import services
from dossiers.choices import Channel, EventKind, Outcome, Status, Timeliness
from dossiers.models import Dossier, DossierEvent
from stats import rollups
from stats.choices import StatsRunStatus
from stats.models import DailyStat, StatsRun
from stats.selectors import form06, monthly_trend
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

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


def direct_form06(date_from, date_to, group_field):
    """Form 06 counted straight from the dossiers and their events, by the definitions."""
    rows = defaultdict(lambda: defaultdict(int))
    for dossier in Dossier.objects.all():
        row = rows[getattr(dossier, group_field)]
        if dossier.received_on < date_from and (dossier.ended_on is None or dossier.ended_on >= date_from):
            row["carried_over"] += 1
        if date_from <= dossier.received_on <= date_to:
            row[f"received_{dossier.channel}"] += 1
            row["paid_online"] += dossier.fee_paid_online
        if dossier.ended_on and date_from <= dossier.ended_on <= date_to:
            row[f"resolved_{dossier.timeliness}"] += 1
        if dossier.received_on <= date_to and (dossier.ended_on is None or dossier.ended_on > date_to):
            overdue = dossier.appointment_date < date_to and dossier.status != Status.AWAITING_SUPPLEMENT
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

            def broken(start, end):
                raise RuntimeError("database went away")

            monkeypatch.setattr(rollups, "_rows_for", broken)
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
