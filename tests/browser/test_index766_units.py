"""The national index's table of units (/reports/index766/units/) on a 1366 px laptop and a 360 px
phone: screenshotted (under docs/screenshots/tmp/index766-units/, which git ignores, to look at);
the page never scrolls sideways, the table scrolls in its own box with the unit column kept in
view, and the group headings spell out their names."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from dossiers.selectors import local_today
from stats.models import DailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory, UnitFactory
from units.choices import UnitKind

from .test_dashboards import log_in
from .test_widths import OVERFLOW, WIDTHS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots" / "tmp" / "index766-units"
D = datetime.timedelta


def stat(unit, day, **values):
    procedure = ProcedureVersionFactory(
        procedure=ProcedureFactory(unit=unit), effective_from=datetime.date(2020, 1, 1)
    ).procedure
    return DailyStat.objects.create(day=day, unit=unit, procedure=procedure, field_id=procedure.field_id, **values)


@pytest.fixture
def ranked(ministry, unit_a, unit_b, office_staff):
    """Six departments of the ministry with figures 10 days ago, some with long names (and the office, without)."""
    day = local_today() - D(days=10)
    units = [
        unit_a,
        unit_b,
        UnitFactory(code="KCB", name_vi="Cục Quản lý Khám, chữa bệnh", kind=UnitKind.ADMINISTRATION, parent=ministry),
        UnitFactory(
            code="K2ĐT",
            name_vi="Cục Khoa học công nghệ và Đào tạo",
            kind=UnitKind.ADMINISTRATION,
            parent=ministry,
        ),
        UnitFactory(code="MT", name_vi="Cục Quản lý Môi trường y tế", kind=UnitKind.ADMINISTRATION, parent=ministry),
        UnitFactory(
            code="TTB", name_vi="Vụ Trang thiết bị và Công trình y tế", kind=UnitKind.DEPARTMENT, parent=ministry
        ),
    ]
    for number, unit in enumerate(units):
        stat(unit, day, ended_on_time=4 + number, ended_late=number % 3, received_in_person=5 + number)
    return day


def url(live_server, day) -> str:
    return (
        f"{live_server.url}/reports/index766/units/?period=custom"
        f"&date_from={(day - D(days=5)).isoformat()}&date_to={(day + D(days=5)).isoformat()}"
    )


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_table_of_units_is_readable_on_a_laptop_and_a_phone(live_server, new_page, ranked, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(WIDTHS[width])
    log_in(page, live_server.url, "office", start="/reports/index766/units/")
    page.goto(url(live_server, ranked))
    page.wait_for_load_state("networkidle")
    expect(page.locator("#ranking tbody tr")).to_have_count(8)  # six units, the office and the whole scope
    page.screenshot(path=str(SHOTS / f"units-{width}.png"), full_page=True)
    page.locator("#ranking").screenshot(path=str(SHOTS / f"table-{width}.png"))

    assert page.evaluate(OVERFLOW) == {"page": 0, "main": 0}
    # Every heading spells out what it abbreviates.
    assert page.locator("#ranking thead abbr[title]").count() == 1 + 6
    box = page.locator("#ranking").locator("xpath=..")
    unit = page.locator("#unit-QLD .unit-cell")
    if width == "laptop":
        # On a laptop the whole table fits its box: nothing to scroll, a unit's name on one line or two.
        assert box.evaluate("(element) => element.scrollWidth - element.clientWidth") <= 0
        assert unit.bounding_box()["height"] < 3 * 24
    else:
        # On a phone the groups scroll sideways under the rank and the unit, which stay in view.
        box.evaluate("(element) => { element.scrollLeft = element.scrollWidth; }")
        page.wait_for_timeout(100)
        assert box.evaluate("(element) => element.scrollLeft") > 0
        left = box.bounding_box()["x"]
        assert left <= unit.bounding_box()["x"] <= left + 80
        page.screenshot(path=str(SHOTS / f"units-{width}-scrolled.png"), full_page=True)
        box.screenshot(path=str(SHOTS / f"table-{width}-scrolled.png"))
