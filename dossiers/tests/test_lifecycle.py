"""The dossier lifecycle against DESIGN.md's worked examples and refused transitions."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from config.exceptions import ConflictError
from dossiers import services
from dossiers.choices import Channel, EventKind, Outcome, Status, Timeliness
from dossiers.deadlines import derive_state
from dossiers.models import Dossier, DossierEvent
from dossiers.services import Applicant
from procedures.choices import ChangeKind
from tests.factories import ProcedureVersionFactory
from tests.helpers import local

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    # Every example happens in the past of this instant.
    with time_machine.travel(local(2026, 6, 1, 9), tick=False):
        yield


class TestReceive:
    def test_received_monday_morning_is_due_next_monday(self, receive):
        dossier = receive(local(2025, 11, 3, 10))
        assert (dossier.counted_from, dossier.appointment_date) == (D(2025, 11, 3), D(2025, 11, 10))
        assert dossier.status == Status.PROCESSING

    def test_received_monday_after_cutoff_is_due_next_tuesday(self, receive):
        assert receive(local(2025, 11, 3, 16)).appointment_date == D(2025, 11, 11)

    def test_received_saturday_is_due_next_monday(self, receive):
        assert receive(local(2025, 11, 8, 9)).appointment_date == D(2025, 11, 17)

    def test_received_before_tet_2026_is_due_after_it(self, receive):
        assert receive(local(2026, 2, 12, 10)).appointment_date == D(2026, 2, 26)

    def test_code_is_unit_day_and_running_number(self, receive):
        first = receive(local(2025, 11, 3, 10))
        second = receive(local(2025, 11, 3, 10))
        other_day = receive(local(2025, 11, 4, 10))
        assert (first.code, second.code, other_day.code) == (
            "BYT-QLD-251103-0001",
            "BYT-QLD-251103-0002",
            "BYT-QLD-251104-0001",
        )

    def test_dossier_is_tied_to_the_version_in_force_on_the_receipt_day(self, receive, procedure):
        old = procedure.versions.get()
        old.effective_to = D(2025, 6, 30)
        old.save()
        cut = ProcedureVersionFactory(
            procedure=procedure,
            change_kind=ChangeKind.AMENDED,
            decision_date=D(2025, 6, 1),
            effective_from=D(2025, 7, 1),
            processing_days=3,
        )
        before, after = receive(local(2025, 6, 30, 10)), receive(local(2025, 7, 1, 10))
        assert (before.procedure_version, before.processing_days) == (old, 5)
        assert (after.procedure_version, after.processing_days) == (cut, 3)
        assert after.appointment_date == D(2025, 7, 4)

    def test_abolished_procedure_is_refused(self, receive, procedure):
        old = procedure.versions.get()
        old.effective_to = D(2025, 6, 30)
        old.save()
        ProcedureVersionFactory(
            procedure=procedure,
            decision_number="99/QĐ-BYT",
            change_kind=ChangeKind.ABOLISHED,
            decision_date=D(2025, 6, 1),
            effective_from=D(2025, 7, 1),
            processing_days=None,
        )
        with pytest.raises(ValidationError) as error:
            receive(local(2025, 7, 2, 10))
        assert "99/QĐ-BYT" in error.value.message_dict["procedure"][0]
        assert Dossier.objects.count() == 0

    def test_procedure_not_yet_in_force_is_refused(self, receive):
        with pytest.raises(ValidationError) as error:
            receive(local(2019, 12, 31, 10))
        assert "procedure" in error.value.message_dict

    def test_future_reception_is_refused(self, receive):
        with pytest.raises(ValidationError) as error:
            receive(local(2026, 6, 2, 10))
        assert "received_at" in error.value.message_dict
        assert Dossier.objects.count() == 0

    def test_unknown_channel_and_missing_name_are_refused(self, receive):
        with pytest.raises(ValidationError) as error:
            receive(local(2025, 11, 3), channel="fax", applicant=Applicant(name=" "))
        assert set(error.value.message_dict) == {"channel"}
        with pytest.raises(ValidationError) as error:
            receive(local(2025, 11, 3), applicant=Applicant(name=" "))
        assert set(error.value.message_dict) == {"applicant_name"}

    def test_duplicate_given_code_is_a_conflict(self, receive):
        receive(local(2025, 11, 3), code="DVCQG-0001")
        with pytest.raises(ConflictError):
            receive(local(2025, 11, 3), code="DVCQG-0001")
        assert Dossier.objects.count() == 1


class TestSupplement:
    def test_supplement_requested_tuesday_arrived_thursday_moves_appointment_two_days(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10 Nov
        dossier = services.dossier_request_supplement(
            dossier=dossier, by=officer_a, note="Thiếu bản sao", at=local(2025, 11, 4, 9)
        )
        assert dossier.status == Status.AWAITING_SUPPLEMENT
        dossier = services.dossier_receive_supplement(dossier=dossier, by=officer_a, at=local(2025, 11, 6, 14))
        assert (dossier.status, dossier.appointment_date, dossier.supplement_count) == (
            Status.PROCESSING,
            D(2025, 11, 12),
            1,
        )

    def test_paused_dossier_is_neither_overdue_nor_due_soon(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        services.dossier_request_supplement(dossier=dossier, by=officer_a, note="x", at=local(2025, 11, 4, 9))
        assert not Dossier.objects.overdue(on=D(2025, 11, 20)).exists()
        assert not Dossier.objects.due_soon(on=D(2025, 11, 7)).exists()
        assert Dossier.objects.within_deadline(on=D(2025, 11, 20)).count() == 1

    def test_second_supplement_request_makes_the_dossier_late(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        for request_day, arrival_day in ((4, 5), (6, 7)):
            dossier = services.dossier_request_supplement(
                dossier=dossier, by=officer_a, note="x", at=local(2025, 11, request_day)
            )
            dossier = services.dossier_receive_supplement(
                dossier=dossier, by=officer_a, at=local(2025, 11, arrival_day)
            )
        dossier = services.dossier_end(
            dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 7, 15)
        )
        assert (dossier.supplement_count, dossier.timeliness) == (2, Timeliness.LATE)

    def test_supplement_received_without_request_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ConflictError, match="not awaiting a supplement"):
            services.dossier_receive_supplement(dossier=dossier, by=officer_a, at=local(2025, 11, 4))
        assert DossierEvent.objects.count() == 1

    def test_request_needs_a_note(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ValidationError) as error:
            services.dossier_request_supplement(dossier=dossier, by=officer_a, note="  ", at=local(2025, 11, 4))
        assert set(error.value.message_dict) == {"note"}


class TestReappointment:
    def test_reappointment_records_new_date_but_not_on_time(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10 Nov
        dossier = services.dossier_reappoint(
            dossier=dossier,
            by=officer_a,
            new_date=D(2025, 11, 14),
            reason="Chờ ý kiến chuyên gia",
            at=local(2025, 11, 7, 9),
        )
        assert (dossier.reappointed_date, dossier.reappointment_count, dossier.appointment_date) == (
            D(2025, 11, 14),
            1,
            D(2025, 11, 10),
        )
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 13))
        assert dossier.timeliness == Timeliness.LATE

    def test_reappointment_on_the_last_working_day_before_is_allowed_but_not_on_the_weekend_after(
        self, receive, officer_a
    ):
        dossier = receive(local(2025, 11, 3, 10))  # due Mon 10 Nov; last chance Fri 7 Nov
        with pytest.raises(ConflictError, match="07/11/2025"):
            services.dossier_reappoint(
                dossier=dossier, by=officer_a, new_date=D(2025, 11, 14), reason="x", at=local(2025, 11, 8)
            )
        assert Dossier.objects.get().reappointment_count == 0

    def test_reappointment_after_the_appointment_date_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ConflictError):
            services.dossier_reappoint(
                dossier=dossier, by=officer_a, new_date=D(2025, 11, 20), reason="x", at=local(2025, 11, 11)
            )

    def test_second_reappointment_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        dossier = services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=D(2025, 11, 14), reason="x", at=local(2025, 11, 5)
        )
        with pytest.raises(ConflictError, match="already been re-appointed"):
            services.dossier_reappoint(
                dossier=dossier, by=officer_a, new_date=D(2025, 11, 18), reason="y", at=local(2025, 11, 6)
            )
        assert DossierEvent.objects.filter(kind=EventKind.REAPPOINTED).count() == 1

    def test_new_date_must_be_a_later_working_day(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        for new_date, _reason in ((D(2025, 11, 10), "not later"), (D(2025, 11, 15), "Saturday")):
            with pytest.raises(ValidationError) as error:
                services.dossier_reappoint(
                    dossier=dossier, by=officer_a, new_date=new_date, reason="x", at=local(2025, 11, 5)
                )
            assert set(error.value.message_dict) == {"new_date"}
        assert Dossier.objects.get().reappointment_count == 0


class TestEndAndTimeliness:
    @pytest.mark.parametrize(
        ("ended", "expected"),
        [
            (local(2025, 11, 7, 16), Timeliness.EARLY),
            (local(2025, 11, 10, 16), Timeliness.ON_TIME),
            (local(2025, 11, 11, 8), Timeliness.LATE),
        ],
    )
    def test_timeliness_against_the_appointment_date(self, receive, officer_a, ended, expected):
        dossier = receive(local(2025, 11, 3, 10))
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=ended)
        assert (dossier.status, dossier.timeliness, dossier.ended_on) == (Status.ENDED, expected, ended.date())

    def test_ending_an_ended_dossier_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 5))
        with pytest.raises(ConflictError, match="already ended"):
            services.dossier_end(
                dossier=dossier, by=officer_a, outcome=Outcome.REFUSED, note="x", at=local(2025, 11, 6)
            )
        assert Dossier.objects.get().outcome == Outcome.RESOLVED

    def test_refusal_needs_a_reason(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ValidationError) as error:
            services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.REFUSED, at=local(2025, 11, 5))
        assert set(error.value.message_dict) == {"note"}

    def test_return_and_rate_after_end_only_once(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ConflictError, match="not ended"):
            services.dossier_return(dossier=dossier, by=officer_a, at=local(2025, 11, 4))
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 5))
        dossier = services.dossier_return(dossier=dossier, by=officer_a, at=local(2025, 11, 6))
        dossier = services.dossier_rate(
            dossier=dossier, by=officer_a, satisfied=True, comment="Nhanh", at=local(2025, 11, 6, 11)
        )
        assert (dossier.status, dossier.satisfied) == (Status.RETURNED, True)
        with pytest.raises(ConflictError, match="already been returned"):
            services.dossier_return(dossier=dossier, by=officer_a, at=local(2025, 11, 7))
        with pytest.raises(ConflictError, match="already been rated"):
            services.dossier_rate(dossier=dossier, by=officer_a, satisfied=False, at=local(2025, 11, 7))


class TestAt:
    def test_at_before_the_previous_event_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ValidationError) as error:
            services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 3, 9))
        assert set(error.value.message_dict) == {"at"}
        assert Dossier.objects.get().status == Status.PROCESSING

    def test_future_at_is_refused(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        with pytest.raises(ValidationError):
            services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2026, 6, 2))

    def test_stale_version_is_a_conflict(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 10))
        services.dossier_request_supplement(
            dossier=dossier, by=officer_a, note="x", at=local(2025, 11, 4), expected_version=1
        )
        with pytest.raises(ConflictError, match="changed by someone else"):
            services.dossier_end(
                dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 5), expected_version=1
            )


class TestReplay:
    def test_replaying_events_gives_back_the_stored_fields(self, receive, officer_a):
        dossier = receive(local(2025, 11, 3, 16), channel=Channel.ONLINE)
        dossier = services.dossier_request_supplement(dossier=dossier, by=officer_a, note="x", at=local(2025, 11, 4, 9))
        dossier = services.dossier_receive_supplement(dossier=dossier, by=officer_a, at=local(2025, 11, 10, 9))
        dossier = services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=D(2025, 11, 25), reason="r", at=local(2025, 11, 12)
        )
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 20))
        dossier = services.dossier_return(dossier=dossier, by=officer_a, at=local(2025, 11, 21))
        dossier = services.dossier_rate(dossier=dossier, by=officer_a, satisfied=False, at=local(2025, 11, 21, 11))
        stored = Dossier.objects.get()
        replayed = derive_state(stored.events.order_by("sequence"), processing_days=stored.processing_days)
        assert replayed.stored_values() == {name: getattr(stored, name) for name in replayed.STORED_FIELDS}
        assert (stored.appointment_date, stored.timeliness, stored.event_count) == (D(2025, 11, 17), Timeliness.LATE, 7)

    def test_events_are_append_only(self, receive):
        event = receive(local(2025, 11, 3, 10)).events.get()
        event.note = "changed"
        with pytest.raises(ValidationError):
            event.save()
        with pytest.raises(ValidationError):
            event.delete()


class TestQuerysets:
    def test_overdue_and_due_soon_on_a_day(self, receive, officer_a):
        due_10 = receive(local(2025, 11, 3, 10))  # due Mon 10 Nov
        due_12 = receive(local(2025, 11, 5, 10))  # due Wed 12 Nov
        due_17 = receive(local(2025, 11, 10, 10))  # due Mon 17 Nov
        ended = services.dossier_end(
            dossier=receive(local(2025, 11, 3, 10)), by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 4)
        )
        on = D(2025, 11, 11)
        assert list(Dossier.objects.overdue(on=on)) == [due_10]
        # Two working days left at most: due on Tue 11, Wed 12 or Thu 13 November.
        assert list(Dossier.objects.due_soon(on=on)) == [due_12]
        assert set(Dossier.objects.open()) == {due_10, due_12, due_17}
        assert list(Dossier.objects.ended_between(D(2025, 11, 4), D(2025, 11, 4))) == [ended]


def test_dates_outside_the_calendar_are_field_errors_not_crashes(receive, officer_a):
    with pytest.raises(ValidationError) as error:
        receive(local(1999, 12, 31, 10))
    assert set(error.value.message_dict) == {"received_at"}
    dossier = receive(local(2025, 11, 3, 10))
    with pytest.raises(ValidationError) as error:
        services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=D(2205, 1, 1), reason="x", at=local(2025, 11, 5)
        )
    assert set(error.value.message_dict) == {"new_date"}
    assert Dossier.objects.get().reappointment_count == 0


def test_over_long_text_and_huge_fee_are_field_errors(receive):
    with pytest.raises(ValidationError) as error:
        receive(local(2025, 11, 3), applicant=Applicant(name="A" * 300), fee_amount=10**15)
    assert set(error.value.message_dict) == {"applicant_name", "fee_amount"}
    assert Dossier.objects.count() == 0
