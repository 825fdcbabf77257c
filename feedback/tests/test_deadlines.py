"""The deadlines of feedback (refuse ≤ 2, ask ≤ 5, answer ≤ 15, publish ≤ 2 after answering, in
working days) and the state derived from the events, on worked examples."""

import datetime
from dataclasses import dataclass, field

import pytest

from feedback.choices import Action, EventKind, Handling, Status
from feedback.deadlines import allowed_actions, derive_state, is_due_soon, is_overdue, step_timeliness
from tests.helpers import local

D = datetime.date
pytestmark = pytest.mark.django_db  # the calendar reads its overrides


@dataclass
class E:
    kind: str
    at: datetime.datetime
    data: dict = field(default_factory=dict)


RECEIVED = E(EventKind.RECEIVED, local(2026, 3, 2, 10), {"classification": "regulation"})  # a Monday


def test_the_deadlines_count_working_days_from_the_day_it_was_sent():
    state = derive_state([RECEIVED])

    assert (state.received_on, state.refuse_by, state.ask_by, state.answer_by) == (
        D(2026, 3, 2),
        D(2026, 3, 4),  # Wednesday: 2 working days
        D(2026, 3, 9),  # the next Monday: 5
        D(2026, 3, 23),  # 15, three weekends skipped
    )
    assert (state.status, state.due_date, state.classification) == (Status.RECEIVED, D(2026, 3, 23), "regulation")


def test_an_item_sent_on_a_saturday_counts_from_the_next_working_day():
    state = derive_state([E(EventKind.RECEIVED, local(2026, 3, 7, 10))])

    assert (state.refuse_by, state.answer_by) == (D(2026, 3, 10), D(2026, 3, 27))


def test_tet_is_skipped():
    # Sent Friday 13 February 2026, the last working day before the Tết holiday (16–20 February)
    state = derive_state([E(EventKind.RECEIVED, local(2026, 2, 13, 10))])

    assert state.refuse_by == D(2026, 2, 24)


@pytest.mark.parametrize(
    ("answered", "handling"),
    [(D(2026, 3, 23), Handling.ON_TIME), (D(2026, 3, 24), Handling.LATE)],
)
def test_an_answer_on_the_15th_working_day_is_on_time_and_the_day_after_is_late(answered, handling):
    at = local(answered.year, answered.month, answered.day, 16)
    state = derive_state([RECEIVED, E(EventKind.ANSWERED, at)])

    assert (state.status, state.handled_on, state.handling, state.answered_on) == (
        Status.ANSWERED,
        answered,
        handling,
        answered,
    )
    # publication is then due 2 working days later
    assert (
        state.publish_by == state.due_date == {D(2026, 3, 23): D(2026, 3, 25), D(2026, 3, 24): D(2026, 3, 26)}[answered]
    )


def test_a_refusal_after_two_working_days_is_late_and_ends_the_item():
    state = derive_state([RECEIVED, E(EventKind.REFUSED, local(2026, 3, 5, 9))])

    assert (state.status, state.handling, state.due_date) == (Status.REFUSED, Handling.LATE, None)
    assert allowed_actions(state) == [Action.RATE]


def test_asking_for_information_does_not_stop_the_answers_clock():
    events = [
        RECEIVED,
        E(EventKind.INFORMATION_REQUESTED, local(2026, 3, 9, 9)),
        E(EventKind.INFORMATION_RECEIVED, local(2026, 3, 16, 9)),
        E(EventKind.ANSWERED, local(2026, 3, 24, 9)),
    ]

    assert derive_state(events[:2]).status == Status.AWAITING_INFORMATION
    assert derive_state(events).handling == Handling.LATE
    # each step against its own deadline: the question on the 5th working day was on time
    assert step_timeliness(events) == ["", Handling.ON_TIME, "", Handling.LATE]


def test_the_steps_offered_follow_the_status():
    received = derive_state([RECEIVED])
    asked = derive_state([RECEIVED, E(EventKind.INFORMATION_REQUESTED, local(2026, 3, 3))])
    answered = derive_state([RECEIVED, E(EventKind.ANSWERED, local(2026, 3, 3))])
    published = derive_state(
        [RECEIVED, E(EventKind.ANSWERED, local(2026, 3, 3)), E(EventKind.PUBLISHED, local(2026, 3, 4))]
    )
    rated = derive_state(
        [RECEIVED, E(EventKind.ANSWERED, local(2026, 3, 3)), E(EventKind.RATED, local(2026, 3, 4), {"liked": False})]
    )

    assert allowed_actions(received) == [Action.ANSWER, Action.REQUEST_INFORMATION, Action.REFUSE, Action.CLASSIFY]
    assert allowed_actions(asked) == [Action.RECEIVE_INFORMATION, Action.ANSWER, Action.REFUSE, Action.CLASSIFY]
    assert allowed_actions(answered) == [Action.PUBLISH, Action.RATE]
    assert allowed_actions(published) == [Action.RATE]
    assert (allowed_actions(rated), rated.liked) == ([Action.PUBLISH], False)


@pytest.mark.parametrize(
    ("today", "overdue", "due_soon"),
    [
        (D(2026, 3, 18), False, False),  # 3 working days left
        (D(2026, 3, 19), False, True),  # 2 left: due soon
        (D(2026, 3, 23), False, True),  # the last day
        (D(2026, 3, 24), True, False),  # the day after: overdue
    ],
)
def test_within_deadline_due_soon_and_overdue_as_for_dossiers(today, overdue, due_soon):
    state = derive_state([RECEIVED])

    assert (is_overdue(state, on=today), is_due_soon(state, on=today)) == (overdue, due_soon)


def test_an_answer_not_published_in_time_is_overdue():
    state = derive_state([RECEIVED, E(EventKind.ANSWERED, local(2026, 3, 10))])

    assert state.publish_by == D(2026, 3, 12)
    assert is_overdue(state, on=D(2026, 3, 13))
    assert not is_overdue(
        derive_state([RECEIVED, E(EventKind.ANSWERED, local(2026, 3, 10)), E(EventKind.PUBLISHED, local(2026, 3, 16))]),
        on=D(2026, 3, 17),
    )
