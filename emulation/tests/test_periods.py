"""Months and quarters scored from the same rollups as the year; the year built on them; band conditions."""

from decimal import Decimal

import pytest

from dossiers import services as dossier_services
from dossiers.choices import Channel
from emulation import selectors, services
from emulation.choices import Band, YearRule
from emulation.models import Criterion, PeriodScore, UnitScore
from stats.periods import PeriodKind, period
from stats.selectors import period_figures

from .conftest import TODAY, YEAR, D, criterion, late, local, make_scheme, on_time, procedure_of, roll_up

pytestmark = pytest.mark.django_db


def _line(score, code):
    return next(line for line in score.lines if line["code"] == code)


@pytest.fixture
def spread(scheme, unit_a, officer_a, office_staff):
    """QLD: January (month 1) one on time; February (month 2) one on time and one late; April one late."""
    procedure = procedure_of(unit_a)
    on_time(procedure, officer_a, D(2026, 1, 5))
    on_time(procedure, officer_a, D(2026, 1, 19))
    late(procedure, officer_a, D(2026, 1, 26))
    late(procedure, officer_a, D(2026, 3, 30))
    roll_up()
    services.manual_score_set(
        year=YEAR,
        unit=unit_a,
        criterion=scheme.criteria.get(code="reform"),
        points=Decimal(40),
        evidence="Quyết định 12/QĐ-BYT",
        by=office_staff,
    )
    return procedure


def test_every_month_and_quarter_agrees_with_the_rollups(spread, unit_a):
    services.emulation_compute(year=YEAR, today=TODAY)
    scores = PeriodScore.objects.filter(unit=unit_a, tenure__isnull=True)
    assert sorted(scores.filter(kind=PeriodKind.MONTH).values_list("number", flat=True)) == list(range(1, 13))
    assert sorted(scores.filter(kind=PeriodKind.QUARTER).values_list("number", flat=True)) == [1, 2, 3, 4]
    for score in scores:
        whole = period(score.kind, YEAR, score.number)
        assert (score.window_start, score.window_end) == (whole.date_from, whole.date_to)
        figures = period_figures(date_from=whole.date_from, date_to=whole.date_to, subtree=unit_a)
        line = _line(score, "on-time")
        if figures.resolved_total:
            assert (line["numerator"], line["denominator"]) == (
                figures.resolved_early + figures.resolved_on_time,
                figures.resolved_total,
            )
        else:
            assert line["status"] == "not_applicable"
    # Month 2 (15/01 – 14/02): the one received on 19/01 resolved early; the one of 26/01 ended late on 23/02.
    february = scores.get(kind=PeriodKind.MONTH, number=2)
    assert (_line(february, "on-time")["numerator"], _line(february, "on-time")["denominator"]) == (1, 1)
    # 100% of a 90% target: 60 points, plus the year's 40 manual points.
    assert february.total == Decimal("100.00")
    # Quarter 1 (15/12 – 14/03): three resolved, one late.
    first_quarter = scores.get(kind=PeriodKind.QUARTER, number=1)
    assert (_line(first_quarter, "on-time")["numerator"], _line(first_quarter, "on-time")["denominator"]) == (2, 3)
    year = UnitScore.objects.get(unit=unit_a)
    year_line = year.lines.get(code="on-time")
    assert (year_line.numerator, year_line.denominator) == (2, 4)


def test_the_year_can_be_the_mean_of_its_months(spread, unit_a):
    record = services.scheme_update(
        year=YEAR,
        criteria=[criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)],
        outstanding_min=Decimal(90),
        good_min=Decimal(70),
        completed_min=Decimal(50),
        min_tenure_months=6,
        year_rule=YearRule.MONTH_MEAN,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    months = PeriodScore.objects.filter(unit=unit_a, tenure__isnull=True, kind=PeriodKind.MONTH)
    totals = [score.total for score in months]
    expected = (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))
    year = UnitScore.objects.get(unit=unit_a)
    assert year.total == expected
    assert record.builds_on_periods == PeriodKind.MONTH


def test_the_unit_page_says_which_total_is_the_score(spread, unit_a, client, office_staff):
    # With the year the mean of its months, the big number and the criteria's total differ: each
    # says what it is, so a head does not read the wrong one as the score.
    services.scheme_update(
        year=YEAR,
        criteria=[criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)],
        outstanding_min=Decimal(90),
        good_min=Decimal(70),
        completed_min=Decimal(50),
        min_tenure_months=6,
        year_rule=YearRule.MONTH_MEAN,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    page = client.get(f"/emulation/{YEAR}/units/{unit_a.code}/").content.decode()
    assert 'id="total-label">Score of the year (mean of the months)' in page
    assert 'id="criteria-total-label">Criteria points over the whole year' in page


def test_a_unit_at_92_points_with_one_overdue_dossier_cannot_be_outstanding(db, unit_a, officer_a, office_staff):
    make_scheme(YEAR, [criterion("on-time", 60, "on_time_rate", 90), criterion("reform", 40)])
    procedure = procedure_of(unit_a)
    for week in range(10):
        on_time(procedure, officer_a, D(2026, 2, 2) + week * (D(2026, 2, 9) - D(2026, 2, 2)))
    # Received in November and still open on 14 December: overdue at the year's end.
    dossier_services.dossier_receive(
        procedure=procedure,
        channel=Channel.ONLINE,
        applicant=dossier_services.Applicant(name="Trần Thị Bình"),
        received_at=local(2026, 11, 2),
        by=officer_a,
    )
    roll_up()
    services.manual_score_set(
        year=YEAR,
        unit=unit_a,
        criterion=Criterion.objects.get(code="reform"),
        points=Decimal(32),
        evidence="Sáng kiến cải cách",
        by=office_staff,
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    score = UnitScore.objects.get(unit=unit_a)
    assert score.total == Decimal("92.00")
    assert score.band_by_points == Band.OUTSTANDING
    # 1 of 11 dossiers behind schedule: outstanding and good allow none, completed allows 20%.
    assert (score.behind_share, score.band) == (Decimal("9.09"), Band.COMPLETED)
    assert "9.09% of the dossiers were behind schedule" in selectors.band_explanation(score, score.year)


def test_no_condition_leaves_the_band_of_the_points(db, unit_a, officer_a):
    make_scheme(YEAR, [criterion("on-time", 100, "on_time_rate", 50)])
    services.scheme_update(
        year=YEAR,
        criteria=[criterion("on-time", 100, "on_time_rate", 50)],
        outstanding_min=Decimal(90),
        good_min=Decimal(70),
        completed_min=Decimal(50),
        min_tenure_months=6,
        outstanding_max_behind=None,
        good_max_behind=None,
        completed_max_behind=None,
    )
    procedure = procedure_of(unit_a)
    on_time(procedure, officer_a, D(2026, 2, 2))
    late(procedure, officer_a, D(2026, 3, 2))
    roll_up()
    services.emulation_compute(year=YEAR, today=TODAY)
    score = UnitScore.objects.get(unit=unit_a)
    assert (score.total, score.behind_share, score.band) == (Decimal("100.00"), Decimal("50.00"), Band.OUTSTANDING)


def test_the_breakdown_shows_months_quarters_and_why_the_band_is_lower(spread, unit_a, client, office_staff):
    services.emulation_compute(year=YEAR, today=TODAY)
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    response = client.get(f"/emulation/{YEAR}/units/QLD/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="periods-table-month"' in page and 'id="periods-table-quarter"' in page
    assert 'data-period="month-12"' in page
    assert 'id="band-explanation"' in page
