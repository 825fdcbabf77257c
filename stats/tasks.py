"""Celery tasks of the statistics: thin wrappers that call one service each.

The tasks keep the names they had when they lived in ``dossiers.tasks``: the beat schedule and
messages already queued by an older release name them so, and a renamed task would be dropped
by the worker as unregistered.
"""

import datetime

from celery import shared_task
from django.db import DatabaseError

from . import rollups


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
    name="dossiers.tasks.compute_stats_range",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def compute_stats_range(date_from: str, date_to: str) -> dict:
    """Recompute the rollups of every day from ``date_from`` to ``date_to`` (ISO dates), as a backfill run.

    Queued by the ministry office from the statistics-runs page; idempotent like the nightly task.
    """
    run = rollups.stats_backfill(
        date_from=datetime.date.fromisoformat(date_from), date_to=datetime.date.fromisoformat(date_to)
    )
    return {"run": run.pk, "date_from": str(run.date_from), "date_to": str(run.date_to), "rows": run.rows_written}
