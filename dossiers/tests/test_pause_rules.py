"""The national index's pause rules (DESIGN.md, lifecycle 2), case by case and against a slow reference.

Cases 1 and 2 of issue 10, the worked examples of DESIGN.md, and the bug reports of other deadline
systems collected in the research notes (each named after the thread it comes from).
"""

import datetime

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings

from dossiers import services
from dossiers.choices import EventKind, Outcome, Status, Timeliness
from dossiers.deadlines import OPEN_END, Interval, derive_state, state_on
from dossiers.models import Dossier, StateInterval
from tests.helpers import HCM, act, local
from tests.strategies import lives
from workdays.calendar import WorkCalendar

D = datetime.date


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 6, 1, 9), tick=False):
        yield


pytestmark = pytest.mark.django_db


def request(dossier, officer, at):
    return act(services.dossier_request_supplement, dossier=dossier, by=officer, note="Thiếu bản sao", at=at)


def arrive(dossier, officer, at):
    return act(services.dossier_receive_supplement, dossier=dossier, by=officer, at=at)


def end(dossier, officer, at, outcome=Outcome.RESOLVED):
    note = "" if outcome == Outcome.RESOLVED else "Không bổ sung hồ sơ"
    return act(services.dossier_end, dossier=dossier, by=officer, outcome=outcome, note=note, at=at)


class TestIssueCases:
    def test_case_1_ended_while_waiting_is_judged_on_its_request_day(self, receive, officer_a):
        # Received Mon 3/11/2025 10:00, due Mon 10/11; supplement requested Wed 5/11; stopped Mon
        # 17/11 without it.
        dossier = receive(local(2025, 11, 3, 10))
        dossier = request(dossier, officer_a, local(2025, 11, 5, 9))
        dossier = end(dossier, officer_a, local(2025, 11, 17, 10), outcome=Outcome.STOPPED)
        assert (dossier.timeliness, dossier.ended_on, dossier.appointment_date) == (
            Timeliness.EARLY,
            D(2025, 11, 17),
            D(2025, 11, 10),
        )
        # Open and within deadline at the end of every day it waited, gone from the stock after.
        intervals = list(StateInterval.objects.values_list("starts_on", "ends_on", "overdue_from"))
        assert intervals == [(D(2025, 11, 3), D(2025, 11, 5), D(2025, 11, 11)), (D(2025, 11, 5), D(2025, 11, 17), None)]

    def test_case_2_a_request_after_the_appointment_date_does_not_hide_an_overdue_dossier(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10/11
        dossier = request(dossier, officer_a, local(2025, 11, 12, 9))
        assert dossier.status == Status.AWAITING_SUPPLEMENT
        assert dossier.is_overdue(D(2025, 11, 12))
        assert list(Dossier.objects.overdue(on=D(2025, 11, 12))) == [dossier]
        assert not Dossier.objects.within_deadline(on=D(2025, 11, 12)).exists()
        # Overdue from 11/11 on, and the request changes nothing: one interval.
        assert list(StateInterval.objects.values_list("starts_on", "ends_on", "overdue_from")) == [
            (D(2025, 11, 3), OPEN_END, D(2025, 11, 11))
        ]
        # The supplement arrives: nothing was paused, the appointment date stays, and it ends late.
        dossier = arrive(dossier, officer_a, local(2025, 11, 14, 9))
        assert (dossier.appointment_date, dossier.is_overdue(D(2025, 11, 14))) == (D(2025, 11, 10), True)
        dossier = end(dossier, officer_a, local(2025, 11, 14, 15))
        assert dossier.timeliness == Timeliness.LATE

    def test_case_2_ended_while_still_waiting_after_a_late_request_is_late(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        dossier = request(dossier, officer_a, local(2025, 11, 12, 9))
        dossier = end(dossier, officer_a, local(2025, 11, 20, 9), outcome=Outcome.STOPPED)
        assert dossier.timeliness == Timeliness.LATE


class TestDesignExamples:
    def test_a_request_on_the_appointment_date_still_stops_the_clock(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10/11
        dossier = request(dossier, officer_a, local(2025, 11, 10, 16))
        assert not dossier.is_overdue(D(2025, 11, 30))
        dossier = arrive(dossier, officer_a, local(2025, 11, 12, 9))  # Tue 11 and Wed 12 paused
        assert dossier.appointment_date == D(2025, 11, 12)

    def test_waiting_within_deadline_at_the_end_of_any_later_day(self, receive, officer_a):
        # frappe/helpdesk #1554: "paused" in the interface but still ticking underneath.
        dossier = receive(local(2025, 11, 3, 10))
        request(dossier, officer_a, local(2025, 11, 5, 9))
        assert Dossier.objects.within_deadline(on=D(2025, 11, 20)).count() == 1
        assert not Dossier.objects.overdue(on=D(2025, 11, 20)).exists()

    def test_a_second_request_makes_the_dossier_overdue_from_that_day(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10/11
        dossier = request(dossier, officer_a, local(2025, 11, 4, 9))
        dossier = arrive(dossier, officer_a, local(2025, 11, 5, 9))  # due Tue 11/11
        assert not dossier.is_overdue(D(2025, 11, 6))
        dossier = request(dossier, officer_a, local(2025, 11, 6, 9))
        assert (dossier.is_overdue(D(2025, 11, 5)), dossier.is_overdue(D(2025, 11, 6))) == (False, True)
        dossier = arrive(dossier, officer_a, local(2025, 11, 7, 9))
        assert dossier.is_overdue(D(2025, 11, 7))
        dossier = end(dossier, officer_a, local(2025, 11, 7, 15))
        assert (dossier.supplement_count, dossier.timeliness) == (2, Timeliness.LATE)

    def test_refused_on_its_receipt_day_is_early(self, receive, officer_a):
        # Nine-Minds/alga-psa PR #3091: an item closed at once must not burn or keep a timer.
        dossier = receive(local(2025, 11, 3, 10))
        dossier = end(dossier, officer_a, local(2025, 11, 3, 11), outcome=Outcome.REFUSED)
        assert dossier.timeliness == Timeliness.EARLY
        assert not StateInterval.objects.exists()  # never open at the end of a day


class TestPauseLength:
    """Working days after the request day up to and including the arrival day."""

    @pytest.mark.parametrize(
        ("requested", "arrived", "appointment"),
        [
            # R-bizdays #54: Thu 12/2/2026 → Sat 14/2: one day (Fri 13/2).
            (local(2026, 2, 12, 9), local(2026, 2, 14, 9), D(2026, 2, 24)),
            # glpi #10594: Fri 13/2 → Mon 23/2 is ten calendar days but one working day (Tết 16–20/2).
            (local(2026, 2, 13, 9), local(2026, 2, 23, 9), D(2026, 2, 24)),
            # The same day: nothing paused.
            (local(2026, 2, 12, 9), local(2026, 2, 12, 14), D(2026, 2, 23)),
        ],
    )
    def test_pause_counts_working_days_only(self, receive, officer_a, requested, arrived, appointment):
        dossier = receive(local(2026, 2, 9, 10))  # Mon 9/2/2026 → due Mon 23/2 (after Tết)
        assert dossier.appointment_date == D(2026, 2, 23)
        dossier = request(dossier, officer_a, requested)
        dossier = arrive(dossier, officer_a, arrived)
        assert dossier.appointment_date == appointment

    def test_chained_deadline_is_moved_from_the_appointment_it_had(self, receive, officer_a):
        # hmcts/cmc-claim-store PR #39: received Mon 9/2/2026, due Mon 23/2; requested Wed 11/2,
        # arrived Tue 24/2 → paused 12, 13, 23 and 24 Feb → due Fri 27/2.
        dossier = receive(local(2026, 2, 9, 10))
        dossier = request(dossier, officer_a, local(2026, 2, 11, 9))
        dossier = arrive(dossier, officer_a, local(2026, 2, 24, 9))
        assert dossier.appointment_date == D(2026, 2, 27)
        supplement = dossier.events.get(kind=EventKind.SUPPLEMENT_RECEIVED)
        assert supplement.data == {"paused_days": 4, "appointment_date": "2026-02-27"}

    def test_reappointment_after_a_pause_is_judged_against_the_moved_date(self, receive, officer_a):
        # glpi #6902 / correspondence_tool_staff PR #2818: received Mon 3/11/2025 (due 10/11);
        # requested Wed 5/11, arrived Fri 7/11 → due Wed 12/11; re-appointed to Wed 19/11;
        # resolved Mon 17/11 → late (against 12/11, neither 10/11 nor 19/11).
        dossier = receive(local(2025, 11, 3, 10))
        dossier = request(dossier, officer_a, local(2025, 11, 5, 9))
        dossier = arrive(dossier, officer_a, local(2025, 11, 7, 9))
        assert dossier.appointment_date == D(2025, 11, 12)
        dossier = act(
            services.dossier_reappoint,
            dossier=dossier,
            by=officer_a,
            new_date=D(2025, 11, 19),
            reason="Chờ ý kiến hội đồng",
            at=local(2025, 11, 10, 9),
        )
        dossier = end(dossier, officer_a, local(2025, 11, 17, 9))
        assert (dossier.appointment_date, dossier.reappointed_date, dossier.timeliness) == (
            D(2025, 11, 12),
            D(2025, 11, 19),
            Timeliness.LATE,
        )


# --- The slow reference, written straight from DESIGN.md's words -----------------------------------


def _next_working_day(calendar, day):
    day += datetime.timedelta(days=1)
    while not calendar.is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def _nth_working_day_after(calendar, day, count):
    for _ in range(count):
        day = _next_working_day(calendar, day)
    return day


def reference(steps, *, processing_days, calendar, day):
    """``(open, overdue, timeliness)`` at the end of ``day`` from the steps up to it, day by day."""
    events = [step for step in steps if step.at.astimezone(HCM).date() <= day]
    if not events:
        return False, False, ""
    received = events[0].at.astimezone(HCM)
    # "A dossier received at or after the cut-off hour (15:00) or on a non-working day is treated
    # as received on the next working day. The appointment date is the Nth working day after."
    receipt_day = received.date()
    if received.hour >= 15 or not calendar.is_working_day(receipt_day):
        receipt_day = _next_working_day(calendar, receipt_day)
    appointment = _nth_working_day_after(calendar, receipt_day, processing_days)
    waiting = paused = False
    requested_on = late_since = None
    requests = 0
    for event in events[1:]:
        on = event.at.astimezone(HCM).date()
        if event.kind == EventKind.SUPPLEMENT_REQUESTED:
            requests += 1
            waiting, requested_on = True, on
            # "A request made on a day after the appointment date does not pause anything."
            paused = on <= appointment
            # "Once per dossier under the national index; a second one flags the dossier as late."
            if requests == 2:
                late_since = on
        elif event.kind == EventKind.SUPPLEMENT_RECEIVED:
            if paused:
                # "...moves later by the number of working days after the request day up to and
                # including the arrival day."
                moved, probe = 0, requested_on
                while probe < on:
                    probe += datetime.timedelta(days=1)
                    moved += calendar.is_working_day(probe)
                appointment = _nth_working_day_after(calendar, appointment, moved)
            waiting = paused = False
        elif event.kind == EventKind.ENDED:
            # "A dossier that ends while still waiting is judged on its request day."
            judged = requested_on if waiting else on
            if requests > 1 or judged > appointment:
                return False, False, Timeliness.LATE
            return False, False, Timeliness.EARLY if judged < appointment else Timeliness.ON_TIME
    if late_since is not None:
        return True, True, ""
    if waiting and paused:
        # "An open dossier waiting at the end of day D is within deadline when its request day is
        # not after the appointment date."
        return True, False, ""
    return True, appointment < day, ""


CALENDAR = WorkCalendar({D(2026, 1, 2): "day_off", D(2026, 1, 10): "working_day"})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lives())
def test_derive_state_agrees_with_the_reference_on_every_day(history):
    steps, processing_days = history
    full = derive_state(steps, processing_days=processing_days, calendar=CALENDAR)
    first = steps[0].at.astimezone(HCM).date() - datetime.timedelta(days=1)
    last = steps[-1].at.astimezone(HCM).date() + datetime.timedelta(days=25)
    day = first
    while day <= last:
        expected_open, expected_overdue, expected_timeliness = reference(
            steps, processing_days=processing_days, calendar=CALENDAR, day=day
        )
        # The intervals of the whole history say what was true at the end of each day …
        assert state_on(full, day) == (expected_open, expected_overdue), day
        # … and so does replaying only the events up to that day (the services' view then).
        prefix = [step for step in steps if step.at.astimezone(HCM).date() <= day]
        if prefix:
            upto = derive_state(prefix, processing_days=processing_days, calendar=CALENDAR)
            assert upto.timeliness == expected_timeliness
            assert (upto.is_open and upto.overdue_from is not None and upto.overdue_from <= day) == expected_overdue
        day += datetime.timedelta(days=1)
    # Intervals never overlap, never touch with the same due date and never are empty.
    for before, after in zip(full.intervals, full.intervals[1:], strict=False):
        assert before.ends_on <= after.starts_on
        assert not (before.ends_on == after.starts_on and before.due == after.due)
    assert all(interval.starts_on < interval.ends_on for interval in full.intervals)
    assert all(isinstance(interval, Interval) for interval in full.intervals)
