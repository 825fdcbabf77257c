"""Every page usable from a 360 px phone to a 1366 px laptop (issue 13 item 8).

Each page is opened at both widths, screenshotted (under docs/screenshots/tmp/widths/, which git
ignores, to look at), and the main column must not scroll sideways: wide tables scroll inside
their own box. At 1366 px the dossier list shows its status column whole.
"""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dossiers import services
from dossiers.choices import Channel
from dossiers.selectors import local_today
from emulation.tests.conftest import criterion, make_scheme

from .test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots" / "tmp" / "widths"
WIDTHS = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1366, "height": 768}}

OVERFLOW = """() => {
  const main = document.querySelector('main');
  const page = document.scrollingElement;
  return {page: page.scrollWidth - page.clientWidth, main: main ? main.scrollWidth - main.clientWidth : 0};
}"""


# What makes the page wider, to say which element to fix: boxes whose content is wider than they
# are while they do not scroll (a table outside .table-responsive, an absolutely placed element).
WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
  .slice(-3).map(e => `${e.tagName}.${[...e.classList].join('.')} ${e.scrollWidth}>${e.clientWidth}`)"""


@pytest.fixture
def world(procedure, officer_a, office_staff):
    day = local_today() - datetime.timedelta(days=10)
    dossier = services.dossier_receive(
        procedure=procedure,
        channel=Channel.IN_PERSON,
        applicant=services.Applicant(name="Công ty TNHH Thương mại và Dịch vụ Dược phẩm Hà Nội", phone="0912345678"),
        received_at=timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9)),
        by=officer_a,
        fee_amount=1_200_000,
    )
    year = local_today().year + (1 if local_today().month == 12 and local_today().day >= 15 else 0)
    make_scheme(year, [criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)], by=office_staff)
    return {"dossier": dossier, "year": year}


def pages(world) -> list[str]:
    code, year = world["dossier"].code, world["year"]
    return [
        "/",
        "/dossiers/",
        f"/dossiers/{code}/",
        f"/dossiers/{code}/receipt/",
        f"/dossiers/{code}/actions/end/",
        "/dossiers/new/",
        "/dashboards/",
        "/reports/form06/",
        "/procedures/",
        "/units/",
        "/emulation/",
        f"/emulation/{year}/",
        "/feedback/",
        "/notifications/",
    ]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_scrolls_sideways(live_server, new_page, world, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(WIDTHS[width])
    log_in(page, live_server.url, "office", start="/")
    overflowing = {}
    for path in pages(world):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow["page"] > 0 or overflow["main"] > 0:
            overflowing[path] = {**overflow, "widest": page.evaluate(WIDEST)}
    assert overflowing == {}


def test_the_dossier_lists_status_column_is_whole_on_a_laptop(live_server, new_page, world):
    page = new_page(WIDTHS["laptop"])
    log_in(page, live_server.url, "office", start="/dossiers/")
    box = page.locator("table thead th").last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1366
    wrapper = page.evaluate(
        "() => { const t = document.querySelector('.table-responsive'); return t.scrollWidth - t.clientWidth; }"
    )
    assert wrapper <= 0
