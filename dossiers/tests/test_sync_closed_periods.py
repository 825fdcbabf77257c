"""Synchronised and imported records dated inside a submitted reporting period (docs/backdating.md).

The rule of the single-step services (``dossiers.backdating.check_time``), applied to a whole batch
with one read of the submitted periods: a receipt or step dated on or before the end of a
submitted period changes what was sent, so the record needs ``backdate_reason`` and, for a step, a
token or importing user of the ministry office; otherwise that record alone is rejected with a
field message naming the period. Accepted, its events name the period and the reason.

"Now" is Monday 1 December 2025, 09:00 in Hanoi; October 2025 was submitted on 5 November.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from dossiers.models import ClosedPeriod, Dossier, DossierEvent
from tests.factories import UserFactory, make_token
from tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/dossiers/"
PERIOD = "Tháng 10 năm 2025"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 12, 1, 9), tick=False):
        yield


@pytest.fixture(autouse=True)
def october():
    return ClosedPeriod.objects.create(
        label=PERIOD,
        date_from=datetime.date(2025, 10, 1),
        date_to=datetime.date(2025, 10, 31),
        closed_at=local(2025, 11, 5, 10),
    )


def client_of(api_client, user):
    options = {"all_units": True, "source_system": "mcdt-byt", "scopes": ["dossiers:read", "sync"]}
    _token, key = make_token(user=user, name=f"one-stop {user.username}", **options)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def record(code, *, received="20251020100000", ended=None, **extra):
    """A dossier of the 5-working-day procedure, in the portal's names."""
    values = {
        "MaHoSo": code,
        "MaTTHC": "1.004567",
        "KenhThucHien": "2",
        "ChuHoSo": "Nguyễn Văn An",
        "TrangThaiHoSo": "4",
        "NgayTiepNhan": received,
        **extra,
    }
    if ended:
        values.update(NgayKetThucXuLy=ended, TrangThaiHoSo="9")
    return values


def results_of(response):
    assert response.status_code == 200, response.content
    return {result["code"]: result for result in response.json()["results"]}


class TestBulkEndpoint:
    def test_a_receipt_in_the_submitted_period_needs_a_reason_and_only_its_record_is_rejected(
        self, api_client, procedure
    ):
        api = client_of(api_client, UserFactory(username="mcdt"))
        results = results_of(
            api.post(URL, [record("OCT-1"), record("NOV-1", received="20251110100000")], format="json")
        )

        assert results["OCT-1"]["outcome"] == "rejected"
        message = results["OCT-1"]["errors"]["backdate_reason"][0]
        assert PERIOD in message and "20/10/2025" in message and "05/11/2025" in message
        assert results["NOV-1"]["outcome"] == "created"  # after the period: nothing more needed
        assert list(Dossier.objects.values_list("code", flat=True)) == ["NOV-1"]

    def test_with_a_reason_the_receipt_is_kept_and_names_the_period(self, api_client, procedure):
        api = client_of(api_client, UserFactory(username="mcdt"))
        results = results_of(api.post(URL, [record("OCT-1", backdate_reason="Cổng một cửa gửi chậm")], format="json"))

        assert results["OCT-1"]["outcome"] == "created"
        late = DossierEvent.objects.get(dossier__code="OCT-1").data["late_entry"]
        assert (late["closed_period"], late["reason"], late["origin"]) == (PERIOD, "Cổng một cửa gửi chậm", "source")
        assert Dossier.objects.get(code="OCT-1").backdated is True

    def test_a_step_in_the_period_needs_a_token_of_the_ministry_office(self, api_client, procedure, office_staff):
        ended = record("OCT-2", ended="20251024150000", backdate_reason="Đồng bộ chậm")

        outsider = results_of(client_of(api_client, UserFactory(username="mcdt")).post(URL, [ended], format="json"))
        assert outsider["OCT-2"]["outcome"] == "rejected"
        assert PERIOD in outsider["OCT-2"]["errors"]["ended_at"][0]
        assert "ministry office" in outsider["OCT-2"]["errors"]["ended_at"][0]
        assert not Dossier.objects.exists()

        office = results_of(client_of(api_client, office_staff).post(URL, [ended], format="json"))
        assert office["OCT-2"]["outcome"] == "created"
        end = DossierEvent.objects.get(dossier__code="OCT-2", kind="ended")
        assert (end.data["late_entry"]["closed_period"], end.data["late_entry"]["reason"]) == (PERIOD, "Đồng bộ chậm")

    def test_an_update_is_checked_on_its_new_steps_only(self, api_client, procedure):
        api = client_of(api_client, UserFactory(username="mcdt"))
        results_of(api.post(URL, [record("NOV-2", received="20251103100000")], format="json"))

        later = results_of(
            api.post(URL, [record("NOV-2", received="20251103100000", ended="20251105150000")], format="json")
        )
        assert later["NOV-2"]["outcome"] == "updated"  # 3 and 5 November: after the period

    def test_the_statements_do_not_grow_with_the_records_in_the_period(
        self, api_client, procedure, office_staff, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        api = client_of(api_client, office_staff)
        reason = {"backdate_reason": "Cổng một cửa gửi chậm"}
        with CaptureQueriesContext(connection) as small:
            api.post(URL, [record(f"S-{n}", ended="20251024150000", **reason) for n in range(2)], format="json")
        with django_assert_max_num_queries(len(small)):
            response = api.post(
                URL, [record(f"L-{n}", ended="20251024150000", **reason) for n in range(30)], format="json"
            )
        assert response.json()["counts"]["created"] == 30


class TestImport:
    COLUMNS = ["code", "procedure_code", "channel", "applicant_name", "received_at", "ended_at", "outcome"]

    def write(self, path, rows, *, columns=COLUMNS):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8")
        return path

    def row(self, code, **values):
        return {
            "code": code,
            "procedure_code": "1.004567",
            "channel": "online",
            "applicant_name": "Nguyễn Văn An",
            "received_at": "20/10/2025 10:00",
            **values,
        }

    def test_a_row_in_the_submitted_period_without_a_reason_fails_with_its_column(self, tmp_path, procedure):
        path = self.write(tmp_path / "late.csv", [self.row("OCT-1"), self.row("NOV-1", received_at="10/11/2025 10:00")])
        stdout = io.StringIO()
        with translation.override("en"), pytest.raises(CommandError):
            call_command("import_dossiers", str(path), stdout=stdout, stderr=io.StringIO())

        output = stdout.getvalue()
        assert "Imported: 1" in output
        line = next(line for line in output.splitlines() if line.startswith("row 2:"))
        assert "backdate_reason" in line and PERIOD in line
        assert list(Dossier.objects.values_list("code", flat=True)) == ["NOV-1"]

    def test_with_a_reason_column_and_the_ministry_office_the_rows_import_marked(
        self, tmp_path, procedure, office_staff
    ):
        columns = [*self.COLUMNS, "backdate_reason"]
        rows = [
            self.row("OCT-1", backdate_reason="Tỉnh gửi tệp muộn"),
            self.row("OCT-2", ended_at="24/10/2025 15:00", outcome="resolved", backdate_reason="Tỉnh gửi tệp muộn"),
        ]
        path = self.write(tmp_path / "late.csv", rows, columns=columns)
        call_command("import_dossiers", str(path), "--as", office_staff.username, stdout=io.StringIO())

        end = DossierEvent.objects.get(dossier__code="OCT-2", kind="ended")
        assert (end.data["late_entry"]["closed_period"], end.data["late_entry"]["reason"]) == (
            PERIOD,
            "Tỉnh gửi tệp muộn",
        )
        assert Dossier.objects.count() == 2

    def test_a_step_in_the_period_imported_without_an_office_user_fails_on_its_column(self, tmp_path, procedure):
        columns = [*self.COLUMNS, "backdate_reason"]
        rows = [self.row("OCT-2", ended_at="24/10/2025 15:00", outcome="resolved", backdate_reason="Tỉnh gửi muộn")]
        path = self.write(tmp_path / "late.csv", rows, columns=columns)
        stdout = io.StringIO()
        with translation.override("en"), pytest.raises(CommandError):
            call_command("import_dossiers", str(path), stdout=stdout, stderr=io.StringIO())

        assert "row 2: ended_at:" in stdout.getvalue() and "ministry office" in stdout.getvalue()
        assert not Dossier.objects.exists()
