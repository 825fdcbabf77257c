import datetime
from zoneinfo import ZoneInfo

import pytest

from dossiers.choices import Channel
from dossiers.services import Applicant, dossier_receive
from tests.factories import ProcedureFactory, ProcedureVersionFactory

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year, month, day, hour=10, minute=0):
    """An aware datetime in Hanoi time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture
def procedure(unit_a):
    """A 5-working-day procedure of unit A (the Drug Administration)."""
    version = ProcedureVersionFactory(procedure=ProcedureFactory(code="1.004567", unit=unit_a), processing_days=5)
    return version.procedure


@pytest.fixture
def receive(procedure, officer_a):
    def make(at, *, days=None, **kwargs):
        target = procedure
        if days is not None and days != 5:
            target = ProcedureVersionFactory(
                procedure=ProcedureFactory(unit=procedure.unit, field=procedure.field), processing_days=days
            ).procedure
        kwargs.setdefault("channel", Channel.IN_PERSON)
        kwargs.setdefault("applicant", Applicant(name="Nguyễn Văn An", id_number="001085012345", phone="0912345678"))
        return dossier_receive(procedure=target, received_at=at, by=officer_a, **kwargs)

    return make
