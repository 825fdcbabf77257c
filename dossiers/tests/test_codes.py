"""Dossier codes given from outside (issue 14, items 4, 8, 9 and 11).

One validator (``dossiers.codes.validate_code``) for the API, the import and sync; the tracker's
own numbering skips numbers already taken; a code naming another unit is refused before any
dossier is looked up, so a 409 never tells an officer that another unit's dossier exists.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.exceptions import ConflictError
from dossiers import codes, services
from dossiers.choices import Channel, Outcome
from dossiers.models import Dossier, DossierCodeCounter, DossierQuerySet
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db
URL = "/api/v1/dossiers/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 11, 30, 9), tick=False):
        yield


@pytest.fixture
def procedure_b(unit_b):
    return ProcedureVersionFactory(
        procedure=ProcedureFactory(code="1.000777", unit=unit_b), processing_days=5
    ).procedure


def body(**overrides):
    return {"procedure": "1.004567", "channel": "online", "applicant_name": "Nguyễn Văn An", **overrides}


class TestTheValidator:
    @pytest.mark.parametrize(
        "code",
        ["HCM-2602-000101", "G01.123-45_6", "BYT-QLD-IMPORT-7", "BYT-QLD-2611300020", "a" * 40],
    )
    def test_accepts_other_systems_codes_and_free_codes_of_the_own_unit(self, unit_a, code):
        assert codes.validate_code(code, unit=unit_a) == code

    @pytest.mark.parametrize(
        "code",
        ["REL/SLASH/1", "BYT QLD", "-BYT", "Q\x00", "a" * 41, "mã-hồ-sơ", "BYT-QLD-1?x=1", "", "   "],
    )
    def test_refuses_what_cannot_be_put_in_an_address(self, unit_a, code):
        with pytest.raises(ValidationError) as refused:
            codes.validate_code(code, unit=unit_a)
        assert refused.value.message_dict == {"code": [str(codes.FORMAT_MESSAGE)]}

    @pytest.mark.parametrize("code", ["BYT-ATTP-261128-0005", "BYT-ATTP-X1", "byt-attp-1", "BYT-QLD_KD-9"])
    def test_refuses_a_code_naming_another_unit(self, unit_a, unit_a1, unit_b, code):
        with pytest.raises(ValidationError) as refused:
            codes.validate_code(code, unit=unit_a)
        assert refused.value.message_dict == {
            "code": [f"Code {code} names another unit than QLD, the unit of the procedure."]
        }

    @pytest.mark.parametrize("code", ["BYT-QLD-261130-0020", "BYT-QLD-261130-20", "byt-qld-991231-123456"])
    def test_refuses_a_code_in_the_trackers_own_numbering(self, unit_a, code):
        with pytest.raises(ValidationError) as refused:
            codes.validate_code(code, unit=unit_a)
        assert refused.value.message_dict == {
            "code": [
                "Codes of the form BYT-QLD-yymmdd-number are given by the tracker; "
                "leave the code empty to get the next one."
            ]
        }

    def test_the_ministrys_own_dossiers(self, ministry, unit_a):
        assert codes.validate_code("BYT-TT-1", unit=ministry) == "BYT-TT-1"
        for code in ("BYT-261130-0001", "BYT-QLD-7"):
            with pytest.raises(ValidationError):
                codes.validate_code(code, unit=ministry)


class TestNumbering:
    def test_one_explicit_code_in_the_numbering_no_longer_blocks_the_day(self, client_for, officer_a, procedure):
        api = client_for(officer_a)
        for _ in range(19):
            assert api.post(URL, body(), format="json").status_code == 201
        # Given: the counter is at 0019 and someone pushes the next number explicitly.
        pushed = api.post(URL, body(code="BYT-QLD-261130-0020"), format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert pushed.status_code == 400
        assert list(pushed.json()["errors"]) == ["code"]
        # Then the unit's receipts go on.
        answers = [api.post(URL, body(), format="json") for _ in range(3)]
        assert [answer.status_code for answer in answers] == [201, 201, 201]
        assert [answer.json()["code"] for answer in answers] == [f"BYT-QLD-261130-00{n}" for n in (20, 21, 22)]

    def test_numbering_skips_a_number_already_taken(self, receive, procedure):
        # A dossier numbered 0003 came in before explicit codes in our numbering were refused.
        first = receive(local(2026, 11, 30, 8))
        Dossier.objects.filter(pk=first.pk).update(code="BYT-QLD-261130-0003")
        second, third = receive(local(2026, 11, 30, 8, 30)), receive(local(2026, 11, 30, 8, 45))
        assert (second.code, third.code) == ("BYT-QLD-261130-0002", "BYT-QLD-261130-0004")
        assert DossierCodeCounter.objects.get(day=datetime.date(2026, 11, 30)).last_number == 4


class TestNoExistenceOracle:
    def test_an_officer_probing_another_units_code_gets_the_same_400_whether_or_not_it_exists(
        self, client_for, officer_a, officer_b, procedure, procedure_b
    ):
        # ATTP has dossier 0005 of 28 November; 0006 does not exist.
        with time_machine.travel(local(2026, 11, 28, 9), tick=False):
            for _ in range(5):
                services.dossier_receive(
                    procedure=procedure_b, channel=Channel.ONLINE, applicant=services.Applicant(name="X"), by=officer_b
                )
        assert Dossier.objects.filter(code="BYT-ATTP-261128-0005").exists()
        api = client_for(officer_a)
        existing = api.post(URL, body(code="BYT-ATTP-261128-0005"), format="json", HTTP_ACCEPT_LANGUAGE="en")
        missing = api.post(URL, body(code="BYT-ATTP-261128-0006"), format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert (existing.status_code, missing.status_code) == (400, 400)
        assert existing.json()["errors"] == {
            "code": ["Code BYT-ATTP-261128-0005 names another unit than QLD, the unit of the procedure."]
        }
        assert missing.json()["errors"] == {
            "code": ["Code BYT-ATTP-261128-0006 names another unit than QLD, the unit of the procedure."]
        }
        assert Dossier.objects.filter(unit__code="QLD").count() == 0

    def test_the_service_refuses_before_looking(self, officer_a, procedure):
        with CaptureQueriesContext(connection) as queries, pytest.raises(ValidationError):
            services.dossier_receive(
                procedure=procedure,
                channel=Channel.ONLINE,
                applicant=services.Applicant(name="X"),
                by=officer_a,
                code="BYT-ATTP-261128-0005",
            )
        assert [query["sql"] for query in queries if "dossiers_dossier" in query["sql"]] == []

    def test_a_taken_code_of_the_own_unit_is_still_a_409(self, client_for, officer_a, procedure):
        api = client_for(officer_a)
        assert api.post(URL, body(code="QLD-PORTAL-1"), format="json").status_code == 201
        again = api.post(URL, body(code="QLD-PORTAL-1"), format="json")
        assert again.status_code == 409
        assert again.json()["code"] == "duplicate_code"


class TestRaceLoser:
    def test_a_step_that_waited_for_the_lock_is_judged_on_the_new_state_409_not_400(
        self, receive, officer_a, monkeypatch
    ):
        """The loser read "now", then waited for the row lock while the winner ended the dossier a
        moment later; before the fix its "now" was before the winner's step and it got a 400."""
        dossier = receive(local(2026, 11, 30, 8))
        original = DossierQuerySet.select_for_update
        winner_done = []

        def winner_first(queryset, *args, **kwargs):
            if not winner_done:
                winner_done.append(True)
                with time_machine.travel(local(2026, 11, 30, 9) + datetime.timedelta(seconds=1), tick=False):
                    services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED)
                # The lock is released; the loser's clock has moved on while it waited.
                traveller.shift(datetime.timedelta(seconds=2))
            return original(queryset, *args, **kwargs)

        with time_machine.travel(local(2026, 11, 30, 9), tick=False) as traveller:
            monkeypatch.setattr(DossierQuerySet, "select_for_update", winner_first)
            with pytest.raises(ConflictError) as refused:
                services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.REFUSED, note="trùng")
        assert refused.value.code == "not_allowed"
        assert str(refused.value) == f"Processing of dossier {dossier.code} has already ended."
