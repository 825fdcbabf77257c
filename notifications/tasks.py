"""Celery tasks of the outbox: thin wrappers around ``notifications.services``.

``deliver_message`` is queued after the commit of each message; ``deliver_due_messages`` runs
every minute (``CELERY_BEAT_SCHEDULE``) and sends whatever is due: retries after their backoff,
messages whose task could not be queued (Redis down), and claims a dead worker left behind.
Both are idempotent: a message is only sent by the worker that claimed it.
"""

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(
    name="notifications.tasks.deliver_message",
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=5,
    acks_late=True,
)
def deliver_message(message_id: int) -> str:
    """Send one message if it is still due; its status afterwards."""
    return services.message_deliver(message_id=message_id)


@shared_task(
    name="notifications.tasks.deliver_due_messages",
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=3,
    acks_late=True,
)
def deliver_due_messages() -> dict:
    """Send every due message (the sweep); counts by resulting status."""
    return services.messages_deliver_due()
