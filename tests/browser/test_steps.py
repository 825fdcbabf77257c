"""The steps of a dossier in a real browser: a form only for a step that is open now (issue 13 item 10).

Re-appointing an overdue dossier, or one already re-appointed, is not offered on the dossier's page,
and its address (a bookmark, a page left open) says why instead of showing a form that would only
refuse after the officer filled it in.
"""

import datetime

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.choices import Channel
from dossiers.selectors import local_today
from workdays.calendar import add_working_days

from .test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def received(procedure, officer, days_ago: int):
    """A dossier received ``days_ago`` days ago at 09:00 (now, for 0: the live server's clock is real)."""
    day = local_today() - datetime.timedelta(days=days_ago)
    at = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 9)) if days_ago else None
    return services.dossier_receive(
        procedure=procedure,
        channel=Channel.IN_PERSON,
        applicant=services.Applicant(name="Nguyễn Văn An"),
        received_at=at,
        by=officer,
    )


def test_only_the_open_steps_get_a_form(live_server, new_page, procedure, officer_a):
    overdue = received(procedure, officer_a, days_ago=40)
    fresh = received(procedure, officer_a, days_ago=0)
    again = received(procedure, officer_a, days_ago=0)
    services.dossier_reappoint(
        dossier=again, by=officer_a, new_date=add_working_days(again.appointment_date, 3), reason="Chờ thẩm định"
    )
    page = new_page()
    log_in(page, live_server.url, "officer_a", start=f"/dossiers/{fresh.code}/")

    # A fresh dossier offers re-appointment, and its form opens.
    assert page.locator("#actions [data-action=reappoint]").count() == 1
    page.click("#actions [data-action=reappoint]")
    assert page.locator("form[method=post].card button[type=submit]").count() == 1

    for dossier in (overdue, again):
        page.goto(f"{live_server.url}/dossiers/{dossier.code}/")
        assert page.locator("#actions [data-action=reappoint]").count() == 0
        assert page.locator("#actions [data-action=end]").count() == 1
        page.goto(f"{live_server.url}/dossiers/{dossier.code}/actions/reappoint/")
        assert page.locator("form[method=post].card button[type=submit]").count() == 0
        assert page.locator("#refusal").is_visible()
    assert "đã được hẹn lại" in page.locator("#refusal").inner_text()  # "has already been re-appointed"
