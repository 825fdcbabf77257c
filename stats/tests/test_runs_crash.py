"""Issue 14, item 1: a backfill whose worker dies is neither lost nor hidden.

A run is split into chunks (a month × a group of units) that commit one by one; a run that stops
heartbeating is marked failed by the sweep; the resumed run finishes the range; and until then
every report and dashboard names the days that have no figures, even when a later run succeeded.
The same with a real worker killed with SIGKILL is in ``tests/faults/``.
"""

import datetime

import pytest
import time_machine
from kombu.exceptions import OperationalError

from dossiers import services
from dossiers.choices import Channel
from stats import rollups, tasks
from stats.choices import StatsRunStatus
from stats.models import DailyStat, StatsRun
from stats.selectors import coverage
from stats.tests.test_reports import NOW, RUNS_URL, build_known_dossiers
from tests.helpers import local

D = datetime.date
SEPTEMBER = {"date_from": "2025-09-01", "date_to": "2025-09-30"}
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def half_done(unit_a, unit_a1, unit_b, officer_a):
    """The known history (computed 1 October – 24 November), then dossiers of August and September
    imported, and a backfill from 1 August whose worker died after its first chunk (August)."""
    made = build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)
    for day in (local(2025, 8, 4), local(2025, 9, 9), local(2025, 9, 10)):
        services.dossier_receive(
            procedure=made["a_late"].procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="Lê Văn Cường"),
            received_at=day,
            by=officer_a,
        )
    run = rollups.run_queue_backfill(date_from=D(2025, 8, 1), date_to=D(2025, 11, 24))
    august, *_others = rollups.run_chunks_plan(run)
    rollups.chunk_compute(august)  # 1–31 August, then the worker is killed
    return StatsRun.objects.get(pk=run.pk)


def rows():
    return list(DailyStat.objects.order_by("day", "unit", "procedure").values("day", *DailyStat.COUNT_FIELDS))


def test_the_days_a_dead_run_left_are_named_by_every_report(client, half_done, office_staff, head_a):
    assert (half_done.status, half_done.days_computed) == (StatsRunStatus.RUNNING, 31)
    # The last successful run ended on 24 November; September is still a hole.
    assert coverage(D(2025, 8, 1), D(2025, 11, 24)).missing == [(D(2025, 9, 1), D(2025, 9, 30))]
    client.force_login(office_staff)
    form06 = client.get("/reports/form06/", {**SEPTEMBER, "language": "en"})
    assert form06.context["coverage"].missing_days == 30
    assert "01/09/2025–30/09/2025" in form06.content.decode()
    for user, url in ((office_staff, "/dashboards/ministry/"), (head_a, "/dashboards/units/QLD/")):
        client.force_login(user)
        page = client.get(url, {"period": "custom", "date_from": "2025-09-15", "date_to": "2025-10-14"})
        assert page.status_code == 200
        assert "15/09/2025–30/09/2025" in page.content.decode()
    # October and November are complete: no banner.
    client.force_login(office_staff)
    october = client.get("/reports/form06/", {"date_from": "2025-10-01", "date_to": "2025-10-31"})
    assert october.context["coverage"].missing == []
    assert 'data-testid="coverage"' not in october.content.decode()


def test_a_run_without_heartbeat_is_marked_failed_then_resumes_where_it_stopped(half_done):
    # Fifteen minutes without a sign of life: the sweep marks the run failed.
    with time_machine.travel(NOW + datetime.timedelta(minutes=14), tick=False):
        assert rollups.runs_sweep() == ([], [])
    with time_machine.travel(NOW + datetime.timedelta(minutes=16), tick=False):
        assert rollups.runs_sweep() == ([half_done.pk], [])
    failed = StatsRun.objects.get(pk=half_done.pk)
    assert failed.status == StatsRunStatus.FAILED
    assert "worker stopped" in failed.error
    # The redelivered message resumes the run from 1 September and finishes it.
    result = tasks.compute_stats_range("2025-08-01", "2025-11-24", run=half_done.pk)
    run = StatsRun.objects.get(pk=half_done.pk)
    assert (result["status"], run.status, run.days_computed, run.error) == (
        StatsRunStatus.SUCCEEDED,
        StatsRunStatus.SUCCEEDED,
        116,
        "",
    )
    assert coverage(D(2025, 8, 1), D(2025, 11, 24)).missing == []
    # Resumed chunk by chunk, the rollups equal one computation of the whole range.
    resumed = rows()
    rollups.rollup_days(D(2025, 8, 1), D(2025, 11, 24))
    assert resumed == rows()
    assert sum(row["received_online"] for row in resumed if row["day"].month in (8, 9)) == 3


def test_recompute_while_the_broker_is_down_is_kept_and_sent_later(client, half_done, office_staff, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.group, "apply_async", broker_down)  # sending the chunks fails
    client.force_login(office_staff)
    response = client.post(RUNS_URL, {"date_from": "2025-09-01", "date_to": "2025-09-30", "language": "en"})
    assert (response.status_code, response["Location"]) == (302, RUNS_URL)
    page = client.get(RUNS_URL)
    assert "task queue is not answering" in page.content.decode() or "hàng đợi" in page.content.decode()
    waiting = StatsRun.objects.get(status=StatsRunStatus.QUEUED)
    assert (waiting.date_from, waiting.date_to) == (D(2025, 9, 1), D(2025, 9, 30))
    # Still down at the next sweep: nothing lost, nothing raised.
    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        assert tasks.sweep_stats_runs()["sent"] == 0
    assert StatsRun.objects.get(pk=waiting.pk).status == StatsRunStatus.QUEUED
    # The broker is back: the sweep sends the run, and (eagerly here) it is computed.
    monkeypatch.undo()
    with time_machine.travel(NOW + datetime.timedelta(minutes=7), tick=False):
        assert tasks.sweep_stats_runs()["sent"] == 1
    assert StatsRun.objects.get(pk=waiting.pk).status == StatsRunStatus.SUCCEEDED
    assert coverage(D(2025, 9, 1), D(2025, 9, 30)).missing == []


def test_celery_brings_back_the_message_of_a_dead_worker(settings):
    from config.celery_app import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # A backfill message is one chunk (seconds); the visibility timeout leaves room for the
    # longest retry countdown, and is far below the hour Redis's transport would wait by default.
    assert 600 <= app.conf.broker_transport_options["visibility_timeout"] <= 1800
    assert settings.CELERY_BEAT_SCHEDULE["statistics-runs-sweep"]["task"] == tasks.sweep_stats_runs.name
