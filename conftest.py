"""Fixtures shared by the whole suite: the cast of users and the service requirements."""

import os

import pytest
from django.db import connection

# CI sets this: a test that needs PostgreSQL, Redis or a browser must run there, never skip.
REQUIRE_SERVICES = os.environ.get("TTHC_REQUIRE_SERVICES", "") == "1"


def _skip_or_fail(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (TTHC_REQUIRE_SERVICES=1: this test must run here)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_requirements(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        _skip_or_fail("needs Redis and a Celery worker: set REDIS_URL=redis://...")
    if request.node.get_closest_marker("replica") and not os.environ.get("DATABASE_REPLICA_URL"):
        _skip_or_fail("needs a streaming replica of the PostgreSQL primary: set DATABASE_REPLICA_URL=postgres://...")
    if request.node.get_closest_marker("browser"):
        import importlib.util

        if not os.path.exists("/usr/bin/chromium"):
            _skip_or_fail("needs Debian's Chromium at /usr/bin/chromium: apt-get install -y chromium")
        if importlib.util.find_spec("playwright") is None:
            _skip_or_fail("needs Playwright for Python: pip install -r requirements/dev.txt")


@pytest.fixture(autouse=True)
def _replica_reads_only_where_tested(request):
    """With DATABASE_REPLICA_URL set, only the tests marked ``replica`` send reads to it: the
    others write in a transaction the replica cannot see, and must read the primary as before."""
    from config.replica import ReplicaReadsMiddleware

    ReplicaReadsMiddleware.enabled = request.node.get_closest_marker("replica") is not None
    yield
    ReplicaReadsMiddleware.enabled = True


@pytest.fixture(autouse=True)
def _english_for_direct_calls():
    """Services called directly speak English (the msgids) in tests; pages still go through
    LocaleMiddleware, which serves Vietnamese by default."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test starts from the calendar as the database holds it."""
    from workdays.calendar import invalidate_calendar

    invalidate_calendar()
    yield
    invalidate_calendar()


# --- The cast (STYLE.md habit 10) ----------------------------------------------------------
# Ministry → unit A (with sub-unit A1) and unit B. Every permission test reads like a sentence:
# "the head of unit A cannot see unit B's dossiers".


@pytest.fixture
def ministry(db):
    from tests.factories import UnitFactory
    from units.choices import UnitKind

    return UnitFactory(code="BYT", name_vi="Bộ Y tế", name_en="Ministry of Health", kind=UnitKind.MINISTRY)


@pytest.fixture
def office_unit(ministry):
    from tests.factories import UnitFactory
    from units.choices import UnitKind

    return UnitFactory(
        code="VPB", name_vi="Văn phòng Bộ", name_en="Ministry Office", kind=UnitKind.OFFICE, parent=ministry
    )


@pytest.fixture
def unit_a(ministry):
    from tests.factories import UnitFactory
    from units.choices import UnitKind

    return UnitFactory(
        code="QLD",
        name_vi="Cục Quản lý Dược",
        name_en="Drug Administration",
        kind=UnitKind.ADMINISTRATION,
        parent=ministry,
    )


@pytest.fixture
def unit_a1(unit_a):
    from tests.factories import UnitFactory

    return UnitFactory(
        code="QLD_KD", name_vi="Phòng Quản lý kinh doanh dược", name_en="Drug Trade Division", parent=unit_a
    )


@pytest.fixture
def unit_b(ministry):
    from tests.factories import UnitFactory
    from units.choices import UnitKind

    return UnitFactory(
        code="ATTP",
        name_vi="Cục An toàn thực phẩm",
        name_en="Vietnam Food Administration",
        kind=UnitKind.ADMINISTRATION,
        parent=ministry,
    )


def _member(username, unit, role):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def office_staff(office_unit):
    """Ministry office staff: everything, all units."""
    from units.choices import MembershipRole

    return _member("office", office_unit, MembershipRole.MINISTRY_OFFICE)


@pytest.fixture
def head_a(unit_a, unit_a1):
    """The head of unit A: reads A and its sub-unit A1."""
    from units.choices import MembershipRole

    return _member("head_a", unit_a, MembershipRole.UNIT_HEAD)


@pytest.fixture
def officer_a(unit_a):
    """An officer of unit A: processes A's dossiers only."""
    from units.choices import MembershipRole

    return _member("officer_a", unit_a, MembershipRole.UNIT_OFFICER)


@pytest.fixture
def officer_b(unit_b):
    """An officer (clerk) of unit B."""
    from units.choices import MembershipRole

    return _member("officer_b", unit_b, MembershipRole.UNIT_OFFICER)


@pytest.fixture
def auditor(office_unit):
    """An auditor: reads everything, writes nothing."""
    from units.choices import MembershipRole

    return _member("auditor", office_unit, MembershipRole.AUDITOR)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def client_for(api_client):
    """An API client logged in (by session) as the given user."""

    def login(user):
        api_client.force_authenticate(user=None)
        api_client.force_login(user)
        return api_client

    return login


# --- Dossiers: a 5-working-day procedure of unit A and a receive() helper (every app uses them) ---


@pytest.fixture
def procedure(unit_a):
    """A 5-working-day procedure of unit A (the Drug Administration)."""
    from tests.factories import ProcedureFactory, ProcedureVersionFactory

    version = ProcedureVersionFactory(procedure=ProcedureFactory(code="1.004567", unit=unit_a), processing_days=5)
    return version.procedure


@pytest.fixture
def receive(procedure, officer_a):
    """``receive(at, days=5, **kwargs)``: a dossier of ``procedure`` received by officer A at ``at``."""
    from dossiers.choices import Channel
    from dossiers.services import Applicant, dossier_receive
    from tests.factories import ProcedureFactory, ProcedureVersionFactory

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
