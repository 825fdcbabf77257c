"""The read-only API: rankings for everyone who reads some unit, breakdowns only of one's own units."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from emulation import services
from emulation.choices import YearStatus
from emulation.models import EmulationYear
from tests.factories import PersonFactory, TenureFactory, UnitFactory, UserFactory, make_token

from .conftest import TODAY, YEAR, late, on_time, procedure_of, roll_up, some_statistics

D = datetime.date
pytestmark = pytest.mark.django_db
BASE = f"/api/v1/emulation/{YEAR}"


@pytest.fixture
def ranked(scheme, unit_a, unit_a1, unit_b, officer_a, officer_b, office_staff, after_the_year):
    """A: one on time, one late; A1: nothing of its own; B: one on time. Heads of A and of B."""
    procedure_a = procedure_of(unit_a)
    procedure_of(unit_a1)
    on_time(procedure_a, officer_a, D(2026, 3, 2))
    late(procedure_a, officer_a, D(2026, 3, 9))
    on_time(procedure_of(unit_b), officer_b, D(2026, 3, 2))
    roll_up()
    services.manual_score_set(
        year=YEAR,
        unit=unit_b,
        criterion=scheme.criteria.get(code="reform"),
        points=Decimal("35.5"),
        evidence="Cổng một cửa điện tử",
        by=office_staff,
    )
    head_of_a = TenureFactory(person=PersonFactory(full_name="Vũ Tuấn Cường"), unit=unit_a, start_date=D(2024, 1, 1))
    head_of_b = TenureFactory(
        person=PersonFactory(full_name="Nguyễn Thanh Phong"), unit=unit_b, start_date=D(2023, 5, 1)
    )
    services.emulation_compute(year=YEAR, today=TODAY)
    return {"head_of_a": head_of_a, "head_of_b": head_of_b}


def codes(response):
    return [row["unit"] for row in response.json()["results"]]


class TestUnitRanking:
    def test_the_ministry_office_lists_every_unit_best_first(self, ranked, client_for, office_staff):
        response = client_for(office_staff).get(f"{BASE}/units/", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        rows = response.json()["results"]
        # B: 60 + 35.5 = 95.5; A and A1 (A's subtree): 50% on time → 33.33; A1 has no dossier → scaled 0 of 40
        assert [(row["unit"], row["total"], row["band"], row["rank"]) for row in rows] == [
            ("ATTP", 95.5, "outstanding", 1),
            ("QLD", 33.33, "not_completed", 2),
            ("QLD_KD", 0.0, "not_completed", 3),
        ]
        assert rows[0]["band_label"] == "Tasks completed outstandingly"
        assert rows[0]["url"] == f"http://testserver{BASE}/units/ATTP/"
        assert (rows[0]["window_start"], rows[0]["window_end"]) == ("2025-12-15", "2026-12-14")

    def test_a_unit_head_sees_the_whole_ranking(self, ranked, client_for, head_a):
        assert codes(client_for(head_a).get(f"{BASE}/units/")) == ["ATTP", "QLD", "QLD_KD"]

    def test_an_officer_sees_their_own_units_score_only(self, ranked, client_for, officer_a):
        assert codes(client_for(officer_a).get(f"{BASE}/units/")) == ["QLD"]

    def test_a_token_sees_its_scope(self, ranked, api_client, office_staff, unit_b):
        _token, key = make_token(user=office_staff, units=[unit_b], scopes=["emulation:read"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert codes(api_client.get(f"{BASE}/units/")) == ["ATTP"]
        assert api_client.get(f"{BASE}/units/QLD/").status_code == 403

    def test_anonymous_and_roleless_users_are_refused(self, ranked, api_client, client_for):
        assert api_client.get(f"{BASE}/units/").status_code in (401, 403)
        assert client_for(UserFactory(username="nobody")).get(f"{BASE}/units/").status_code == 403

    def test_an_unknown_year_is_a_404(self, ranked, client_for, office_staff):
        assert client_for(office_staff).get("/api/v1/emulation/2031/units/").status_code == 404

    def test_the_api_is_read_only(self, ranked, client_for, office_staff):
        client = client_for(office_staff)
        assert client.post(f"{BASE}/units/", {}).status_code == 405
        assert client.delete(f"{BASE}/units/QLD/").status_code == 405


class TestUnitBreakdown:
    def test_the_detail_explains_every_criterion_down_to_the_dossiers(self, ranked, client_for, office_staff):
        body = client_for(office_staff).get(f"{BASE}/units/QLD/").json()
        assert (body["unit"], body["total"], body["points"], body["applicable_max"]) == ("QLD", 33.33, 33.33, 100.0)
        assert (body["band_by_points"], body["behind_share"], body["band_reason"]) == ("not_completed", 50.0, "")
        months = [item for item in body["periods"] if item["kind"] == "month"]
        assert [item["number"] for item in months] == list(range(1, 13))
        assert [item["number"] for item in body["periods"] if item["kind"] == "quarter"] == [1, 2, 3, 4]
        on_time_line, reform = body["criteria"]
        assert {key: on_time_line[key] for key in ("code", "status", "value", "target", "points", "max_points")} == {
            "code": "on-time",
            "status": "computed",
            "value": 50.0,
            "target": 90.0,
            "points": 33.33,
            "max_points": 60.0,
        }
        assert (on_time_line["numerator"], on_time_line["denominator"]) == (1, 2)
        assert [link["url"] for link in on_time_line["links"]] == [
            "http://testserver/dossiers/?subtree=QLD&ended_from=2025-12-15&ended_to=2026-12-14",
            "http://testserver/dossiers/?subtree=QLD&ended_from=2025-12-15&ended_to=2026-12-14&timeliness=late",
        ]
        assert (reform["status"], reform["points"], reform["value"]) == ("manual_missing", 0.0, None)

    def test_a_unit_head_reads_the_breakdown_of_their_subtree_only(self, ranked, client_for, head_a):
        client = client_for(head_a)
        assert client.get(f"{BASE}/units/QLD/").status_code == 200
        assert client.get(f"{BASE}/units/QLD_KD/").status_code == 200
        refused = client.get(f"{BASE}/units/ATTP/")
        assert refused.status_code == 403
        assert "ATTP" in refused.json()["detail"]

    def test_an_officer_reads_their_own_units_breakdown_only(self, ranked, client_for, officer_b):
        client = client_for(officer_b)
        assert client.get(f"{BASE}/units/ATTP/").json()["criteria"][1]["evidence"] == "Cổng một cửa điện tử"
        assert client.get(f"{BASE}/units/QLD/").status_code == 403

    def test_auditors_read_every_breakdown(self, ranked, client_for, auditor):
        assert client_for(auditor).get(f"{BASE}/units/QLD/").status_code == 200
        assert client_for(auditor).get(f"{BASE}/units/ATTP/").status_code == 200

    def test_a_unit_without_a_score_is_a_404(self, ranked, client_for, office_staff):
        assert client_for(office_staff).get(f"{BASE}/units/VPB/").status_code == 404


class TestLeaders:
    def test_leaders_are_listed_with_their_windows(self, ranked, client_for, head_a):
        rows = client_for(head_a).get(f"{BASE}/leaders/").json()["results"]
        assert [
            (row["person"], row["unit"], row["total"], row["rank"], row["classified"], row["days"]) for row in rows
        ] == [
            ("Nguyễn Thanh Phong", "ATTP", 95.5, 1, True, 365),
            ("Vũ Tuấn Cường", "QLD", 33.33, 2, True, 365),
        ]

    def test_a_leaders_breakdown_follows_their_units_access(self, ranked, client_for, head_a):
        client = client_for(head_a)
        mine = client.get(f"{BASE}/leaders/{ranked['head_of_a'].pk}/")
        assert mine.status_code == 200
        assert mine.json()["criteria"][0]["links"][0]["url"].endswith(
            "/dossiers/?subtree=QLD&ended_from=2025-12-15&ended_to=2026-12-14"
        )
        assert client.get(f"{BASE}/leaders/{ranked['head_of_b'].pk}/").status_code == 403
        assert client.get(f"{BASE}/leaders/999999/").status_code == 404


def test_the_years_list_shows_status_and_period(ranked, client_for, officer_a):
    rows = client_for(officer_a).get("/api/v1/emulation/").json()["results"]
    assert rows == [
        {
            "year": 2026,
            "status": "draft",
            "date_from": "2025-12-15",
            "date_to": "2026-12-14",
            "scored_to": "2026-12-14",
            "computed_at": rows[0]["computed_at"],
            "finalised_at": None,
            "reopened_at": None,
            "reopen_reason": None,
        }
    ]


def test_a_reopened_year_says_when_and_why(ranked, client_for, office_staff, officer_a):
    """Issue 13: after reopening, "draft" with a finalised_at alone was a puzzle."""
    # Finalised as the office would (its council decision is another test's business).
    EmulationYear.objects.filter(year=YEAR).update(status=YearStatus.FINALISED, finalised_at=timezone.now())
    services.emulation_reopen(year=YEAR, by=office_staff, reason="Sửa điểm sáng kiến của ATTP")
    row = client_for(officer_a).get(f"/api/v1/emulation/{YEAR}/").json()
    assert row["status"] == "draft"
    assert row["finalised_at"] is not None
    assert row["reopened_at"] is not None and row["reopened_at"] >= row["finalised_at"]
    assert row["reopen_reason"] == "Sửa điểm sáng kiến của ATTP"


@pytest.mark.parametrize("path", ["units", "leaders"])
def test_list_queries_do_not_grow_with_the_number_of_units(ranked, client_for, head_a, ministry, path):
    client = client_for(head_a)
    client.get(f"{BASE}/{path}/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{BASE}/{path}/").status_code == 200
    for index in range(6):
        unit = UnitFactory(code=f"EXTRA{index}", parent=ministry)
        some_statistics(unit, procedure_of(unit))
        TenureFactory(unit=unit, start_date=D(2025, 1, 1))
    services.emulation_compute(year=YEAR, today=TODAY)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{BASE}/{path}/")
    assert response.json()["count"] == (9 if path == "units" else 8)
    assert len(many) == len(few)
