"""Tenures over the API: who headed which unit when, and the one-head-at-a-time rule."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PersonFactory, TenureFactory, UserFactory, make_token
from units.models import Tenure

pytestmark = pytest.mark.django_db

URL = "/api/v1/tenures/"
D = datetime.date


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def as_token(api_client):
    def authenticate(**scope):
        _token, key = make_token(user=UserFactory(username="integration"), **scope)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client

    return authenticate


@pytest.fixture
def minh(db):
    return PersonFactory(full_name="Vũ Tuấn Minh")


@pytest.fixture
def previous_head_of_a(unit_a):
    """Unit A's head from 2024 to the end of June 2025."""
    return TenureFactory(
        unit=unit_a, person=PersonFactory(full_name="Lê Thị Hoa"), start_date=D(2024, 1, 1), end_date=D(2025, 6, 30)
    )


def head_of(unit_code, person, start, end=None):
    return {"unit": unit_code, "person": person.pk, "role": "head", "start_date": start, "end_date": end}


class TestRead:
    def test_list_shows_person_name_unit_code_role_and_dates(self, client_for, officer_b, previous_head_of_a):
        response = client_for(officer_b).get(URL)

        assert response.status_code == 200
        assert response.json()["results"] == [
            {
                "id": previous_head_of_a.pk,
                "person": previous_head_of_a.person_id,
                "person_name": "Lê Thị Hoa",
                "unit": "QLD",
                "role": "head",
                "start_date": "2024-01-01",
                "end_date": "2025-06-30",
                "note": "",
            }
        ]

    def test_filter_active_on_a_date(self, client_for, auditor, previous_head_of_a, minh, unit_a):
        TenureFactory(unit=unit_a, person=minh, start_date=D(2025, 7, 1))

        response = client_for(auditor).get(URL, {"active_on": "2025-08-01"})

        assert [tenure["person_name"] for tenure in response.json()["results"]] == ["Vũ Tuấn Minh"]

    def test_list_query_count_does_not_grow_with_page_size(self, client_for, office_staff, unit_a, unit_b):
        for year in range(2000, 2012):
            TenureFactory(unit=unit_a if year % 2 else unit_b, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(URL, {"page_size": page_size})
            assert len(response.json()["results"]) == min(page_size, 12)
            return len(captured)

        assert queries(5) == queries(50)

    def test_list_query_count_is_bounded(self, client_for, office_staff, unit_a, django_assert_max_num_queries):
        for year in range(2000, 2012):
            TenureFactory(unit=unit_a, start_date=D(year, 1, 1), end_date=D(year, 12, 31))
        client = client_for(office_staff)

        with django_assert_max_num_queries(5):
            assert client.get(URL, {"page_size": 50}).status_code == 200


class TestWrite:
    def test_office_records_the_next_head(self, client_for, office_staff, previous_head_of_a, minh):
        response = client_for(office_staff).post(URL, head_of("QLD", minh, "2025-07-01"))

        assert response.status_code == 201
        assert response.json()["person_name"] == "Vũ Tuấn Minh"
        assert response.json()["unit"] == "QLD"
        created = Tenure.objects.get(pk=response.json()["id"])
        assert (created.person, created.start_date, created.end_date) == (minh, D(2025, 7, 1), None)

    def test_office_closes_a_tenure(self, client_for, office_staff, minh, unit_a):
        tenure = TenureFactory(unit=unit_a, person=minh, start_date=D(2025, 7, 1))

        response = client_for(office_staff).patch(f"{URL}{tenure.pk}/", {"end_date": "2025-12-31"})

        assert response.status_code == 200
        tenure.refresh_from_db()
        assert tenure.end_date == D(2025, 12, 31)

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_record_tenures(self, request, client_for, minh, who):
        client = client_for(request.getfixturevalue(who))

        response = client.post(URL, head_of("QLD", minh, "2025-07-01"))

        assert response.status_code == 403
        assert Tenure.objects.count() == 0

    def test_a_unit_scoped_write_token_records_its_own_units_tenures(self, as_token, unit_a, minh):
        response = as_token(units=[unit_a], scopes=["catalogue:write"]).post(URL, head_of("QLD", minh, "2025-07-01"))

        assert response.status_code == 201
        assert Tenure.objects.get().unit == unit_a

    def test_a_unit_scoped_write_token_covers_its_sub_units(self, as_token, unit_a, unit_a1, minh):
        response = as_token(units=[unit_a], scopes=["catalogue:write"]).post(URL, head_of("QLD_KD", minh, "2025-07-01"))

        assert response.status_code == 201

    def test_a_unit_scoped_write_token_cannot_record_another_units_tenures(self, as_token, unit_a, unit_b, minh):
        response = as_token(units=[unit_a], scopes=["catalogue:write"]).post(URL, head_of("ATTP", minh, "2025-07-01"))

        assert response.status_code == 403
        assert response.json()["detail"] == "You may not change the catalogue of unit ATTP."
        assert Tenure.objects.count() == 0

    def test_a_unit_scoped_write_token_cannot_move_its_tenure_to_another_unit(self, as_token, unit_a, unit_b, minh):
        tenure = TenureFactory(unit=unit_a, person=minh)

        response = as_token(units=[unit_a], scopes=["catalogue:write"]).patch(f"{URL}{tenure.pk}/", {"unit": "ATTP"})

        assert response.status_code == 403
        tenure.refresh_from_db()
        assert tenure.unit == unit_a

    def test_a_unit_scoped_write_token_cannot_change_another_units_tenure(self, as_token, unit_a, unit_b, minh):
        tenure = TenureFactory(unit=unit_b, person=minh)

        client = as_token(units=[unit_a], scopes=["catalogue:write"])

        assert client.patch(f"{URL}{tenure.pk}/", {"note": "changed"}).status_code == 403
        assert client.delete(f"{URL}{tenure.pk}/").status_code == 403
        tenure.refresh_from_db()
        assert tenure.note == ""

    def test_a_read_only_token_cannot_record_tenures(self, as_token, unit_a, minh):
        response = as_token(units=[unit_a]).post(URL, head_of("QLD", minh, "2025-07-01"))

        assert response.status_code == 403
        assert Tenure.objects.count() == 0

    def test_a_token_with_its_users_rights_is_no_more_than_the_user(self, api_client, officer_a, minh):
        _token, key = make_token(user=officer_a, inherit_user_scope=True)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

        response = api_client.post(URL, head_of("QLD", minh, "2025-07-01"))

        assert response.status_code == 403


class TestBadInput:
    def test_overlapping_heads_are_refused_with_the_admins_message(
        self, client_for, office_staff, previous_head_of_a, minh
    ):
        response = client_for(office_staff).post(URL, head_of("QLD", minh, "2025-06-01"))

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "start_date": [
                "This unit already has a head for part of these dates: Lê Thị Hoa from 01/01/2024 to 30/06/2025."
            ]
        }
        assert Tenure.objects.count() == 1

    def test_a_deputy_may_overlap_the_head(self, client_for, office_staff, previous_head_of_a, minh):
        response = client_for(office_staff).post(URL, {**head_of("QLD", minh, "2025-06-01"), "role": "deputy"})

        assert response.status_code == 201

    def test_end_before_start(self, client_for, office_staff, unit_a, minh):
        response = client_for(office_staff).post(URL, head_of("QLD", minh, "2025-07-01", "2025-06-30"))

        assert response.status_code == 400
        assert response.json()["errors"] == {"end_date": ["The end date cannot be before the start date."]}
        assert Tenure.objects.count() == 0

    def test_unknown_unit_code(self, client_for, office_staff, minh):
        response = client_for(office_staff).post(URL, head_of("NOPE", minh, "2025-07-01"))

        assert response.status_code == 400
        assert response.json()["errors"] == {"unit": ["No unit has the code NOPE."]}
        assert Tenure.objects.count() == 0

    def test_closing_a_tenure_so_that_it_overlaps_the_next_is_refused(self, client_for, office_staff, unit_a, minh):
        first = TenureFactory(unit=unit_a, person=minh, start_date=D(2024, 1, 1), end_date=D(2024, 12, 31))
        TenureFactory(unit=unit_a, start_date=D(2025, 1, 1))

        response = client_for(office_staff).patch(f"{URL}{first.pk}/", {"end_date": "2025-03-31"})

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["start_date"]
        first.refresh_from_db()
        assert first.end_date == D(2024, 12, 31)
