"""The bulk demo generator writes dossiers the services would have written."""

import datetime
from collections import Counter

import pytest
import time_machine

from demo.generator import generate_dossiers
from dossiers import services
from dossiers.choices import Channel, Status, Timeliness
from dossiers.deadlines import derive_state
from dossiers.models import Dossier, DossierEvent
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(unit_a, unit_b):
    for index in range(6):
        ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit_a if index % 2 else unit_b, online_service="full", has_fee=True),
            processing_days=3 + index,
        )


@time_machine.travel(local(2025, 12, 31, 18), tick=False)
def test_generated_dossiers_replay_to_their_stored_state(catalogue):
    created = generate_dossiers(count=400, start=datetime.date(2025, 1, 1), batch_size=150)

    assert created == Dossier.objects.count() == 400
    events_by_dossier: dict[int, list] = {}
    for event in DossierEvent.objects.order_by("dossier_id", "sequence"):
        events_by_dossier.setdefault(event.dossier_id, []).append(event)
    for dossier in Dossier.objects.all():
        events = events_by_dossier[dossier.pk]
        assert [event.sequence for event in events] == list(range(1, len(events) + 1))
        assert all(earlier.at < later.at for earlier, later in zip(events, events[1:], strict=False))
        replayed = derive_state(events, processing_days=dossier.processing_days)
        assert replayed.stored_values() == {name: getattr(dossier, name) for name in replayed.STORED_FIELDS}

    timeliness = Counter(Dossier.objects.values_list("timeliness", flat=True))
    assert timeliness[Timeliness.ON_TIME] > timeliness[Timeliness.EARLY] > timeliness[Timeliness.LATE] > 0
    assert Dossier.objects.filter(supplement_count__gt=0).exists()
    assert Dossier.objects.filter(reappointment_count__gt=0).exists()
    assert Dossier.objects.overdue(on=datetime.date(2025, 12, 31)).exists()
    assert Dossier.objects.filter(channel=Channel.ONLINE).exists()


@time_machine.travel(local(2025, 12, 31, 18), tick=False)
def test_desk_numbering_continues_after_generated_codes(catalogue, officer_a):
    generate_dossiers(count=200, start=datetime.date(2025, 12, 1))
    assert Dossier.objects.values("code").distinct().count() == 200
    # A dossier received afterwards at the desk on a day the generator used gets the next number.
    busiest_day = Counter(Dossier.objects.filter(unit__code="QLD").values_list("received_on", flat=True)).most_common(
        1
    )[0][0]
    procedure = Dossier.objects.filter(unit__code="QLD").first().procedure
    at = local(busiest_day.year, busiest_day.month, busiest_day.day, 9)
    dossier = services.dossier_receive(
        procedure=procedure,
        channel=Channel.IN_PERSON,
        applicant=services.Applicant(name="Lê Văn C"),
        received_at=at,
        by=officer_a,
    )
    assert Dossier.objects.filter(code=dossier.code).count() == 1
    assert dossier.status == Status.PROCESSING
