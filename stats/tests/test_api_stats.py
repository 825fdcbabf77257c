"""The statistics API on the history of ``test_reports`` (November 2025 = 15/10/2025–14/11/2025)."""

import datetime

import pytest
import time_machine

from stats.selectors import form06
from stats.tests.test_reports import EXPECTED, EXPECTED_BY_FIELD, EXPECTED_TOTALS, NOW, build_known_dossiers
from tests.factories import UserFactory, make_token

D = datetime.date
FORM06 = "/api/v1/stats/form06/"
RATES = "/api/v1/stats/rates/"
NOVEMBER = {"date_from": "2025-10-15", "date_to": "2025-11-14"}
COUNTS = (
    "received_total",
    "received_online",
    "received_offline",
    "carried_over",
    "resolved_total",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "open_total",
    "open_within_deadline",
    "open_overdue",
)
RATE_NAMES = ("on_time_rate", "progress_rate", "online_rate")
pytestmark = pytest.mark.django_db


@pytest.fixture
def known(unit_a, unit_a1, unit_b, officer_a):
    return build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def as_expected(figures: dict) -> tuple:
    """An answer's figures in the order of ``test_reports.EXPECTED``."""
    return (*(figures[name] for name in COUNTS), *(f"{figures[name]:.2f}" for name in RATE_NAMES))


def get(client, url, **query):
    return client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")


class TestForm06:
    def test_ministry_office_gets_every_unit_and_the_totals(self, client_for, known, office_staff):
        response = get(client_for(office_staff), FORM06, **NOVEMBER)
        assert response.status_code == 200
        body = response.json()
        assert (body["date_from"], body["date_to"], body["group_by"], body["unit"]) == (
            "2025-10-15",
            "2025-11-14",
            "unit",
            None,
        )
        assert {row["code"]: as_expected(row) for row in body["rows"]} == EXPECTED
        assert [row["name"] for row in body["rows"]] == [
            "Vietnam Food Administration",
            "Drug Administration",
            "Drug Trade Division",
        ]
        assert as_expected(body["totals"]) == EXPECTED_TOTALS
        assert body["totals"]["supplement_requests"] == 1
        assert body["totals"]["received_in_person"] + body["totals"]["received_postal"] == 3

    def test_every_number_equals_the_selector(self, client_for, known, office_staff):
        body = get(client_for(office_staff), FORM06, **NOVEMBER, group_by="procedure").json()
        rows, totals = form06(date_from=D(2025, 10, 15), date_to=D(2025, 11, 14), group_by="procedure")
        assert [row["code"] for row in body["rows"]] == [row.code for row in rows]
        for answer, row in zip([*body["rows"], body["totals"]], [*rows, totals], strict=True):
            for name, value in answer.items():
                if name not in ("code", "name"):
                    expected = getattr(row, name)
                    assert value == (float(expected) if expected is not None and "rate" in name else expected), name

    def test_grouped_by_field(self, client_for, known, office_staff):
        body = get(client_for(office_staff), FORM06, **NOVEMBER, group_by="field").json()
        assert {row["code"]: as_expected(row) for row in body["rows"]} == EXPECTED_BY_FIELD

    def test_a_unit_and_its_sub_units(self, client_for, known, office_staff):
        body = get(client_for(office_staff), FORM06, **NOVEMBER, unit="QLD").json()
        assert body["unit"] == "QLD"
        assert [row["code"] for row in body["rows"]] == ["QLD", "QLD_KD"]
        assert body["totals"]["received_total"] == 8

    def test_rates_with_nothing_to_divide_are_null(self, client_for, known, office_staff):
        body = get(client_for(office_staff), FORM06, date_from="2025-01-01", date_to="2025-01-31").json()
        assert body["rows"] == []
        assert (body["totals"]["received_total"], body["totals"]["on_time_rate"]) == (0, None)


class TestAccess:
    def test_the_head_of_a_gets_a_and_its_sub_unit_without_asking(self, client_for, known, head_a):
        body = get(client_for(head_a), FORM06, **NOVEMBER).json()
        assert {row["code"]: as_expected(row) for row in body["rows"]} == {
            "QLD": EXPECTED["QLD"],
            "QLD_KD": EXPECTED["QLD_KD"],
        }

    def test_the_head_of_a_asking_for_unit_b_is_refused(self, client_for, known, head_a):
        client = client_for(head_a)
        for url in (FORM06, RATES):
            response = get(client, url, **NOVEMBER, unit="ATTP")
            assert response.status_code == 403
            assert response.json()["detail"] == "You may not read the statistics of unit ATTP."

    def test_an_officer_of_a_asking_for_its_subtree_gets_its_own_unit(self, client_for, known, officer_a):
        body = get(client_for(officer_a), FORM06, **NOVEMBER, unit="QLD").json()
        assert [row["code"] for row in body["rows"]] == ["QLD"]

    def test_a_token_scoped_to_unit_b(self, api_client, known, unit_b):
        _token, key = make_token(user=UserFactory(username="portal"), units=[unit_b], scopes=["stats:read"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        body = api_client.get(FORM06, NOVEMBER).json()
        assert {row["code"]: as_expected(row) for row in body["rows"]} == {"ATTP": EXPECTED["ATTP"]}

    def test_no_role_and_no_login_are_refused(self, client_for, api_client, known):
        assert get(client_for(UserFactory(username="nobody")), FORM06, **NOVEMBER).status_code == 403
        api_client.logout()
        assert api_client.get(FORM06, NOVEMBER).status_code in (401, 403)
        assert api_client.get(RATES, NOVEMBER).status_code in (401, 403)


class TestRates:
    def test_a_unit_s_rates_and_its_month_by_month_trend(self, client_for, known, office_staff):
        body = get(client_for(office_staff), RATES, **NOVEMBER, unit="QLD").json()
        assert (body["unit"], body["interval"], body["date_from"], body["date_to"]) == (
            "QLD",
            "month",
            "2025-10-15",
            "2025-11-14",
        )
        totals = body["totals"]
        assert (totals["received_total"], totals["resolved_total"], totals["open_total"]) == (8, 5, 3)
        assert (totals["on_time_rate"], totals["progress_rate"], totals["online_rate"]) == (60.0, 50.0, 50.0)
        assert totals["satisfaction_rate"] is None
        # 15–31 October: four received (two online), four resolved of which one late (06/10's);
        # 1–14 November: two received (one online), one resolved, late.
        assert [
            (point["month"], point["received"], point["resolved"], point["on_time_rate"], point["online_rate"])
            for point in body["trend"]
        ] == [("2025-10", 4, 4, 75.0, 50.0), ("2025-11", 2, 1, 0.0, 50.0)]
        october, november = body["trend"]
        assert (october["carried_over"], october["open_total"], november["carried_over"]) == (2, 2, 2)
        assert (november["open_within_deadline"], november["open_overdue"], november["progress_rate"]) == (
            1,
            2,
            25.0,
        )

    def test_without_a_unit_every_readable_unit_counts(self, client_for, known, officer_b):
        body = get(client_for(officer_b), RATES, **NOVEMBER).json()
        assert body["unit"] is None
        assert as_expected(body["totals"]) == EXPECTED["ATTP"]
        assert [point["received"] for point in body["trend"]] == [0, 2]
        assert body["trend"][1]["supplement_requests"] == 1


class TestBadInput:
    @pytest.mark.parametrize("url", [FORM06, RATES])
    @pytest.mark.parametrize(
        ("query", "field", "message"),
        [
            ({"date_from": "2025-11-14", "date_to": "2025-10-15"}, "date_to", "The end date is before the start date."),
            (
                {"date_from": "2025-11-01", "date_to": "2025-11-26"},
                "date_to",
                "26/11/2025 lies in the future: a report can end today (25/11/2025) at the latest.",
            ),
            (
                {"date_from": "2020-10-15", "date_to": "2025-10-15"},
                "date_to",
                "A report covers less than 5 years; shorten the range.",
            ),
            (
                {"date_from": "1999-01-01", "date_to": "2000-01-15"},
                "date_from",
                "Reports start on 01/01/2000 at the earliest.",
            ),
            ({**NOVEMBER, "unit": "XYZ"}, "unit", "No unit has the code XYZ."),
            ({"date_from": "2025-02-30", "date_to": "2025-11-14"}, "date_from", None),
            ({"date_from": "15/10/2025", "date_to": "2025-11-14"}, "date_from", None),
            ({"date_to": "2025-11-14"}, "date_from", "This field is required."),
            ({"date_from": "2025-11-14"}, "date_to", "This field is required."),
        ],
    )
    def test_is_a_400_naming_the_parameter(self, client_for, known, office_staff, url, query, field, message):
        response = get(client_for(office_staff), url, **query)
        assert response.status_code == 400
        body = response.json()["errors"]
        assert list(body) == [field]
        if message:
            assert body[field] == [message]
        else:
            assert body[field][0].startswith("Date has wrong format.")

    def test_unknown_grouping_and_interval(self, client_for, known, office_staff):
        client = client_for(office_staff)
        response = get(client, FORM06, **NOVEMBER, group_by="province")
        assert (response.status_code, response.json()["errors"]) == (
            400,
            {"group_by": ['"province" is not a valid choice.']},
        )
        response = get(client, RATES, **NOVEMBER, interval="week")
        assert (response.status_code, response.json()["errors"]) == (
            400,
            {"interval": ['"week" is not a valid choice.']},
        )


def test_the_schema_documents_both_endpoints_and_their_parameters(client_for, office_staff):
    schema = client_for(office_staff).get("/api/schema/", {"format": "json"}).json()
    form06_parameters = {item["name"] for item in schema["paths"][FORM06]["get"]["parameters"]}
    assert {"date_from", "date_to", "group_by", "unit"} <= form06_parameters
    rates_parameters = {item["name"] for item in schema["paths"][RATES]["get"]["parameters"]}
    assert {"date_from", "date_to", "interval", "unit"} <= rates_parameters
    assert "trend" in schema["components"]["schemas"]["Rates"]["properties"]
