"""Hypothesis strategies shared by the property tests: random but valid dossier lives."""

import datetime
from dataclasses import dataclass, field

from hypothesis import strategies as st

from dossiers.choices import EventKind, Outcome, Status
from tests.helpers import HCM


@dataclass
class Step:
    """One event of a generated life, shaped like a ``DossierEvent`` for ``derive_state``."""

    kind: str
    at: datetime.datetime
    data: dict = field(default_factory=dict)


@st.composite
def lives(draw, *, first=datetime.datetime(2025, 10, 1, tzinfo=HCM), span_days=180, max_steps=6, max_gap_days=12):
    """A receipt in ``[first, first + span_days)`` and a random valid life after it.

    Steps follow the lifecycle: from processing a supplement request, an end or a re-appointment;
    from waiting the supplement or an end; nothing after the end (returns and ratings change no
    deadline). Requests land before, on or after the appointment date, and some dossiers ask twice.
    """
    received = first + datetime.timedelta(minutes=draw(st.integers(0, span_days * 24 * 60)))
    steps = [Step(EventKind.RECEIVED, received)]
    status, at = Status.PROCESSING, received
    for _ in range(draw(st.integers(0, max_steps))):
        at = at + datetime.timedelta(minutes=draw(st.integers(1, max_gap_days * 24 * 60)))
        if status == Status.PROCESSING:
            kind = draw(st.sampled_from([EventKind.SUPPLEMENT_REQUESTED, EventKind.ENDED, EventKind.REAPPOINTED]))
        elif status == Status.AWAITING_SUPPLEMENT:
            kind = draw(st.sampled_from([EventKind.SUPPLEMENT_RECEIVED, EventKind.ENDED]))
        else:
            break
        data = {}
        if kind == EventKind.ENDED:
            data = {"outcome": draw(st.sampled_from(Outcome.values))}
            status = Status.ENDED
        elif kind == EventKind.REAPPOINTED:
            data = {"new_date": (at.astimezone(HCM).date() + datetime.timedelta(days=10)).isoformat()}
        elif kind == EventKind.SUPPLEMENT_REQUESTED:
            status = Status.AWAITING_SUPPLEMENT
        elif kind == EventKind.SUPPLEMENT_RECEIVED:
            status = Status.PROCESSING
        steps.append(Step(kind, at, data))
    return steps, draw(st.integers(1, 15))
