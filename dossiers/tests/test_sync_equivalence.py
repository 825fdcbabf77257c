"""A synchronised record gives exactly what the single-step services give for the same life.

Each generated life (``tests.strategies.lives``: supplements asked before, on or after the
appointment date, asked twice, re-appointments in and out of their deadline, every outcome) is
recorded twice: step by step through the services, at each step's own time, as the desk records
it; and whole, as one record of ``dossiers.sync.sync_batch`` sent afterwards. Where the services
refuse a step, the synchronised record is rejected on that step; where they accept every step,
the dossier stored, its intervals and the dates each event fixed are the same.
"""

import datetime
import itertools

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings

from config.exceptions import ConflictError
from dossiers import services
from dossiers.choices import Channel, EventKind
from dossiers.deadlines import DossierState
from dossiers.models import Dossier, StateInterval
from dossiers.sync import sync_batch
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import act
from tests.strategies import lives

pytestmark = pytest.mark.django_db

# Fixed dates each event records; the marks of a time entered late differ by who recorded it.
RECORDED = ("counted_from", "appointment_date", "paused_days", "new_date", "outcome")
# The same moment for the sync as for every service call's check of "now": after every life.
SYNCED_AT = datetime.datetime(2026, 6, 1, 9, tzinfo=datetime.UTC)
NOTE = "Thiếu bản sao CCCD"


def _through_services(steps, procedure, officer, code_number):
    """Record the life step by step; the index of the first step refused (None: all accepted)."""
    with time_machine.travel(steps[0].at, tick=False):
        dossier = services.dossier_receive(
            procedure=procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="Nguyễn Văn An"),
            by=officer,
            received_at=steps[0].at,
            code=f"EQ-{code_number}-S",
            notify=False,
        )
    for position, step in enumerate(steps[1:], start=1):
        arguments = {"dossier": dossier, "by": officer, "at": step.at, "notify": False}
        try:
            if step.kind == EventKind.SUPPLEMENT_REQUESTED:
                dossier = act(services.dossier_request_supplement, note=NOTE, **arguments)
            elif step.kind == EventKind.SUPPLEMENT_RECEIVED:
                dossier = act(services.dossier_receive_supplement, **arguments)
            elif step.kind == EventKind.REAPPOINTED:
                new_date = datetime.date.fromisoformat(step.data["new_date"])
                dossier = act(services.dossier_reappoint, new_date=new_date, reason=NOTE, **arguments)
            elif step.kind == EventKind.ENDED:
                dossier = act(services.dossier_end, outcome=step.data["outcome"], note=NOTE, **arguments)
        except (ValidationError, ConflictError):
            return dossier, position
    return dossier, None


def _record(steps, procedure, code_number):
    """The same life as one record in our field names, with the step each field carries."""
    record = {
        "code": f"EQ-{code_number}-Y",
        "procedure": procedure.code,
        "channel": "online",
        "applicant_name": "Nguyễn Văn An",
        "received_at": steps[0].at.isoformat(),
        "supplements": [],
        "reappointments": [],
    }
    fields = ["received_at"]
    for step in steps[1:]:
        if step.kind == EventKind.SUPPLEMENT_REQUESTED:
            number = len(record["supplements"])
            record["supplements"].append({"requested_at": step.at.isoformat(), "note": NOTE})
            fields.append(f"supplements[{number}].requested_at")
        elif step.kind == EventKind.SUPPLEMENT_RECEIVED:
            number = len(record["supplements"]) - 1
            record["supplements"][number]["received_at"] = step.at.isoformat()
            fields.append(f"supplements[{number}].received_at")
        elif step.kind == EventKind.REAPPOINTED:
            number = len(record["reappointments"])
            record["reappointments"].append(
                {"at": step.at.isoformat(), "new_date": step.data["new_date"], "reason": NOTE}
            )
            fields.append(f"reappointments[{number}].at")
        elif step.kind == EventKind.ENDED:
            record.update(ended_at=step.at.isoformat(), outcome=step.data["outcome"], end_note=NOTE)
            fields.append("ended_at")
    return record, fields


def _stored(dossier):
    """What the figures read: the stored state, the intervals and the dates each event fixed."""
    dossier = Dossier.objects.get(pk=dossier.pk)
    events = [
        (event.kind, event.at, {key: event.data[key] for key in RECORDED if key in event.data})
        for event in dossier.events.order_by("sequence")
    ]
    intervals = list(
        StateInterval.objects.filter(dossier=dossier)
        .order_by("starts_on")
        .values_list("starts_on", "ends_on", "due", "overdue_from")
    )
    return {name: getattr(dossier, name) for name in DossierState.STORED_FIELDS}, intervals, events


@pytest.fixture
def procedures():
    """A procedure per number of processing days, made once for all the examples."""
    made = {}

    def of(days):
        if days not in made:
            made[days] = ProcedureVersionFactory(
                procedure=ProcedureFactory(code=f"9.{days:06d}"), processing_days=days
            ).procedure
        return made[days]

    return of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lives(first=datetime.datetime(2025, 10, 1, tzinfo=datetime.UTC)))
def test_a_synchronised_record_gives_the_state_the_services_give(
    procedures, officer_a, sync_user_for_equivalence, history
):
    steps, processing_days = history
    procedure = procedures(processing_days)
    number = next(_numbers)
    by_services, refused_at = _through_services(steps, procedure, officer_a, number)
    record, fields = _record(steps, procedure, number)

    with time_machine.travel(SYNCED_AT, tick=False):
        result = sync_batch([record], source="mcdt-byt", by=sync_user_for_equivalence).results[0]

    event("a step refused" if refused_at is not None else "every step accepted")
    if refused_at is not None:
        assert result.outcome == "rejected"
        assert fields[refused_at] in result.errors or fields[refused_at].replace(".at", ".new_date") in result.errors, (
            result.errors
        )
        return
    assert result.outcome == "created", result.errors
    synced = Dossier.objects.get(code=record["code"])
    assert _stored(synced) == _stored(by_services)


_numbers = itertools.count(1)


@pytest.fixture
def sync_user_for_equivalence():
    from tests.factories import UserFactory

    return UserFactory(username="mcdt-equivalence")
