"""Writes on feedback and petitions (PAKN): receive them, then one service per step.

Each step is atomic like a dossier's: it locks the item, checks that the step is allowed now,
appends one event and stores the state re-derived from all events (``feedback.deadlines``). A
step no longer allowed (another officer acted first) is a ``ConflictError`` (409); bad input is a
``ValidationError`` on the field. The sender is told by e-mail or SMS, through the outbox, when
the item is received, refused or answered; a failing mail server never undoes the step.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from config.exceptions import ConflictError
from dossiers.deadlines import local_date
from dossiers.lookup import format_lookup_code
from dossiers.models import Dossier
from dossiers.selectors import public_address
from notifications.services import Recipient, message_enqueue
from procedures.models import Procedure
from units.models import Unit
from workdays.calendar import in_dated_range, out_of_range_message

from .choices import TOPIC_CLASSIFICATION, Action, Classification, EventKind, Source, Topic
from .deadlines import FeedbackState, allowed_actions, derive_state
from .models import CONTENT_MAX_LENGTH, Feedback, FeedbackCodeCounter, FeedbackEvent

FUTURE_TOLERANCE = datetime.timedelta(seconds=60)
NOTE_MAX_LENGTH = CONTENT_MAX_LENGTH


@dataclass(frozen=True)
class Sender:
    """Who sent the feedback and where they want the answer."""

    name: str
    email: str = ""
    phone: str = ""


# --- Checks ------------------------------------------------------------------------------------


def _validate_at(at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError({"at": _("Give the time with its time zone, e.g. 2025-11-03T10:00:00+07:00.")})
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("This time lies in the future.")})
    if not in_dated_range(local_date(at)):
        raise ValidationError({"at": out_of_range_message()})
    return at


def _text(value: str, *, field: str, required: bool, message: str = "") -> str:
    """``value`` stripped; required and at most ``CONTENT_MAX_LENGTH`` characters (a field error otherwise)."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: message or _("This text is required.")})
    if len(value) > CONTENT_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("The text is %(length)s characters long; at most %(limit)s are accepted.")
                % {"length": len(value), "limit": CONTENT_MAX_LENGTH}
            }
        )
    return value


def _validate_sender(sender: Sender) -> Sender:
    errors = {}
    name = (sender.name or "").strip()
    if not name:
        errors["sender_name"] = _("The sender's name is required.")
    elif len(name) > 255:
        errors["sender_name"] = _("At most 255 characters.")
    email = (sender.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["sender_email"] = _("Enter a valid email address.")
    phone = (sender.phone or "").strip()
    if phone and not (phone.replace(" ", "").lstrip("+").isdigit() and len(phone) <= 20):
        errors["sender_phone"] = _("A phone number has only digits, spaces and a leading +.")
    if errors:
        raise ValidationError(errors)
    return Sender(name=name, email=email, phone=phone.replace(" ", ""))


def _next_code(received_on: datetime.date) -> str:
    """``PAKN-<yymmdd>-<running number>``, e.g. PAKN-260302-0007."""
    counter, _created = FeedbackCodeCounter.objects.select_for_update().get_or_create(day=received_on)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"PAKN-{received_on:%y%m%d}-{counter.last_number:04d}"


# --- Receiving ------------------------------------------------------------------------------------


def repeated_item(
    *,
    unit: Unit,
    procedure: Procedure | None,
    dossier: Dossier | None,
    sender: Sender,
    title: str,
    received_at: datetime.datetime,
) -> Feedback | None:
    """The earlier item that an item received now repeats, or None (national index 5.3).

    An item repeats the latest earlier one (received before it, at most
    ``TTHC_FEEDBACK_REPEAT_DAYS`` days before) that has:

    * the same subject: the same dossier when it names one; else the same procedure when it names
      one; else the same unit and the same title (letter case aside);
    * the same sender: the same e-mail address or the same phone number (each when both items
      have one), or the same name (letter case aside).

    The public text says only "not repeated" (DESIGN.md, indicator 5.3): this is our reading of
    "the same person had to come back about the same thing". One query.
    """
    if not settings.TTHC_FEEDBACK_REPEAT_DAYS:
        return None
    earlier = Feedback.objects.filter(
        received_at__lt=received_at,
        received_at__gte=received_at - datetime.timedelta(days=settings.TTHC_FEEDBACK_REPEAT_DAYS),
    )
    if dossier is not None:
        earlier = earlier.filter(dossier=dossier)
    elif procedure is not None:
        earlier = earlier.filter(procedure=procedure, dossier__isnull=True)
    else:
        earlier = earlier.filter(unit=unit, procedure__isnull=True, dossier__isnull=True, title__iexact=title)
    same_sender = Q(sender_name__iexact=sender.name)
    if sender.email:
        same_sender |= Q(sender_email__iexact=sender.email)
    if sender.phone:
        same_sender |= Q(sender_phone=sender.phone)
    return earlier.filter(same_sender).order_by("-received_at", "-id").first()


def _create(
    *,
    source: str,
    topic: str,
    classification: str,
    unit: Unit,
    procedure: Procedure | None,
    dossier: Dossier | None,
    sender: Sender,
    title: str,
    content: str,
    received_at: datetime.datetime,
    forwarding_document: str,
    by,
) -> Feedback:
    event = FeedbackEvent(
        kind=EventKind.RECEIVED,
        at=received_at,
        by=by,
        data={"classification": classification, "source": source},
        note=forwarding_document,
    )
    state = derive_state([event])
    repeats = repeated_item(
        unit=unit, procedure=procedure, dossier=dossier, sender=sender, title=title, received_at=received_at
    )
    item = Feedback(
        repeats=repeats,
        code=_next_code(local_date(received_at)),
        source=source,
        topic=topic,
        forwarding_document=forwarding_document,
        unit=unit,
        procedure=procedure,
        dossier=dossier,
        sender_name=sender.name,
        sender_email=sender.email,
        sender_phone=sender.phone,
        title=title,
        content=content,
        received_at=received_at,
        **state.stored_values(),
    )
    item.save(force_insert=True)
    event.feedback = item
    event.sequence = 1
    event.save(force_insert=True)
    _notify_sender(item, "feedback_received")
    return item


@transaction.atomic
def feedback_submit_public(
    *, dossier: Dossier, topic: str, title: str, content: str, email: str = "", phone: str = ""
) -> Feedback:
    """Feedback sent by an applicant from their dossier's public page (after the lookup pair was checked).

    It concerns the dossier's unit and procedure; the sender is the applicant. Refused while an
    earlier item about the same dossier is still being handled (``ConflictError``): the answer to
    that one comes first.
    """
    if topic not in Topic.values:
        raise ValidationError({"topic": _("Say what the feedback is about.")})
    title = _text(title, field="title", required=True, message=_("Give your feedback a short title."))
    if len(title) > 255:
        raise ValidationError({"title": _("At most 255 characters.")})
    content = _text(content, field="content", required=True, message=_("Write your feedback."))
    sender = _validate_sender(Sender(name=dossier.applicant_name, email=email, phone=phone))
    # Lock the dossier: two submissions at once are serialised, and the second sees the first.
    Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
    pending = Feedback.objects.open().filter(dossier=dossier).order_by("received_at").first()
    if pending is not None:
        raise ConflictError(
            _("Your feedback %(code)s about this dossier is still being handled; you will be told when it is answered.")
            % {"code": pending.code},
            code="pending_feedback",
        )
    return _create(
        source=Source.PUBLIC_PAGE,
        topic=topic,
        classification=TOPIC_CLASSIFICATION[topic],
        unit=dossier.unit,
        procedure=dossier.procedure,
        dossier=dossier,
        sender=sender,
        title=title,
        content=content,
        received_at=timezone.now(),
        forwarding_document="",
        by=None,
    )


@transaction.atomic
def feedback_receive(
    *,
    unit: Unit,
    source: str,
    classification: str,
    sender: Sender,
    title: str,
    content: str,
    by,
    received_at: datetime.datetime | None = None,
    procedure: Procedure | None = None,
    dossier: Dossier | None = None,
    forwarding_document: str = "",
) -> Feedback:
    """Staff enter an item that arrived by letter, or forwarded by the Government Office or another agency.

    ``received_at`` is when it was sent or forwarded to the ministry: the deadlines count from
    that day. A forwarded item names its forwarding document.
    """
    received_at = _validate_at(received_at)
    errors = {}
    if source not in Source.values or source == Source.PUBLIC_PAGE:
        errors["source"] = _("Unknown source; use direct, government_office or agency.")
    if classification not in Classification.values:
        errors["classification"] = _("Unknown classification; use regulation or conduct.")
    if source in (Source.GOVERNMENT_OFFICE, Source.AGENCY) and not (forwarding_document or "").strip():
        errors["forwarding_document"] = _("Name the document that forwarded it.")
    if procedure is not None and dossier is not None and dossier.procedure_id != procedure.pk:
        errors["procedure"] = _("The dossier is of another procedure.")
    if errors:
        raise ValidationError(errors)
    title = _text(title, field="title", required=True)
    if len(title) > 255:
        raise ValidationError({"title": _("At most 255 characters.")})
    content = _text(content, field="content", required=True)
    sender = _validate_sender(sender)
    return _create(
        source=source,
        topic="",
        classification=classification,
        unit=unit,
        procedure=procedure or (dossier.procedure if dossier else None),
        dossier=dossier,
        sender=sender,
        title=title,
        content=content,
        received_at=received_at,
        forwarding_document=(forwarding_document or "").strip()[:255],
        by=by,
    )


# --- The steps -------------------------------------------------------------------------------------


def _append(
    item: Feedback,
    *,
    action: str,
    kind: str,
    by,
    at: datetime.datetime | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Feedback:
    """Lock the item, check the step, append its event and store the re-derived state."""
    at = _validate_at(at)
    locked = Feedback.objects.select_for_update().get(pk=item.pk)
    if expected_version is not None and expected_version != locked.event_count:
        raise ConflictError(
            _("Feedback %(code)s was changed by someone else meanwhile; reload it and try again.")
            % {"code": locked.code},
            code="stale",
        )
    if at < locked.last_event_at:
        raise ValidationError(
            {
                "at": _("This time is before the item's previous step (%(previous)s).")
                % {"previous": timezone.localtime(locked.last_event_at).strftime("%d/%m/%Y %H:%M")}
            }
        )
    events = list(locked.events.order_by("sequence"))
    state = derive_state(events)
    if action not in allowed_actions(state):
        raise ConflictError(_refusal(action, state, locked), code="not_allowed")
    event = FeedbackEvent(
        feedback=locked, sequence=len(events) + 1, kind=kind, at=at, by=by, note=note, data=data or {}
    )
    event.save(force_insert=True)
    for name, value in derive_state([*events, event]).stored_values().items():
        setattr(locked, name, value)
    for name, value in (extra or {}).items():
        setattr(locked, name, value)
    locked.save(update_fields=[*FeedbackState.STORED_FIELDS, *(extra or {}), "updated_at"])
    return locked


def _refusal(action: str, state: FeedbackState, item: Feedback) -> str:
    """Why ``action`` is not allowed now."""
    if action == Action.RATE:
        if state.liked is not None:
            return _("Feedback %(code)s has already been rated.") % {"code": item.code}
        return _("Feedback %(code)s has not been answered yet.") % {"code": item.code}
    if action == Action.PUBLISH:
        if state.status == "published":
            return _("The answer to %(code)s has already been published.") % {"code": item.code}
        return _("Feedback %(code)s has no answer to publish.") % {"code": item.code}
    if action == Action.RECEIVE_INFORMATION:
        return _("Feedback %(code)s is not awaiting more information.") % {"code": item.code}
    if action == Action.REQUEST_INFORMATION and state.status == "awaiting_information":
        return _("More information has already been requested for %(code)s.") % {"code": item.code}
    return _("Feedback %(code)s has already been handled (%(status)s).") % {
        "code": item.code,
        "status": item.get_status_display(),
    }


@transaction.atomic
def feedback_classify(
    *, feedback: Feedback, by, classification: str, note: str = "", expected_version: int | None = None
) -> Feedback:
    """Change the item's class (regulation or procedure / officials' conduct) while it is open."""
    if classification not in Classification.values:
        raise ValidationError({"classification": _("Unknown classification; use regulation or conduct.")})
    return _append(
        feedback,
        action=Action.CLASSIFY,
        kind=EventKind.CLASSIFIED,
        by=by,
        at=None,
        note=_text(note, field="note", required=False),
        data={"classification": classification},
        expected_version=expected_version,
    )


@transaction.atomic
def feedback_refuse(
    *, feedback: Feedback, by, reason: str, at: datetime.datetime | None = None, expected_version: int | None = None
) -> Feedback:
    """Refuse to handle the item (not within the ministry's remit, anonymous, …); due within 2 working days."""
    reason = _text(reason, field="reason", required=True, message=_("Give the reason for the refusal."))
    item = _append(
        feedback,
        action=Action.REFUSE,
        kind=EventKind.REFUSED,
        by=by,
        at=at,
        note=reason,
        expected_version=expected_version,
    )
    _notify_sender(item, "feedback_refused", reason=reason)
    return item


@transaction.atomic
def feedback_request_information(
    *, feedback: Feedback, by, note: str, at: datetime.datetime | None = None, expected_version: int | None = None
) -> Feedback:
    """Ask the sender for more information; due within 5 working days. The answer's clock keeps running."""
    note = _text(note, field="note", required=True, message=_("Say what information is needed."))
    item = _append(
        feedback,
        action=Action.REQUEST_INFORMATION,
        kind=EventKind.INFORMATION_REQUESTED,
        by=by,
        at=at,
        note=note,
        expected_version=expected_version,
    )
    _notify_sender(item, "feedback_information_requested", note=note)
    return item


@transaction.atomic
def feedback_receive_information(
    *, feedback: Feedback, by, note: str = "", at: datetime.datetime | None = None, expected_version: int | None = None
) -> Feedback:
    """Record the information the sender sent."""
    return _append(
        feedback,
        action=Action.RECEIVE_INFORMATION,
        kind=EventKind.INFORMATION_RECEIVED,
        by=by,
        at=at,
        note=_text(note, field="note", required=False),
        expected_version=expected_version,
    )


@transaction.atomic
def feedback_answer(
    *, feedback: Feedback, by, answer: str, at: datetime.datetime | None = None, expected_version: int | None = None
) -> Feedback:
    """Answer the item; due within 15 working days of its receipt. Its publication is then due within 2."""
    answer = _text(answer, field="answer", required=True, message=_("Write the answer."))
    item = _append(
        feedback,
        action=Action.ANSWER,
        kind=EventKind.ANSWERED,
        by=by,
        at=at,
        note=answer,
        expected_version=expected_version,
        extra={"answer": answer},
    )
    _notify_sender(item, "feedback_answered")
    return item


@transaction.atomic
def feedback_publish(
    *, feedback: Feedback, by, at: datetime.datetime | None = None, expected_version: int | None = None
) -> Feedback:
    """Publish the answer (on the ministry's portal; here, on the item's public page)."""
    return _append(
        feedback, action=Action.PUBLISH, kind=EventKind.PUBLISHED, by=by, at=at, expected_version=expected_version
    )


@transaction.atomic
def feedback_rate(
    *,
    feedback: Feedback,
    liked: bool,
    by=None,
    comment: str = "",
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> Feedback:
    """The sender's like or dislike of the handling, once it was refused or answered; once.

    From the public page (``by`` None) or recorded by staff when it comes back through the
    Government Office.
    """
    if liked not in (True, False):
        raise ValidationError({"liked": _("Say whether the sender liked the handling (true or false).")})
    return _append(
        feedback,
        action=Action.RATE,
        kind=EventKind.RATED,
        by=by,
        at=at,
        note=_text(comment, field="comment", required=False),
        data={"liked": liked},
        expected_version=expected_version,
    )


# --- Telling the sender ---------------------------------------------------------------------------


def feedback_lookup_path(item: Feedback) -> str:
    """``/feedback/public/?code=…&key=…``: the item's page for its sender."""
    return reverse("feedback-public:status") + "?" + urlencode({"code": item.code, "key": item.lookup_code})


def _notify_sender(item: Feedback, kind: str, **extra) -> None:
    """The sender's e-mail or SMS about ``item`` (none without an address or a phone)."""
    if not (item.sender_email or item.sender_phone):
        return
    message_enqueue(
        kind=kind,
        recipients=[Recipient(email=item.sender_email, phone=item.sender_phone)],
        context={
            "item": item,
            "link": public_address(feedback_lookup_path(item)),
            "lookup_code": format_lookup_code(item.lookup_code),
            **extra,
        },
        unit=item.unit,
        reference=item.code,
    )
