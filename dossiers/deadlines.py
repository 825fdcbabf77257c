"""The statutory deadline rules of DESIGN.md ("Dossier lifecycle and deadlines") as pure functions.

Everything about a dossier's status and dates is derived from its events by ``derive_state``;
the services store the result and the nightly statistics read it. Replaying the events of a
dossier therefore always gives back its stored fields.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings

from workdays.calendar import WorkCalendar, get_calendar

from .choices import OPEN_STATUSES, Action, EventKind, Outcome, Status, Timeliness


class EventLike(Protocol):
    kind: str
    at: datetime.datetime
    data: dict[str, Any]


def local_date(at: datetime.datetime) -> datetime.date:
    """The date of ``at`` in the ministry's time zone (dates are local, datetimes are UTC)."""
    return at.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def appointment_date_for(
    received_at: datetime.datetime, processing_days: int, calendar: WorkCalendar | None = None
) -> tuple[datetime.date, datetime.date]:
    """``(counted_from, appointment_date)`` of a dossier received at ``received_at``.

    The dossier counts as received on ``counted_from`` (the next working day if it arrived after
    the cut-off or on a day off) and is due ``processing_days`` working days later; the day of
    reception itself is not counted (Civil Code 2015, art. 147).
    """
    calendar = calendar or get_calendar()
    counted_from = calendar.receipt_day(received_at)
    return counted_from, calendar.add_working_days(counted_from, processing_days)


def judge_timeliness(*, ended_on: datetime.date, appointment_date: datetime.date, supplement_count: int) -> str:
    """Early, on time or late, against the appointment date (an apology does not change it).

    Under the national index only one supplement request is allowed: a dossier that needed a
    second one counts as late whatever its end date.
    """
    if supplement_count > 1 or ended_on > appointment_date:
        return Timeliness.LATE
    if ended_on < appointment_date:
        return Timeliness.EARLY
    return Timeliness.ON_TIME


@dataclass
class DossierState:
    """The projection of a dossier's events that is stored on the ``Dossier`` row."""

    status: str = Status.PROCESSING
    counted_from: datetime.date | None = None
    appointment_date: datetime.date | None = None
    reappointed_date: datetime.date | None = None
    supplement_count: int = 0
    reappointment_count: int = 0
    ended_at: datetime.datetime | None = None
    ended_on: datetime.date | None = None
    outcome: str = ""
    timeliness: str = ""
    returned_at: datetime.datetime | None = None
    satisfied: bool | None = None
    last_event_at: datetime.datetime | None = None
    event_count: int = 0
    # Not stored: the local day the pending supplement was requested on.
    supplement_requested_on: datetime.date | None = field(default=None, compare=False)

    STORED_FIELDS = (
        "status",
        "counted_from",
        "appointment_date",
        "reappointed_date",
        "supplement_count",
        "reappointment_count",
        "ended_at",
        "ended_on",
        "outcome",
        "timeliness",
        "returned_at",
        "satisfied",
        "last_event_at",
        "event_count",
    )

    def stored_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.STORED_FIELDS}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def derive_state(
    events: Iterable[EventLike], *, processing_days: int, calendar: WorkCalendar | None = None
) -> DossierState:
    """Replay ``events`` (in order) into the dossier's status and dates."""
    calendar = calendar or get_calendar()
    state = DossierState()
    for event in events:
        state.event_count += 1
        state.last_event_at = event.at
        if event.kind == EventKind.RECEIVED:
            state.counted_from, state.appointment_date = appointment_date_for(event.at, processing_days, calendar)
        elif event.kind == EventKind.SUPPLEMENT_REQUESTED:
            state.status = Status.AWAITING_SUPPLEMENT
            state.supplement_count += 1
            state.supplement_requested_on = local_date(event.at)
        elif event.kind == EventKind.SUPPLEMENT_RECEIVED:
            # The clock stood still from the day after the request up to and including the day the
            # supplement arrived: the appointment moves later by that many working days.
            paused = calendar.working_days_between(state.supplement_requested_on, local_date(event.at))
            if paused > 0:
                state.appointment_date = calendar.add_working_days(state.appointment_date, paused)
            state.status = Status.PROCESSING
            state.supplement_requested_on = None
        elif event.kind == EventKind.REAPPOINTED:
            state.reappointment_count += 1
            state.reappointed_date = datetime.date.fromisoformat(event.data["new_date"])
        elif event.kind == EventKind.ENDED:
            state.status = Status.ENDED
            state.outcome = event.data["outcome"]
            state.ended_at = event.at
            state.ended_on = local_date(event.at)
            state.timeliness = judge_timeliness(
                ended_on=state.ended_on,
                appointment_date=state.appointment_date,
                supplement_count=state.supplement_count,
            )
            state.supplement_requested_on = None
        elif event.kind == EventKind.RETURNED:
            state.status = Status.RETURNED
            state.returned_at = event.at
        elif event.kind == EventKind.RATED:
            state.satisfied = bool(event.data["satisfied"])
    return state


def last_day_to_reappoint(appointment_date: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date:
    """An apology and new date must come at least one working day before the appointment date."""
    return (calendar or get_calendar()).add_working_days(appointment_date, -1)


def allowed_actions(state: DossierState, *, on: datetime.date) -> list[str]:
    """The actions an officer may take next, in the order a screen should offer them."""
    if state.status == Status.PROCESSING:
        actions = [Action.END, Action.REQUEST_SUPPLEMENT]
        if state.reappointment_count < settings.TTHC_MAX_REAPPOINTMENTS and on <= last_day_to_reappoint(
            state.appointment_date
        ):
            actions.append(Action.REAPPOINT)
        return actions
    if state.status == Status.AWAITING_SUPPLEMENT:
        return [Action.RECEIVE_SUPPLEMENT, Action.END]
    actions = []
    if state.status == Status.ENDED:
        actions.append(Action.RETURN)
    if state.satisfied is None:
        actions.append(Action.RATE)
    return actions


OUTCOMES_NEEDING_REASON = (Outcome.REFUSED, Outcome.STOPPED)
