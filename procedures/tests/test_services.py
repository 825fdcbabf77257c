"""The catalogue services: validation as in the admin, and locking under concurrency."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation

from config.exceptions import ConflictError
from procedures.models import Field, Procedure, ProcedureVersion
from procedures.services import (
    field_delete,
    procedure_create,
    procedure_update,
    procedure_version_create,
    reduction_plan_create,
)
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory
from units.services import save_validated

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
class TestProcedureServices:
    def test_procedure_create(self, unit_a):
        field = FieldFactory(code="pharmacy")

        procedure = procedure_create(code="1.004567", name_vi="Cấp phép", field=field, unit=unit_a, has_fee=True)

        assert Procedure.objects.get(code="1.004567") == procedure
        assert procedure.has_fee is True

    def test_procedure_create_refuses_a_malformed_code_and_writes_nothing(self, unit_a):
        with pytest.raises(ValidationError) as refused:
            procedure_create(code="1.45", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a)

        assert refused.value.message_dict == {
            "code": ["A national procedure code has the form 1.004567 (a digit, a dot, six digits)."]
        }
        assert Procedure.objects.count() == 0

    def test_procedure_update_moves_a_procedure_to_another_unit(self, unit_a, unit_b):
        procedure = ProcedureFactory(unit=unit_a)

        procedure_update(procedure=procedure, data={"unit": unit_b})

        assert Procedure.objects.get().unit == unit_b

    def test_field_delete_of_a_used_field_is_a_conflict(self, unit_a):
        procedure = ProcedureFactory(unit=unit_a)

        with pytest.raises(ConflictError):
            field_delete(field=procedure.field)

        assert Field.objects.count() == 1


@pytest.mark.django_db
def test_a_duplicate_inserted_just_after_our_check_still_gets_the_field_message(monkeypatch):
    FieldFactory(code="pharmacy")
    field = Field(code="pharmacy", name_vi="Dược")
    # As if the other request inserted its field between our full_clean() and our INSERT.
    monkeypatch.setattr(field, "full_clean", lambda: None)

    with pytest.raises(ValidationError) as refused:
        save_validated(field)

    assert refused.value.message_dict == {"code": ["Field with this Code already exists."]}
    assert Field.objects.count() == 1


@pytest.mark.django_db
class TestVersionServices:
    def test_version_create_refuses_an_overlap_and_writes_nothing(self, unit_a):
        procedure = ProcedureFactory(unit=unit_a)
        ProcedureVersionFactory(procedure=procedure, decision_number="1/QĐ-BYT", effective_from=D(2020, 1, 1))

        with pytest.raises(ValidationError) as refused:
            procedure_version_create(
                procedure=procedure,
                decision_number="2/QĐ-BYT",
                decision_date=D(2025, 1, 1),
                effective_from=D(2025, 1, 1),
                processing_days=10,
            )

        assert refused.value.message_dict == {
            "effective_from": [
                "These dates overlap version 1/QĐ-BYT, in force from 01/01/2020 to now. Close that version first."
            ]
        }
        assert ProcedureVersion.objects.count() == 1

    def test_reduction_plan_create_refuses_a_target_above_the_baseline(self, unit_a):
        with pytest.raises(ValidationError) as refused:
            reduction_plan_create(procedure=ProcedureFactory(unit=unit_a), year=2026, baseline_days=10, target_days=12)

        assert refused.value.messages == ["A target cannot be above its baseline."]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_overlapping_version_waits_for_the_first_and_is_refused(unit_a):
    # Given a request that has added a version but not yet committed
    procedure = ProcedureFactory(unit=unit_a)
    outcome = {}

    def version(number):
        return {
            "procedure": procedure,
            "decision_number": number,
            "decision_date": D(2025, 1, 1),
            "effective_from": D(2025, 1, 1),
            "processing_days": 10,
        }

    @translation.override("en")
    def second_request():
        try:
            procedure_version_create(**version("2/QĐ-BYT"))
            outcome["result"] = "created"
        except ValidationError as error:
            outcome["result"] = error.message_dict
        finally:
            connection.close()

    with transaction.atomic():
        procedure_version_create(**version("1/QĐ-BYT"))
        # When a second request adds an overlapping version
        thread = threading.Thread(target=second_request)
        thread.start()
        thread.join(timeout=1)
        # Then it waits on the procedure's lock
        assert thread.is_alive()
    thread.join(timeout=10)

    # And once the first commits, it sees that version and is refused
    assert outcome["result"] == {
        "effective_from": [
            "These dates overlap version 1/QĐ-BYT, in force from 01/01/2025 to now. Close that version first."
        ]
    }
    assert list(ProcedureVersion.objects.values_list("decision_number", flat=True)) == ["1/QĐ-BYT"]
