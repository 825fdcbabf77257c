"""The unit tree over the API: read by staff, written by the ministry office, looked up by code."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProcedureFactory, TenureFactory, UnitFactory, UserFactory, make_token
from units.models import Unit

pytestmark = pytest.mark.django_db

URL = "/api/v1/units/"


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def as_token(api_client):
    """An API client authenticated by a new token of an integration account with ``scope``."""

    def authenticate(**scope):
        _token, key = make_token(user=UserFactory(username="integration"), **scope)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client

    return authenticate


class TestRead:
    def test_list_shows_every_unit_with_parent_code_and_depth(self, client_for, officer_b, unit_a1, office_unit):
        response = client_for(officer_b).get(URL)

        assert response.status_code == 200
        assert response.json()["count"] == 5
        by_code = {unit["code"]: unit for unit in response.json()["results"]}
        # An officer of unit B sees unit A too: the catalogue is public to staff.
        assert by_code["QLD_KD"] == {
            "code": "QLD_KD",
            "name_vi": "Phòng Quản lý kinh doanh dược",
            "name_en": "Drug Trade Division",
            "kind": "department",
            "parent": "QLD",
            "depth": 2,
            "is_active": True,
        }
        assert by_code["BYT"]["parent"] is None
        assert by_code["BYT"]["depth"] == 0
        assert by_code["QLD"]["depth"] == 1

    def test_lookup_by_code(self, client_for, auditor, unit_a):
        response = client_for(auditor).get(f"{URL}QLD/")

        assert response.status_code == 200
        assert response.json()["name_en"] == "Drug Administration"

    def test_unknown_code_is_404(self, client_for, auditor):
        assert client_for(auditor).get(f"{URL}NOPE/").status_code == 404

    def test_filter_by_subtree(self, client_for, auditor, unit_a1, unit_b):
        response = client_for(auditor).get(URL, {"subtree_of": "QLD"})

        assert [unit["code"] for unit in response.json()["results"]] == ["QLD", "QLD_KD"]

    def test_unknown_filter_code_is_a_400_naming_the_filter(self, client_for, auditor):
        response = client_for(auditor).get(URL, {"subtree_of": "NOPE"})

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["subtree_of"]

    def test_list_query_count_does_not_grow_with_page_size(self, client_for, office_staff, ministry):
        for number in range(12):
            UnitFactory(code=f"V{number:02d}", parent=ministry)
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(URL, {"page_size": page_size})
            assert response.status_code == 200
            assert len(response.json()["results"]) == min(page_size, 14)
            return len(captured)

        assert queries(5) == queries(50)

    def test_list_query_count_is_bounded(self, client_for, office_staff, ministry, django_assert_max_num_queries):
        for number in range(12):
            UnitFactory(code=f"V{number:02d}", parent=ministry)
        client = client_for(office_staff)

        # session, user, memberships, count, page
        with django_assert_max_num_queries(5):
            assert client.get(URL, {"page_size": 50}).status_code == 200


class TestWritePermissions:
    NEW_UNIT = {"code": "KCB", "name_vi": "Cục Quản lý Khám, chữa bệnh", "kind": "administration", "parent": "BYT"}

    def test_ministry_office_creates_a_unit_under_a_parent_given_by_code(self, client_for, office_staff, ministry):
        response = client_for(office_staff).post(URL, self.NEW_UNIT)

        assert response.status_code == 201
        assert response.json() == {
            "code": "KCB",
            "name_vi": "Cục Quản lý Khám, chữa bệnh",
            "name_en": "",
            "kind": "administration",
            "parent": "BYT",
            "depth": 1,
            "is_active": True,
        }
        created = Unit.objects.get(code="KCB")
        assert created.parent == ministry
        assert created.path == f"{ministry.path}{created.pk}/"

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_create_units(self, request, client_for, ministry, who):
        client = client_for(request.getfixturevalue(who))

        response = client.post(URL, self.NEW_UNIT)

        assert response.status_code == 403
        assert not Unit.objects.filter(code="KCB").exists()

    def test_a_unit_scoped_write_token_cannot_create_units(self, as_token, unit_a):
        response = as_token(units=[unit_a], scopes=["catalogue:write"]).post(URL, self.NEW_UNIT)

        assert response.status_code == 403
        assert not Unit.objects.filter(code="KCB").exists()

    def test_a_read_only_token_cannot_create_units(self, as_token, unit_a):
        response = as_token(units=[unit_a]).post(URL, self.NEW_UNIT)

        assert response.status_code == 403

    def test_head_cannot_rename_own_unit(self, client_for, head_a):
        response = client_for(head_a).patch(f"{URL}QLD/", {"name_en": "Renamed"})

        assert response.status_code == 403
        assert Unit.objects.get(code="QLD").name_en == "Drug Administration"

    def test_office_moves_a_unit_with_its_subtree(self, client_for, office_staff, unit_a1, unit_b):
        response = client_for(office_staff).patch(f"{URL}QLD/", {"parent": "ATTP"})

        assert response.status_code == 200
        assert response.json()["depth"] == 2
        unit_a1.refresh_from_db()
        assert unit_a1.depth == 3
        assert unit_a1.path.startswith(Unit.objects.get(code="ATTP").path)


class TestBadInput:
    def test_unknown_parent_code(self, client_for, office_staff):
        response = client_for(office_staff).post(URL, {"code": "KCB", "name_vi": "Cục KCB", "parent": "NOPE"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"parent": ["No unit has the code NOPE."]}
        assert not Unit.objects.filter(code="KCB").exists()

    def test_malformed_code(self, client_for, office_staff):
        before = Unit.objects.count()

        response = client_for(office_staff).post(URL, {"code": "kcb 1", "name_vi": "Cục KCB"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"code": ["Use 1 to 20 capital letters, digits or underscores, e.g. QLD."]}
        assert Unit.objects.count() == before

    def test_duplicate_code_has_the_admins_message(self, client_for, office_staff, unit_a):
        before = Unit.objects.count()

        response = client_for(office_staff).post(URL, {"code": "QLD", "name_vi": "Trùng"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"code": ["Unit with this Code already exists."]}
        assert Unit.objects.count() == before

    def test_a_unit_cannot_move_under_its_own_sub_unit(self, client_for, office_staff, unit_a1):
        response = client_for(office_staff).patch(f"{URL}QLD/", {"parent": "QLD_KD"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"parent": ["A unit cannot be placed under one of its own sub-units."]}
        assert Unit.objects.get(code="QLD").parent.code == "BYT"


class TestDelete:
    def test_office_deletes_an_unused_unit(self, client_for, office_staff, unit_b):
        response = client_for(office_staff).delete(f"{URL}ATTP/")

        assert response.status_code == 204
        assert not Unit.objects.filter(code="ATTP").exists()

    def test_a_unit_with_sub_units_is_a_conflict(self, client_for, office_staff, unit_a1):
        response = client_for(office_staff).delete(f"{URL}QLD/")

        assert response.status_code == 409
        assert response.json() == {
            "detail": "QLD – Drug Administration cannot be deleted: units still refer to it.",
            "code": "protected",
            "errors": {},
        }
        assert Unit.objects.filter(code="QLD").exists()

    def test_a_unit_with_tenures_and_procedures_is_a_conflict(self, client_for, office_staff, unit_b):
        TenureFactory(unit=unit_b)
        ProcedureFactory(unit=unit_b)

        response = client_for(office_staff).delete(f"{URL}ATTP/")

        assert response.status_code == 409
        assert response.json()["detail"] == (
            "ATTP – Vietnam Food Administration cannot be deleted: procedures, tenures still refer to it."
        )
        assert Unit.objects.filter(code="ATTP").exists()
