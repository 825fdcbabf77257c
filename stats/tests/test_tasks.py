"""The nightly task and the backfill command, called directly, eagerly and by a real worker."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Min

from config.celery_app import app
from demo.generator import generate_dossiers
from dossiers.models import Dossier
from stats.choices import StatsRunKind, StatsRunStatus
from stats.models import DailyStat, StatsRun
from stats.tasks import compute_nightly_stats
from tests.celery_worker import real_worker
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

D = datetime.date
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dossiers(unit_a, unit_b):
    for unit in (unit_a, unit_b):
        ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit, online_service="full"), processing_days=4)
    with time_machine.travel(local(2025, 11, 30, 20), tick=False):
        generate_dossiers(count=80, start=D(2025, 10, 1))


def first_received() -> datetime.date:
    """The first night ever computes from the first dossier received (the demo's first day varies)."""
    return Dossier.objects.aggregate(first=Min("received_on"))["first"]


@pytest.mark.django_db
def test_task_called_directly_records_its_run(dossiers):
    result = compute_nightly_stats(today="2025-12-01")
    run = StatsRun.objects.get()
    assert (run.kind, run.status, run.date_from, run.date_to) == (
        StatsRunKind.NIGHTLY,
        StatsRunStatus.SUCCEEDED,
        first_received(),
        D(2025, 11, 30),
    )
    assert result["rows"] == run.rows_written == DailyStat.objects.count() > 0


@pytest.mark.django_db
def test_task_delay_runs_eagerly_without_redis(dossiers):
    compute_nightly_stats.delay(today="2025-12-01")
    assert StatsRun.objects.get().status == StatsRunStatus.SUCCEEDED


def test_nightly_runs_at_one_in_the_morning_local_time():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-statistics"]
    assert entry["task"] == compute_nightly_stats.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {0})
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.django_db
class TestComputeStatsCommand:
    def test_backfill_reports_progress_and_writes_rows(self, dossiers):
        out, err = StringIO(), StringIO()
        with time_machine.travel(local(2025, 12, 1, 9), tick=False):
            call_command("compute_stats", "--from", "2025-10-01", "--to", "2025-11-30", stdout=out, stderr=err)
        assert "Computed 61 days from 2025-10-01 to 2025-11-30" in out.getvalue()
        assert "61/61" in err.getvalue()
        assert StatsRun.objects.get().kind == StatsRunKind.BACKFILL

    @pytest.mark.parametrize(
        ("arguments", "message"),
        [
            (["--from", "2025-11-30", "--to", "2025-11-01"], "before --from"),
            (["--from", "2025-13-01"], "is not a date"),
            (["--from", "2025-11-01", "--to", "2026-01-01"], "in the future"),
        ],
    )
    def test_bad_ranges_are_refused_before_anything_runs(self, arguments, message):
        with time_machine.travel(local(2025, 12, 1, 9), tick=False), pytest.raises(CommandError, match=message):
            call_command("compute_stats", *arguments, stdout=StringIO(), stderr=StringIO())
        assert not StatsRun.objects.exists()


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_nightly_task_sent_through_redis(dossiers):
    # Given a Celery worker on its own queue, connected to this test database
    with real_worker() as worker:
        # When the nightly task is sent through Redis
        compute_nightly_stats.apply_async(kwargs={"today": "2025-12-01"}, queue=worker.queue)
        # Then the worker computes the rollups and records the run
        run = worker.wait_for(lambda: StatsRun.objects.filter(status=StatsRunStatus.SUCCEEDED).first())
    assert (run.date_from, run.date_to) == (first_received(), D(2025, 11, 30))
    assert DailyStat.objects.count() == run.rows_written > 0
