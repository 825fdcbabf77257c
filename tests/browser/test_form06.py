"""Form 06 (/reports/form06/) on a 1366 px laptop and a 360 px phone, screenshotted under
docs/screenshots/tmp/form06/ (git ignores it) to look at: on a laptop the official table shows
all its columns without scrolling, the box of rates below it rather than beside it (beside it,
it took half the width and the table showed only columns (1)–(5)); the page never scrolls
sideways."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings

from stats.models import DailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory

from .test_dashboards import log_in
from .test_widths import OVERFLOW, WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots" / "tmp" / "form06"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_official_table_fits_a_laptop_with_the_rates_below_it(
    live_server, new_page, office_staff, unit_a, unit_b, width
):
    for number, unit in enumerate([unit_a, unit_b]):
        version = ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit), effective_from=datetime.date(2020, 1, 1)
        )
        procedure = version.procedure
        DailyStat.objects.create(
            day=datetime.date(2026, 3, 2),
            unit=unit,
            procedure=procedure,
            field_id=procedure.field_id,
            received_online=1200 + number,
            received_in_person=35,
            ended_on_time=1180,
            ended_late=12,
        )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(WIDTHS[width])
    log_in(page, live_server.url, "office", start="/reports/form06/")
    page.goto(f"{live_server.url}/reports/form06/?period=month&year=2026&number=3")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SHOTS / f"form06-{width}.png"), full_page=True)

    assert page.evaluate(OVERFLOW) == {"page": 0, "main": 0}
    table = page.locator("table.form06:not(.form06-rates)")
    rates = page.locator("table.form06-rates")
    # The rates come after the table, not beside it.
    assert rates.bounding_box()["y"] >= table.bounding_box()["y"] + table.bounding_box()["height"]
    if width == "laptop":
        box = table.locator("xpath=..")
        assert box.evaluate("(element) => element.scrollWidth - element.clientWidth") <= 0
