"""The emulation year's steps in a real browser: the unit submits its self-assessment with an
evidence file, the ministry office reviews it (adjusting with a reason), recomputes, records the
emulation council's decision and finalises the year; the year page shows each step.

Year 2025 (15/12/2024 – 14/12/2025) is over whatever the real today, so it can be finalised; its
statistics are daily rows made directly for the unit.
"""

import datetime
import re

import pytest

from emulation import services
from emulation.choices import YearStatus
from emulation.models import EmulationYear, ManualScore
from emulation.services import CriterionInput
from stats.models import DailyStat
from tests.factories import ProcedureFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory
YEAR = 2025
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def year_2025(unit_a):
    procedure = ProcedureFactory(unit=unit_a)
    DailyStat.objects.create(
        day=datetime.date(2025, 6, 2), unit=unit_a, procedure=procedure, field=procedure.field, ended_on_time=5
    )
    services.emulation_year_create(year=YEAR)
    services.scheme_update(
        year=YEAR,
        criteria=[
            CriterionInput(code="on-time", name_vi="Tỷ lệ đúng hạn", max_points=60, metric="on_time_rate", target=90),
            CriterionInput(code="reform", name_vi="Sáng kiến cải cách", max_points=40),
        ],
        outstanding_min=90,
        good_min=70,
        completed_min=50,
        min_tenure_months=6,
    )
    services.emulation_compute(year=YEAR)


def log_in(page, base_url: str, username: str, start: str):
    page.goto(base_url + start)
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()


def test_self_assessment_review_council_and_finalisation(live_server, new_page, year_2025, officer_a, office_staff):
    from playwright.sync_api import expect

    assessment = f"/emulation/{YEAR}/self-assessment/QLD/"

    # 1. The unit's officer gives points, evidence and a file, and submits.
    unit_page = new_page()
    log_in(unit_page, live_server.url, "officer_a", assessment)
    expect(unit_page.locator("#assessment-status")).to_have_text("Dự thảo")
    unit_page.fill("input[name=points_reform]", "38")
    unit_page.fill("textarea[name=evidence_reform]", "Đề án số hoá hồ sơ 2025")
    unit_page.set_input_files(
        "input[name=file]", files=[{"name": "de-an.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    unit_page.click("button[name=action][value=submit]")
    expect(unit_page.locator("#assessment-status")).to_have_text("Đã nộp")
    expect(unit_page.locator("#evidence-files")).to_contain_text("de-an.pdf")
    expect(unit_page.locator("#assessment-form")).to_have_count(0)
    expect(unit_page.locator("#review-form")).to_have_count(0)

    # 2. The ministry office adjusts the points: without a reason it is refused, with one it passes.
    office = new_page()
    log_in(office, live_server.url, "office", assessment)
    office.fill("input[name=points_reform]", "30")
    office.click("#review-form button[type=submit]")
    expect(office.locator("#review-form .invalid-feedback")).to_be_visible()
    office.fill("input[name=reason_reform]", "Chưa có quyết định công nhận sáng kiến")
    office.click("#review-form button[type=submit]")
    expect(office.locator("#assessment-status")).to_have_text("Đã thẩm định")
    expect(office.locator("#assessment-lines tr[data-criterion=reform]")).to_contain_text("30,00")
    expect(office.locator("#assessment-audit")).to_contain_text("Sáng kiến cải cách: 38,00 → 30,00")
    assert ManualScore.objects.get(unit__code="QLD").points == 30

    # 3. Recompute, record the council's decision, finalise.
    office.goto(f"{live_server.url}/emulation/{YEAR}/")
    office.click("form[action$='/compute/'] button[type=submit]")
    office.goto(f"{live_server.url}/emulation/{YEAR}/finalise/")
    expect(office.locator("#quota-ok")).to_be_visible()
    office.fill("input[name=council-number]", "12/QĐ-HĐTĐKT")
    office.fill("input[name=council-date]", "2025-12-20")
    office.click("#council-form button[type=submit]")
    expect(office.locator("#council-recorded")).to_contain_text("12/QĐ-HĐTĐKT")
    office.check("#finalise-form input[name=confirm]")
    office.click("#finalise-form button[type=submit]")
    office.wait_for_url(re.compile(rf"/emulation/{YEAR}/$"))
    expect(office.locator("#year-steps")).to_contain_text("12/QĐ-HĐTĐKT")
    expect(office.locator("#year-steps")).to_contain_text("1 đã nộp, 1 đã thẩm định")
    assert EmulationYear.objects.get(year=YEAR).status == YearStatus.FINALISED

    # The unit sees the outcome and can no longer change anything.
    unit_page.reload()
    expect(unit_page.locator("#steps")).to_contain_text("12/QĐ-HĐTĐKT")
    expect(unit_page.locator("#assessment-form")).to_have_count(0)
