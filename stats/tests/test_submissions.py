"""Submitted reporting periods: the figures as sent, what changed since, and which dossiers changed them.

Issue 10, case 5: a dossier received two years back was accepted, and after the next recompute a
quarter's Form 06 already sent upwards showed different totals with nothing telling anyone. Now
the ministry office marks a period as submitted; its figures as sent are stored; a receipt dated
on or before its end needs a reason and is marked; and the report page keeps showing the figures
sent, with the differences per unit and the dossier that caused them.
"""

import datetime

import pytest
import time_machine

from dossiers.models import ClosedPeriod, Dossier
from stats import rollups
from stats.models import SubmittedReport
from stats.tests.test_reports import EXPECTED, EXPECTED_BY_FIELD, NOVEMBER, NOW, build_known_dossiers, page, table

pytestmark = pytest.mark.django_db
SUBMIT = "/reports/form06/submit/"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(unit_a, unit_a1, unit_b, officer_a):
    return build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)


@pytest.fixture
def submitted(client, known, office_staff):
    client.force_login(office_staff)
    response = client.post(SUBMIT, {"period": "month", "year": "2025", "number": "11", "note": "Gửi VPCP"})
    assert response.status_code == 302
    assert response["Location"] == "/reports/form06/?period=month&year=2025&number=11&group_by=unit"
    return SubmittedReport.objects.get()


def backdated_receipt(client_for, officer, **extra):
    """The receipt of case 5: a QLD dossier received two years back, through the API, an hour after
    the submission."""
    with time_machine.travel(NOW + datetime.timedelta(hours=1), tick=False):
        return client_for(officer).post(
            "/api/v1/dossiers/",
            {
                "procedure": "1.000001",
                "channel": "in_person",
                "applicant_name": "Trần Thị Bình",
                "received_at": "2023-11-24T09:00:00+07:00",
                **extra,
            },
            format="json",
        )


class TestMarkingAPeriodSubmitted:
    def test_the_office_sees_what_will_be_stored_first(self, client, known, office_staff):
        client.force_login(office_staff)
        response = client.get(SUBMIT, {"period": "month", "year": "2025", "number": "11"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "Tháng 11 năm 2025" in html and "Số hồ sơ nhận giải quyết - Tổng số" in html
        assert not SubmittedReport.objects.exists()

    def test_the_figures_as_sent_are_stored_and_the_period_closed(self, submitted, office_staff):
        assert (submitted.label, submitted.submitted_by, submitted.note) == (
            "Tháng 11 năm 2025",
            office_staff,
            "Gửi VPCP",
        )
        rows = {row["code"]: row for row in submitted.figures["rows"]}
        assert (rows["QLD"]["carried_over"], rows["QLD"]["open_overdue"], rows["QLD"]["name"]) == (
            2,
            2,
            "Cục Quản lý Dược",
        )
        closed = ClosedPeriod.objects.get()
        assert (closed.label, str(closed.date_from), str(closed.date_to)) == (
            "Tháng 11 năm 2025",
            "2025-10-15",
            "2025-11-14",
        )

    def test_a_period_is_submitted_once(self, client, submitted):
        response = client.post(SUBMIT, {"period": "month", "year": "2025", "number": "11"})
        assert response.status_code == 400
        assert "Tháng 11 năm 2025 đã được gửi." in response.context["form"].non_field_errors()

    def test_a_period_that_has_not_ended_cannot_be_submitted(self, client, known, office_staff):
        client.force_login(office_staff)
        response = client.post(SUBMIT, {"period": "quarter", "year": "2025", "number": "4"})
        assert response.status_code == 400
        assert not SubmittedReport.objects.exists()

    def test_only_the_ministry_office_submits(self, client, known, head_a):
        client.force_login(head_a)
        assert client.post(SUBMIT, {"period": "month", "year": "2025", "number": "11"}).status_code == 403
        assert not SubmittedReport.objects.exists()

    def test_an_auditor_reads_what_would_be_stored_but_cannot_submit(self, client, known, auditor):
        client.force_login(auditor)
        preview = client.get(SUBMIT, {"period": "month", "year": "2025", "number": "11"})
        assert preview.status_code == 200 and 'name="note"' not in preview.content.decode()
        assert client.post(SUBMIT, {"period": "month", "year": "2025", "number": "11"}).status_code == 403
        assert not SubmittedReport.objects.exists()

    def test_the_page_offers_it_and_then_says_it_was_sent(self, client, known, office_staff):
        assert "Mark this period as submitted" in page(client, office_staff, language="en", **NOVEMBER).content.decode()
        client.post(SUBMIT, {"period": "month", "year": "2025", "number": "11"})
        html = page(client, office_staff, language="en", **NOVEMBER).content.decode()
        assert "This period was submitted on 25/11/2025" in html and "The figures below are those sent." in html
        assert "Mark this period as submitted" not in html


class TestCase5ABackdatedReceiptChangesASubmittedPeriod:
    def test_without_a_reason_it_is_refused(self, submitted, client_for, officer_a):
        response = backdated_receipt(client_for, officer_a)
        assert response.status_code == 400
        assert "Tháng 11 năm 2025" in response.json()["errors"]["backdate_reason"][0]
        assert Dossier.objects.count() == 13

    def test_the_web_form_refuses_two_years_back_whatever_the_reason(self, client, submitted, officer_a, procedure):
        client.force_login(officer_a)
        response = client.post(
            "/dossiers/new/",
            {
                "procedure": Dossier.objects.filter(unit__code="QLD").first().procedure_id,
                "channel": "in_person",
                "applicant_kind": "person",
                "applicant_name": "Trần Thị Bình",
                "received_at": "2023-11-24T09:00",
                "backdate_reason": "Hồ sơ giấy tìm thấy trong kho",
                "fee_amount": "0",
            },
        )
        assert "30" in response.context["form"].errors["received_at"][0]
        assert Dossier.objects.count() == 13

    def test_with_a_reason_it_is_marked_and_the_report_shows_what_changed(
        self, client, client_for, submitted, officer_a, office_staff
    ):
        response = backdated_receipt(client_for, officer_a, backdate_reason="Hồ sơ giấy tìm thấy trong kho")
        assert response.status_code == 201
        body = response.json()
        assert body["backdated"] is True
        code = body["code"]
        late = Dossier.objects.get(code=code).events.get().data["late_entry"]
        assert (late["origin"], late["closed_period"], late["reason"]) == (
            "token",
            "Tháng 11 năm 2025",
            "Hồ sơ giấy tìm thấy trong kho",
        )
        rollups.stats_nightly()  # the next night recomputes every day from 24/11/2023 on

        response = page(client, office_staff, **NOVEMBER)
        # The figures sent stay on the page …
        assert table(response) == EXPECTED
        # … and the differences say which unit, which columns, and which dossier.
        (difference,) = response.context["differences"]
        assert difference.code == "QLD"
        assert [(column.key, sent, now) for column, sent, now in difference.changes] == [
            ("received_total", 6, 7),
            ("carried_over", 2, 3),
            ("open_total", 3, 4),
            ("open_overdue", 2, 3),
        ]
        assert [(changed.code, changed.reason) for changed in difference.dossiers] == [
            (code, "Hồ sơ giấy tìm thấy trong kho")
        ]
        html = response.content.decode()
        assert code in html and 'id="differences"' in html
        # Grouped by field, the page shows the figures computed now (the figures sent are by unit).
        by_field = table(page(client, office_staff, **NOVEMBER, group_by="field"))
        assert by_field["cap-phep"][:4] == (EXPECTED_BY_FIELD["cap-phep"][0] + 1, 4, 2, 4)

    def test_the_files_of_a_submitted_period_carry_the_figures_sent(
        self, client, client_for, submitted, officer_a, office_staff
    ):
        import csv
        import io

        backdated_receipt(client_for, officer_a, backdate_reason="Hồ sơ giấy tìm thấy trong kho")
        rollups.stats_nightly()
        response = page(client, office_staff, **NOVEMBER, export="csv")
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        qld = next(line for line in lines if line[1:2] == ["Cục Quản lý Dược"])
        assert qld[2:13] == [str(value) for value in EXPECTED["QLD"][:11]]
