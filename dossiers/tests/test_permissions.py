"""Who may see and do what with dossiers over the API, as sentences about the cast.

The world: the ministry; unit A (the Drug Administration, QLD) with sub-unit A1 (QLD_KD); unit B
(the Food Administration, ATTP). Each unit has one procedure and one open dossier received on
Monday 10 November 2025, due Monday 17 November. "Now" is Wednesday 12 November 2025, 09:00.
"""

import pytest
import time_machine

from dossiers.choices import Channel, Status
from dossiers.models import Dossier
from dossiers.selectors import mask
from dossiers.services import Applicant, dossier_receive
from tests.factories import ProcedureFactory, ProcedureVersionFactory, UserFactory, make_token
from tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/api/v1/dossiers/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def procedure_of(unit, code):
    return ProcedureVersionFactory(procedure=ProcedureFactory(code=code, unit=unit), processing_days=5).procedure


@pytest.fixture
def world(unit_a, unit_a1, unit_b):
    """One dossier in each of A, A1 and B; the applicant's ID number and phone are the same in each."""
    applicant = Applicant(name="Nguyễn Văn An", id_number="001085012345", phone="0912345678")
    dossiers = {}
    for name, unit, code in (("a", unit_a, "1.000001"), ("a1", unit_a1, "1.000002"), ("b", unit_b, "1.000003")):
        dossiers[name] = dossier_receive(
            procedure=procedure_of(unit, code),
            channel=Channel.IN_PERSON,
            applicant=applicant,
            received_at=local(2025, 11, 10),
        )
    return dossiers


@pytest.fixture
def as_token(api_client):
    def authenticate(**scope):
        _token, key = make_token(user=UserFactory(username="integration"), **scope)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api_client

    return authenticate


def listed(api):
    response = api.get(URL)
    assert response.status_code == 200
    return sorted(row["code"] for row in response.json()["results"])


def codes(*dossiers):
    return sorted(dossier.code for dossier in dossiers)


def end(api, dossier):
    return api.post(f"{URL}{dossier.code}/end/", {"outcome": "resolved"})


def reappoint(api, dossier):
    return api.post(f"{URL}{dossier.code}/reappoint/", {"new_date": "2025-11-21", "reason": "Chờ thẩm định"})


def receive_for(api, procedure_code):
    return api.post(URL, {"procedure": procedure_code, "channel": "online", "applicant_name": "Trần Thị Bình"})


def event_count(dossier):
    return Dossier.objects.get(pk=dossier.pk).event_count


class TestOfficers:
    def test_an_officer_of_b_cannot_see_a_dossier_of_a(self, client_for, officer_b, world):
        api = client_for(officer_b)
        assert listed(api) == codes(world["b"])
        assert api.get(f"{URL}{world['a'].code}/").status_code == 404
        assert api.get(f"{URL}{world['a'].code}/events/").status_code == 404
        assert end(api, world["a"]).status_code == 404
        assert event_count(world["a"]) == 1

    def test_an_officer_of_a_processes_unit_a_only_not_its_sub_unit(self, client_for, officer_a, world):
        api = client_for(officer_a)
        assert listed(api) == codes(world["a"])
        assert end(api, world["a"]).status_code == 200
        assert end(api, world["a1"]).status_code == 404

    def test_an_officer_receives_for_their_own_unit_only(self, client_for, officer_a, world):
        api = client_for(officer_a)
        assert receive_for(api, "1.000001").status_code == 201
        refused = receive_for(api, "1.000003")
        assert (refused.status_code, refused.json()["detail"]) == (403, "You may not receive dossiers for unit ATTP.")
        assert Dossier.objects.filter(unit__code="ATTP").count() == 1


class TestHeads:
    def test_the_head_of_a_reads_a_and_its_sub_unit(self, client_for, head_a, world):
        assert listed(client_for(head_a)) == codes(world["a"], world["a1"])

    def test_the_head_of_a_reads_a_dossier_of_a1_but_cannot_end_it(self, client_for, head_a, world):
        api = client_for(head_a)
        assert api.get(f"{URL}{world['a1'].code}/").status_code == 200
        response = end(api, world["a1"])
        assert (response.status_code, response.json()) == (
            403,
            {
                "detail": f"You may read dossier {world['a1'].code} but not do this with it.",
                "code": "permission_denied",
                "errors": {},
            },
        )
        assert (event_count(world["a1"]), Dossier.objects.get(pk=world["a1"].pk).status) == (1, Status.PROCESSING)

    def test_the_head_of_a_can_reappoint_in_a1(self, client_for, head_a, world):
        response = reappoint(client_for(head_a), world["a1"])
        assert (response.status_code, response.json()["reappointed_date"]) == (200, "2025-11-21")
        assert world["a1"].events.get(sequence=2).by == head_a

    def test_the_head_is_offered_only_the_reappointment(self, client_for, head_a, world):
        body = client_for(head_a).get(f"{URL}{world['a1'].code}/").json()
        assert body["allowed_actions"] == ["reappoint"]

    def test_the_head_cannot_receive_dossiers(self, client_for, head_a, world):
        assert receive_for(client_for(head_a), "1.000001").status_code == 403

    def test_the_head_cannot_reappoint_outside_their_subtree(self, client_for, head_a, world):
        assert reappoint(client_for(head_a), world["b"]).status_code == 404
        assert event_count(world["b"]) == 1


class TestAuditorsAndOffice:
    def test_an_auditor_reads_everything_but_cannot_act(self, client_for, auditor, world):
        api = client_for(auditor)
        assert listed(api) == codes(*world.values())
        assert api.get(f"{URL}{world['b'].code}/").json()["allowed_actions"] == []
        assert end(api, world["a"]).status_code == 403
        assert reappoint(api, world["a"]).status_code == 403
        refused = receive_for(api, "1.000001")
        assert (refused.status_code, refused.json()["detail"]) == (403, "You may not receive dossiers.")
        assert (Dossier.objects.count(), event_count(world["a"])) == (3, 1)

    def test_the_ministry_office_can_do_everything(self, client_for, office_staff, world):
        api = client_for(office_staff)
        assert listed(api) == codes(*world.values())
        assert api.get(f"{URL}{world['a1'].code}/").json()["allowed_actions"] == [
            "end",
            "request_supplement",
            "reappoint",
        ]
        assert end(api, world["a1"]).status_code == 200
        assert reappoint(api, world["b"]).status_code == 200
        assert receive_for(api, "1.000003").status_code == 201

    def test_a_user_of_no_unit_sees_nothing(self, client_for, world):
        api = client_for(UserFactory(username="stranger"))
        response = api.get(URL)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "You have no access to the dossiers of any unit.", "code": "permission_denied", "errors": {}},
        )
        assert api.get(f"{URL}{world['a'].code}/").status_code == 403

    def test_without_credentials_nothing_is_shown(self, api_client, world):
        assert api_client.get(URL).status_code == 401
        assert end(api_client, world["a"]).status_code == 401


class TestTokens:
    def test_a_read_only_token_lists_its_units_only(self, as_token, unit_a, world):
        api = as_token(units=[unit_a], scopes=["dossiers:read"])
        assert listed(api) == codes(world["a"], world["a1"])
        assert api.get(f"{URL}{world['b'].code}/").status_code == 404
        assert end(api, world["a"]).status_code == 403
        assert event_count(world["a"]) == 1

    def test_a_write_token_of_b_cannot_receive_for_a_procedure_of_a(self, as_token, unit_b, world):
        api = as_token(units=[unit_b], scopes=["dossiers:read", "dossiers:write"])
        response = receive_for(api, "1.000001")
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "You may not receive dossiers for unit QLD.", "code": "permission_denied", "errors": {}},
        )
        assert Dossier.objects.count() == 3

    def test_a_write_token_of_b_processes_b(self, as_token, unit_b, world):
        api = as_token(units=[unit_b], scopes=["dossiers:read", "dossiers:write"])
        assert receive_for(api, "1.000003").status_code == 201
        assert end(api, world["b"]).status_code == 200
        assert end(api, world["a"]).status_code == 404

    def test_a_token_with_its_users_rights_acts_as_that_user(self, api_client, head_a, world):
        _token, key = make_token(user=head_a, inherit_user_scope=True)
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert listed(api_client) == codes(world["a"], world["a1"])
        assert end(api_client, world["a1"]).status_code == 403
        assert reappoint(api_client, world["a1"]).status_code == 200


class TestMasking:
    """ID numbers and phones are shown in full only to those who process the dossier's unit."""

    @pytest.mark.parametrize(
        ("who", "id_number", "phone"),
        [
            ("officer_a", "001085012345", "0912345678"),
            ("office_staff", "001085012345", "0912345678"),
            ("head_a", "0010*****345", "0912***678"),
            ("auditor", "0010*****345", "0912***678"),
        ],
    )
    def test_in_the_detail_and_the_list(self, request, client_for, world, who, id_number, phone):
        api = client_for(request.getfixturevalue(who))
        detail = api.get(f"{URL}{world['a'].code}/").json()
        row = next(row for row in api.get(URL).json()["results"] if row["code"] == world["a"].code)
        assert (detail["applicant_id_number"], detail["applicant_phone"]) == (id_number, phone)
        assert (row["applicant_id_number"], row["applicant_phone"]) == (id_number, phone)

    def test_the_head_sees_masked_numbers_even_after_reappointing(self, client_for, head_a, world):
        body = reappoint(client_for(head_a), world["a1"]).json()
        assert (body["applicant_id_number"], body["applicant_phone"]) == ("0010*****345", "0912***678")

    def test_a_read_only_token_sees_masked_numbers(self, as_token, unit_a, world):
        body = as_token(units=[unit_a], scopes=["dossiers:read"]).get(f"{URL}{world['a'].code}/").json()
        assert (body["applicant_id_number"], body["applicant_phone"]) == ("0010*****345", "0912***678")

    @pytest.mark.parametrize(
        ("value", "masked"),
        [
            ("", ""),
            ("12345", "*****"),
            ("1234567", "*******"),
            ("12345678", "1234*678"),
            ("0101234567-001", "0101*******001"),
        ],
    )
    def test_short_numbers_are_hidden_entirely(self, value, masked):
        assert mask(value) == masked
