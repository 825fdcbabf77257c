"""Heads on 100 points under Decree 335/2025: general criteria by hand, task results from the
unit's dossiers and staff ratings, and the decisions that force "not completed"."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from config.exceptions import ConflictError
from emulation import selectors, services
from emulation.choices import AuditAction, Band, DisqualifierKind, HeadMethod, LineStatus
from emulation.models import AuditEntry, LeaderScore, PeriodScore, UnitScore
from stats.models import DailyStat
from stats.periods import PeriodKind
from tests.factories import PersonFactory, TenureFactory

from .conftest import TODAY, YEAR, D, on_time, procedure_of, roll_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def decree_year(scheme):
    return services.head_settings_update(year=YEAR, head_method=HeadMethod.DECREE_335)


@pytest.fixture
def head(unit_a):
    return TenureFactory(person=PersonFactory(full_name="Hoàng Văn Hải"), unit=unit_a, start_date=D(2025, 7, 1))


@pytest.fixture
def clean_work(unit_a, officer_a):
    """QLD resolves four dossiers early, none late, no apology, no rating."""
    procedure = procedure_of(unit_a)
    for day in (D(2026, 2, 2), D(2026, 5, 4), D(2026, 8, 3), D(2026, 11, 2)):
        on_time(procedure, officer_a, day)
    roll_up()


def rate(unit, by, *, not_completed=0, kind=PeriodKind.YEAR, number=1):
    return services.staff_rating_record(
        year=YEAR,
        unit=unit,
        kind=kind,
        number=number,
        outstanding=1,
        good=8,
        completed=3,
        not_completed=not_completed,
        document_number="15/QĐ-QLD",
        document_date=D(2026, 12, 10),
        by=by,
    )


def assess(head, by, *, general="30", organisation="100"):
    return services.head_assessment_set(
        year=YEAR,
        tenure=head,
        general_points=Decimal(general),
        general_evidence="Biên bản họp đơn vị ngày 10/12/2026",
        organisation_percent=Decimal(organisation),
        organisation_evidence="Hoàn thành kế hoạch công tác năm đúng tiến độ",
        by=by,
    )


def lines_of(score):
    return {line.code: line for line in score.lines.all()}


def test_a_head_on_100_points_general_30_and_task_results_70(decree_year, head, clean_work, office_staff, unit_a):
    assess(head, office_staff)
    rate(unit_a, office_staff)
    services.emulation_compute(year=YEAR, today=TODAY)
    score = LeaderScore.objects.get(tenure=head)
    lines = lines_of(score)
    assert list(lines) == ["general", "quantity", "quality", "timeliness", "unit-results", "organisation"]
    assert (lines["general"].status, lines["general"].points, lines["general"].max_points) == (
        LineStatus.MANUAL,
        Decimal("30.00"),
        Decimal("30.00"),
    )
    assert lines["general"].evidence.startswith("Biên bản họp đơn vị ngày 10/12/2026\nNgười chấm: ")
    assert sum(line.max_points for line in lines.values()) == Decimal(100)
    assert [lines[code].max_points for code in ("quantity", "quality", "timeliness")] == [Decimal("14.00")] * 3
    assert (score.total, score.band) == (Decimal("100.00"), Band.OUTSTANDING)


def test_one_civil_servant_not_completed_gives_half_of_the_unit_results(
    decree_year, head, clean_work, office_staff, unit_a
):
    assess(head, office_staff)
    rate(unit_a, office_staff, not_completed=1)
    services.emulation_compute(year=YEAR, today=TODAY)
    line = lines_of(LeaderScore.objects.get(tenure=head))["unit-results"]
    assert (line.value, line.points, line.max_points) == (Decimal("50.00"), Decimal("7.00"), Decimal("14.00"))
    assert "15/QĐ-QLD" in line.evidence and "1/13" in line.evidence


def test_without_staff_ratings_the_unit_results_are_not_scored_yet(decree_year, head, clean_work, office_staff):
    assess(head, office_staff)
    services.emulation_compute(year=YEAR, today=TODAY)
    line = lines_of(LeaderScore.objects.get(tenure=head))["unit-results"]
    assert (line.status, line.points) == (LineStatus.MANUAL_MISSING, Decimal(0))


def test_quality_loses_a_quarter_of_a_dossier_per_apology(decree_year, head, unit_a, officer_a, office_staff):
    procedure = procedure_of(unit_a)
    for day in (D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 16), D(2026, 3, 2)):
        on_time(procedure, officer_a, day)
    roll_up()
    # One apology and re-appointment, as the rollups count them (the figures are the source).
    row = DailyStat.objects.filter(unit=unit_a, ended_early__gt=0).order_by("day").first()
    row.reappointments = 1
    row.save(update_fields=["reappointments"])
    services.emulation_compute(year=YEAR, today=TODAY)
    line = lines_of(LeaderScore.objects.get(tenure=head))["quality"]
    # 4 resolved, one major error: (4 − 0.25) / 4 = 93.75%, of 14 points.
    assert (line.value, line.points) == (Decimal("93.75"), Decimal("13.13"))
    assert "1 lần xin lỗi, hẹn lại" in line.evidence


def test_a_disciplinary_sanction_forces_not_completed_at_95_points(decree_year, head, clean_work, office_staff, unit_a):
    assess(head, office_staff, general="25")
    rate(unit_a, office_staff)
    services.disqualifier_record(
        year=YEAR,
        kind=DisqualifierKind.SANCTION,
        unit=unit_a,
        tenure=head,
        decision_number="88/QĐ-BYT",
        decision_date=D(2026, 9, 15),
        by=office_staff,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    score = LeaderScore.objects.get(tenure=head)
    assert (score.total, score.band_by_points, score.band) == (Decimal("95.00"), Band.OUTSTANDING, Band.NOT_COMPLETED)
    assert score.band_reason == "Bị xử lý kỷ luật: Quyết định số 88/QĐ-BYT ngày 15/09/2026"
    assert selectors.band_explanation(score, score.year) == score.band_reason
    # Months before the decision keep their band; the months from it on are "not completed".
    # Month 9 ends on 14/09, month 10 holds the decision of 15/09.
    month_9 = PeriodScore.objects.get(tenure=head, kind=PeriodKind.MONTH, number=9)
    month_10 = PeriodScore.objects.get(tenure=head, kind=PeriodKind.MONTH, number=10)
    assert (month_9.band_reason, month_9.band) == ("", Band.OUTSTANDING)
    assert month_10.band == Band.NOT_COMPLETED
    # The unit itself is not sanctioned.
    assert UnitScore.objects.get(unit=unit_a).band_reason == ""
    assert AuditEntry.objects.filter(action=AuditAction.DISQUALIFIER).count() == 1


def test_a_corruption_finding_in_the_unit_forces_its_heads_to_not_completed(
    decree_year, head, clean_work, office_staff, unit_a
):
    assess(head, office_staff)
    rate(unit_a, office_staff)
    services.disqualifier_record(
        year=YEAR,
        kind=DisqualifierKind.CORRUPTION_WASTE,
        unit=unit_a,
        decision_number="12/KL-TTr",
        decision_date=D(2026, 6, 1),
        by=office_staff,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    score = LeaderScore.objects.get(tenure=head)
    assert (score.total, score.band) == (Decimal("100.00"), Band.NOT_COMPLETED)
    assert "12/KL-TTr" in score.band_reason


def test_heads_are_followed_month_by_month(decree_year, head, clean_work, office_staff, unit_a):
    assess(head, office_staff)
    rate(unit_a, office_staff, kind=PeriodKind.MONTH, number=5, not_completed=2)
    services.emulation_compute(year=YEAR, today=TODAY)
    months = {score.number: score for score in PeriodScore.objects.filter(tenure=head, kind=PeriodKind.MONTH)}
    assert sorted(months) == list(range(1, 13))
    # Month 5's staff rating counts in month 5 only (and in quarter 2, which holds it).
    unit_results = {number: _line(score, "unit-results") for number, score in months.items()}
    assert unit_results[5]["value"] == "50.00"
    assert unit_results[4]["status"] == LineStatus.MANUAL_MISSING
    second_quarter = PeriodScore.objects.get(tenure=head, kind=PeriodKind.QUARTER, number=2)
    assert _line(second_quarter, "unit-results")["value"] == "50.00"


def _line(score, code):
    return next(line for line in score.lines if line["code"] == code)


def test_the_inputs_refuse_bad_values_and_a_finalised_year(decree_year, head, office_staff, unit_a):
    with pytest.raises(ValidationError) as error:
        services.head_assessment_set(
            year=YEAR,
            tenure=head,
            general_points=Decimal(31),
            general_evidence="",
            organisation_percent=Decimal(120),
            organisation_evidence="x",
            by=office_staff,
        )
    assert set(error.value.message_dict) == {"general_points", "general_evidence", "organisation_percent"}
    with pytest.raises(ValidationError) as error:
        services.disqualifier_record(
            year=YEAR,
            kind=DisqualifierKind.SANCTION,
            unit=unit_a,
            decision_number="",
            decision_date=D(2027, 1, 5),
            by=office_staff,
        )
    assert set(error.value.message_dict) == {"decision_number", "decision_date"}
    with pytest.raises(ValidationError) as error:
        services.head_settings_update(year=YEAR, weight_quantity=Decimal(30))
    assert "add up to 110.00%" in str(error.value)
    decree_year.status = "finalised"
    decree_year.save()
    with pytest.raises(ConflictError):
        rate(unit_a, office_staff)


class TestHeadsPage:
    PAGE = f"/emulation/{YEAR}/heads/"

    def test_the_office_records_a_sanction_and_sees_it_listed(self, decree_year, head, client, office_staff):
        client.force_login(office_staff)
        assert client.get(self.PAGE).status_code == 200
        response = client.post(
            self.PAGE,
            {
                "form": "disqualifier",
                "disqualifier-kind": DisqualifierKind.SANCTION,
                "disqualifier-unit": "QLD",
                "disqualifier-tenure": head.pk,
                "disqualifier-decision_number": "88/QĐ-BYT",
                "disqualifier-decision_date": "2026-09-15",
            },
        )
        assert response.status_code == 302, response.context["disqualifier_form"].errors
        page = client.get(self.PAGE).content.decode()
        assert "88/QĐ-BYT" in page and "Hoàng Văn Hải" in page

    def test_a_bad_rating_is_refused_with_field_messages(self, decree_year, client, office_staff):
        client.force_login(office_staff)
        response = client.post(
            self.PAGE,
            {
                "form": "rating",
                "rating-unit": "QLD",
                "rating-kind": "quarter",
                "rating-number": "7",
                "rating-outstanding": "0",
                "rating-good": "0",
                "rating-completed": "0",
                "rating-not_completed": "0",
                "rating-document_number": "",
                "rating-document_date": "2026-12-01",
            },
        )
        assert response.status_code == 400
        form = response.context["rating_form"]
        assert "document_number" in form.errors

    def test_only_the_office_opens_it(self, decree_year, client, officer_a):
        client.force_login(officer_a)
        assert client.get(self.PAGE).status_code == 403


def test_a_head_sees_their_own_score_month_by_month(decree_year, head, clean_work, office_staff, client):
    from tests.factories import UserFactory

    user = UserFactory(username="hai")
    head.person.user = user
    head.person.save()
    assess(head, office_staff)
    services.emulation_compute(year=YEAR, today=TODAY)
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get("/emulation/me/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<tr data-month=") == 12
    [(score, months)] = response.context["scores"]
    assert score.tenure == head and [month.number for month in months] == list(range(1, 13))


def test_someone_who_heads_nothing_sees_an_empty_page(client, officer_a):
    client.force_login(officer_a)
    assert 'id="no-own-scores"' in client.get("/emulation/me/").content.decode()


def test_the_excel_files_show_every_line_and_the_decision(decree_year, head, clean_work, office_staff, unit_a, client):
    import io

    from openpyxl import load_workbook

    assess(head, office_staff, general="25")
    rate(unit_a, office_staff, not_completed=1)
    services.disqualifier_record(
        year=YEAR,
        kind=DisqualifierKind.SANCTION,
        unit=unit_a,
        tenure=head,
        decision_number="88/QĐ-BYT",
        decision_date=D(2026, 9, 15),
        by=office_staff,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    client.force_login(office_staff)
    workbook = load_workbook(io.BytesIO(client.get(f"/emulation/{YEAR}/export.xlsx").content))
    leaders = [row for row in workbook["Lãnh đạo"].iter_rows(values_only=True) if any(row)]
    assert leaders[3][8:14] == (
        "Tiêu chí chung (tối đa 30,00)",
        "Kết quả thực hiện nhiệm vụ: số lượng (tối đa 14,00)",
        "Kết quả thực hiện nhiệm vụ: chất lượng (tối đa 14,00)",
        "Kết quả thực hiện nhiệm vụ: tiến độ (tối đa 14,00)",
        "Kết quả hoạt động của đơn vị (tối đa 14,00)",
        "Năng lực tổ chức triển khai thực hiện nhiệm vụ (tối đa 14,00)",
    )
    assert leaders[4][8:14] == (25.0, 14.0, 14.0, 14.0, 7.0, 14.0)
    assert leaders[4][7] == "Không hoàn thành nhiệm vụ"
    assert leaders[4][-1] == "Bị xử lý kỷ luật: Quyết định số 88/QĐ-BYT ngày 15/09/2026"
    tracking = load_workbook(io.BytesIO(client.get(f"/emulation/{YEAR}/tracking.xlsx").content))
    months = [row for row in tracking["QLD Hoàng Văn Hải"].iter_rows(values_only=True) if any(row)]
    assert months[3][3] == "Tiêu chí chung (tối đa 30,00)"
    assert months[-1][-1] == "Bị xử lý kỷ luật: Quyết định số 88/QĐ-BYT ngày 15/09/2026"


def test_timeliness_by_delays_takes_a_quarter_of_a_dossier_per_delay(
    decree_year, head, unit_a, officer_a, office_staff
):
    from .conftest import late

    procedure = procedure_of(unit_a)
    for day in (D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 16)):
        on_time(procedure, officer_a, day)
    late(procedure, officer_a, D(2026, 3, 2))
    roll_up()
    services.head_settings_update(year=YEAR, timeliness_rule="delays")
    services.emulation_compute(year=YEAR, today=TODAY)
    line = lines_of(LeaderScore.objects.get(tenure=head))["timeliness"]
    # 4 dossiers, one late: (4 − 0.25) / 4 = 93.75% (the on-time rate alone would give 75%).
    assert (line.value, line.points) == (Decimal("93.75"), Decimal("13.13"))
    assert "1 lần chậm tiến độ" in line.evidence
    services.head_settings_update(year=YEAR, timeliness_rule="with_progress")
    services.emulation_compute(year=YEAR, today=TODAY)
    line = lines_of(LeaderScore.objects.get(tenure=head))["timeliness"]
    # The default: the mean of the on-time rate (75%) and the progress rate (75%).
    assert line.value == Decimal("75.00")
    assert line.evidence.startswith("Trung bình của tỷ lệ đúng hạn (75.00%)")
