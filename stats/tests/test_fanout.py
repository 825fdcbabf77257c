"""Issue 15, item 2: a statistics run fanned out in independent chunks (a month × a group of units).

Chunks computed in any order give the rollups of one computation; a month counts as computed only
once every group of it is; a duplicate delivery changes nothing; a failing chunk is named on its
run; the runs page lists every chunk's state. Real workers sharing and losing chunks are in
``tests/faults/test_worker_killed.py``.
"""

import datetime

import pytest
import time_machine

from stats import rollups, tasks
from stats.choices import StatsRunStatus
from stats.models import ComputedDay, DailyStat, StatsRun, StatsRunChunk
from stats.selectors import coverage
from stats.tests.test_reports import NOW, RUNS_URL, build_known_dossiers

D = datetime.date
FIRST, LAST = D(2025, 10, 1), D(2025, 11, 24)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(unit_a, unit_a1, unit_b, officer_a):
    return build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)


@pytest.fixture
def groups(known, settings):
    """The smallest number of unit groups that puts the units with dossiers in two groups or more."""
    units = set(DailyStat.objects.values_list("unit_id", flat=True))
    count = next(n for n in range(2, 10) if len({unit % n for unit in units}) > 1)
    settings.STATS_UNIT_GROUPS = count
    return count


def rows():
    return list(
        DailyStat.objects.order_by("day", "unit", "procedure", "field").values(
            "day", "unit", "procedure", "field", *DailyStat.COUNT_FIELDS
        )
    )


def test_a_run_is_split_into_months_times_unit_groups(settings):
    settings.STATS_UNIT_GROUPS = 2
    run = rollups.run_queue_backfill(date_from=D(2025, 8, 15), date_to=D(2025, 10, 10))
    ids = rollups.run_chunks_plan(run)
    assert rollups.run_chunks_plan(run) == ids  # planned once
    chunks = [(c.date_from, c.date_to, c.unit_group, c.status) for c in StatsRunChunk.objects.filter(pk__in=ids)]
    assert chunks == [
        (D(2025, 8, 15), D(2025, 8, 31), 0, StatsRunStatus.QUEUED),
        (D(2025, 8, 15), D(2025, 8, 31), 1, StatsRunStatus.QUEUED),
        (D(2025, 9, 1), D(2025, 9, 30), 0, StatsRunStatus.QUEUED),
        (D(2025, 9, 1), D(2025, 9, 30), 1, StatsRunStatus.QUEUED),
        (D(2025, 10, 1), D(2025, 10, 10), 0, StatsRunStatus.QUEUED),
        (D(2025, 10, 1), D(2025, 10, 10), 1, StatsRunStatus.QUEUED),
    ]


def test_chunks_in_any_order_give_the_rollups_of_one_computation(known, groups):
    rollups.rollup_days(FIRST, LAST)
    expected = rows()
    DailyStat.objects.all().delete()

    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)
    chunk_ids = rollups.run_chunks_plan(run)
    assert len(chunk_ids) == 2 * groups  # October and November
    for chunk_id in reversed(chunk_ids):
        rollups.chunk_compute(chunk_id)

    assert rows() == expected != []
    run.refresh_from_db()
    assert (run.status, run.days_computed, run.rows_written) == (StatsRunStatus.SUCCEEDED, 55, len(expected))
    written = {c.unit_group: c.rows_written for c in run.chunks.filter(date_from=FIRST)}
    assert sum(1 for count in written.values() if count) >= 2  # the groups really split the units


def test_a_month_is_computed_only_when_every_group_of_it_is(known, groups):
    ComputedDay.objects.filter(day__gte=D(2025, 10, 1)).delete()  # October never computed
    run = rollups.run_queue_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 10, 31))
    first, *others = rollups.run_chunks_plan(run)
    rollups.chunk_compute(first)
    assert coverage(D(2025, 10, 1), D(2025, 10, 31)).missing == [(D(2025, 10, 1), D(2025, 10, 31))]
    run.refresh_from_db()
    assert (run.status, run.days_computed) == (StatsRunStatus.RUNNING, 0)
    for chunk_id in others:
        rollups.chunk_compute(chunk_id)
    assert coverage(D(2025, 10, 1), D(2025, 10, 31)).missing == []
    run.refresh_from_db()
    assert (run.status, run.days_computed) == (StatsRunStatus.SUCCEEDED, 31)


def test_a_chunk_delivered_twice_is_computed_once(known):
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=D(2025, 10, 31))
    [chunk_id] = rollups.run_chunks_plan(run)
    first = rollups.chunk_compute(chunk_id)
    again = rollups.chunk_compute(chunk_id)
    assert (again.status, again.attempts, again.rows_written) == (StatsRunStatus.SUCCEEDED, 1, first.rows_written)
    run.refresh_from_db()
    assert (run.days_computed, run.rows_written) == (31, first.rows_written)


def test_a_failing_chunk_is_named_on_its_run_and_computed_when_delivered_again(known, monkeypatch):
    ComputedDay.objects.all().delete()  # nothing computed yet
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)
    october, november = rollups.run_chunks_plan(run)
    rollups.chunk_compute(october)
    real_write = rollups._write_chunk

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(rollups, "_write_chunk", disk_full)
    with pytest.raises(OSError):
        rollups.chunk_compute(november)
    failed = StatsRunChunk.objects.get(pk=november)
    assert (failed.status, failed.attempts) == (StatsRunStatus.FAILED, 1)
    assert "No space left on device" in failed.error
    run.refresh_from_db()
    assert run.status == StatsRunStatus.FAILED
    assert run.error.startswith("2025-11-01–2025-11-24, unit group 0: OSError(")
    assert coverage(FIRST, LAST).missing == [(D(2025, 11, 1), LAST)]

    monkeypatch.setattr(rollups, "_write_chunk", real_write)
    done = rollups.chunk_compute(november)
    assert (done.status, done.attempts) == (StatsRunStatus.SUCCEEDED, 2)
    run.refresh_from_db()
    assert (run.status, run.error, run.days_computed) == (StatsRunStatus.SUCCEEDED, "", 55)


def test_the_sweep_marks_the_chunks_lost_with_their_worker(known):
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)
    october, november = rollups.run_chunks_plan(run)
    rollups.chunk_compute(october)
    # November's worker took it and died: it is "running", and nothing moves any more.
    StatsRunChunk.objects.filter(pk=november).update(status=StatsRunStatus.RUNNING, attempts=1)
    with time_machine.travel(NOW + datetime.timedelta(minutes=16), tick=False):
        assert rollups.runs_sweep() == ([run.pk], [])
    lost = StatsRunChunk.objects.get(pk=november)
    assert (lost.status, "worker stopped" in lost.error) == (StatsRunStatus.FAILED, True)
    assert StatsRunChunk.objects.get(pk=october).status == StatsRunStatus.SUCCEEDED
    # The message comes back: the chunk and the run finish.
    tasks.compute_stats_chunk(november)
    assert StatsRun.objects.get(pk=run.pk).status == StatsRunStatus.SUCCEEDED


def test_the_runs_page_lists_every_chunk_and_its_state(
    client, known, groups, office_staff, settings, django_assert_max_num_queries
):
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)
    first, *others = rollups.run_chunks_plan(run)
    rollups.chunk_compute(first)
    client.force_login(office_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_max_num_queries(20):
        page = client.get(RUNS_URL)
    html = page.content.decode()
    # The known history's run (one group: October and November), then this one.
    assert html.count('data-testid="chunk"') == StatsRunChunk.objects.count() == 2 + 2 * groups
    assert f'data-testid="run-chunks">Waiting for a worker: {2 * groups - 1} · Succeeded: 1</td>' in html
    assert 'data-testid="run-chunks">Succeeded: 2</td>' in html
    assert f"The run's {2 * groups} chunks (a month × a group of units)" in html
    assert f"1/{groups}" in html and f"{groups}/{groups}" in html
