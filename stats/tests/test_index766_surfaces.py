"""Where the national index is seen (issue 12, item 3): the table of units ranked by total with
the month-by-month trend, the Excel files, and the one-click drill-downs whose lists show exactly
the counted dossiers, procedures and feedback items."""

import datetime
import io
import json
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import time_machine
from openpyxl import load_workbook

from dossiers.models import Dossier
from feedback import services as feedback_services
from feedback.choices import Classification, Source, Topic
from procedures.choices import OnlineService
from procedures.models import Procedure
from procedures.services import procedure_flags_record
from stats import rollups
from stats.index766 import LIST_URL_NAMES, drilldowns, index766, ranked_units, ranking
from stats.models import DailyStat
from tests.factories import ProcedureFactory, ProcedureVersionFactory, UnitFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2026, 4, 1)
UNITS_PAGE = "/reports/index766/units/"
INDEX_PAGE = "/reports/index766/"
MARCH = {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(local(2026, 4, 1, 9), tick=False):
        yield


def stat(unit, day, **values):
    procedure = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit), effective_from=D(2020, 1, 1)).procedure
    return DailyStat.objects.create(day=day, unit=unit, procedure=procedure, field_id=procedure.field_id, **values)


@pytest.fixture
def scores(unit_a, unit_a1, unit_b):
    """March 2026: A's own dossiers all on time, A1's half late, B's all on time; February: B only."""
    stat(unit_a, D(2026, 3, 10), ended_on_time=4, received_in_person=4)
    stat(unit_a1, D(2026, 3, 10), ended_on_time=2, ended_late=2, received_in_person=4)
    stat(unit_b, D(2026, 3, 10), ended_on_time=5, received_in_person=5)
    stat(unit_b, D(2026, 2, 10), ended_on_time=1, ended_late=1, received_in_person=2)


# --- The table of units ---------------------------------------------------------------------


def test_the_units_are_ranked_by_total_with_their_months(scores, office_staff, ministry, unit_a, unit_b):
    units = list(type(ministry).objects.order_by("path"))
    table = ranking(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), units=units, today=TODAY)

    assert table.scope == ministry
    ranked = [(line.unit.code, line.rank, line.index.total) for line in table.lines]
    # B: 2.1 100%, 5.4 100%, 3.3 0 of 4, 4.2 0 of 4 → 26 / 34; A with A1: 2.1 80%, 5.4 80% …
    assert [code for code, _rank, _total in ranked[:2]] == ["ATTP", "QLD"]
    assert ranked[0][1] == 1 and ranked[1][1] == 2
    assert ranked[0][2] == index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=unit_b, today=TODAY).total
    assert ranked[-1][1] is None and ranked[-1][2] is None  # the office: nothing counted
    # The reporting months of 2026 so far: 15/12/2025–14/01, …, 15/03–31/03.
    assert table.months[0] == (D(2025, 12, 15), D(2026, 1, 14)) and table.months[-1] == (D(2026, 3, 15), D(2026, 3, 31))
    # Named as the period selector names them: 15/03–14/04 is month 4 (cut at the last day held).
    assert table.month_labels == ["01/2026", "02/2026", "03/2026", "04/2026"] and table.year == 2026
    line_b = next(line for line in table.lines if line.unit == unit_b)
    february = table.months.index((D(2026, 1, 15), D(2026, 2, 14)))
    # The catalogue counts every month as it stood then: in December–January only 3.1 (none of B's
    # two procedures online) is counted.
    assert line_b.months[february] is not None and line_b.months[0] == Decimal("0.00")


def test_ties_share_a_rank(unit_a, unit_b, ministry):
    stat(unit_a, D(2026, 3, 10), ended_on_time=1)
    stat(unit_b, D(2026, 3, 10), ended_on_time=3)
    table = ranking(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), units=[ministry, unit_a, unit_b], today=TODAY)

    assert [line.rank for line in table.lines] == [1, 1]


def test_which_units_are_ranked(ministry, unit_a, unit_a1, unit_b):
    everything = [ministry, unit_a, unit_a1, unit_b]
    assert ranked_units(everything, None) == (ministry, [unit_a, unit_b])
    assert ranked_units(everything, unit_a) == (unit_a, [unit_a1])
    assert ranked_units([unit_a, unit_a1], None) == (unit_a, [unit_a1])
    assert ranked_units([unit_a1, unit_b], None) == (None, [unit_a1, unit_b])
    assert ranked_units(everything, unit_b) == (unit_b, [unit_b])  # no sub-units: ranked alone


def test_the_page_ranks_links_and_draws_the_trend(client, office_staff, scores):
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    answer = client.get(UNITS_PAGE, MARCH)

    assert answer.status_code == 200
    page = answer.content.decode()
    assert page.index('id="unit-ATTP"') < page.index('id="unit-QLD"')
    link = "/reports/index766/?" + urlencode({**MARCH, "unit": "QLD"}).replace("&", "&amp;")
    assert link in page
    data = json.loads(re.search(r'<script id="index766-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert data["labels"][0] == "01/2026" and [series["code"] for series in data["series"]][:2] == ["ATTP", "QLD"]
    assert "vendor/chart.js/chart.umd.min.js" in page and "cdn" not in page.lower()


def test_the_head_sees_their_own_units_dossiers_as_a_line_of_their_own(client, head_a, scores, unit_a, unit_a1):
    """QLD's head ranks QLD's divisions; QLD's own dossiers (4 on time) were only inside the
    whole scope's line, and a unit whose divisions hold nothing read as a table of dashes."""
    table = ranking(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), units=[unit_a, unit_a1], today=TODAY)
    own = next(line for line in table.lines if line.own)
    division = next(line for line in table.lines if not line.own)
    assert own.unit == unit_a and division.unit == unit_a1
    assert (own.index.indicator("2.1").numerator, own.index.indicator("2.1").denominator) == (4, 4)
    assert (division.index.indicator("2.1").numerator, division.index.indicator("2.1").denominator) == (2, 4)
    assert [line.rank for line in table.lines] == [1, 2] and table.lines[0].own  # all on time ranks first
    assert (table.whole.indicator("2.1").numerator, table.whole.indicator("2.1").denominator) == (6, 8)

    client.force_login(head_a)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    row = re.search(r'<tr id="unit-QLD-own">(.*?)</tr>', page, re.S)[1]
    assert "Hồ sơ của riêng đơn vị" in row and str(own.index.total).replace(".", ",") in row
    data = json.loads(re.search(r'<script id="index766-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert [series["code"] for series in data["series"]][0] == "QLD (riêng đơn vị)"


def test_the_group_headings_do_not_promise_a_maximum_the_cells_contradict(client, office_staff, scores):
    """The headings read "Nhóm 1 (18)" over cells "0,00 / 6": the cells give the maximum counted
    (as the total does, docs/index766.md); the group's maximum by Decision 766 is in the tooltip."""
    client.force_login(office_staff)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    head = re.search(r"<thead>(.*?)</thead>", page, re.S)[1]
    headings = re.findall(r'<abbr title="([^"]*)">(Nhóm \S+?)</abbr>', head)
    assert headings and headings[0][1] == "Nhóm 1" and all("(" not in text for _title, text in headings)
    assert "tối đa 18 điểm; mỗi ô ghi điểm đạt / tối đa của các chỉ số được tính" in headings[0][0]
    row = re.search(r'<tr id="unit-ATTP">(.*?)</tr>', page, re.S)[1]
    assert re.search(r"\d / 6<", row)  # group 1: the maximum counted, as the note under the table says
    assert 'id="ranking-note"' in page


def test_a_unit_with_nothing_counted_shows_a_dash_for_its_points_as_for_its_groups(client, office_staff, scores):
    """The office counts nothing in March: its line read "— 0 / 0 — — …", a score of zero out of zero."""
    client.force_login(office_staff)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    row = re.search(r'<tr id="unit-VPB">(.*?)</tr>', page, re.S)[1]
    cells = [re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert "0 / 0" not in cells
    assert cells[-7:] == ["—"] * 7  # points / max. and the six groups


def test_the_trend_leaves_out_the_units_without_figures_and_names_them(client, office_staff, scores):
    client.force_login(office_staff)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    data = json.loads(re.search(r'<script id="index766-data" type="application/json">(.*?)</script>', page, re.S)[1])
    drawn = [series["code"] for series in data["series"]]
    assert drawn == ["ATTP", "QLD"]  # the office has nothing in any month: no legend entry without a line
    assert all(any(total is not None for total in series["totals"]) for series in data["series"])
    note = re.search(r'<p[^>]*id="trend-left-out">(.*?)</p>', page, re.S)[1]
    assert "Không vẽ vì không có số liệu tháng nào" in note and "VP" in note


def test_the_page_shows_only_the_units_the_reader_may_read(client, head_a, officer_b, scores):
    client.force_login(head_a)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    assert 'id="unit-QLD_KD"' in page and 'id="unit-ATTP"' not in page
    assert client.get(UNITS_PAGE, {**MARCH, "unit": "ATTP"}).status_code == 403

    client.force_login(officer_b)
    page = client.get(UNITS_PAGE, MARCH).content.decode()
    assert 'id="unit-ATTP"' in page and "QLD" not in page
    assert (
        client.get(UNITS_PAGE, {"period": "custom", "date_from": "2026-03-31", "date_to": "2026-03-01"}).status_code
        == 400
    )


def test_the_page_costs_the_same_few_queries_for_many_units(
    client, office_staff, scores, ministry, django_assert_max_num_queries
):
    client.force_login(office_staff)
    client.get(UNITS_PAGE, MARCH)  # warm the per-process caches
    for number in range(12):
        stat(UnitFactory(code=f"X{number}", parent=ministry), D(2026, 3, 5), ended_on_time=number)
    # Session, user, memberships, readable units (2), the form's unit; the index of the period and
    # the months (7, of which the ids and paths of the units in scope); the days not computed.
    with django_assert_max_num_queries(15):
        answer = client.get(UNITS_PAGE, MARCH)
    assert answer.content.decode().count('id="unit-X') == 12


# --- Excel ----------------------------------------------------------------------------------


def test_the_index_page_as_a_workbook(client, office_staff, worked_example):
    client.force_login(office_staff)
    answer = client.get(INDEX_PAGE, {**MARCH, "unit": "QLD", "export": "xlsx"})

    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="chi-so-766-QLD-20260301-20260331.xlsx"'
    sheet = load_workbook(io.BytesIO(answer.content)).active
    index = index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=Procedure.objects.first().unit, today=TODAY)
    assert sheet["C4"].value == float(index.total)
    rows = {row[0]: row for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert rows["2.1"][1] == "Hồ sơ giải quyết trước hạn, đúng hạn hoặc đang giải quyết trong hạn"
    assert rows["2.1"][2:9] == (8, 10, 80.0, None, 16.0, 20.0, 4.0)
    assert rows["4.2b"][9] == "Chưa có dữ liệu" and rows["4.2b"][10]


def test_a_group_or_index_with_nothing_counted_is_blank_in_the_workbook_as_on_the_page(
    client, office_staff, worked_example
):
    # QLD's group 1 counts 1.4 only; group 3P counts nothing (no fee-bearing procedure). The office
    # (VPB) has nothing counted at all.
    client.force_login(office_staff)
    answers = {
        unit: (
            client.get(INDEX_PAGE, {**MARCH, "unit": unit}),
            load_workbook(io.BytesIO(client.get(INDEX_PAGE, {**MARCH, "unit": unit, "export": "xlsx"}).content)).active,
        )
        for unit in ("QLD", "VPB")
    }

    page, sheet = answers["QLD"]
    groups = {row[0]: row[6] for row in sheet.iter_rows(min_row=7, values_only=True)}
    assert (groups["1"], groups["2"], groups["3P"]) == (0.0, 16.0, None)
    html = page.content.decode()
    assert re.search(r'id="group-3P">.*?<th class="text-end">—</th>', html, re.S)
    assert re.search(r'id="group-1">.*?<th class="text-end">0[,.]00</th>', html, re.S)

    page, sheet = answers["VPB"]
    assert (sheet["C4"].value, sheet["E4"].value, sheet["F4"].value) == (None, None, None)
    assert [row[6] for row in sheet.iter_rows(min_row=7, values_only=True) if "." not in row[0]] == [None] * 6
    assert 'id="index-total">—<' in page.content.decode()


def test_the_table_of_units_as_a_workbook(client, office_staff, scores):
    client.force_login(office_staff)
    answer = client.get(UNITS_PAGE, {**MARCH, "export": "xlsx"})

    assert answer.status_code == 200
    workbook = load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames == ["Xếp hạng", "Theo tháng"]
    ranked = list(workbook["Xếp hạng"].iter_rows(min_row=6, values_only=True))
    assert ranked[0][:3] == (1, "ATTP", "Cục An toàn thực phẩm")
    # A unit with nothing counted (the office) is blank, as "—" on the page, not 0 in every group.
    office = next(row for row in ranked if row[1] == "VPB")
    assert office[3:] == (None,) * len(office[3:])
    months = list(workbook["Theo tháng"].iter_rows(min_row=3, values_only=True))
    # The reporting month of 15/12/2025–14/01/2026 is month 1 of 2026 (it was headed "12/2025").
    assert months[0][:3] == ("Mã đơn vị", "Đơn vị", "01/2026") and months[1][0] == "ATTP"


# --- Drill-downs: each list shows exactly what the index counted ------------------------------


@pytest.fixture
def counted(worked_example, procedure, officer_a, unit_a):
    """The worked example with a fee-bearing, online procedure, two dossiers paid online, and
    feedback: one item about a dossier sent and answered on time in March, one about another
    dossier sent in January and answered late in March, and one about no dossier sent in March,
    open."""
    Procedure.objects.filter(pk=procedure.pk).update(has_fee=True, online_service=OnlineService.FULL)
    # Its flags' history as the catalogue's services keep it, since 2020.
    procedure_flags_record(procedures=Procedure.objects.filter(pk=procedure.pk), on=D(2020, 1, 1))
    ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a), effective_from=D(2020, 1, 1))  # in force, offline
    Dossier.objects.filter(pk__in=[dossier.pk for dossier in worked_example["early"][:2]]).update(fee_paid_online=True)
    with time_machine.travel(local(2026, 3, 9, 9), tick=False) as clock:
        about = feedback_services.feedback_submit_public(
            dossier=worked_example["early"][1], topic=Topic.DOSSIER, title="Một", content="…"
        )
        other = feedback_services.feedback_receive(  # sent in January, answered late in March
            unit=unit_a,
            source=Source.DIRECT,
            classification=Classification.REGULATION,
            sender=feedback_services.Sender(name="Bình"),
            title="Hai",
            content="…",
            by=officer_a,
            received_at=local(2026, 1, 5, 9),
            dossier=worked_example["late"],
        )
        feedback_services.feedback_receive(  # about no dossier, still open
            unit=unit_a,
            source=Source.DIRECT,
            classification=Classification.REGULATION,
            sender=feedback_services.Sender(name="Cường"),
            title="Ba",
            content="…",
            by=officer_a,
        )
        clock.move_to(local(2026, 3, 10, 9))
        feedback_services.feedback_answer(feedback=about, by=officer_a, answer="…")
        clock.move_to(local(2026, 3, 30, 9))
        feedback_services.feedback_answer(feedback=other, by=officer_a, answer="…")
        clock.move_to(local(2026, 4, 1, 2))
        rollups.stats_backfill(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    return worked_example


def listed(client, link) -> int:
    answer = client.get(link.params and f"/{LIST_URL_NAMES[link.target].split(':')[0]}/", link.params)
    assert answer.status_code == 200, link
    return answer.context["paginator"].count


def test_every_exact_link_lists_the_counted_set(client, office_staff, counted, unit_a):
    client.force_login(office_staff)
    index = index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=unit_a, today=TODAY)
    links = drilldowns(index)

    checked = set()
    for code, found in links.items():
        item = index.indicator(code)
        for link in found:
            if link.exact:
                expected = item.numerator if link.part == "numerator" else item.denominator
                assert listed(client, link) == expected, (code, link.label)
                checked.add((code, link.part, link.target))
    # (3.1's numerator and, with the catalogue's paper results, 3.3's are wider sets: not exact.)
    assert {
        ("3.1", "denominator", "procedures"),
        ("3.2", "denominator", "procedures"),
        ("3.5b", "denominator", "procedures"),
        ("3.6", "numerator", "dossiers"),
        ("3.6", "denominator", "dossiers"),
        ("4.1", "numerator", "dossiers"),
        ("4.2a", "numerator", "dossiers"),
        ("5.1", "numerator", "feedback"),
        ("5.2", "numerator", "feedback"),
        ("5.2", "denominator", "feedback"),
    } <= checked
    # The figures are not all zero: the lists were really filtered.
    assert (index.indicator("3.6").numerator, index.indicator("3.6").denominator) == (2, 10)
    assert (index.indicator("5.2").numerator, index.indicator("5.2").denominator) == (1, 2)
    assert (index.indicator("3.1").numerator, index.indicator("3.1").denominator) == (1, 2)


def test_the_parts_of_5_4_add_up_to_what_it_subtracts(client, office_staff, counted, unit_a):
    client.force_login(office_staff)
    index = index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=unit_a, today=TODAY)
    parts = [link for link in drilldowns(index)["5.4"] if link.part == "numerator"]
    subtracted = sum(listed(client, link) for link in parts)
    item = index.indicator("5.4")

    # 1 ended late, 1 overdue at the end, 1 rated "not satisfied", 1 feedback item about a dossier
    # received in March (the one sent in January is not of the period).
    assert item.denominator - item.numerator == subtracted == 4


def test_the_catalogue_links_are_left_out_for_a_reader_of_some_units(counted):
    index = index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), today=TODAY)
    assert "3.1" not in drilldowns(index, every_unit=False)
    assert "3.1" in drilldowns(index, every_unit=True)


def test_the_index_page_links_to_the_lists_behind_the_figures(client, office_staff, counted):
    client.force_login(office_staff)
    page = client.get(INDEX_PAGE, {**MARCH, "unit": "QLD"}).content.decode()

    assert (
        "/procedures/?subtree=QLD&amp;in_force_on=2026-03-31&amp;online_service=partial&amp;online_service=full" in page
    )
    assert "/feedback/?subtree=QLD&amp;handled_from=2026-03-01&amp;handled_to=2026-03-31&amp;handling=on_time" in page
    assert 'id="export-xlsx"' in page and 'id="units-link"' in page


def test_a_total_of_the_whole_scope_equals_the_index_without_a_unit(scores, ministry):
    units = list(type(ministry).objects.order_by("path"))
    table = ranking(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), units=units, today=TODAY)
    assert (
        table.whole.total == index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=ministry, today=TODAY).total
    )
    assert isinstance(table.whole.total, Decimal)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/feedback/?about_dossier=maybe",
        "/api/v1/feedback/?handling=soon",
        "/api/v1/feedback/?subtree=NOPE",
        "/api/v1/dossiers/?fee_paid_online=maybe",
        "/api/v1/procedures/?subtree=NOPE",
    ],
)
def test_the_new_filters_refuse_bad_values_with_a_400(client_for, office_staff, url):
    answer = client_for(office_staff).get(url)
    assert answer.status_code == 400
    assert url.split("?")[1].split("=")[0] in answer.json()["errors"]


def test_the_workbook_is_vietnamese_whatever_the_pages_language(client, office_staff, worked_example):
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    answer = client.get(INDEX_PAGE, {**MARCH, "unit": "QLD", "export": "xlsx"})

    rows = {
        row[0]: row for row in load_workbook(io.BytesIO(answer.content)).active.iter_rows(min_row=7, values_only=True)
    }
    assert rows["2"][1] != "Progress of resolution"  # the group, translated
    assert rows["2.1"][1] == "Hồ sơ giải quyết trước hạn, đúng hạn hoặc đang giải quyết trong hạn"
