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
