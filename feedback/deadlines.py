"""The deadlines of feedback and petitions (DESIGN.md, "Feedback and petitions") as pure functions.

Counted in working days from the day the item was sent, or forwarded, to the ministry (its
``received`` event), as dossier deadlines are (the day itself is not counted):

* refuse it within **2** working days;
* ask the sender for more information within **5**;
* answer it within **15**;
* publish the answer within **2** working days of answering.

Asking for more information does not stop the clock: DESIGN.md gives no pause for feedback, so the
answer is still due 15 working days after receipt (the officer may refuse an item whose sender
never answers). Like a dossier, an item is *within deadline* up to and including the day its
current step is due, *overdue* after it, and *due soon* when at most ``TTHC_DUE_SOON_WORKING_DAYS``
working days remain. An item is **handled** when it is refused or answered; it was handled *on
time* if that step met its own deadline, *late* otherwise. Everything is derived from the events
by ``derive_state``; the services store the result on the row.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from dossiers.deadlines import local_date
from workdays.calendar import WorkCalendar, get_calendar

from .choices import OPEN_STATUSES, Action, EventKind, Handling, Status

REFUSE_WITHIN = 2
ASK_WITHIN = 5
ANSWER_WITHIN = 15
PUBLISH_WITHIN = 2


class EventLike(Protocol):
    kind: str
    at: datetime.datetime
    data: dict[str, Any]


@dataclass
class FeedbackState:
    """The projection of an item's events that is stored on the ``Feedback`` row."""

    status: str = Status.RECEIVED
    classification: str = ""
    received_on: datetime.date | None = None
    refuse_by: datetime.date | None = None
    ask_by: datetime.date | None = None
    answer_by: datetime.date | None = None
    publish_by: datetime.date | None = None
    # The day the current step is due (answer_by while open, publish_by once answered); None when done.
    due_date: datetime.date | None = None
    handled_on: datetime.date | None = None
    handling: str = ""
    answered_on: datetime.date | None = None
    published_on: datetime.date | None = None
    liked: bool | None = None
    last_event_at: datetime.datetime | None = None
    event_count: int = 0

    STORED_FIELDS = (
        "status",
        "classification",
        "received_on",
        "answer_by",
        "publish_by",
        "due_date",
        "handled_on",
        "handling",
        "answered_on",
        "published_on",
        "liked",
        "last_event_at",
        "event_count",
    )

    def stored_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.STORED_FIELDS}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def step_deadline(state: FeedbackState, kind: str) -> datetime.date | None:
    """The last day on which a step of ``kind`` is on time for an item in ``state`` (before the step)."""
    return {
        EventKind.REFUSED: state.refuse_by,
        EventKind.INFORMATION_REQUESTED: state.ask_by,
        EventKind.ANSWERED: state.answer_by,
        EventKind.PUBLISHED: state.publish_by,
    }.get(kind)


def derive_state(events: Iterable[EventLike], *, calendar: WorkCalendar | None = None) -> FeedbackState:
    """Replay ``events`` (in order) into the item's status, deadlines and handling."""
    calendar = calendar or get_calendar()
    state = FeedbackState()
    for event in events:
        state.event_count += 1
        state.last_event_at = event.at
        day = local_date(event.at)
        data = event.data or {}
        if event.kind == EventKind.RECEIVED:
            state.received_on = day
            state.classification = data.get("classification", "")
            state.refuse_by = calendar.add_working_days(day, REFUSE_WITHIN)
            state.ask_by = calendar.add_working_days(day, ASK_WITHIN)
            state.answer_by = calendar.add_working_days(day, ANSWER_WITHIN)
            state.due_date = state.answer_by
        elif event.kind == EventKind.CLASSIFIED:
            state.classification = data["classification"]
        elif event.kind == EventKind.INFORMATION_REQUESTED:
            state.status = Status.AWAITING_INFORMATION
        elif event.kind == EventKind.INFORMATION_RECEIVED:
            state.status = Status.RECEIVED
        elif event.kind in (EventKind.REFUSED, EventKind.ANSWERED):
            deadline = step_deadline(state, event.kind)
            state.handled_on = day
            state.handling = Handling.ON_TIME if day <= deadline else Handling.LATE
            if event.kind == EventKind.REFUSED:
                state.status, state.due_date = Status.REFUSED, None
            else:
                state.status = Status.ANSWERED
                state.answered_on = day
                state.publish_by = state.due_date = calendar.add_working_days(day, PUBLISH_WITHIN)
        elif event.kind == EventKind.PUBLISHED:
            state.status, state.published_on, state.due_date = Status.PUBLISHED, day, None
        elif event.kind == EventKind.RATED:
            state.liked = bool(data["liked"])
    return state


def step_timeliness(events: list[EventLike], *, calendar: WorkCalendar | None = None) -> list[str]:
    """For each event, ``on_time``/``late`` against its own deadline, or "" for a step without one."""
    calendar = calendar or get_calendar()
    result = []
    for position, event in enumerate(events):
        before = derive_state(events[:position], calendar=calendar)
        deadline = step_deadline(before, event.kind)
        if deadline is None:
            result.append("")
        else:
            result.append(Handling.ON_TIME if local_date(event.at) <= deadline else Handling.LATE)
    return result


def allowed_actions(state: FeedbackState) -> list[str]:
    """The steps staff may take next, in the order a screen should offer them."""
    if state.status == Status.RECEIVED:
        return [Action.ANSWER, Action.REQUEST_INFORMATION, Action.REFUSE, Action.CLASSIFY]
    if state.status == Status.AWAITING_INFORMATION:
        return [Action.RECEIVE_INFORMATION, Action.ANSWER, Action.REFUSE, Action.CLASSIFY]
    actions = []
    if state.status == Status.ANSWERED:
        actions.append(Action.PUBLISH)
    if state.liked is None:
        actions.append(Action.RATE)
    return actions


def is_overdue(state_or_item, *, on: datetime.date) -> bool:
    """Past the day its current step is due (open, or answered and not yet published)."""
    return state_or_item.due_date is not None and state_or_item.due_date < on


def is_due_soon(state_or_item, *, on: datetime.date, calendar: WorkCalendar | None = None) -> bool:
    """At most ``TTHC_DUE_SOON_WORKING_DAYS`` working days left for its current step (not yet overdue)."""
    if state_or_item.due_date is None:
        return False
    last_day = (calendar or get_calendar()).add_working_days(on, settings.TTHC_DUE_SOON_WORKING_DAYS)
    return on <= state_or_item.due_date <= last_day
