"""The national index on the unit dashboard: the reporting year and month so far, the points lost
by group and the link to the index page."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import time_machine

from dashboards.selectors import index_summary
from stats.index766 import index766
from stats.models import DailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def figures(unit_a, unit_a1):
    """Rollups of A and A1: a late dossier in the reporting month of March 2026 (15/02–14/03),
    on-time ones earlier in the reporting year (from 15/12/2025)."""
    for unit, day, values in (
        (unit_a, D(2026, 1, 10), {"ended_on_time": 6, "received_in_person": 6}),
        (unit_a1, D(2026, 3, 2), {"ended_late": 2, "received_in_person": 2}),
    ):
        procedure = ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit), effective_from=D(2020, 1, 1)
        ).procedure
        DailyStat.objects.create(day=day, unit=unit, procedure=procedure, field_id=procedure.field_id, **values)


def test_the_summary_is_the_index_of_the_reporting_month_and_year_so_far(figures, unit_a, unit_a1):
    summary = index_summary(unit_a, unit_ids=[unit_a.pk, unit_a1.pk], today=D(2026, 3, 6))

    year = index766(date_from=D(2025, 12, 15), date_to=D(2026, 3, 5), unit=unit_a, today=D(2026, 3, 6))
    month = index766(date_from=D(2026, 2, 15), date_to=D(2026, 3, 5), unit=unit_a, today=D(2026, 3, 6))
    assert (summary.year.total, summary.month.total) == (year.total, month.total)
    assert summary.month.indicator("2.1").rate == Decimal("0.00")
    assert summary.year.indicator("2.1").rate == Decimal("75.00")
    losing = [(group.code, group.lost) for group in summary.groups_losing]
    assert ("2", Decimal("5.00")) in losing  # 2.1: 75% of 20 points
    assert [lost for _code, lost in losing] == sorted((lost for _code, lost in losing), reverse=True)
    query = {"period": "custom", "date_from": "2025-12-15", "date_to": "2026-03-05", "unit": "QLD"}
    assert summary.url == f"/reports/index766/?{urlencode(query)}"


def test_the_read_scope_limits_the_summary(figures, unit_a):
    summary = index_summary(unit_a, unit_ids=[unit_a.pk], today=D(2026, 3, 6))  # an officer of A: not A1
    assert summary.year.indicator("2.1").rate == Decimal("100.00")


def test_the_tile_is_on_the_unit_dashboard(client, head_a, figures):
    client.force_login(head_a)
    client.cookies["django_language"] = "vi"
    with time_machine.travel(local(2026, 3, 6, 9), tick=False):
        page = client.get("/dashboards/units/QLD/").content.decode()

    tile = page[page.index('id="index766-tile"') :]
    assert "Chỉ số" in tile[:400]
    assert 'id="index766-year"' in tile and 'id="index766-lost"' in tile
    assert "/reports/index766/?period=custom&amp;date_from=2025-12-15&amp;date_to=2026-03-05&amp;unit=QLD" in tile
