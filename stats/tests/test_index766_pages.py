"""The national index served: the API (figures, scope, bad input, tokens) and the index page
(groups, points lost, links to the dossiers behind the counts)."""

import datetime

import pytest
import time_machine

from tests.factories import UserFactory, make_token
from tests.helpers import local

pytestmark = pytest.mark.django_db

API = "/api/v1/stats/index766/"
PAGE = "/reports/index766/"
MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(local(2026, 4, 1, 9), tick=False):
        yield


def indicator(body, code):
    return next(item for group in body["groups"] for item in group["indicators"] if item["code"] == code)


def test_the_api_serves_the_worked_example(client_for, office_staff, worked_example):
    answer = client_for(office_staff).get(API, {**MARCH, "unit": "QLD"})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["unit"], body["year"], body["not_applicable_rule"]) == ("QLD", 2026, "exclude")
    assert [group["code"] for group in body["groups"]] == ["1", "2", "3", "3P", "4", "5"]
    progress = indicator(body, "2.1")
    assert (progress["numerator"], progress["denominator"], progress["rate"], progress["points"]) == (8, 10, 80.0, 16.0)
    assert (progress["maximum"], progress["lost"], progress["status"]) == (20.0, 4.0, "computed")
    assert indicator(body, "5.4")["points"] == 4.67
    # Received at the desk: none synchronised from a source system.
    synced = indicator(body, "1.4")
    assert (synced["numerator"], synced["denominator"], synced["status"], synced["points"]) == (0, 10, "computed", 0.0)
    copies = indicator(body, "4.2b")
    assert (copies["status"], copies["points"], copies["counted"]) == ("not_available", None, False)
    assert copies["reason"]
    assert body["counted_maximum"] < 100 and body["total"] is not None


def test_the_api_limits_the_index_to_readable_units(client_for, api_client, officer_b, unit_b, worked_example):
    assert client_for(officer_b).get(API, {**MARCH, "unit": "QLD"}).status_code == 403
    mine = client_for(officer_b).get(API, MARCH).json()
    assert indicator(mine, "2.1")["denominator"] == 0

    _token, key = make_token(user=UserFactory(username="portal"), units=[unit_b], scopes=["dossiers:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(API, MARCH).status_code == 403  # a token needs the statistics scope


def test_bad_input_is_a_400_naming_the_parameter(client_for, office_staff):
    answer = client_for(office_staff).get(API, {"date_from": "2026-03-31", "date_to": "2026-03-01"})
    assert answer.status_code == 400
    assert "date_to" in answer.json()["errors"]
    assert "unit" in client_for(office_staff).get(API, {**MARCH, "unit": "NOPE"}).json()["errors"]


def test_the_page_shows_the_groups_the_points_lost_and_the_dossiers_behind(client, office_staff, worked_example):
    client.force_login(office_staff)
    client.cookies["django_language"] = "en"
    answer = client.get(PAGE, {"period": "custom", **MARCH, "unit": "QLD"})

    assert answer.status_code == 200
    page = answer.content.decode()
    for group in ("Publicity and transparency", "Progress of resolution", "Online payment", "Satisfaction"):
        assert group in page
    row = page[page.index('id="indicator-2.1"') : page.index('id="indicator-2.2"')]
    assert ">16.00<" in row and ">4.00<" in row  # points and points lost
    # the dossiers ended early or on time in March, of QLD and its sub-units
    assert "/dossiers/?subtree=QLD&amp;ended_from=2026-03-01&amp;ended_to=2026-03-31&amp;timeliness=early" in page
    listed = client.get(
        "/dossiers/?subtree=QLD&ended_from=2026-03-01&ended_to=2026-03-31&timeliness=early&timeliness=on_time"
    )
    assert listed.status_code == 200


def test_the_page_refuses_another_unit_and_bad_dates(client, officer_b, unit_a):
    client.force_login(officer_b)
    assert client.get(PAGE, {"period": "custom", **MARCH, "unit": "QLD"}).status_code == 403
    assert client.get(PAGE, {"period": "custom", "date_from": "2026-03-31", "date_to": "2026-03-01"}).status_code == 400
    assert client.get(PAGE).status_code == 200  # the latest ended month by default


def test_the_page_costs_a_fixed_number_of_queries(client, office_staff, worked_example, django_assert_max_num_queries):
    client.force_login(office_staff)
    with django_assert_max_num_queries(20):
        assert client.get(PAGE, {"period": "custom", **MARCH}).status_code == 200


@pytest.mark.parametrize("page", [PAGE, "/reports/index766/units/", "/reports/form06/"])
def test_a_link_naming_only_a_unit_opens_its_latest_ended_month(client, office_staff, worked_example, page):
    # "?unit=QLD" (or "?group_by=procedure" on Form 06) answered 400 "Choose a period": parameters
    # that name no period read the default one.
    with time_machine.travel(local(2026, 4, 20, 9), tick=False):
        client.force_login(office_staff)
        answer = client.get(page, {"unit": "QLD"})
    assert answer.status_code == 200
    query = answer.context["form"].cleaned_data
    # Month 4 of 2026 (15/03 to 14/04), the latest ended on 20/04, for QLD.
    assert (query["date_from"], query["date_to"], query["unit"].code) == (
        datetime.date(2026, 3, 15),
        datetime.date(2026, 4, 14),
        "QLD",
    )
