"""The period form shared by the statistics pages (templates/reports/includes/period_form.html):
on each page, a preset period shows its year and number, a custom range its two dates."""

import pytest
from playwright.sync_api import expect

from .test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/reports/index766/", "/reports/index766/units/", "/reports/form06/"])
def test_the_period_form_shows_the_fields_of_the_kind_of_period_chosen(live_server, new_page, office_staff, path):
    page = new_page()
    log_in(page, live_server.url, "office", start=path)
    form = page.locator("#report-form")

    form.locator("select[name=period]").select_option("month")
    expect(form.locator("input[name=year]")).to_be_visible()
    expect(form.locator("input[name=number]")).to_be_visible()
    expect(form.locator("input[name=date_from]")).to_be_hidden()

    form.locator("select[name=period]").select_option("custom")
    expect(form.locator("input[name=date_from]")).to_be_visible()
    expect(form.locator("input[name=date_to]")).to_be_visible()
    expect(form.locator("input[name=year]")).to_be_hidden()


@pytest.mark.parametrize("width", [360, 1000, 1366])
def test_the_year_shows_its_four_digits_at_every_width(live_server, new_page, office_staff, width):
    # At 360 px (and on a 1000 px window) the year's box was narrower than "2026": it read "202".
    page = new_page({"width": width, "height": 740})
    log_in(page, live_server.url, "office", start="/reports/index766/")
    for path in ["/reports/index766/", "/reports/index766/units/", "/reports/form06/"]:
        page.goto(live_server.url + path)
        year = page.locator("#report-form input[name=year]")
        year.fill("2026")
        clipped = year.evaluate("input => input.scrollWidth - input.clientWidth")
        assert clipped <= 0, (path, width)
