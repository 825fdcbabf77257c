"""The applicant's side in a real browser, on a phone: the receipt's QR link opens the status page,
which fits 360 px, and the applicant rates the ended dossier there and sends feedback.

The receipt is printed by the officer on a laptop; the link the QR code carries (its ``data-qr-link``,
which the unit tests prove is what the QR code encodes) is then opened on a phone-sized page
without logging in. The data is made through the services in the past of the real clock.
"""

import datetime
import re

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.choices import EventKind, Outcome
from dossiers.lookup import format_lookup_code
from dossiers.selectors import local_today
from feedback.choices import Classification, Topic
from feedback.models import Feedback

from .test_dashboards import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def ended_dossier(receive, officer_a):
    """Received ten days ago, resolved three days later."""
    today = local_today()
    dossier = receive(at(today - datetime.timedelta(days=10)))
    return services.dossier_end(
        dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=at(today - datetime.timedelta(days=7), 11)
    )


def phone_page(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN")
    context.set_default_timeout(20_000)
    return context, context.new_page()


def test_the_receipts_qr_link_opens_the_status_on_a_phone_where_the_applicant_rates_and_sends_feedback(
    live_server, new_page, browser, ended_dossier, officer_a
):
    # Given the receipt the officer printed
    desk = new_page()
    log_in(desk, live_server.url, "officer_a", start=f"/dossiers/{ended_dossier.code}/receipt/")
    desk.goto(f"{live_server.url}/dossiers/{ended_dossier.code}/receipt/")
    assert desk.locator("#lookup svg.lookup-qr").is_visible()
    # the navigation, Feedback and Messages included, still fits the office screen on one line
    tops = desk.evaluate("() => [...document.querySelectorAll('#main-nav .nav-item')].map(e => e.offsetTop)")
    assert len(tops) >= 9 and len(set(tops)) == 1
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    link = desk.locator("#lookup").get_attribute("data-qr-link")
    assert link == f"{live_server.url}/lookup/?code={ended_dossier.code}&key={ended_dossier.lookup_code}"

    # When the applicant opens the QR link on a phone
    context, phone = phone_page(browser)
    try:
        phone.goto(link)

        # Then they read the status, without logging in, on a page that fits the screen
        assert phone.locator("h1").inner_text().strip() == "Tra cứu hồ sơ"
        assert phone.locator("#current-step").inner_text() == "Đã có kết quả"
        assert phone.locator("#applicant-initials").inner_text() == "N. V. A."
        assert "Nguyễn Văn An" not in phone.content()
        assert phone.locator("#steps li").count() == 2
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # When they rate it "not satisfied" with a comment
        phone.locator("label", has_text="Không hài lòng").click()
        phone.fill("textarea[name=comment]", "Phải đi lại hai lần")
        phone.click("#rating button[type=submit]")
        phone.wait_for_load_state()

        # Then the rating is thanked for, and the rating form is gone
        assert "Cảm ơn bạn: đánh giá của bạn đã được ghi nhận." in phone.locator(".alert-success").inner_text()
        assert phone.locator("#rating").count() == 0
        assert re.search("không hài lòng", phone.locator("#rated").inner_text())

        # When they send feedback about an official's conduct from the same page
        phone.click("#send-feedback")
        phone.locator("label", has_text="Thái độ, hành vi của cán bộ").click()
        phone.fill("input[name=title]", "Cán bộ hướng dẫn chưa rõ")
        phone.fill("textarea[name=content]", "Tôi được hướng dẫn <b>hai cách</b> khác nhau.")
        phone.fill("input[name=email]", "an.nguyen@example.vn")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        phone.click("#feedback-form button[type=submit]")
        phone.wait_for_load_state()

        # Then they get the item's code and lookup code, and its page says it is being handled
        item = Feedback.objects.get()
        thanks = phone.locator(".alert-success").inner_text()
        assert item.code in thanks and format_lookup_code(item.lookup_code) in thanks
        assert phone.locator("#feedback-step").inner_text() == "Đang xử lý"
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

    # and the rating is the dossier's one rating event, as the API's would be
    event = ended_dossier.events.get(kind=EventKind.RATED)
    assert (event.by, event.note, event.data) == (None, "Phải đi lại hai lần", {"satisfied": False})
    # and the feedback concerns the dossier, its unit, and an official's conduct, as typed
    assert (item.dossier, item.unit, item.topic, item.classification, item.content) == (
        ended_dossier,
        ended_dossier.unit,
        Topic.CONDUCT,
        Classification.CONDUCT,
        "Tôi được hướng dẫn <b>hai cách</b> khác nhau.",
    )
