"""The emulation world: a 2026 scheme, dossiers made through the lifecycle services, and their rollups.

Reporting year 2026 runs from 15 December 2025 to 14 December 2026; "today" is 20 December
2026, after its end, unless a test says otherwise.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Max

from dossiers import services as dossier_services
from dossiers.choices import Channel, Outcome
from dossiers.models import Dossier, DossierEvent
from emulation import services
from emulation.services import CriterionInput
from stats import rollups
from stats.models import DailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
D = datetime.date
YEAR = 2026
YEAR_START, YEAR_END = D(2025, 12, 15), D(2026, 12, 14)
TODAY = D(2026, 12, 20)


def local(year, month, day, hour=10, minute=0):
    """An aware datetime in Hanoi time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)


@pytest.fixture
def after_the_year():
    """Time stands on 20 December 2026, 09:00 in Hanoi."""
    with time_machine.travel(local(2026, 12, 20, 9), tick=False):
        yield


def criterion(code, points, metric="", target=None, name_vi=None) -> CriterionInput:
    return CriterionInput(
        code=code,
        name_vi=name_vi or f"Tiêu chí {code}",
        name_en=f"Criterion {code}",
        max_points=Decimal(points),
        metric=metric,
        target=None if target is None else Decimal(target),
    )


def make_scheme(year: int, criteria: list[CriterionInput], *, by=None, **settings):
    """A year with exactly ``criteria`` and the default bands (90 / 70 / 50) and tenure (6 months)."""
    record = services.emulation_year_create(year=year, by=by)
    return services.scheme_update(
        year=year,
        criteria=criteria,
        outstanding_min=settings.get("outstanding_min", record.outstanding_min),
        good_min=settings.get("good_min", record.good_min),
        completed_min=settings.get("completed_min", record.completed_min),
        min_tenure_months=settings.get("min_tenure_months", record.min_tenure_months),
        by=by,
    )


@pytest.fixture
def scheme(db):
    """2026: on-time rate 60 points (target 90%) and reform initiatives 40 points by hand."""
    return make_scheme(YEAR, [criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)])


def procedure_of(unit, code=None):
    """A 5-working-day procedure resolved by ``unit``."""
    kwargs = {"unit": unit} if code is None else {"unit": unit, "code": code}
    return ProcedureVersionFactory(procedure=ProcedureFactory(**kwargs), processing_days=5).procedure


def resolve(procedure, officer, received, ended, channel=Channel.ONLINE):
    """A dossier received at ``received`` and resolved at ``ended`` (times in Hanoi)."""
    dossier = dossier_services.dossier_receive(
        procedure=procedure,
        channel=channel,
        applicant=dossier_services.Applicant(name="Nguyễn Văn An"),
        received_at=received,
        by=officer,
    )
    return dossier_services.dossier_end(dossier=dossier, by=officer, outcome=Outcome.RESOLVED, at=ended)


def on_time(procedure, officer, monday: datetime.date):
    """Received on a Monday at 10:00, resolved the next day: early (due the next Monday)."""
    nxt = monday + datetime.timedelta(days=1)
    return resolve(
        procedure, officer, local(monday.year, monday.month, monday.day), local(nxt.year, nxt.month, nxt.day)
    )


def late(procedure, officer, monday: datetime.date):
    """Received on a Monday at 10:00, resolved four weeks later: late."""
    ended = monday + datetime.timedelta(days=28)
    return resolve(
        procedure, officer, local(monday.year, monday.month, monday.day), local(ended.year, ended.month, ended.day)
    )


def roll_up():
    """The daily statistics of the reporting year.

    Days after the last event hold no rows when every dossier has ended, so the rollups stop there
    (a year of days costs seconds per test); with an open dossier they run to the year's end.
    """
    last_event = DossierEvent.objects.aggregate(last=Max("on"))["last"] or YEAR_START
    end = YEAR_END if Dossier.objects.open().exists() else min(max(last_event, YEAR_START), YEAR_END)
    rollups.rollup_days(YEAR_START, end)


STATISTICS_DAY = D(2026, 3, 2)


def some_statistics(unit, procedure, day=STATISTICS_DAY):
    """One rollup row in the year (a dossier received online, still open), without a dossier behind it."""
    DailyStat.objects.create(day=day, unit=unit, procedure=procedure, field=procedure.field, received_online=1)
