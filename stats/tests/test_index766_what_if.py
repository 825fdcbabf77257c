"""What it takes to reach full points on 2.1 and 3.3 this period (issue 12, item 5)."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from stats.index766 import (
    ALREADY_FULL,
    ANNOUNCEMENT_KEYS,
    CATALOGUE_KEYS,
    DOSSIER_FLOWS,
    DOSSIER_STOCKS,
    IMPOSSIBLE,
    INDICATORS,
    NEEDED,
    NOTHING_YET,
    PROCEDURE_FLOW_KEYS,
    Configuration,
    index766,
    score,
    what_if,
)
from stats.models import FeedbackDailyStat
from tests.helpers import local

D = datetime.date
ZERO = dict.fromkeys(
    [
        *DOSSIER_FLOWS,
        *DOSSIER_STOCKS,
        *PROCEDURE_FLOW_KEYS,
        *CATALOGUE_KEYS,
        *ANNOUNCEMENT_KEYS,
        *(f"feedback_{name}" for name in FeedbackDailyStat.COUNT_FIELDS),
    ],
    0,
)


def answer(targets=None, paper=True, **counts):
    config = Configuration(
        year=2026,
        points={item.code: item.points for item in INDICATORS},
        targets={item.code: item.target for item in INDICATORS} | (targets or {}),
        paper_result_assumed=paper,
    )
    index = score(ZERO | counts, config, date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    return what_if(index)


def test_2_1_the_open_dossiers_that_must_end_on_time_to_reach_a_target():
    # 6 ended early or on time, 1 late, 2 open within deadline, 1 overdue (the worked example), 80% bar:
    # 8 of 10 needed, 6 are in, so 2 of the 2 open within deadline must end on time.
    found = answer({"2.1": Decimal(80)}, ended_on_time=6, ended_late=1, open_within_deadline=2, open_overdue=1)["2.1"]
    assert (found.status, found.needed, found.available, found.bar) == (NEEDED, 2, 2, Decimal(80))


def test_2_1_full_points_without_a_target_are_out_of_reach_once_a_dossier_is_late():
    found = answer(ended_on_time=6, ended_late=1, open_within_deadline=2, open_overdue=1)["2.1"]
    assert (found.status, found.needed, found.available) == (IMPOSSIBLE, 4, 2)
    # 1 ended late and 1 overdue are lost; 6 + 2 of 10 at best.
    assert (found.late, found.best) == (2, Decimal("80.00"))


def test_2_1_the_best_rate_left_is_rounded_down():
    # 2 of 3 at best is 66.666…%: said as 66.66%, never as a rate the unit cannot reach.
    found = answer(ended_on_time=1, ended_late=1, open_within_deadline=1)["2.1"]
    assert (found.status, found.late, found.best) == (IMPOSSIBLE, 1, Decimal("66.66"))


def test_2_1_already_full_whatever_the_open_dossiers_do():
    found = answer({"2.1": Decimal(70)}, ended_on_time=8, ended_late=1, open_within_deadline=1)["2.1"]
    assert (found.status, found.needed) == (ALREADY_FULL, 0)


def test_2_1_with_nothing_to_count():
    assert answer()["2.1"].status == NOTHING_YET


def test_3_3_the_online_receipts_still_needed():
    # 3 of 10 counted, 50% bar: (3 + 4) / (10 + 4) = 50%.
    found = answer(received_online=4, received_online_e_result=3, received_in_person=6)["3.3"]
    assert (found.status, found.needed) == (NEEDED, 4)
    # Three would not do: 6 / 13 < 50%.
    assert Decimal(6) / 13 < Decimal("0.5") <= Decimal(7) / 14


def test_3_3_counts_the_catalogues_online_receipts_when_results_are_not_assumed_on_paper():
    # Here every procedure is without a paper result: its 4 online receipts count (online_counted).
    found = answer(paper=False, received_online=4, online_counted=4, received_online_e_result=3, received_in_person=6)[
        "3.3"
    ]
    assert (found.status, found.needed) == (NEEDED, 2)  # (4 + 2) / (10 + 2) = 50%


def test_3_3_already_full_and_impossible_at_100():
    assert answer(received_online=5, received_online_e_result=5, received_in_person=5)["3.3"].status == ALREADY_FULL
    at_100 = answer({"3.3": None}, received_online=5, received_online_e_result=5, received_in_person=1)["3.3"]
    assert at_100.status == IMPOSSIBLE
    assert answer()["3.3"].status == NOTHING_YET


@pytest.mark.django_db
def test_the_worked_example(worked_example, unit_a):
    index = index766(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31), unit=unit_a, today=D(2026, 4, 1))
    found = what_if(index)
    assert (found["2.1"].status, found["2.1"].needed, found["2.1"].available) == (IMPOSSIBLE, 4, 2)
    assert (found["3.3"].status, found["3.3"].needed) == (NEEDED, 4)


@pytest.mark.django_db
def test_the_index_page_says_what_it_takes(client, office_staff, worked_example):
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    # The year under way, cut at 31/03: the worked example's dossiers all lie in March.
    with time_machine.travel(local(2026, 4, 1, 9), tick=False):
        page = client.get("/reports/index766/", {"period": "year", "year": 2026, "unit": "QLD"}).content.decode()

    assert 'id="what-if-2.1" data-status="impossible"' in page
    assert (
        "100% cannot be reached: 2 dossiers are already late (ended late or open overdue), so even if the 2 open "
        "within their deadline all end on time the rate reaches at most 80.00%." in page
    )
    assert 'id="what-if-3.3" data-status="needed"' in page and "4 more online receipts" in page


@pytest.mark.django_db
def test_the_what_if_is_in_vietnamese_first(client, office_staff, worked_example):
    client.force_login(office_staff)
    with time_machine.travel(local(2026, 4, 1, 9), tick=False):
        page = client.get("/reports/index766/", {"period": "year", "year": 2026, "unit": "QLD"}).content.decode()

    assert "Không thể đạt 100%: đã có 2 hồ sơ trễ hạn" in page and "tỷ lệ cũng chỉ đạt tối đa 80,00%." in page
    assert "Cần thêm 4 hồ sơ tiếp nhận trực tuyến" in page


@pytest.mark.django_db
def test_an_ended_period_says_so_and_the_period_under_way_can_be_chosen(client, office_staff, worked_example):
    # Found by a new user: the what-if spoke of a period long ended, and choosing the current
    # month (or year) answered 400 "in the future". It is now cut at yesterday.
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    with time_machine.travel(local(2026, 4, 20, 9), tick=False):
        ended = client.get(
            "/reports/index766/",
            {"period": "custom", "date_from": "2026-03-01", "date_to": "2026-03-31", "unit": "QLD"},
        ).content.decode()
        running = client.get("/reports/index766/", {"period": "month", "year": 2026, "number": 5, "unit": "QLD"})
        year = client.get("/reports/index766/", {"period": "year", "year": 2026, "unit": "QLD"})
    assert 'id="what-if-ended"' in ended and 'id="what-if"' not in ended
    assert running.status_code == 200 and year.status_code == 200
    # Month 5 of 2026 runs from 15/04 to 14/05: cut at 19/04, the last day the statistics hold.
    assert (running.context["index"].date_from, running.context["index"].date_to) == (D(2026, 4, 15), D(2026, 4, 19))
    assert 'id="what-if"' in running.content.decode()


@pytest.mark.django_db
def test_a_period_that_ended_yesterday_gets_no_what_if(client, office_staff, worked_example):
    # Its range ends on yesterday, the last day the statistics hold, like the cut period under
    # way's; it was taken for running and offered a what-if for a period already over.
    client.force_login(office_staff)
    with time_machine.travel(local(2026, 4, 15, 9), tick=False):
        ended = client.get("/reports/index766/", {"period": "month", "year": 2026, "number": 4, "unit": "QLD"})
        running = client.get("/reports/index766/", {"period": "month", "year": 2026, "number": 5, "unit": "QLD"})
    # Month 4 of 2026 runs from 15/03 to 14/04; month 5 starts today and holds no day yet.
    assert ended.context["index"].date_to == D(2026, 4, 14)
    assert 'id="what-if-ended"' in ended.content.decode() and 'id="what-if"' not in ended.content.decode()
    assert running.status_code == 400
