"""Celery tasks of the statistics: thin wrappers that call one service each.

A run is fanned out: its chunks (a month of days × a group of units, ``stats.rollups.run_chunks_plan``)
go to the workers as one Celery group of ``compute_stats_chunk`` messages, so N workers share
them. The tasks keep the names they had when they lived in ``dossiers.tasks``: the beat schedule
and messages already queued by an older release name them so, and a renamed task would be
dropped by the worker as unregistered.
"""

import datetime
import logging

from celery import group, shared_task
from django.db import DatabaseError

from . import rollups
from .models import StatsRun

logger = logging.getLogger(__name__)


def _from_broker(task) -> bool:
    """Whether ``task`` was delivered by a broker (not called directly, nor run eagerly)."""
    return bool(task.request.id) and not task.request.is_eager


def _fan_out_or_compute(task, run: StatsRun) -> StatsRun:
    """Send ``run``'s chunks to the workers on the queue ``task`` came from, when a broker delivered
    it; called directly or eagerly, compute the run here. The run as it stands after."""
    if _from_broker(task):
        send_stats_run(run, queue=(task.request.delivery_info or {}).get("routing_key"))
        run.refresh_from_db()
        return run
    return rollups.run_compute(run.pk)


def _summary(run: StatsRun) -> dict:
    return {
        "run": run.pk,
        "date_from": str(run.date_from),
        "date_to": str(run.date_to),
        "rows": run.rows_written,
        "status": run.status,
    }


@shared_task(
    bind=True,
    name="dossiers.tasks.compute_nightly_stats",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def compute_nightly_stats(self, today: str | None = None) -> dict:
    """Record tonight's run (yesterday, and every day touched by late syncs since the last run) and
    send its chunks to the workers; without a broker, compute them here.

    Idempotent: chunks rewrite whole days, so a retry or a duplicate delivery only redoes the work.
    """
    run = rollups.nightly_run_create(today=datetime.date.fromisoformat(today) if today else None)
    return _summary(_fan_out_or_compute(self, run))


@shared_task(
    bind=True,
    name="dossiers.tasks.compute_stats_range",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def compute_stats_range(self, date_from: str, date_to: str, run: int | None = None) -> dict:
    """Fan a backfill run of ``date_from``..``date_to`` (ISO dates) out to the workers, on the queue
    this message came from; called directly or eagerly (no broker), compute it here.

    ``run`` is the ``StatsRun`` the ministry office's page created; a message without it (sent by
    an older release) creates one.
    """
    if run is None:
        run = rollups.run_queue_backfill(
            date_from=datetime.date.fromisoformat(date_from), date_to=datetime.date.fromisoformat(date_to)
        ).pk
    return _summary(_fan_out_or_compute(self, StatsRun.objects.get(pk=run)))


@shared_task(
    bind=True,
    name="stats.tasks.compute_stats_chunk",
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=5,
    acks_late=True,
)
def compute_stats_chunk(self, chunk: int) -> dict:
    """Compute one chunk of a run (``stats.rollups.chunk_compute``): seconds, whole or not at all.

    A worker (or its pool process) that dies in the middle leaves the message unacknowledged or
    rejects it back to the queue (``acks_late``, ``task_reject_on_worker_lost``), and the chunk
    is delivered again; computing it again rewrites the same rows.
    """
    done = rollups.chunk_compute(chunk, worker=(self.request.hostname or "") if _from_broker(self) else "")
    return {"chunk": done.pk, "run": done.run_id, "status": done.status, "rows": done.rows_written}


def send_stats_run(run: StatsRun, *, queue: str | None = None) -> bool:
    """Plan ``run``'s chunks and send those not done as one Celery group; False (logged, never
    raised) when the broker is down.

    The run stays in the database either way: a waiting run is sent again by the sweep, a running
    one is marked failed by it once it stops heartbeating. Once the chunks are in the broker the
    run's heartbeat is set (it is no longer "never sent"). Eagerly (no broker) the group runs here.
    """
    options = {"queue": queue} if queue else {}
    try:
        chunks = rollups.run_chunks_plan(run)
        group(compute_stats_chunk.si(chunk) for chunk in chunks).apply_async(**options)
    except Exception:  # noqa: BLE001 - Redis down, or anything else: the sweep sends it later
        logger.warning("statistics run %s could not be queued now; the sweep will send it", run.pk, exc_info=True)
        return False
    rollups.run_mark_sent(run.pk)
    return True


@shared_task(name="stats.tasks.sweep_stats_runs", acks_late=True)
def sweep_stats_runs() -> dict:
    """Every few minutes: mark failed the runs whose worker died, send the runs still waiting."""
    stalled, waiting = rollups.runs_sweep()
    sent = sum(send_stats_run(run) for run in StatsRun.objects.filter(pk__in=waiting))
    return {"failed": stalled, "sent": sent}
