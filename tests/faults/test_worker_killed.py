"""Fault test (issue 14, item 1; issue 15, item 2): a worker killed with SIGKILL mid-backfill.

A real Celery worker on PostgreSQL and Redis takes the first chunk of a backfill and is killed
while it holds the chunk's transaction open (it waits on the rollup lock of the chunk's month,
which this test holds, so the kill lands mid-chunk every time). Until a worker is back, every
report says the range is not computed and the sweep marks the silent run failed; once a worker
is back, the message comes back (the pool child's death rejects it to the queue; a dead worker's
message returns after the visibility timeout), the run resumes and the range is computed, equal
to a direct computation. With two workers sharing a run's chunks, the survivor computes the
chunk of the one killed.
"""

import datetime
import os
import signal

import psycopg
import pytest
import time_machine
from django.db import connection

from demo.generator import generate_dossiers
from stats import rollups, tasks
from stats.choices import StatsRunStatus
from stats.models import DailyStat, StatsRun, StatsRunChunk
from stats.selectors import coverage
from tests.celery_worker import real_worker
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

D = datetime.date
FIRST, LAST = D(2025, 10, 1), D(2025, 11, 29)  # two months: two chunks of days per group of units
# Short enough for a test; production keeps 15 minutes (config/settings/base.py).
FAST_RECOVERY = {"CELERY_VISIBILITY_TIMEOUT": "3"}

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(unit_a, unit_b):
    for unit in (unit_a, unit_b):
        ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit, online_service="full"), processing_days=4)
    with time_machine.travel(local(2025, 11, 30, 20), tick=False):
        generate_dossiers(count=80, start=FIRST)


class RollupLockHeld:
    """The rollup lock of October (of one group of units, or of every unit) held by another
    connection, as a long run of another worker would."""

    def __init__(self, *, group: int | None = None, groups: int = 1):
        window = rollups._window(FIRST)
        if group is None:
            self.sql, self.params = "SELECT pg_advisory_lock(%s, %s)", [rollups._LOCK_SPACE, window]
        else:
            key = (rollups._LOCK_SPACE << 48) | (window << 16) | (groups << 8) | group
            self.sql, self.params = "SELECT pg_advisory_lock(%s)", [key]

    def __enter__(self):
        settings_dict = connection.settings_dict
        self.other = psycopg.connect(
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            dbname=settings_dict["NAME"],
        )
        self.other.execute(self.sql, self.params)
        return self

    def release(self):
        if not self.other.closed:
            self.other.rollback()
            self.other.close()

    def __exit__(self, *exc):
        self.release()


def wait_until_running(worker, run_pk):
    return worker.wait_for(lambda: StatsRun.objects.filter(pk=run_pk, status=StatsRunStatus.RUNNING).exists())


def rows():
    return list(DailyStat.objects.order_by("day", "unit", "procedure").values("day", *DailyStat.COUNT_FIELDS))


def assert_reports_say_not_computed(client, office_staff):
    assert coverage(FIRST, LAST).missing == [(FIRST, LAST)]
    client.force_login(office_staff)
    page = client.get("/reports/form06/", {"date_from": str(FIRST), "date_to": str(LAST)})
    assert page.status_code == 200
    assert "01/10/2025–29/11/2025" in page.content.decode()


@pytest.mark.parametrize("killed", ["the worker", "its pool process"])
def test_a_backfill_survives_its_worker_killed_mid_chunk(history, killed, client, office_staff, settings):
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)
    pool = "solo" if killed == "the worker" else "prefork"
    with RollupLockHeld() as lock, real_worker(env=FAST_RECOVERY, pool=pool) as worker:
        assert tasks.send_stats_run(run, queue=worker.queue)
        wait_until_running(worker, run.pk)  # it has the message and waits inside its first chunk
        if killed == "the worker":
            worker.process.send_signal(signal.SIGKILL)
            worker.process.wait(timeout=30)
        else:
            [child] = worker.pool_pids()
            os.kill(child, signal.SIGKILL)
        # Until the work is done, every report says the range is not computed.
        assert_reports_say_not_computed(client, office_staff)
        # No sign of life: the sweep marks the run failed (the stall limit shortened for the test).
        settings.STATS_RUN_STALL_SECONDS = 0
        assert rollups.runs_sweep()[0] == [run.pk]
        assert StatsRun.objects.get(pk=run.pk).status == StatsRunStatus.FAILED
        assert_reports_say_not_computed(client, office_staff)
        lock.release()  # the other run ends
        if killed == "the worker":
            # A new worker on the same queue: the unacknowledged message comes back to it.
            with real_worker(queue=worker.queue, env=FAST_RECOVERY) as replacement:
                finished = replacement.wait_for(
                    lambda: StatsRun.objects.filter(pk=run.pk, status=StatsRunStatus.SUCCEEDED).first()
                )
        else:
            # The worker starts a new pool process, and the rejected message is delivered again.
            finished = worker.wait_for(
                lambda: StatsRun.objects.filter(pk=run.pk, status=StatsRunStatus.SUCCEEDED).first()
            )
    assert finished.days_computed == (LAST - FIRST).days + 1
    # The chunk lost with its worker was delivered again.
    assert StatsRunChunk.objects.get(run=run, date_from=FIRST).attempts == 2
    assert coverage(FIRST, LAST).missing == []
    computed = rows()
    rollups.rollup_days(FIRST, LAST)
    assert computed == rows() != []


def test_two_workers_share_a_run_and_the_survivor_takes_the_chunk_of_the_one_killed(history, settings):
    settings.STATS_UNIT_GROUPS = 2
    run = rollups.run_queue_backfill(date_from=FIRST, date_to=LAST)  # 2 months × 2 groups: 4 chunks
    with (
        RollupLockHeld(group=0, groups=2) as lock,
        real_worker(env=FAST_RECOVERY) as first,
        real_worker(queue=first.queue, env=FAST_RECOVERY) as second,
    ):
        assert tasks.send_stats_run(run, queue=first.queue)
        stuck = StatsRunChunk.objects.get(run=run, date_from=FIRST, unit_group=0)
        # One worker waits inside October's first group; the other computes the three other chunks.
        holder = first.wait_for(
            lambda: StatsRunChunk.objects.filter(pk=stuck.pk, status=StatsRunStatus.RUNNING).first()
        )
        first.wait_for(lambda: run.chunks.filter(status=StatsRunStatus.SUCCEEDED).count() == 3)
        others = set(run.chunks.exclude(pk=stuck.pk).values_list("worker", flat=True))
        assert len(others) == 1 and holder.worker not in others
        # The worker holding October's first group is killed mid-chunk.
        killed, survivor = (first, second) if holder.worker.startswith(f"{first.name}@") else (second, first)
        killed.process.send_signal(signal.SIGKILL)
        killed.process.wait(timeout=30)
        lock.release()
        finished = survivor.wait_for(
            lambda: StatsRun.objects.filter(pk=run.pk, status=StatsRunStatus.SUCCEEDED).first()
        )
    again = StatsRunChunk.objects.get(pk=stuck.pk)
    assert (again.attempts, again.worker) == (2, *others)
    assert finished.days_computed == (LAST - FIRST).days + 1
    computed = rows()
    rollups.rollup_days(FIRST, LAST)
    assert computed == rows() != []
