"""The dashboards in a real browser: log in through the form, read the figures, follow the links,
switch the language, be refused another unit, and see the charts follow the screen's width.

The data is made through the services with dates in the past relative to the real today (the live
server runs on the real clock), and its statistics are computed with the rollups.
"""

import datetime
import re

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.choices import Channel, Outcome
from dossiers.selectors import local_today
from stats import rollups
from stats.selectors import period_figures
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory

from .conftest import TABLET

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory
ONE_DAY = datetime.timedelta(days=1)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def history(unit_a, unit_a1, unit_b, officer_a, officer_b):
    """Dossiers of QLD, its division and ATTP received 40 days ago: some resolved early, some late,
    some still open (and so overdue whatever today is); statistics computed up to yesterday."""
    today = local_today()
    received = today - datetime.timedelta(days=40)
    field = FieldFactory(code="duoc", name_vi="Dược", name_en="Pharmacy")
    procedures = {
        unit.code: ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit, field=field, name_vi=f"Cấp phép {unit.code}"), processing_days=5
        ).procedure
        for unit in (unit_a, unit_a1, unit_b)
    }
    officers = {"QLD": officer_a, "QLD_KD": officer_a, "ATTP": officer_b}
    made = {"overdue": []}
    # (unit, how many, ended how many days after receipt: None = still open)
    plan = [("QLD", 3, 1), ("QLD", 2, 25), ("QLD", 2, None), ("QLD_KD", 2, 1), ("QLD_KD", 1, None), ("ATTP", 2, 1)]
    for code, count, ended_after in plan:
        for _ in range(count):
            dossier = services.dossier_receive(
                procedure=procedures[code],
                channel=Channel.ONLINE if ended_after == 1 else Channel.IN_PERSON,
                applicant=services.Applicant(name="Nguyễn Văn An"),
                received_at=at(received),
                by=officers[code],
            )
            if ended_after is None:
                made["overdue"].append(dossier)
            else:
                services.dossier_end(
                    dossier=dossier,
                    by=officers[code],
                    outcome=Outcome.RESOLVED,
                    at=at(received + datetime.timedelta(days=ended_after), 11),
                )
    rollups.stats_backfill(date_from=received - datetime.timedelta(days=30), date_to=today - ONE_DAY)
    made["date_from"], made["date_to"] = today - datetime.timedelta(days=60), today - ONE_DAY
    return made


def log_in(page, base_url: str, username: str, *, start: str = "/dashboards/"):
    """Open ``start``, get sent to the login form, and log in through it."""
    page.goto(base_url + start)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


def test_a_unit_head_reads_the_api_figure_follows_the_overdue_list_and_switches_language(
    live_server, new_page, history, head_a, unit_a
):
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, live_server.url, "head_a")
    expect(page).to_have_url(re.compile(r"/dashboards/units/QLD/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    # A custom period through the form, which opens under the presets.
    page.click("#custom-period-toggle")
    page.fill("#custom-period-form input[name=date_from]", history["date_from"].isoformat())
    page.fill("#custom-period-form input[name=date_to]", history["date_to"].isoformat())
    page.click("#custom-period-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"period=custom"))
    expect(page.locator("#period-text")).to_have_attribute("data-date-from", history["date_from"].isoformat())

    # The on-time rate on the page is the API's, and the statistics'.
    shown = page.locator("#on-time-rate")
    value = shown.get_attribute("data-value")
    api = page.context.request.get(
        f"{live_server.url}/api/v1/stats/rates/",
        params={
            "date_from": history["date_from"].isoformat(),
            "date_to": history["date_to"].isoformat(),
            "unit": "QLD",
        },
    )
    assert api.status == 200
    totals = api.json()["totals"]
    figures = period_figures(date_from=history["date_from"], date_to=history["date_to"], subtree=unit_a)
    # QLD and its division: 5 resolved the next day, 2 resolved 25 days after receipt (late).
    assert (figures.resolved_total, figures.resolved_late) == (7, 2)
    assert float(value) == totals["on_time_rate"] == float(figures.on_time_rate) == 71.43
    expect(shown).to_have_text("71,43%")

    # The overdue list: the three open dossiers, the first one opens its page.
    rows = page.locator("#overdue-list a.dossier-link")
    expect(rows).to_have_count(3)
    assert sorted(rows.all_inner_texts()) == sorted(dossier.code for dossier in history["overdue"])
    code = rows.first.inner_text()
    rows.first.click()
    expect(page).to_have_url(re.compile(rf"/dossiers/{re.escape(code)}/$"))
    expect(page.locator("h1")).to_have_text(code)

    # Back on the dashboard, the language switch turns the headings into English.
    page.go_back()
    heading = page.locator("#overdue-list-heading")
    expect(heading).to_contain_text("Quá hạn")
    page.click("#language-form button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(heading).to_contain_text("Overdue")
    expect(page).to_have_url(re.compile(r"/dashboards/units/QLD/\?period=custom"))


def test_an_officer_of_another_unit_is_refused_the_dashboard(live_server, new_page, history, officer_b):
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, live_server.url, "officer_b")
    expect(page).to_have_url(re.compile(r"/dashboards/units/ATTP/$"))
    response = page.goto(live_server.url + "/dashboards/units/QLD/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Bạn không mở được trang này")
    assert page.locator("#on-time-rate").count() == 0


def test_the_ministry_dashboard_draws_its_charts_and_fits_a_tablet(live_server, new_page, history, office_staff):
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, live_server.url, "office")
    expect(page).to_have_url(re.compile(r"/dashboards/ministry/$"))
    page.goto(
        f"{live_server.url}/dashboards/ministry/?date_from={history['date_from']:%Y-%m-%d}"
        f"&date_to={history['date_to']:%Y-%m-%d}"
    )
    # ATTP resolved both of its dossiers early; QLD (with its division) 5 of 7.
    expect(page.locator("#units-table tbody tr")).to_have_count(3)
    assert page.locator("#units-table tbody tr").evaluate_all("rows => rows.map(row => row.dataset.unit)") == [
        "ATTP",
        "QLD",
        "VPB",
    ]
    expect(page.locator("#overdue-now")).to_have_attribute("data-value", "3")
    page.wait_for_function("() => window.Chart && Chart.getChart('units-chart') && Chart.getChart('trend-chart')")
    bars = page.evaluate("() => Chart.getChart('units-chart').data.datasets[0].data")
    assert bars == [100, 71.43]

    # Each chart fills its card's width, on the laptop and after turning into a tablet.
    fills = """() => ['units-chart', 'trend-chart'].every(id => {
        const canvas = document.getElementById(id);
        return Math.abs(canvas.clientWidth - canvas.parentElement.clientWidth) <= 1;
    })"""
    # Chart.js resizes after a ResizeObserver tick; wait for it rather than read it once.
    page.wait_for_function(fills)
    # The cards shrink at once with the viewport, so "fills" holds again only once each chart has
    # resized itself; no need to race for an intermediate width.
    page.set_viewport_size(TABLET)
    page.wait_for_function(fills)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_unit_dashboard_fits_a_tablet(live_server, new_page, history, head_a):
    page = new_page(viewport=TABLET)
    log_in(page, live_server.url, "head_a")
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-chart')")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    tiles = page.evaluate(
        "() => ['on-time-tile', 'overdue-tile'].map(id => document.getElementById(id).getBoundingClientRect().top)"
    )
    # Two tiles side by side on a tablet (col-sm-6).
    assert tiles[0] == tiles[1]
