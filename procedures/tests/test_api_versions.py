"""A procedure's versions over the API: listed newest first, added by announcing decision."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.models import ProcedureVersion
from tests.factories import ProcedureFactory, ProcedureVersionFactory, UnitFactory, UserFactory, make_token

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/api/v1/procedures/1.004567/versions/"


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
def licence(unit_a):
    return ProcedureFactory(code="1.004567", unit=unit_a)


@pytest.fixture
def first_version(licence):
    """In force from 2020 until the end of 2024, 20 working days."""
    return ProcedureVersionFactory(
        procedure=licence,
        decision_number="100/QĐ-BYT",
        decision_date=D(2019, 12, 1),
        effective_from=D(2020, 1, 1),
        effective_to=D(2024, 12, 31),
        processing_days=20,
    )


def cut_to(days, **overrides):
    return {
        "decision_number": "1234/QĐ-BYT",
        "decision_date": "2024-12-15",
        "change_kind": "amended",
        "effective_from": "2025-01-01",
        "processing_days": days,
        **overrides,
    }


class TestRead:
    def test_lists_the_procedures_versions_newest_first(self, client_for, officer_b, first_version):
        newer = ProcedureVersionFactory(
            procedure=first_version.procedure, decision_date=D(2024, 12, 1), effective_from=D(2025, 1, 1)
        )
        ProcedureVersionFactory()  # another procedure's version

        response = client_for(officer_b).get(URL)

        assert response.status_code == 200
        assert [version["id"] for version in response.json()["results"]] == [newer.pk, first_version.pk]
        assert response.json()["results"][1] == {
            "id": first_version.pk,
            "procedure": "1.004567",
            "decision_number": "100/QĐ-BYT",
            "decision_date": "2019-12-01",
            "change_kind": "new",
            "effective_from": "2020-01-01",
            "effective_to": "2024-12-31",
            "processing_days": 20,
            "note": "",
            "legal_basis_effective_on": None,
            "published_on": None,
            "components_complete": False,
        }

    def test_unknown_procedure_is_404(self, client_for, auditor):
        assert client_for(auditor).get("/api/v1/procedures/9.999999/versions/").status_code == 404

    def test_list_query_count_does_not_grow_with_page_size(
        self, client_for, office_staff, licence, django_assert_max_num_queries
    ):
        for year in range(2000, 2012):
            ProcedureVersionFactory(
                procedure=licence,
                decision_date=D(year, 1, 1),
                effective_from=D(year, 1, 1),
                effective_to=D(year, 12, 31),
            )
        client = client_for(office_staff)

        def queries(page_size):
            with CaptureQueriesContext(connection) as captured:
                assert len(client.get(URL, {"page_size": page_size}).json()["results"]) == min(page_size, 12)
            return len(captured)

        assert queries(5) == queries(50)
        # session, user, memberships, procedure, count, page
        with django_assert_max_num_queries(6):
            client.get(URL, {"page_size": 50})


class TestCreate:
    def test_office_closes_the_old_version_and_adds_the_cut(self, client_for, office_staff, licence):
        old = ProcedureVersionFactory(procedure=licence, effective_from=D(2020, 1, 1), processing_days=20)
        client = client_for(office_staff)
        # The old version is open-ended: it has to be closed before the new one can start.
        assert client.post(URL, cut_to(15)).status_code == 400
        old.effective_to = D(2024, 12, 31)
        old.save()
        response = client.post(URL, cut_to(15))

        assert response.status_code == 201
        assert response.json()["procedure"] == "1.004567"
        assert response.json()["processing_days"] == 15
        assert licence.versions.in_force_on(D(2025, 1, 2)).get().processing_days == 15

    @pytest.mark.parametrize("who", ["head_a", "officer_a", "auditor"])
    def test_staff_other_than_the_office_cannot_add_versions(self, request, client_for, licence, who):
        response = client_for(request.getfixturevalue(who)).post(URL, cut_to(15))

        assert response.status_code == 403
        assert ProcedureVersion.objects.count() == 0

    def test_a_unit_scoped_write_token_adds_versions_to_its_units_procedures(self, as_token, licence):
        response = as_token(units=[licence.unit], scopes=["catalogue:write"]).post(URL, cut_to(15))

        assert response.status_code == 201
        assert ProcedureVersion.objects.get().processing_days == 15

    def test_a_unit_scoped_write_token_cannot_version_another_units_procedure(self, as_token, licence):
        other = UnitFactory(code="KCB")

        response = as_token(units=[other], scopes=["catalogue:write"]).post(URL, cut_to(15))

        assert response.status_code == 403
        assert response.json()["detail"] == "You may not change the catalogue of unit QLD."
        assert ProcedureVersion.objects.count() == 0

    def test_a_read_only_token_cannot_add_versions(self, as_token, licence):
        response = as_token(units=[licence.unit]).post(URL, cut_to(15))

        assert response.status_code == 403
        assert ProcedureVersion.objects.count() == 0


class TestBadInput:
    @pytest.mark.parametrize(
        ("payload", "errors"),
        [
            (cut_to(0), {"processing_days": ["Ensure this value is greater than or equal to 1."]}),
            (cut_to(-3), {"processing_days": ["Ensure this value is greater than or equal to 1."]}),
            (cut_to(None), {"processing_days": ["The processing time must be at least one working day."]}),
            (
                cut_to(15, effective_to="2024-12-31"),
                {"effective_to": ["A version cannot end before it starts."]},
            ),
            (
                cut_to(15, decision_date="2025-02-01"),
                {"effective_from": ["A version cannot take effect before its announcing decision."]},
            ),
            (
                cut_to(15, decision_date="2024-06-01", effective_from="2024-07-01"),
                {
                    "effective_from": [
                        "These dates overlap version 100/QĐ-BYT, in force from 01/01/2020 to 31/12/2024. "
                        "Close that version first."
                    ]
                },
            ),
            (cut_to(15, effective_from="01/01/2025"), None),
        ],
        ids=["zero-days", "negative-days", "no-days", "ends-before-start", "before-decision", "overlap", "bad-date"],
    )
    def test_refused_with_a_message_per_field_and_nothing_written(
        self, client_for, office_staff, first_version, payload, errors
    ):
        response = client_for(office_staff).post(URL, payload)

        assert response.status_code == 400
        if errors is not None:
            assert response.json()["errors"] == errors
        else:
            assert list(response.json()["errors"]) == ["effective_from"]
        assert list(ProcedureVersion.objects.all()) == [first_version]

    def test_an_abolishing_version_needs_no_processing_time(self, client_for, office_staff, first_version):
        response = client_for(office_staff).post(URL, cut_to(None, change_kind="abolished"))

        assert response.status_code == 201
        assert response.json()["processing_days"] is None
