"""Celery tasks of the statistics: thin wrappers that call one service each.

The tasks keep the names they had when they lived in ``dossiers.tasks``: the beat schedule and
messages already queued by an older release name them so, and a renamed task would be dropped
by the worker as unregistered.
"""

import datetime
import logging

from celery import shared_task
from django.db import DatabaseError

from . import rollups
from .choices import StatsRunStatus
from .models import StatsRun

logger = logging.getLogger(__name__)


@shared_task(
    name="dossiers.tasks.compute_nightly_stats",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def compute_nightly_stats(today: str | None = None) -> dict:
    """Recompute yesterday's rollups and every day touched by late syncs since the last run.

    Idempotent: it rewrites whole days, so a retry or a duplicate delivery only redoes the work.
    """
    run = rollups.stats_nightly(today=datetime.date.fromisoformat(today) if today else None)
    return {"run": run.pk, "date_from": str(run.date_from), "date_to": str(run.date_to), "rows": run.rows_written}


@shared_task(
    bind=True,
    name="dossiers.tasks.compute_stats_range",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def compute_stats_range(self, date_from: str, date_to: str, run: int | None = None) -> dict:
    """Compute the next chunk of a backfill run of ``date_from``..``date_to`` (ISO dates), then send
    itself again for the chunk after it, on the same queue.

    One message per chunk keeps every message short (seconds), so the broker's visibility timeout
    and ``task_reject_on_worker_lost`` bring a message back soon after its worker dies, and the
    run resumes from its last committed chunk. ``run`` is the ``StatsRun`` the ministry office's
    page created; a message without it (sent by an older release) creates one. Called directly or
    eagerly (no broker), it computes every chunk here.
    """
    if run is None:
        run = rollups.run_queue_backfill(
            date_from=datetime.date.fromisoformat(date_from), date_to=datetime.date.fromisoformat(date_to)
        ).pk
    from_broker = bool(self.request.id) and not self.request.is_eager  # not called directly or eagerly
    result = rollups.run_advance(run, chunks=1 if from_broker else None)
    if result.status != StatsRunStatus.SUCCEEDED:
        queue = (self.request.delivery_info or {}).get("routing_key")
        send_stats_run(result, queue=queue)
    return {
        "run": result.pk,
        "date_from": str(result.date_from),
        "date_to": str(result.date_to),
        "rows": result.rows_written,
        "status": result.status,
    }


def send_stats_run(run: StatsRun, *, queue: str | None = None) -> bool:
    """Queue the next chunk of ``run``; False (logged, never raised) when the broker is down.

    The run stays in the database either way: a waiting run is sent again by the sweep, a running
    one is marked failed by it once it stops heartbeating.
    """
    options = {"queue": queue} if queue else {}
    try:
        compute_stats_range.apply_async(
            kwargs={"date_from": str(run.date_from), "date_to": str(run.date_to), "run": run.pk}, **options
        )
    except Exception:  # noqa: BLE001 - Redis down, or anything else: the sweep sends it later
        logger.warning("statistics run %s could not be queued now; the sweep will send it", run.pk, exc_info=True)
        return False
    return True


@shared_task(name="stats.tasks.sweep_stats_runs", acks_late=True)
def sweep_stats_runs() -> dict:
    """Every few minutes: mark failed the runs whose worker died, send the runs still waiting."""
    stalled, waiting = rollups.runs_sweep()
    sent = sum(send_stats_run(run) for run in StatsRun.objects.filter(pk__in=waiting))
    return {"failed": stalled, "sent": sent}
