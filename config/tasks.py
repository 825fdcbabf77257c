"""Celery tasks of the project's plumbing (registered through ``CELERY_IMPORTS``: ``config`` is not an app)."""

from celery import shared_task
from django.db import DatabaseError

from . import partitions


@shared_task(
    name="config.tasks.create_partitions_ahead",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=5,
    acks_late=True,
)
def create_partitions_ahead(today: str | None = None) -> list[str]:
    """Create the yearly partitions of this year and the next two where missing (PostgreSQL);
    returns the names created. Idempotent: a second delivery creates nothing."""
    import datetime

    return partitions.create_partitions_ahead(today=datetime.date.fromisoformat(today) if today else None)
