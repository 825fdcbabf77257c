"""Celery tasks of the dossiers: thin wrappers that call one service each."""

import datetime

from celery import shared_task
from django.db import DatabaseError

from . import digest, importing
from .selectors import local_today


@shared_task(
    name="dossiers.tasks.send_morning_digest",
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    max_retries=3,
    acks_late=True,
)
def send_morning_digest(day: str | None = None) -> dict:
    """Write the officers' morning digests of ``day`` (ISO date; default today) to the outbox.

    Idempotent: a second run on the same day writes nothing (one digest per person per day).
    """
    day = datetime.date.fromisoformat(day) if day else local_today()
    return {"day": day.isoformat(), "messages": digest.digest_send(day=day)}


@shared_task(name="dossiers.tasks.import_file", acks_late=True)
def import_file(job_id: int) -> dict:
    """Import a file uploaded on the import page (``dossiers.importing.import_job_run``).

    Safe to deliver twice: a finished job is not run again, and rows already imported are
    "already present" the second time.
    """
    job = importing.import_job_run(job_id)
    return {"job": job.pk, "state": job.state, "imported": job.imported, "failed": job.failed}
