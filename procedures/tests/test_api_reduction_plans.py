"""Reduction plans over the API and the year's summary the ministry reports."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import ReductionPlan
from tests.factories import ProcedureFactory, UserFactory, make_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/reduction-plans/"
SUMMARY_URL = "/api/v1/reduction-plans/summary/"


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def plan(procedure, year=2025, days=(20, 15), cost=(0, 0), conditions=(0, 0)):
    return ReductionPlan.objects.create(
        procedure=procedure,
        year=year,
        baseline_days=days[0],
        target_days=days[1],
        baseline_cost=cost[0],
        target_cost=cost[1],
        baseline_conditions=conditions[0],
        target_conditions=conditions[1],
    )


@pytest.fixture
def plans_2025(unit_a, unit_b):
    """Two plans of 2025 (one per unit) and one of 2024."""
    drug = ProcedureFactory(code="1.004567", unit=unit_a)
    food = ProcedureFactory(code="1.000200", unit=unit_b)
    return [
        plan(drug, days=(20, 15), cost=(Decimal(1_000_000), Decimal(800_000)), conditions=(6, 4)),
        plan(food, days=(30, 24), conditions=(4, 3)),
        plan(drug, year=2024, days=(25, 20)),
    ]


class TestList:
    def test_plan_shows_procedure_and_unit_codes(self, client_for, officer_b, plans_2025):
        response = client_for(officer_b).get(URL, {"year": 2025, "procedure": "1.004567"})

        assert response.status_code == 200
        assert response.json()["results"] == [
            {
                "id": plans_2025[0].pk,
                "procedure": "1.004567",
                "unit": "QLD",
                "year": 2025,
                "baseline_days": 20,
                "target_days": 15,
                "baseline_cost": "1000000",
                "target_cost": "800000",
                "baseline_conditions": 6,
                "target_conditions": 4,
                "note": "",
            }
        ]

    def test_filter_by_unit(self, client_for, auditor, plans_2025):
        response = client_for(auditor).get(URL, {"unit": "ATTP"})

        assert [row["procedure"] for row in response.json()["results"]] == ["1.000200"]

    def test_list_query_count_does_not_grow_with_page_size(
        self, client_for, office_staff, unit_a, django_assert_max_num_queries
    ):
        for year in range(2000, 2012):
            plan(ProcedureFactory(unit=unit_a), year=year)
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                assert len(client.get(URL, {"page_size": page_size}).json()["results"]) == min(page_size, 12)
            return len(captured)

        assert queries(5) == queries(50)
        with django_assert_max_num_queries(5):
            client.get(URL, {"page_size": 50})


class TestSummary:
    def test_the_years_cut_over_all_plans(self, client_for, auditor, plans_2025):
        response = client_for(auditor).get(SUMMARY_URL, {"year": 2025})

        assert response.status_code == 200
        assert response.json() == {
            "procedures": 2,
            "baseline_days": 50,
            "target_days": 39,
            "days_cut_percent": 22.0,
            "baseline_cost": "1000000",
            "target_cost": "800000",
            "cost_cut_percent": 20.0,
            "baseline_conditions": 10,
            "target_conditions": 7,
            "conditions_cut_percent": 30.0,
        }

    def test_the_cut_of_one_unit(self, client_for, auditor, plans_2025):
        response = client_for(auditor).get(SUMMARY_URL, {"year": 2025, "unit": "QLD"})

        assert response.json()["procedures"] == 1
        assert response.json()["days_cut_percent"] == 25.0

    def test_a_year_without_plans_has_no_percentages(self, client_for, auditor, plans_2025):
        response = client_for(auditor).get(SUMMARY_URL, {"year": 2030})

        assert response.json()["procedures"] == 0
        assert response.json()["days_cut_percent"] is None

    def test_the_year_is_required(self, client_for, auditor, plans_2025):
        response = client_for(auditor).get(SUMMARY_URL)

        assert response.status_code == 400
        assert response.json()["errors"] == {"year": ["This field is required."]}


class TestWrite:
    def test_office_records_a_plan_by_procedure_code(self, client_for, office_staff, unit_a):
        procedure = ProcedureFactory(code="1.004567", unit=unit_a)

        response = client_for(office_staff).post(
            URL, {"procedure": "1.004567", "year": 2026, "baseline_days": 15, "target_days": 10}
        )

        assert response.status_code == 201
        assert ReductionPlan.objects.get().procedure == procedure

    def test_a_second_plan_for_the_same_year_is_refused(self, client_for, office_staff, plans_2025):
        response = client_for(office_staff).post(
            URL, {"procedure": "1.004567", "year": 2025, "baseline_days": 15, "target_days": 10}
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "non_field_errors": ["Reduction plan with this Procedure and Year already exists."]
        }
        assert ReductionPlan.objects.count() == 3

    def test_a_target_above_its_baseline_is_refused(self, client_for, office_staff, unit_a):
        ProcedureFactory(code="1.004567", unit=unit_a)

        response = client_for(office_staff).post(
            URL, {"procedure": "1.004567", "year": 2026, "baseline_days": 10, "target_days": 12}
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {"non_field_errors": ["A target cannot be above its baseline."]}
        assert ReductionPlan.objects.count() == 0

    def test_unknown_procedure_code(self, client_for, office_staff, db):
        response = client_for(office_staff).post(
            URL, {"procedure": "9.999999", "year": 2026, "baseline_days": 10, "target_days": 8}
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {"procedure": ["No procedure has the national code 9.999999."]}

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_record_plans(self, request, client_for, unit_a, who):
        ProcedureFactory(code="1.004567", unit=unit_a)

        response = client_for(request.getfixturevalue(who)).post(
            URL, {"procedure": "1.004567", "year": 2026, "baseline_days": 15, "target_days": 10}
        )

        assert response.status_code == 403
        assert ReductionPlan.objects.count() == 0

    def test_a_unit_scoped_write_token_cannot_record_plans(self, api_client, unit_a):
        ProcedureFactory(code="1.004567", unit=unit_a)
        _token, key = make_token(user=UserFactory(username="integration"), units=[unit_a], scopes=["catalogue:write"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        response = api_client.post(URL, {"procedure": "1.004567", "year": 2026, "baseline_days": 15, "target_days": 10})

        assert response.status_code == 403
        assert ReductionPlan.objects.count() == 0
