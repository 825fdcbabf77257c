"""The national index (Decision 766) as emulation criteria: its total and each group's share of
its counted maximum are metrics a scheme may score with the threshold rule; the demo scheme of
2026 uses the total."""

from decimal import Decimal

import pytest

from emulation import services
from emulation.metrics import INDEX_METRICS, METRICS, metric_choices
from emulation.models import Criterion, PeriodScore, UnitScore
from emulation.scoring import points_for
from emulation.tests.conftest import (
    TODAY,
    YEAR,
    YEAR_END,
    YEAR_START,
    D,
    criterion,
    late,
    make_scheme,
    on_time,
    procedure_of,
    roll_up,
)
from stats.index766 import index766
from tests.factories import ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db


def line(score, code):
    return score.lines.get(code=code)


def test_the_total_and_every_group_are_metrics():
    codes = {code for code, _label in metric_choices()}
    assert {"index766_total", "index766_group_1", "index766_group_2", "index766_group_3p", "index766_group_5"} <= codes
    assert {code for code in codes if code.startswith("index766_")} == INDEX_METRICS
    assert len(INDEX_METRICS) == 7


def test_a_scheme_scores_the_index_total_and_a_group_with_the_threshold_rule(
    unit_a, officer_a, after_the_year, client, office_staff
):
    make_scheme(
        YEAR,
        [
            criterion("index", 60, "index766_total", 80),
            criterion("progress", 30, "index766_group_2", 90),
            criterion("reform", 10),
        ],
    )
    procedure = procedure_of(unit_a)
    for monday in (D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16)):
        on_time(procedure, officer_a, monday)
    late(procedure, officer_a, D(2026, 3, 23))
    roll_up()

    services.emulation_compute(year=YEAR, today=TODAY)

    score = UnitScore.objects.get(unit=unit_a)
    index = index766(date_from=YEAR_START, date_to=YEAR_END, unit=unit_a, today=TODAY)
    total, progress = line(score, "index"), line(score, "progress")
    assert total.value == index.total and (total.numerator, total.denominator) == (None, None)
    assert total.points == points_for(index.total, target=Decimal(80), max_points=Decimal(60))
    group = next(group for group in index.groups if group.code == "2")
    assert progress.value == (group.points * 100 / group.counted_maximum).quantize(Decimal("0.01")) == Decimal("75.00")
    assert progress.points == Decimal("25.00")  # 75 / 90 × 30
    # Pages show the total as points on 100, not as a rate (a new user read "63,88% / 80%").
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    page = client.get(f"/emulation/{YEAR}/units/{unit_a.code}/").content.decode()
    row = page[page.index('data-criterion="index"') :][:2500]
    assert '80<span class="text-body-secondary"> / 100</span>' in row and "80%" not in row
    # The month of the dossiers is scored on its own index too.
    march = PeriodScore.objects.get(unit=unit_a, tenure=None, kind="month", number=4)
    assert march.lines[0]["value"] == str(
        index766(date_from=D(2026, 3, 15), date_to=D(2026, 4, 14), unit=unit_a, today=TODAY).total
    )


def test_an_index_with_nothing_counted_is_not_applicable(unit_a, unit_b, officer_a, after_the_year):
    make_scheme(YEAR, [criterion("index", 50, "index766_total", 80), criterion("on-time", 50, "on_time_rate", 90)])
    on_time(procedure_of(unit_a), officer_a, D(2026, 3, 2))
    # Unit B's only procedure comes into force after the year and it received nothing: not even
    # the catalogue's indicators count (a procedure in force would have 3.1 counted).
    ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_b), effective_from=D(YEAR + 1, 1, 1))
    roll_up()

    services.emulation_compute(year=YEAR, today=TODAY)

    assert line(UnitScore.objects.get(unit=unit_b), "index").status == "not_applicable"


def test_the_index_lines_link_to_the_index_page(unit_a):
    from emulation.metrics import Window

    window = Window(unit_code="QLD", subtree_codes=("QLD",), date_from=D(2026, 1, 1), date_to=D(2026, 3, 31))
    [(label, url)] = METRICS["index766_total"].links(window)
    assert url == "/reports/index766/?period=custom&date_from=2026-01-01&date_to=2026-03-31&unit=QLD"


def test_the_demo_scheme_of_2026_scores_the_index_total():
    record = services.emulation_seed_demo_scheme(year=2026)
    criteria = {
        code: (points, metric, target)
        for code, points, metric, target in record.criteria.values_list("code", "max_points", "metric", "target")
    }
    assert criteria["index766"] == (Decimal("10.00"), "index766_total", Decimal("80.00"))
    assert sum(points for points, _metric, _target in criteria.values()) == Decimal(100)
    earlier = services.emulation_seed_demo_scheme(year=2025)
    assert not Criterion.objects.filter(year=earlier, metric__startswith="index766").exists()
