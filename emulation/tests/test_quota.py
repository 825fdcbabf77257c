"""Finalising: the emulation council's decision, and the "outstanding" quota (Decree 335/2025)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from config.exceptions import ConflictError
from emulation import selectors, services
from emulation.choices import AuditAction, Band, YearStatus
from emulation.models import AuditEntry, EmulationYear, LeaderScore
from tests.factories import PersonFactory, TenureFactory, UnitFactory
from units.choices import UnitKind

from .conftest import TODAY, YEAR, D

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_heads(scheme, ministry):
    """Thirteen departments of the ministry, their heads scored as if computed: 10 good, 3 outstanding."""
    record = EmulationYear.objects.get(year=YEAR)
    bands = [Band.GOOD] * 10 + [Band.OUTSTANDING] * 3
    for index, band in enumerate(bands):
        unit = UnitFactory(code=f"V{index:02d}", parent=ministry, kind=UnitKind.DEPARTMENT)
        name = f"Người đứng đầu {index:02d}"
        tenure = TenureFactory(person=PersonFactory(full_name=name), unit=unit, start_date=D(2024, 1, 1))
        LeaderScore.objects.create(
            year=record,
            unit=unit,
            tenure=tenure,
            window_start=record.period.date_from,
            window_end=record.period.date_to,
            points=Decimal(95 if band == Band.OUTSTANDING else 80),
            applicable_max=Decimal(100),
            total=Decimal(95 if band == Band.OUTSTANDING else 80),
            band=band,
            band_by_points=band,
        )
    EmulationYear.objects.filter(year=YEAR).update(
        computed_at=timezone.now(),
        scored_to=record.period.date_to,
        computed_revision=record.inputs_revision,
    )
    services.council_decision_record(year=YEAR, number="05/QĐ-HĐTĐKT", date=D(2026, 12, 16), by=None)
    return record


def test_ten_good_and_three_outstanding_in_one_agency_refuse_finalising_and_name_the_three(ranked_heads, office_staff):
    with pytest.raises(ConflictError) as refused:
        services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
    message = refused.value.message
    assert refused.value.code == "quota"
    assert "3 heads rated “outstanding” for 10 rated “good”; at most 2 may be (20%)" in message
    assert "1 of them would have to move" in message
    for index in (10, 11, 12):
        assert f"Người đứng đầu {index} (V{index}, 95.00)" in message
    assert "Người đứng đầu 09" not in message
    assert EmulationYear.objects.get(year=YEAR).status == YearStatus.DRAFT
    [breach] = selectors.quota_breaches(ranked_heads)
    assert (breach.agency.code, breach.good, breach.allowed, breach.to_move) == ("BYT", 10, 2, 1)


def test_an_exception_with_its_decision_lets_the_year_be_finalised(ranked_heads, office_staff, ministry):
    services.quota_exception_record(
        year=YEAR,
        agency=ministry,
        group=UnitKind.DEPARTMENT,
        decision_number="77/QĐ-BYT",
        decision_date=D(2026, 12, 15),
        reason="Dẫn đầu toàn quốc về chuyển đổi số thủ tục hành chính",
        by=office_staff,
    )
    services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
    assert EmulationYear.objects.get(year=YEAR).status == YearStatus.FINALISED
    assert AuditEntry.objects.filter(action=AuditAction.QUOTA_EXCEPTION).count() == 1


def test_within_the_quota_the_year_is_finalised(ranked_heads, office_staff):
    LeaderScore.objects.filter(unit__code="V12").update(band=Band.GOOD)
    services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
    assert EmulationYear.objects.get(year=YEAR).status == YearStatus.FINALISED


def test_finalising_needs_the_councils_decision(ranked_heads, office_staff):
    EmulationYear.objects.filter(year=YEAR).update(council_decision_number="", council_decision_date=None)
    with pytest.raises(ConflictError, match="Record the emulation council's decision"):
        services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)


def test_the_councils_decision_is_checked_audited_and_cleared_on_reopening(ranked_heads, office_staff, ministry):
    with pytest.raises(ValidationError) as error:
        services.council_decision_record(year=YEAR, number=" ", date=D(2025, 1, 1), by=office_staff)
    assert set(error.value.message_dict) == {"number", "date"}
    assert AuditEntry.objects.filter(action=AuditAction.COUNCIL).count() == 1
    LeaderScore.objects.filter(unit__code="V12").update(band=Band.GOOD)
    services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
    services.emulation_reopen(year=YEAR, by=office_staff, reason="Sửa điểm")
    record = EmulationYear.objects.get(year=YEAR)
    assert (record.council_decision_number, record.council_decision_date) == ("", None)


class TestFinalisePage:
    PAGE = f"/emulation/{YEAR}/finalise/"

    def test_the_page_names_who_would_have_to_move_and_records_an_exception(
        self, ranked_heads, client, office_staff, after_the_year
    ):
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        page = client.get(self.PAGE).content.decode()
        assert page.count('class="alert alert-danger py-2 quota-breach"') == 1
        assert "Người đứng đầu 12" in page and 'id="exception-form"' in page
        refused = client.post(self.PAGE, {"confirm": "on"})
        assert refused.status_code == 409
        assert "would have to move" in refused.content.decode()
        response = client.post(
            self.PAGE,
            {
                "form": "exception",
                "exception-agency": "BYT",
                "exception-group": "",
                "exception-decision_number": "77/QĐ-BYT",
                "exception-decision_date": "2026-12-15",
                "exception-reason": "Dẫn đầu về chuyển đổi số",
            },
        )
        assert response.status_code == 302
        page = client.get(self.PAGE).content.decode()
        assert 'id="quota-ok"' in page and "77/QĐ-BYT" in page
        assert client.post(self.PAGE, {"confirm": "on"}).status_code == 302

    def test_the_council_decision_is_recorded_from_the_page(self, ranked_heads, client, office_staff):
        client.force_login(office_staff)
        bad = client.post(self.PAGE, {"form": "council", "council-number": "", "council-date": "2026-12-20"})
        assert bad.status_code == 400 and "number" in bad.context["council_form"].errors
        ok = client.post(self.PAGE, {"form": "council", "council-number": "09/QĐ-HĐ", "council-date": "2026-12-20"})
        assert ok.status_code == 302
        assert EmulationYear.objects.get(year=YEAR).council_decision_number == "09/QĐ-HĐ"


def test_the_new_pages_cost_the_same_queries_for_13_heads_as_for_1(
    ranked_heads, client, office_staff, django_assert_max_num_queries
):
    """The finalise page (quota), the heads page and the self-assessment list read a fixed number
    of queries whatever the number of heads, ratings and units."""
    for index in range(13):
        unit = LeaderScore.objects.get(unit__code=f"V{index:02d}").unit
        services.staff_rating_record(
            year=YEAR,
            unit=unit,
            kind="year",
            number=1,
            outstanding=0,
            good=5,
            completed=1,
            not_completed=0,
            document_number=f"{index}/QĐ",
            document_date=D(2026, 12, 1),
            by=office_staff,
        )
    client.force_login(office_staff)
    for path in ("finalise/", "heads/", "self-assessment/"):
        with django_assert_max_num_queries(25):
            assert client.get(f"/emulation/{YEAR}/{path}").status_code == 200
