"""Celery tasks of the emulation app: thin wrappers that call one service each."""

import datetime

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=5, acks_late=True)
def compute_year(year: int) -> dict:
    """Recompute one year's scores. Idempotent: the year's results are replaced as a whole."""
    record = services.emulation_compute(year=year)
    return {"year": record.year, "scored_to": str(record.scored_to)}


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=60, max_retries=5, acks_late=True)
def recompute_draft_years(today: str | None = None) -> dict:
    """Recompute every draft year after the nightly statistics (scheduled at 01:30).

    Idempotent and safe to retry; a year that cannot be scored is reported in ``skipped``.
    """
    return services.emulation_recompute_drafts(today=datetime.date.fromisoformat(today) if today else None)
