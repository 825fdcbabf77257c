"""The statutory deadline rules of DESIGN.md ("Dossier lifecycle and deadlines") as pure functions.

Everything about a dossier's status and dates is derived from its events by ``derive_state``;
the services store the result and the nightly statistics read it. Replaying the events of a
dossier therefore always gives back its stored fields.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from workdays.calendar import WorkCalendar, get_calendar

from .choices import OPEN_STATUSES, Action, EventKind, Outcome, Status, Timeliness


class EventLike(Protocol):
    kind: str
    at: datetime.datetime
    data: dict[str, Any]


def local_date(at: datetime.datetime) -> datetime.date:
    """The date of ``at`` in the ministry's time zone (dates are local, datetimes are UTC)."""
    return at.astimezone(timezone.get_default_timezone()).date()


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
    second one counts as late whatever its end date. ``ended_on`` is the day the dossier is judged
    on: its end, or the day of its pending supplement request (see ``derive_state``).
    """
    if supplement_count > 1 or ended_on > appointment_date:
        return Timeliness.LATE
    if ended_on < appointment_date:
        return Timeliness.EARLY
    return Timeliness.ON_TIME


ONE_DAY = datetime.timedelta(days=1)
OPEN_END = datetime.date.max
"""The ``ends_on`` of the interval an open dossier is in now (a date, so indexes stay simple)."""


@dataclass(frozen=True)
class Interval:
    """A stretch of days over which an open dossier keeps one deadline.

    At the end of every day D with ``starts_on <= D < ends_on`` the dossier is open, and it is
    overdue at the end of D when ``due`` is set and ``due < D``, that is from ``overdue_from`` on.
    ``due`` is None while the dossier waits for a supplement requested in time: its clock stands
    still. ``ends_on`` is ``OPEN_END`` for the interval the dossier is in now.
    """

    starts_on: datetime.date
    ends_on: datetime.date
    due: datetime.date | None

    @property
    def overdue_from(self) -> datetime.date | None:
        """The first day of the interval at whose end the dossier counts as overdue (None: none)."""
        if self.due is None:
            return None
        return max(self.starts_on, self.due + ONE_DAY)

    def covers(self, day: datetime.date) -> bool:
        return self.starts_on <= day < self.ends_on

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.covers(day) and self.overdue_from is not None and self.overdue_from <= day


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
    overdue_from: datetime.date | None = None
    # Not stored on the row: the day the pending supplement was requested, whether that request
    # stopped the clock, the day a second request flagged the dossier late, and the intervals
    # (``dossiers.models.StateInterval`` stores those).
    supplement_requested_on: datetime.date | None = field(default=None, compare=False)
    pause_running: bool = field(default=False, compare=False)
    late_from: datetime.date | None = field(default=None, compare=False)
    intervals: list[Interval] = field(default_factory=list, compare=False, repr=False)

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
        "overdue_from",
    )

    def stored_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.STORED_FIELDS}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def due(self) -> datetime.date | None:
        """The date after which the open dossier is overdue in its present state (None: not now).

        * processing: its appointment date;
        * waiting for a supplement requested on or before the appointment date: none, the clock
          stands still (DESIGN.md, lifecycle 2: within deadline while it waits);
        * waiting for a supplement requested after the appointment date: the appointment date,
          the request pauses nothing;
        * after a second supplement request: at the latest the day before that request, since
          the national index counts such a dossier as late whatever happens next.
        """
        if not self.is_open:
            return None
        due = None if self.pause_running else self.appointment_date
        if self.late_from is not None:
            flagged = self.late_from - ONE_DAY
            due = flagged if due is None else min(due, flagged)
        return due


def _recorded_date(event: EventLike, key: str) -> datetime.date | None:
    value = (event.data or {}).get(key)
    return datetime.date.fromisoformat(value) if value else None


def _fix(event: EventLike, record: bool, **values) -> None:
    """Write the dates an event fixed into its data, when asked to and not already there."""
    if record:
        event.data = {**values, **(event.data or {})}


def derive_state(
    events: Iterable[EventLike],
    *,
    processing_days: int,
    calendar: WorkCalendar | None = None,
    record: bool = False,
    recount: bool = False,
) -> DossierState:
    """Replay ``events`` (in order) into the dossier's status, dates and intervals.

    Every date that depends on the working-day calendar is recorded on the event that fixed it
    (the receipt: ``counted_from`` and ``appointment_date``; an arriving supplement:
    ``paused_days`` and the new ``appointment_date``; a recalculation: its new dates). Replaying
    reads them back, so a calendar override entered later never moves a date by accident
    (DESIGN.md, lifecycle 6 and 8). The calendar is consulted only for an event that has not
    recorded its dates yet; with ``record=True`` the dates computed for it are written into its
    ``data`` (the services do this for the event they are about to save). ``recount=True`` ignores
    the recorded dates and earlier recalculations and counts everything again on ``calendar``: what
    the dates would be had the dossier been received under today's calendar (used only when the
    ministry office applies a calendar change, which then records the new dates).

    The pause rules of the national index (DESIGN.md, lifecycle 2):

    * a supplement request made on or before the appointment date stops the clock; when the
      supplement arrives the appointment date moves later by the working days after the request
      day up to and including the arrival day;
    * a request made after the appointment date pauses nothing: the dossier stays overdue and,
      when the supplement arrives, its appointment date does not move;
    * a dossier that ends while it still waits is judged on its request day;
    * a second request makes the dossier late, and overdue from that day on while it is open.
    """
    replay = Replay(processing_days=processing_days, calendar=calendar, record=record, recount=recount)
    for event in events:
        replay.apply(event)
    return replay.finish()


class Replay:
    """``derive_state`` one event at a time: the same rules, for callers that check each step
    against the state before it (a synchronised record's steps) without replaying the whole
    history again after every step.

    ``apply(event)`` brings the state up to the end of ``event`` (raising what the calendar
    raises); ``finish()`` returns the state with its ``overdue_from``, and events may still be
    applied after it. ``state`` is the state after the last event applied (``overdue_from`` as of
    the last ``finish``).
    """

    def __init__(
        self,
        *,
        processing_days: int,
        calendar: WorkCalendar | None = None,
        record: bool = False,
        recount: bool = False,
    ):
        self.state = DossierState()
        self.processing_days = processing_days
        self.record = record
        self.recount = recount
        self._calendar = calendar

    def work_calendar(self) -> WorkCalendar:
        if self._calendar is None:
            self._calendar = get_calendar()
        return self._calendar

    def apply(self, event: EventLike, *, day: datetime.date | None = None) -> DossierState:
        """``day``: the local date of ``event.at`` when the caller has it already."""
        state, record, recount = self.state, self.record, self.recount
        day = day or local_date(event.at)
        state.event_count += 1
        state.last_event_at = event.at
        if event.kind == EventKind.RECEIVED:
            counted_from = None if recount else _recorded_date(event, "counted_from")
            appointment = None if recount else _recorded_date(event, "appointment_date")
            if counted_from is None or appointment is None:
                counted_from, appointment = appointment_date_for(event.at, self.processing_days, self.work_calendar())
                _fix(event, record, counted_from=counted_from.isoformat(), appointment_date=appointment.isoformat())
            state.counted_from, state.appointment_date = counted_from, appointment
        elif event.kind == EventKind.SUPPLEMENT_REQUESTED:
            state.status = Status.AWAITING_SUPPLEMENT
            state.supplement_count += 1
            state.supplement_requested_on = day
            # A request after the appointment date comes too late to stop a clock that has run out.
            state.pause_running = day <= state.appointment_date
            if state.supplement_count > 1 and state.late_from is None:
                state.late_from = day
        elif event.kind == EventKind.SUPPLEMENT_RECEIVED:
            if state.pause_running:
                # The clock stood still from the day after the request up to and including the
                # day the supplement arrived: the appointment moves later by that many working days.
                appointment = None if recount else _recorded_date(event, "appointment_date")
                if appointment is None:
                    paused = self.work_calendar().working_days_between(state.supplement_requested_on, day)
                    appointment = state.appointment_date
                    if paused > 0:
                        appointment = self.work_calendar().add_working_days(appointment, paused)
                    _fix(event, record, paused_days=max(paused, 0), appointment_date=appointment.isoformat())
                state.appointment_date = appointment
            state.status = Status.PROCESSING
            state.supplement_requested_on = None
            state.pause_running = False
        elif event.kind == EventKind.DEADLINE_RECALCULATED:
            if not recount:
                state.appointment_date = _recorded_date(event, "appointment_date")
                state.counted_from = _recorded_date(event, "counted_from") or state.counted_from
        elif event.kind == EventKind.REAPPOINTED:
            state.reappointment_count += 1
            state.reappointed_date = datetime.date.fromisoformat(event.data["new_date"])
        elif event.kind == EventKind.ENDED:
            # While it waits, the national index judges a dossier as if it had ended on its request day.
            judged_on = state.supplement_requested_on if state.status == Status.AWAITING_SUPPLEMENT else day
            state.status = Status.ENDED
            state.outcome = event.data["outcome"]
            state.ended_at = event.at
            state.ended_on = day
            state.timeliness = judge_timeliness(
                ended_on=judged_on,
                appointment_date=state.appointment_date,
                supplement_count=state.supplement_count,
            )
            state.supplement_requested_on = None
            state.pause_running = False
        elif event.kind == EventKind.RETURNED:
            state.status = Status.RETURNED
            state.returned_at = event.at
        elif event.kind == EventKind.RATED:
            state.satisfied = bool(event.data["satisfied"])
        _follow(state, day)
        return state

    def finish(self) -> DossierState:
        state = self.state
        due = state.due
        state.overdue_from = None if due is None else due + ONE_DAY
        return state


def _follow(state: DossierState, day: datetime.date) -> None:
    """Bring ``state.intervals`` up to date after an event on ``day``.

    The state at the end of a day is the one after its last event, so a change on the day the
    current interval began replaces that interval, and consecutive intervals with the same due
    date are one.
    """
    intervals = state.intervals
    current = intervals[-1] if intervals and intervals[-1].ends_on == OPEN_END else None
    if not state.is_open:
        if current is not None:
            intervals.pop()
            if current.starts_on < day:
                intervals.append(Interval(current.starts_on, day, current.due))
        return
    due = state.due
    if current is not None and current.due == due:
        return
    if current is not None:
        intervals.pop()
        if current.starts_on < day:
            intervals.append(Interval(current.starts_on, day, current.due))
    previous = intervals[-1] if intervals else None
    if previous is not None and previous.ends_on == day and previous.due == due:
        # The change of ``day`` undid the one made earlier that day: one interval again.
        intervals.pop()
        intervals.append(Interval(previous.starts_on, OPEN_END, due))
    else:
        intervals.append(Interval(day, OPEN_END, due))


def state_on(state: DossierState, day: datetime.date) -> tuple[bool, bool]:
    """``(open, overdue)`` at the end of ``day``, from the intervals of a replayed dossier."""
    for interval in state.intervals:
        if interval.covers(day):
            return True, interval.is_overdue_on(day)
    return False, False


def last_day_to_reappoint(appointment_date: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date:
    """An apology and new date must come at least one working day before the appointment date."""
    return (calendar or get_calendar()).add_working_days(appointment_date, -1)


def allowed_actions(state: DossierState, *, on: datetime.date, calendar: WorkCalendar | None = None) -> list[str]:
    """The actions an officer may take next, in the order a screen should offer them.

    ``calendar``: the working-day calendar to count on (a batch passes the one it read once).
    """
    if state.status == Status.PROCESSING:
        actions = [Action.END, Action.REQUEST_SUPPLEMENT]
        if state.reappointment_count < settings.TTHC_MAX_REAPPOINTMENTS and on <= last_day_to_reappoint(
            state.appointment_date, calendar
        ):
            actions.append(Action.REAPPOINT)
        return actions
    if state.status == Status.AWAITING_SUPPLEMENT:
        return [Action.RECEIVE_SUPPLEMENT, Action.END]
    actions = []
    if state.status == Status.ENDED:
        actions.append(Action.RETURN)
    if state.satisfied is None and state.outcome != Outcome.WITHDRAWN:
        actions.append(Action.RATE)  # a withdrawn dossier was not served: there is nothing to rate
    return actions


def action_allowed(
    action: str, state: DossierState, *, on: datetime.date, calendar: WorkCalendar | None = None
) -> bool:
    """``action in allowed_actions(state, on=on)``, without counting the re-appointment deadline
    for another action (a batch asks this for every step it replays)."""
    if state.status == Status.PROCESSING and action != Action.REAPPOINT:
        return action in (Action.END, Action.REQUEST_SUPPLEMENT)
    return action in allowed_actions(state, on=on, calendar=calendar)


OUTCOMES_NEEDING_REASON = (Outcome.REFUSED, Outcome.STOPPED)
