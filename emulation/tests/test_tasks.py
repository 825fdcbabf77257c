"""The nightly recomputation, the one-year task and the ``compute_emulation`` command."""

import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command

from config.celery_app import app
from emulation import services
from emulation.models import EmulationYear, LeaderScore, UnitScore
from emulation.tasks import compute_year, recompute_draft_years
from tests.celery_worker import real_worker
from tests.factories import TenureFactory

from .conftest import YEAR, local, on_time, procedure_of, roll_up

D = datetime.date
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def statistics(scheme, unit_a, unit_b, officer_a, after_the_year):
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    procedure_of(unit_b)
    roll_up()
    TenureFactory(unit=unit_a, start_date=D(2024, 1, 1))


@pytest.mark.django_db
class TestTasks:
    def test_the_nightly_task_recomputes_draft_years(self, statistics):
        result = recompute_draft_years(today="2026-12-20")
        assert result == {"computed": [2026], "skipped": {}}
        assert UnitScore.objects.count() == 2
        assert EmulationYear.objects.get(year=YEAR).scored_to == D(2026, 12, 14)

    def test_running_it_twice_gives_the_same_results(self, statistics):
        recompute_draft_years(today="2026-12-20")
        first = list(UnitScore.objects.order_by("unit__code").values_list("unit__code", "total", "band", "rank"))
        recompute_draft_years(today="2026-12-20")
        assert list(UnitScore.objects.order_by("unit__code").values_list("unit__code", "total", "band", "rank")) == (
            first
        )
        assert (UnitScore.objects.count(), LeaderScore.objects.count()) == (2, 1)

    def test_delay_runs_eagerly_without_redis(self, statistics):
        compute_year.delay(YEAR)
        assert UnitScore.objects.count() == 2

    def test_a_finalised_year_is_left_alone_at_night(self, statistics):
        services.emulation_compute(year=YEAR)
        services.council_decision_record(year=YEAR, number="01/QĐ-HĐTĐKT", date=D(2026, 12, 16), by=None)
        services.emulation_finalise(year=YEAR, by=None)
        computed_at = EmulationYear.objects.get(year=YEAR).computed_at
        with time_machine.travel(local(2026, 12, 21, 1, 30), tick=False):
            assert recompute_draft_years() == {"computed": [], "skipped": {}}
        assert EmulationYear.objects.get(year=YEAR).computed_at == computed_at


def test_the_nightly_recomputation_runs_at_half_past_one_after_the_statistics():
    entry = settings.CELERY_BEAT_SCHEDULE["emulation-draft-years"]
    statistics = settings.CELERY_BEAT_SCHEDULE["nightly-statistics"]["schedule"]
    assert entry["task"] == recompute_draft_years.name == "emulation.tasks.recompute_draft_years"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {30})
    assert (statistics.hour, statistics.minute) == ({1}, {0})
    assert app.conf.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.django_db
class TestCommand:
    def test_computes_the_year_and_says_what_it_did(self, statistics):
        out = StringIO()
        call_command("compute_emulation", "--year", "2026", stdout=out)
        assert (
            out.getvalue().strip() == "Computed 2026: 2 unit score(s), 1 leader score(s), statistics up to 2026-12-14."
        )
        assert UnitScore.objects.count() == 2

    def test_a_year_without_statistics_is_an_error_naming_the_year(self, scheme, after_the_year):
        with pytest.raises(CommandError, match=r"There are no statistics for 2026 \(15/12/2025 – 14/12/2026\)"):
            call_command("compute_emulation", "--year", "2026", stdout=StringIO())
        assert not UnitScore.objects.exists()

    def test_a_finalised_year_is_an_error(self, statistics):
        services.emulation_compute(year=YEAR)
        services.council_decision_record(year=YEAR, number="01/QĐ-HĐTĐKT", date=D(2026, 12, 16), by=None)
        services.emulation_finalise(year=YEAR, by=None)
        with pytest.raises(CommandError, match="Year 2026 is finalised"):
            call_command("compute_emulation", "--year", "2026", stdout=StringIO())

    def test_the_year_is_required(self):
        with pytest.raises(CommandError, match="--year"):
            call_command("compute_emulation", stdout=StringIO())


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_recomputes_the_draft_years(statistics):
    # Given a Celery worker on its own queue, connected to this test database
    with real_worker() as worker:
        # When the nightly task is sent through Redis
        recompute_draft_years.apply_async(kwargs={"today": "2026-12-20"}, queue=worker.queue)
        # Then the worker scores the year
        worker.wait_for(lambda: EmulationYear.objects.filter(year=YEAR, computed_at__isnull=False).exists())
    assert UnitScore.objects.count() == 2
