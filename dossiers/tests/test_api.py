"""The dossier API as an officer of unit A uses it: receive, act, read the timeline, never a 500.

"Now" is Wednesday 12 November 2025, 09:00 in Hanoi unless a test travels elsewhere.
"""

import datetime

import pytest
import time_machine

from dossiers import services
from dossiers.choices import EventKind, Status
from dossiers.models import Dossier, DossierEvent
from procedures.choices import ChangeKind
from tests.factories import ProcedureVersionFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/api/v1/dossiers/"
# The calendar runs to 2099; a dossier's dates to 2098 (workdays.calendar.LAST_DATED_YEAR).
RANGE = (
    "Dates must lie between 2000 and 2098: the working-day calendar ends with 2099, "
    "and a deadline counted from a date may end in the next year."
)
D = datetime.date


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture(autouse=True)
def _english(api_client):
    api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def api(client_for, officer_a):
    return client_for(officer_a)


def url(dossier, command=""):
    return f"{URL}{dossier.code}/{command}/" if command else f"{URL}{dossier.code}/"


def snapshot(dossier):
    """What a refused command must leave as it was."""
    stored = Dossier.objects.get(pk=dossier.pk)
    return (stored.event_count, stored.status, stored.appointment_date, stored.reappointment_count, stored.outcome)


def new_dossier(**overrides):
    return {
        "procedure": "1.004567",
        "channel": "online",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "001085012345",
        "applicant_phone": "0912345678",
        **overrides,
    }


class TestReceive:
    def test_received_before_tet_2026_is_due_after_it(self, client_for, officer_a, procedure):
        with time_machine.travel(local(2026, 2, 12, 10, 5), tick=False):
            response = client_for(officer_a).post(
                URL, new_dossier(received_at="2026-02-12T10:00:00+07:00", fee_amount="150000")
            )

        assert response.status_code == 201, response.json()
        body = response.json()
        assert (body["code"], body["counted_from"], body["appointment_date"]) == (
            "BYT-QLD-260212-0001",
            "2026-02-12",
            "2026-02-26",
        )
        assert response["Location"] == "/api/v1/dossiers/BYT-QLD-260212-0001/"
        assert (body["status"], body["version"], body["procedure"], body["unit"]) == (
            Status.PROCESSING,
            1,
            "1.004567",
            "QLD",
        )
        assert (body["is_overdue"], body["is_due_soon"]) == (False, False)
        assert body["allowed_actions"] == ["end", "request_supplement", "reappoint"]
        assert (body["applicant_id_number"], body["applicant_phone"], body["fee_amount"]) == (
            "001085012345",
            "0912345678",
            "150000",
        )
        assert Dossier.objects.get().events.get().by.username == "officer_a"

    def test_the_national_index_flags_are_recorded_and_read_back(self, api, procedure):
        body = api.post(URL, new_dossier(data_reused=True, from_data_store=True, vneid_verified=False)).json()
        assert (body["data_reused"], body["from_data_store"], body["vneid_verified"]) == (True, True, False)
        dossier = Dossier.objects.get()
        assert (dossier.data_reused, dossier.from_data_store, dossier.vneid_verified) == (True, True, False)

    def test_a_flag_that_is_not_a_boolean_is_a_400(self, api, procedure):
        response = api.post(URL, new_dossier(vneid_verified="perhaps"))
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["vneid_verified"]
        assert not Dossier.objects.exists()

    def test_without_received_at_the_dossier_is_received_now(self, api, procedure):
        body = api.post(URL, new_dossier()).json()
        assert (body["received_on"], body["appointment_date"], body["is_due_soon"]) == (
            "2025-11-12",
            "2025-11-19",
            False,
        )

    def test_a_code_given_by_another_system_is_kept_and_cannot_be_reused(self, api, procedure):
        first = api.post(URL, new_dossier(code="000.00.17.H26-251112-0001"))
        assert (first.status_code, first.json()["code"]) == (201, "000.00.17.H26-251112-0001")
        assert api.get(f"{URL}000.00.17.H26-251112-0001/").status_code == 200

        second = api.post(URL, new_dossier(code="000.00.17.H26-251112-0001"))
        assert second.status_code == 409
        assert second.json() == {
            "detail": "A dossier with code 000.00.17.H26-251112-0001 already exists.",
            "code": "duplicate_code",
            "errors": {},
        }
        assert Dossier.objects.count() == 1

    def test_an_abolished_procedure_is_refused(self, api, procedure):
        current = procedure.versions.get()
        current.effective_to = D(2025, 6, 30)
        current.save()
        ProcedureVersionFactory(
            procedure=procedure,
            decision_number="99/QĐ-BYT",
            change_kind=ChangeKind.ABOLISHED,
            decision_date=D(2025, 6, 1),
            effective_from=D(2025, 7, 1),
            processing_days=None,
        )
        response = api.post(URL, new_dossier())
        assert (response.status_code, response.json()["errors"]) == (
            400,
            {"procedure": ["Procedure 1.004567 was abolished by decision 99/QĐ-BYT."]},
        )
        assert Dossier.objects.count() == 0

    @pytest.mark.parametrize(
        ("overrides", "errors"),
        [
            ({"procedure": "9.999999"}, {"procedure": ["No procedure has the national code 9.999999."]}),
            ({"channel": "fax"}, {"channel": ['"fax" is not a valid choice.']}),
            ({"applicant_name": "  "}, {"applicant_name": ["The applicant's name is required."]}),
            ({"applicant_email": "an@"}, {"applicant_email": ["Enter a valid email address."]}),
            ({"applicant_phone": "0" * 21}, {"applicant_phone": ["Ensure this field has no more than 20 characters."]}),
            ({"fee_amount": "-1"}, {"fee_amount": ["The fee cannot be negative."]}),
            ({"fee_amount": "12.5"}, {"fee_amount": ["Ensure that there are no more than 0 decimal places."]}),
            (
                {"received_at": "12/11/2025 08:00"},
                {
                    "received_at": [
                        "Datetime has wrong format. Use one of these formats instead: "
                        "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
                    ]
                },
            ),
            (
                {"received_at": "2025-11-12T08:00:00"},
                {"received_at": ["Give the time with its time zone, e.g. 2025-11-03T10:00:00+07:00."]},
            ),
            ({"received_at": "2025-11-12T10:00:00+07:00"}, {"received_at": ["This time lies in the future."]}),
            ({"received_at": "1999-12-31T10:00:00+07:00"}, {"received_at": [RANGE]}),
            (
                {"code": "BYT/QLD"},
                {
                    "code": [
                        "A dossier code has 1 to 40 unaccented letters (A–Z), digits, dots, hyphens or underscores, "
                        "and starts with a letter or a digit."
                    ]
                },
            ),
        ],
    )
    def test_bad_input_is_a_400_per_field_and_nothing_is_received(self, api, procedure, overrides, errors):
        response = api.post(URL, new_dossier(**overrides))
        assert (response.status_code, response.json()["errors"]) == (400, errors)
        assert Dossier.objects.count() == 0

    def test_dossiers_are_changed_only_by_their_commands(self, api, receive):
        dossier = receive(local(2025, 11, 10))
        assert api.patch(url(dossier), {"status": "ended"}).status_code == 405
        assert api.delete(url(dossier)).status_code == 405
        assert Dossier.objects.get().status == Status.PROCESSING


class TestCommands:
    def test_supplement_requested_tuesday_arrived_thursday_moves_the_appointment_two_days(self, api, receive):
        dossier = receive(local(2025, 11, 3))  # due Mon 10 Nov

        # Each step is posted as it happens (an officer's `at` may lie only minutes in the past).
        with time_machine.travel(local(2025, 11, 4, 9, 2), tick=False):
            requested = api.post(
                url(dossier, "request-supplement"),
                {"note": "Thiếu bản sao giấy phép", "at": "2025-11-04T09:00:00+07:00"},
            )
        assert requested.status_code == 200, requested.json()
        assert (requested.json()["status"], requested.json()["allowed_actions"], requested.json()["version"]) == (
            Status.AWAITING_SUPPLEMENT,
            ["receive_supplement", "end"],
            2,
        )

        with time_machine.travel(local(2025, 11, 6, 14, 1), tick=False):
            received = api.post(url(dossier, "receive-supplement"), {"at": "2025-11-06T14:00:00+07:00", "version": 2})
        assert received.status_code == 200, received.json()
        body = received.json()
        assert (body["status"], body["appointment_date"], body["supplement_count"], body["version"]) == (
            Status.PROCESSING,
            "2025-11-12",
            1,
            3,
        )
        # Read on 12/11, its due day: not overdue, due soon.
        body = api.get(f"/api/v1/dossiers/{dossier.code}/").json()
        assert (body["is_overdue"], body["is_due_soon"]) == (False, True)

    def test_reappointment_records_the_new_date_and_cannot_be_offered_again(self, api, receive, head_a):
        dossier = receive(local(2025, 11, 10))  # due Mon 17 Nov; re-appointment possible until Fri 14 Nov
        response = api.post(url(dossier, "reappoint"), {"new_date": "2025-11-21", "reason": "Chờ ý kiến chuyên gia"})
        # An officer proposes (issue 13); the head approves.
        assert response.status_code == 202, response.json()
        assert (response.json()["status"], response.json()["new_date"]) == ("pending", "2025-11-21")
        services.reappointment_approve(proposal=dossier.proposals.get(), by=head_a)
        body = api.get(url(dossier)).json()
        assert (body["reappointed_date"], body["reappointment_count"], body["appointment_date"]) == (
            "2025-11-21",
            1,
            "2025-11-17",
        )
        assert body["allowed_actions"] == ["end", "request_supplement"]

    def test_end_return_and_rating(self, api, receive):
        dossier = receive(local(2025, 11, 5))  # due Wed 12 Nov: today

        ended = api.post(url(dossier, "end"), {"outcome": "resolved", "note": "Cấp giấy chứng nhận"})
        assert ended.status_code == 200, ended.json()
        assert (ended.json()["status"], ended.json()["timeliness"], ended.json()["ended_on"]) == (
            Status.ENDED,
            "on_time",
            "2025-11-12",
        )
        assert ended.json()["allowed_actions"] == ["return", "rate"]

        returned = api.post(url(dossier, "return"), {})
        assert (returned.status_code, returned.json()["status"], returned.json()["allowed_actions"]) == (
            200,
            Status.RETURNED,
            ["rate"],
        )

        rated = api.post(url(dossier, "rating"), {"satisfied": True, "comment": "Nhanh"})
        assert (rated.status_code, rated.json()["satisfied"], rated.json()["allowed_actions"]) == (200, True, [])

    def test_the_timeline_lists_every_step_with_who_recorded_it(self, api, receive, officer_a):
        dossier = receive(local(2025, 11, 3), note="Nhận tại quầy")
        with time_machine.travel(local(2025, 11, 4, 9), tick=False):
            api.post(url(dossier, "request-supplement"), {"note": "Thiếu bản sao", "at": "2025-11-04T09:00:00+07:00"})

        response = api.get(url(dossier, "events"))

        assert response.status_code == 200
        assert response.json()["count"] == 2
        assert response.json()["results"] == [
            {
                "sequence": 1,
                "kind": EventKind.RECEIVED,
                "at": "2025-11-03T10:00:00+07:00",
                "by": "officer_a",
                "note": "Nhận tại quầy",
                # The receipt records the dates it fixed: no later calendar change moves them.
                "data": {
                    "channel": "in_person",
                    "version": dossier.procedure_version_id,
                    "counted_from": "2025-11-03",
                    "appointment_date": "2025-11-10",
                },
            },
            {
                "sequence": 2,
                "kind": EventKind.SUPPLEMENT_REQUESTED,
                "at": "2025-11-04T09:00:00+07:00",
                "by": "officer_a",
                "note": "Thiếu bản sao",
                "data": {},
            },
        ]

    def test_an_unknown_dossier_is_a_404(self, api, procedure):
        assert api.get(f"{URL}BYT-QLD-251112-9999/").status_code == 404
        assert api.post(f"{URL}BYT-QLD-251112-9999/end/", {"outcome": "resolved"}).status_code == 404


class TestRefusals:
    """Each refused command answers 400 or 409 with the reason, and changes nothing."""

    @pytest.mark.parametrize(
        ("at", "message"),
        [
            (
                "11/11/2025 10:00",
                "Datetime has wrong format. Use one of these formats instead: "
                "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
            ),
            ("2025-11-11T10:00:00", "Give the time with its time zone, e.g. 2025-11-03T10:00:00+07:00."),
            ("2025-11-12T10:00:00+07:00", "This time lies in the future."),
            ("2025-11-03T09:59:00+07:00", "This time is before the dossier's previous step (03/11/2025 10:00)."),
            ("0001-01-01T00:00:00+07:00", "Datetime value out of range."),
            ("1999-12-31T10:00:00+07:00", RANGE),
        ],
        ids=["malformed", "naive", "future", "before-previous-step", "out-of-range", "outside-calendar"],
    )
    def test_a_bad_at(self, api, receive, at, message):
        dossier = receive(local(2025, 11, 3))
        before = snapshot(dossier)
        # "Before the previous step" only when the time is otherwise acceptable: a minute or two ago.
        clock = local(2025, 11, 3, 10, 2) if at.startswith("2025-11-03") else local(2025, 11, 12, 9)
        with time_machine.travel(clock, tick=False):
            response = api.post(url(dossier, "end"), {"outcome": "resolved", "at": at})
        assert (response.status_code, response.json()["errors"]) == (400, {"at": [message]})
        assert snapshot(dossier) == before

    def test_an_at_with_another_offset_is_the_same_instant(self, api, receive):
        dossier = receive(local(2025, 11, 3))
        with time_machine.travel(local(2025, 11, 10, 15, 31), tick=False):
            response = api.post(url(dossier, "end"), {"outcome": "resolved", "at": "2025-11-10T08:30:00Z"})
        assert (response.json()["ended_at"], response.json()["ended_on"], response.json()["timeliness"]) == (
            "2025-11-10T15:30:00+07:00",
            "2025-11-10",
            "on_time",
        )

    def test_a_stale_version_is_a_409(self, api, receive, officer_a):
        dossier = receive(local(2025, 11, 3))
        services.dossier_request_supplement(dossier=dossier, by=officer_a, note="x", at=local(2025, 11, 4))
        before = snapshot(dossier)
        response = api.post(url(dossier, "end"), {"outcome": "resolved", "version": 1})
        assert (response.status_code, response.json()) == (
            409,
            {
                "detail": "Dossier BYT-QLD-251103-0001 was changed by someone else meanwhile; reload it and try again.",
                "code": "stale",
                "errors": {},
            },
        )
        assert snapshot(dossier) == before

    def test_a_second_reappointment(self, api, receive, officer_a):
        dossier = receive(local(2025, 11, 10))
        services.dossier_reappoint(dossier=dossier, by=officer_a, new_date=D(2025, 11, 21), reason="x")
        before = snapshot(dossier)
        response = api.post(url(dossier, "reappoint"), {"new_date": "2025-11-24", "reason": "y"})
        assert (response.status_code, response.json()) == (
            409,
            {
                "detail": "Dossier BYT-QLD-251110-0001 has already been re-appointed; it cannot be re-appointed again.",
                "code": "not_allowed",
                "errors": {},
            },
        )
        assert snapshot(dossier) == before

    def test_a_reappointment_after_the_last_day_for_it(self, api, receive):
        dossier = receive(local(2025, 11, 3))  # due Mon 10 Nov; the last day to re-appoint was Fri 7 Nov
        before = snapshot(dossier)
        response = api.post(url(dossier, "reappoint"), {"new_date": "2025-11-20", "reason": "x"})
        assert (response.status_code, response.json()["detail"]) == (
            409,
            "A re-appointment must be made by 07/11/2025, at least one working day before "
            "the appointment date 10/11/2025.",
        )
        assert snapshot(dossier) == before

    @pytest.mark.parametrize(
        ("body", "errors"),
        [
            ({"new_date": "2025-11-22", "reason": "x"}, {"new_date": ["The new date must be a working day."]}),
            ({"new_date": "2205-11-21", "reason": "x"}, {"new_date": [RANGE]}),
            # 2099: the serializer let it through (2000–2099), the service said "2000 and 2098".
            ({"new_date": "2099-11-20", "reason": "x"}, {"new_date": [RANGE]}),
            (
                {"new_date": "21/11/2025", "reason": "x"},
                {"new_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
            ),
            (
                {"new_date": "2025-11-21", "reason": " "},
                {"reason": ["Give the reason for the delay; it is printed in the apology letter."]},
            ),
            ({"reason": "x"}, {"new_date": ["This field is required."]}),
            (
                {"new_date": "2025-11-21", "reason": "x", "version": "one"},
                {"version": ["A valid integer is required."]},
            ),
        ],
    )
    def test_a_bad_reappointment_body(self, api, receive, body, errors):
        dossier = receive(local(2025, 11, 10))
        before = snapshot(dossier)
        response = api.post(url(dossier, "reappoint"), body)
        assert (response.status_code, response.json()["errors"]) == (400, errors)
        assert snapshot(dossier) == before

    def test_ending_an_ended_dossier(self, api, receive, officer_a):
        dossier = receive(local(2025, 11, 3))
        services.dossier_end(dossier=dossier, by=officer_a, outcome="resolved", at=local(2025, 11, 5))
        before = snapshot(dossier)
        response = api.post(url(dossier, "end"), {"outcome": "refused", "note": "Không đủ điều kiện"})
        assert (response.status_code, response.json()) == (
            409,
            {
                "detail": "Processing of dossier BYT-QLD-251103-0001 has already ended.",
                "code": "not_allowed",
                "errors": {},
            },
        )
        assert snapshot(dossier) == before

    def test_a_supplement_received_without_a_request(self, api, receive):
        dossier = receive(local(2025, 11, 3))
        before = snapshot(dossier)
        response = api.post(url(dossier, "receive-supplement"), {})
        assert (response.status_code, response.json()["detail"]) == (
            409,
            "Dossier BYT-QLD-251103-0001 is not awaiting a supplement.",
        )
        assert snapshot(dossier) == before

    @pytest.mark.parametrize(
        ("command", "body", "errors"),
        [
            ("end", {"outcome": "approved"}, {"outcome": ['"approved" is not a valid choice.']}),
            ("end", {"outcome": "refused"}, {"note": ["A refusal or a stop must state its reason."]}),
            ("request-supplement", {}, {"note": ["This field is required."]}),
            ("request-supplement", {"note": " "}, {"note": ["Say what the applicant must supplement."]}),
            ("rating", {"satisfied": "maybe"}, {"satisfied": ["Must be a valid boolean."]}),
        ],
    )
    def test_a_bad_command_body(self, api, receive, command, body, errors):
        dossier = receive(local(2025, 11, 3))
        before = snapshot(dossier)
        response = api.post(url(dossier, command), body)
        assert (response.status_code, response.json()["errors"]) == (400, errors)
        assert snapshot(dossier) == before


class TestList:
    def test_filters_ordering_and_flags_over_http(self, api, receive):
        overdue, due_today, later = (
            receive(local(2025, 11, 3)),
            receive(local(2025, 11, 5)),
            receive(local(2025, 11, 10)),
        )

        def rows(**params):
            response = api.get(URL, params)
            assert response.status_code == 200, response.json()
            return [(row["code"], row["is_overdue"], row["is_due_soon"]) for row in response.json()["results"]]

        assert rows(overdue="true") == [(overdue.code, True, False)]
        assert rows(due_soon="true") == [(due_today.code, False, True)]
        assert rows(ordering="-appointment_date", unit="QLD") == [
            (later.code, False, False),
            (due_today.code, False, True),
            (overdue.code, True, False),
        ]

    @pytest.mark.parametrize(
        ("params", "errors"),
        [
            ({"unit": "NOPE"}, {"unit": ["Select a valid choice. NOPE is not one of the available choices."]}),
            ({"received_from": "yesterday"}, {"received_from": ["Enter a valid date."]}),
            ({"overdue": "perhaps"}, {"overdue": ["Use true or false."]}),
            (
                {"ordering": "applicant_name"},
                {"ordering": ["Select a valid choice. applicant_name is not one of the available choices."]},
            ),
        ],
    )
    def test_a_bad_filter_is_a_400(self, api, receive, params, errors):
        receive(local(2025, 11, 3))
        response = api.get(URL, params)
        assert (response.status_code, response.json()["errors"]) == (400, errors)


class TestQueryCount:
    """Lists cost the same number of queries whatever the page size."""

    @pytest.mark.parametrize("page_size", [5, 50])
    def test_the_list(self, api, receive, django_assert_max_num_queries, page_size):
        for day in range(1, 11):
            for hour in range(8, 14):
                receive(local(2025, 11, day, hour))
        assert Dossier.objects.count() == 60

        with django_assert_max_num_queries(6):
            response = api.get(URL, {"page_size": page_size, "ordering": "appointment_date"})

        assert (response.status_code, response.json()["count"], len(response.json()["results"])) == (
            200,
            60,
            page_size,
        )

    @pytest.mark.parametrize("page_size", [5, 50])
    def test_the_timeline(self, api, receive, officer_a, django_assert_max_num_queries, page_size):
        dossier = receive(local(2025, 10, 1, 8))
        at = local(2025, 10, 1, 9)
        for _round in range(30):
            dossier = services.dossier_request_supplement(dossier=dossier, by=officer_a, note="x", at=at)
            at += datetime.timedelta(minutes=5)
            if dossier.event_count < 60:
                dossier = services.dossier_receive_supplement(dossier=dossier, by=officer_a, at=at)
                at += datetime.timedelta(minutes=5)
        assert DossierEvent.objects.filter(dossier=dossier).count() == 60

        with django_assert_max_num_queries(6):
            response = api.get(url(dossier, "events"), {"page_size": page_size})

        assert (response.status_code, response.json()["count"], len(response.json()["results"])) == (
            200,
            60,
            page_size,
        )
