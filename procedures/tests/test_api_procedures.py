"""The procedure catalogue over the API: by national code, written with codes, never a 500."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import Field, Procedure
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory, UserFactory, make_token

pytestmark = pytest.mark.django_db

URL = "/api/v1/procedures/"
FIELDS_URL = "/api/v1/fields/"
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
def pharmacy(db):
    return FieldFactory(code="pharmacy", name_vi="Dược", name_en="Pharmacy")


@pytest.fixture
def licence(pharmacy, unit_a):
    """A drug-trade licence of unit A: 20 working days until 2025, 15 since."""
    procedure = ProcedureFactory(
        code="1.004567",
        name_vi="Cấp giấy chứng nhận đủ điều kiện kinh doanh dược",
        name_en="Certificate of eligibility for pharmaceutical business",
        field=pharmacy,
        unit=unit_a,
        business_related=True,
        online_service="full",
        has_fee=True,
    )
    ProcedureVersionFactory(
        procedure=procedure, effective_from=D(2020, 1, 1), effective_to=D(2024, 12, 31), processing_days=20
    )
    ProcedureVersionFactory(
        procedure=procedure, decision_date=D(2024, 12, 1), effective_from=D(2025, 1, 1), processing_days=15
    )
    return procedure


def new_procedure(**overrides):
    return {"code": "1.000123", "name_vi": "Cấp phép nhập khẩu thuốc", "field": "pharmacy", "unit": "QLD", **overrides}


class TestRead:
    @time_machine.travel(datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC), tick=False)
    def test_detail_by_national_code_with_codes_and_the_processing_time_in_force_today(
        self, client_for, officer_b, licence
    ):
        response = client_for(officer_b).get(f"{URL}1.004567/")

        assert response.status_code == 200
        assert response.json() == {
            "code": "1.004567",
            "name_vi": "Cấp giấy chứng nhận đủ điều kiện kinh doanh dược",
            "name_en": "Certificate of eligibility for pharmaceutical business",
            "field": "pharmacy",
            "unit": "QLD",
            "level": "central",
            "online_service": "full",
            "business_related": True,
            "has_fee": True,
            "internal_procedure_issued": False,
            "portal_integrated": False,
            "paper_result": True,
            "for_citizens": False,
            "full_online_eligible": False,
            "payable_on_portal": False,
            "uses_population_data": False,
            "processing_days": 15,
        }

    @time_machine.travel(datetime.datetime(2024, 6, 3, 3, 0, tzinfo=datetime.UTC), tick=False)
    def test_processing_time_is_the_version_in_force_on_the_day(self, client_for, auditor, licence):
        response = client_for(auditor).get(f"{URL}1.004567/")

        assert response.json()["processing_days"] == 20

    def test_procedure_with_no_version_in_force_has_no_processing_time(self, client_for, auditor, pharmacy, unit_a):
        ProcedureFactory(code="1.000001", field=pharmacy, unit=unit_a)

        response = client_for(auditor).get(f"{URL}1.000001/")

        assert response.json()["processing_days"] is None

    def test_filter_in_force_on(self, client_for, auditor, licence, pharmacy, unit_a):
        ProcedureVersionFactory(
            procedure=ProcedureFactory(code="1.000002", field=pharmacy, unit=unit_a), effective_from=D(2026, 1, 1)
        )

        response = client_for(auditor).get(URL, {"in_force_on": "2025-06-01"})

        assert [procedure["code"] for procedure in response.json()["results"]] == ["1.004567"]

    def test_anonymous_cannot_read_the_catalogue(self, api_client, licence):
        assert api_client.get(URL).status_code == 401

    def test_list_query_count_does_not_grow_with_page_size(self, client_for, office_staff, unit_a, unit_b):
        for number in range(12):
            procedure = ProcedureFactory(unit=unit_a if number % 2 else unit_b)
            ProcedureVersionFactory(procedure=procedure)
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(URL, {"page_size": page_size})
            assert len(response.json()["results"]) == min(page_size, 12)
            assert {procedure["processing_days"] for procedure in response.json()["results"]} == {5}
            return len(captured)

        assert queries(5) == queries(50)

    def test_list_query_count_is_bounded(self, client_for, office_staff, unit_a, django_assert_max_num_queries):
        for _ in range(12):
            ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a))
        client = client_for(office_staff)

        with django_assert_max_num_queries(5):
            assert client.get(URL, {"page_size": 50}).status_code == 200


class TestWritePermissions:
    def test_office_creates_a_procedure_with_field_and_unit_codes(self, client_for, office_staff, pharmacy, unit_a):
        response = client_for(office_staff).post(URL, new_procedure(online_service="partial"))

        assert response.status_code == 201
        assert response.json()["code"] == "1.000123"
        assert response.json()["processing_days"] is None
        created = Procedure.objects.get(code="1.000123")
        assert (created.field, created.unit, created.online_service) == (pharmacy, unit_a, "partial")

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_create_procedures(self, request, client_for, pharmacy, who):
        client = client_for(request.getfixturevalue(who))

        response = client.post(URL, new_procedure())

        assert response.status_code == 403
        assert Procedure.objects.count() == 0

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_change_procedures(self, request, client_for, licence, who):
        client = client_for(request.getfixturevalue(who))

        assert client.patch(f"{URL}1.004567/", {"has_fee": False}).status_code == 403
        assert client.delete(f"{URL}1.004567/").status_code == 403
        assert Procedure.objects.get(code="1.004567").has_fee is True

    def test_a_unit_scoped_write_token_keeps_its_units_catalogue(self, as_token, pharmacy, licence):
        client = as_token(units=[licence.unit], scopes=["catalogue:write"])

        assert client.post(URL, new_procedure()).status_code == 201
        assert client.patch(f"{URL}1.004567/", {"portal_integrated": True}).status_code == 200
        assert Procedure.objects.get(code="1.004567").portal_integrated is True

    def test_a_unit_scoped_write_token_cannot_touch_another_units_procedures(self, as_token, pharmacy, licence, unit_b):
        client = as_token(units=[unit_b], scopes=["catalogue:write"])

        assert client.post(URL, new_procedure()).status_code == 403
        assert client.patch(f"{URL}1.004567/", {"portal_integrated": True}).status_code == 403
        assert client.delete(f"{URL}1.004567/").status_code == 403
        assert Procedure.objects.get(code="1.004567").portal_integrated is False
        assert Procedure.objects.count() == 1

    def test_a_unit_scoped_write_token_cannot_hand_its_procedure_to_another_unit(self, as_token, licence, unit_b):
        client = as_token(units=[licence.unit], scopes=["catalogue:write"])

        response = client.patch(f"{URL}1.004567/", {"unit": "ATTP"})

        assert response.status_code == 403
        assert Procedure.objects.get(code="1.004567").unit.code == "QLD"

    def test_a_read_only_token_cannot_write(self, as_token, pharmacy, unit_a):
        response = as_token(all_units=True).post(URL, new_procedure())

        assert response.status_code == 403
        assert Procedure.objects.count() == 0

    def test_a_unit_scoped_write_token_cannot_create_fields(self, as_token, unit_a):
        response = as_token(units=[unit_a], scopes=["catalogue:write"]).post(
            FIELDS_URL, {"code": "cosmetics", "name_vi": "Mỹ phẩm"}
        )

        assert response.status_code == 403
        assert Field.objects.count() == 0


class TestBadInput:
    @pytest.mark.parametrize(
        ("overrides", "errors"),
        [
            ({"unit": "NOPE"}, {"unit": ["No unit has the code NOPE."]}),
            ({"field": "nope"}, {"field": ["No field has the code nope."]}),
            (
                {"code": "1004567"},
                {"code": ["A national procedure code has the form 1.004567 (a digit, a dot, six digits)."]},
            ),
            ({"code": "1.004567"}, {"code": ["Procedure with this National code already exists."]}),
            ({"level": "galactic"}, {"level": ['"galactic" is not a valid choice.']}),
        ],
        ids=["unknown-unit", "unknown-field", "malformed-code", "duplicate-code", "unknown-level"],
    )
    def test_refused_with_a_message_per_field_and_nothing_written(
        self, client_for, office_staff, licence, overrides, errors
    ):
        response = client_for(office_staff).post(URL, new_procedure(**overrides))

        assert response.status_code == 400
        assert response.json()["errors"] == errors
        assert list(Procedure.objects.values_list("code", flat=True)) == ["1.004567"]

    def test_renaming_to_a_taken_code_is_refused(self, client_for, office_staff, licence, pharmacy, unit_a):
        ProcedureFactory(code="1.000001", field=pharmacy, unit=unit_a)

        response = client_for(office_staff).patch(f"{URL}1.000001/", {"code": "1.004567"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"code": ["Procedure with this National code already exists."]}
        assert Procedure.objects.filter(code="1.000001").exists()


class TestFields:
    def test_fields_are_looked_up_by_code(self, client_for, officer_a, pharmacy):
        response = client_for(officer_a).get(f"{FIELDS_URL}pharmacy/")

        assert response.status_code == 200
        assert response.json() == {"code": "pharmacy", "name_vi": "Dược", "name_en": "Pharmacy"}

    def test_office_creates_a_field(self, client_for, office_staff):
        response = client_for(office_staff).post(FIELDS_URL, {"code": "cosmetics", "name_vi": "Mỹ phẩm"})

        assert response.status_code == 201
        assert Field.objects.get().code == "cosmetics"

    def test_a_malformed_field_code_is_refused(self, client_for, office_staff):
        response = client_for(office_staff).post(FIELDS_URL, {"code": "Mỹ phẩm", "name_vi": "Mỹ phẩm"})

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "code": ["Use lower-case letters, digits, hyphens or underscores, e.g. food-safety."]
        }
        assert Field.objects.count() == 0

    def test_deleting_a_field_procedures_belong_to_is_a_conflict(self, client_for, office_staff, licence):
        response = client_for(office_staff).delete(f"{FIELDS_URL}pharmacy/")

        assert response.status_code == 409
        assert response.json() == {
            "detail": "Pharmacy cannot be deleted: procedures still refer to it.",
            "code": "protected",
            "errors": {},
        }
        assert Field.objects.filter(code="pharmacy").exists()

    def test_fields_list_query_count_does_not_grow_with_page_size(
        self, client_for, office_staff, django_assert_max_num_queries
    ):
        for _ in range(12):
            FieldFactory()
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                assert len(client.get(FIELDS_URL, {"page_size": page_size}).json()["results"]) == min(page_size, 12)
            return len(captured)

        assert queries(5) == queries(50)
        with django_assert_max_num_queries(5):
            client.get(FIELDS_URL, {"page_size": 50})
