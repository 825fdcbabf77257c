"""Celery tasks of the dossiers app: thin wrappers that call one service each."""

import datetime

from celery import shared_task
from django.db import DatabaseError

from . import rollups


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=5, acks_late=True)
def compute_nightly_stats(today: str | None = None) -> dict:
    """Recompute yesterday's rollups and every day touched by late syncs since the last run.

    Idempotent: it rewrites whole days, so a retry or a duplicate delivery only redoes the work.
    """
    run = rollups.stats_nightly(today=datetime.date.fromisoformat(today) if today else None)
    return {"run": run.pk, "date_from": str(run.date_from), "date_to": str(run.date_to), "rows": run.rows_written}
