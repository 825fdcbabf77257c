"""Reconciliation with the portal's list: missing on either side, disagreements, links, Excel."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from dossiers.models import Reconciliation
from dossiers.sync import sync_batch
from tests.factories import UserFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/dossiers/reconciliations/new/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture
def held(procedure):
    """Three dossiers of unit A received in November: one ended, two open."""
    base = {"procedure": "1.004567", "channel": "online", "applicant_name": "Nguyễn Văn An"}
    sync_batch(
        [
            {
                **base,
                "code": "P-1",
                "received_at": "2025-11-03T10:00:00+07:00",
                "ended_at": "2025-11-07T10:00:00+07:00",
                "outcome": "resolved",
            },
            {**base, "code": "P-2", "received_at": "2025-11-04T10:00:00+07:00"},
            {**base, "code": "P-3", "received_at": "2025-11-05T10:00:00+07:00"},
        ],
        source="mcdt-byt",
        by=UserFactory(username="sender"),
    )


PORTAL_CSV = (
    "MaHoSo;TrangThaiHoSo;NgayTiepNhan;NgayHenTra;NgayKetThucXuLy\n"
    "P-1;9;20251103100000;20251110170000;20251107100000\n"  # agrees
    "P-2;9;20251104100000;20251112170000;20251110090000\n"  # ended on the portal, open here; due 11/11 here
    "P-9;4;20251106100000;20251113170000;\n"  # not held here
)


def post(client, unit, content=PORTAL_CSV):
    return client.post(
        URL,
        {
            "unit": unit.pk,
            "date_from": "2025-11-01",
            "date_to": "2025-11-30",
            "file": SimpleUploadedFile("portal.csv", content.encode("utf-8"), content_type="text/csv"),
        },
    )


def test_missing_on_either_side_and_disagreements_with_links(client, office_staff, unit_a, held):
    client.force_login(office_staff)

    response = post(client, unit_a)

    reconciliation = Reconciliation.objects.get()
    assert response.status_code == 302
    result = reconciliation.result
    assert [item["code"] for item in result["missing_here"]] == ["P-9"]
    assert [item["code"] for item in result["missing_on_portal"]] == ["P-3"]
    assert result["disagreements"] == [
        {
            "row": 3,
            "code": "P-2",
            "differences": [
                {"field": "status", "portal": 9, "ours": 4},
                {"field": "appointment_date", "portal": "2025-11-12", "ours": "2025-11-11"},
                {"field": "ended_on", "portal": "2025-11-10", "ours": None},
            ],
        }
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'href="/dossiers/P-2/"' in page and 'href="/dossiers/P-3/"' in page


def test_the_result_exports_to_excel(client, office_staff, unit_a, held):
    client.force_login(office_staff)
    post(client, unit_a)
    reconciliation = Reconciliation.objects.get()

    response = client.get(f"/dossiers/reconciliations/{reconciliation.pk}/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Lệch thông tin", "Thiếu tại hệ thống", "Thiếu trên Cổng DVCQG"]
    sheet = workbook["Lệch thông tin"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == (3, "P-2", "Trạng thái hồ sơ (mã trên Cổng)", "TrangThaiHoSo", 9, 4)
    # Dates are Excel dates shown dd/mm/yyyy (they were written as the text "2025-11-12").
    assert rows[2] == (
        3,
        "P-2",
        "Ngày hẹn trả",
        "NgayHenTra",
        datetime.datetime(2025, 11, 12),
        datetime.datetime(2025, 11, 11),
    )
    assert rows[3][2:] == ("Ngày kết thúc xử lý", "NgayKetThucXuLy", datetime.datetime(2025, 11, 10), None)
    assert (sheet["E3"].is_date, sheet["E3"].number_format) == (True, "DD/MM/YYYY")
    missing = workbook["Thiếu tại hệ thống"]
    assert list(missing.iter_rows(values_only=True))[1][1:] == ("P-9", 4, datetime.datetime(2025, 11, 6))
    assert missing["D2"].number_format == "DD/MM/YYYY"
    assert workbook["Thiếu trên Cổng DVCQG"]["C2"].is_date


def test_the_page_names_the_portals_columns_in_vietnamese(client, office_staff, unit_a, held):
    client.force_login(office_staff)
    client.cookies["django_language"] = "vi"
    page = client.get(post(client, unit_a)["Location"]).content.decode()

    # The headings read the portal's raw names (TrangThaiHoSo, NgayKetThucXuLy) only.
    assert "Ngày kết thúc xử lý" in page and "<code>NgayKetThucXuLy</code>" in page
    assert page.count("Trạng thái (mã trên Cổng)") == 2 and "Trạng thái hồ sơ (mã trên Cổng)" in page
    assert "12/11/2025" in page and "2025-11-12" not in page


def test_a_file_without_the_needed_columns_is_refused(client, office_staff, unit_a):
    client.force_login(office_staff)

    response = post(client, unit_a, "Ma;Ten\n1;2\n")

    assert response.status_code == 200 and not Reconciliation.objects.exists()


@pytest.mark.parametrize("who", ["officer_a", "head_a"])
def test_only_those_who_read_every_unit(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(URL).status_code == 403


def test_an_auditor_may_reconcile(client, auditor, unit_a, held):
    client.force_login(auditor)

    assert post(client, unit_a).status_code == 302


def test_an_unreadable_row_names_its_column_and_value(client, office_staff, unit_a, held):
    """A row the file gets wrong is listed with the column and the value as written, never with a
    programming message (``invalid literal for int()``), and the other rows are still compared."""
    client.force_login(office_staff)
    content = PORTAL_CSV + "P-3;abc;20251105100000;31/02/2025;\nP-4;4;hôm qua;;\n"

    post(client, unit_a, content)

    problems = Reconciliation.objects.get().result["problems"]
    assert problems == [
        "dòng 5: không đọc được TrangThaiHoSo “abc”.",
        "dòng 5: không đọc được NgayHenTra “31/02/2025”.",
        "dòng 6: không đọc được NgayTiepNhan “hôm qua”.",
    ]


def test_a_dossier_on_an_unreadable_row_is_not_said_to_be_missing_on_the_portal(client, office_staff, unit_a, held):
    """P-3 is on the portal's list, on a row whose status cannot be read: that row is reported as
    unreadable, and P-3 is not also listed as missing on the portal (nor compared)."""
    client.force_login(office_staff)
    content = PORTAL_CSV + "P-3;abc;20251105100000;;\n"

    response = post(client, unit_a, content)

    result = Reconciliation.objects.get().result
    assert result["problems"] == ["dòng 5: không đọc được TrangThaiHoSo “abc”."]
    assert result["missing_on_portal"] == []
    assert [item["code"] for item in result["missing_here"]] == ["P-9"]
    assert [item["code"] for item in result["disagreements"]] == ["P-2"]
    assert result["portal_rows"] == 3 and result["matched"] == 2  # the rows compared
    page = client.get(response["Location"]).content.decode()
    assert 'href="/dossiers/P-3/"' not in page


def test_the_rows_that_cannot_be_read_are_in_the_excel_file_too(client, office_staff, unit_a, held):
    """The page lists them above the findings; the file left them out, so whoever worked from the
    file never learnt that some of the portal's rows were not compared."""
    client.force_login(office_staff)
    post(client, unit_a, PORTAL_CSV + "P-3;abc;20251105100000;;\n")
    reconciliation = Reconciliation.objects.get()

    response = client.get(f"/dossiers/reconciliations/{reconciliation.pk}/export.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[-1] == "Dòng không đọc được"
    assert list(workbook["Dòng không đọc được"].iter_rows(values_only=True)) == [
        ("Vấn đề",),
        ("dòng 5: không đọc được TrangThaiHoSo “abc”.",),
    ]
