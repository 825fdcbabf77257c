"""Writes on the outbox: enqueue messages, claim them, send them, retry them.

Why an outbox: a message must go out if and only if the event that causes it was recorded. So the
message is a row written in the event's own transaction (``message_enqueue``); the sending is done
after the commit, by a Celery task, and again by a sweep every minute for whatever the task did
not send (Redis was down when it should have been queued, the mail server refused, a worker
died). Nothing is lost: a row leaves ``pending`` only by being sent, or by running out of attempts
into ``failed``, where staff see it and may retry it.

Why no double sending: a worker first *claims* a message in a short transaction (``pending`` →
``sending`` with a lease of ``CLAIM_LEASE``), taking the rows with ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL (SQLite serialises writers anyway), and the claim is a conditional UPDATE
that only one worker can win. Only the winner sends. A worker that dies while sending leaves a
claim that expires after the lease; the message is then sent again (at least once: a message is
never lost, and sent twice only if a worker died between the mail server's acceptance and the
``sent`` mark).

Every service here knows nothing of dossiers: callers give a kind, recipients and a template
context (``dossiers.notify`` for the applicant's messages, ``dossiers.digest`` for the officers'
morning digest).
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import ConflictError

from .choices import MessageChannel, MessageStatus
from .models import Message
from .sms import get_sms_backend

logger = logging.getLogger("tthc.notifications")

# A claimed message not marked sent within this time is claimed again by the next sweep. Much
# longer than a send can take (EMAIL_TIMEOUT and TTHC_SMS_HTTP_TIMEOUT default to 10 s).
CLAIM_LEASE = datetime.timedelta(minutes=10)
# Waits after the 1st, 2nd, 3rd, … failed attempt; the last one repeats.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
    datetime.timedelta(hours=3),
)
SWEEP_BATCH = 50


@dataclass(frozen=True)
class Recipient:
    """Where one person wants to be told: an e-mail address, a phone number (either may be empty)."""

    email: str = ""
    phone: str = ""
    language: str = ""  # empty: settings.LANGUAGE_CODE (Vietnamese)


# --- Writing messages -----------------------------------------------------------------------------


def render_message(*, kind: str, channel: str, context: dict, language: str) -> tuple[str, str, str] | None:
    """``(subject, text, html)`` of a message from ``templates/messages/<kind>/``, in ``language``.

    An e-mail needs ``subject.txt`` and ``body.txt`` (``body.html`` is optional); an SMS needs
    ``sms.txt``. None when the kind has no template for the channel (e.g. no SMS for a digest).
    Text templates are rendered without HTML escaping (they are plain text); ``body.html`` is
    escaped as every page is, so anything a citizen typed is shown as text.
    """
    with translation.override(language):
        try:
            if channel == MessageChannel.SMS:
                return "", render_to_string(f"messages/{kind}/sms.txt", context).strip(), ""
            subject = " ".join(render_to_string(f"messages/{kind}/subject.txt", context).split())
            text = render_to_string(f"messages/{kind}/body.txt", context).strip() + "\n"
        except TemplateDoesNotExist:
            return None
        try:
            html = render_to_string(f"messages/{kind}/body.html", context)
        except TemplateDoesNotExist:
            html = ""
    return subject[:255], text, html


def message_enqueue(
    *,
    kind: str,
    recipients: Iterable[Recipient],
    context: dict,
    unit=None,
    reference: str = "",
    dedup_key: str = "",
) -> list[Message]:
    """Write the messages of one event to the outbox, in the caller's transaction; send them after it commits.

    One e-mail per recipient with an address and one SMS per recipient with a phone number (when
    the kind has an SMS template). With ``dedup_key``, a message already written for the same key,
    channel and recipient is not written again (a task run twice sends one digest). Returns the
    messages written. Never raises because of sending: that happens later.
    """
    written = []
    for recipient in recipients:
        language = recipient.language or settings.LANGUAGE_CODE
        for channel, address in ((MessageChannel.EMAIL, recipient.email), (MessageChannel.SMS, recipient.phone)):
            address = (address or "").strip()
            if not address:
                continue
            rendered = render_message(kind=kind, channel=channel, context=context, language=language)
            if rendered is None:
                continue
            subject, body, body_html = rendered
            message = Message(
                kind=kind,
                channel=channel,
                recipient=address,
                language=language,
                subject=subject,
                body=body,
                body_html=body_html,
                unit=unit,
                reference=reference[:60],
                dedup_key=dedup_key,
                next_attempt_at=timezone.now(),
            )
            try:
                with transaction.atomic():
                    message.save(force_insert=True)
            except IntegrityError:
                if not dedup_key:
                    raise
                continue  # already written for this key
            written.append(message)
    if written:
        ids = [message.pk for message in written]
        transaction.on_commit(lambda: dispatch(ids))
    return written


def dispatch(message_ids: list[int]) -> None:
    """Queue one delivery task per message. Runs after the commit, and never raises.

    If the broker is down the messages simply wait in the outbox for the next sweep; in
    development (no Redis) the tasks run here, and a failing mail server only marks them failed.
    """
    from .tasks import deliver_message  # tasks import this module

    for message_id in message_ids:
        try:
            deliver_message.delay(message_id)
        except Exception:  # noqa: BLE001 - Redis down, or anything else: the sweep will send it
            logger.warning("message %s could not be queued now; the next sweep will send it", message_id, exc_info=True)


# --- Claiming and sending --------------------------------------------------------------------------


def _claim_update(queryset, *, now: datetime.datetime) -> int:
    return queryset.update(status=MessageStatus.SENDING, claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1)


def message_claim_due(*, now: datetime.datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Claim up to ``limit`` due messages for this worker; the ids claimed, oldest due first.

    Rows another worker is claiming at the same moment are skipped (PostgreSQL's SKIP LOCKED), so
    two sweeps never wait on each other and never claim the same message.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Message.objects.due(now=now).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            _claim_update(Message.objects.due(now=now).filter(pk__in=ids), now=now)
    return ids


def message_claim(*, message_id: int, now: datetime.datetime | None = None) -> bool:
    """Claim one message if it is due; False when it is not (sent, failed, later, or another worker has it)."""
    now = now or timezone.now()
    with transaction.atomic():
        return _claim_update(Message.objects.due(now=now).filter(pk=message_id), now=now) == 1


def _send(message: Message) -> None:
    if message.channel == MessageChannel.SMS:
        get_sms_backend().send(to=message.recipient, text=message.body)
        return
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        connection=get_connection(),
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()


def message_deliver(*, message_id: int, claimed: bool = False) -> str:
    """Send one message (claiming it first unless ``claimed``); return its status afterwards.

    A backend that raises leaves the message ``pending`` with its next attempt after the backoff,
    or ``failed`` after ``TTHC_NOTIFY_MAX_ATTEMPTS`` attempts, with the error kept; it never
    raises to the caller.
    """
    if not claimed and not message_claim(message_id=message_id):
        return Message.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
    message = Message.objects.get(pk=message_id)
    try:
        _send(message)
    except Exception as error:  # noqa: BLE001 - any backend failure is recorded and retried
        return _record_failure(message, error)
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return MessageStatus.SENT


def _record_failure(message: Message, error: Exception) -> str:
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= settings.TTHC_NOTIFY_MAX_ATTEMPTS:
        status, next_attempt_at = MessageStatus.FAILED, now
        logger.error("message %s (%s to %s) failed for good: %s", message.pk, message.kind, message.channel, text)
    else:
        status = MessageStatus.PENDING
        next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        logger.warning(
            "message %s (%s) attempt %s failed, next at %s: %s",
            message.pk,
            message.kind,
            message.attempts,
            next_attempt_at,
            text,
        )
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=status, next_attempt_at=next_attempt_at, claimed_until=None, last_error=text
    )
    return status


def messages_deliver_due() -> dict[str, int]:
    """The sweep: claim and send due messages in batches until none is left; counts by resulting status."""
    counts: dict[str, int] = {}
    while True:
        ids = message_claim_due()
        for message_id in ids:
            status = message_deliver(message_id=message_id, claimed=True)
            counts[status] = counts.get(status, 0) + 1
        if len(ids) < SWEEP_BATCH:
            return counts


@transaction.atomic
def message_retry(*, message: Message) -> Message:
    """Staff send a failed message again: it gets a fresh set of attempts, starting now.

    Raises ``ConflictError`` unless the message has failed (a pending one is already being retried).
    """
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.status != MessageStatus.FAILED:
        raise ConflictError(_("Only a failed message can be sent again."), code="not_failed")
    locked.status = MessageStatus.PENDING
    locked.attempts = 0
    locked.next_attempt_at = timezone.now()
    locked.save(update_fields=["status", "attempts", "next_attempt_at"])
    transaction.on_commit(lambda: dispatch([locked.pk]))
    return locked
