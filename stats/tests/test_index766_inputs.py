"""The counts the national index needs beyond Form 06, as the nightly rollups write them: dossiers
synchronised from a source system (1.4), reusing digitised data (4.3), digitised with components
from the citizen's data store (4.4), received online with a VNeID account (4.5a), and feedback
items that repeat an earlier one (5.3)."""

import datetime

import pytest
import time_machine
from django.db.models import Sum
from django.test import override_settings

from dossiers.choices import Channel
from dossiers.models import Dossier
from dossiers.services import Applicant
from feedback import services as feedback
from feedback.choices import Classification, Source, Topic
from stats import rollups
from stats.models import DailyStat, FeedbackDailyStat
from tests.helpers import local

pytestmark = pytest.mark.django_db

D = datetime.date
NEW_COUNTS = ("received_synced", "received_data_reused", "received_digitised_data_store", "received_online_vneid")


def sums(**filters):
    totals = DailyStat.objects.filter(**filters).aggregate(**{name: Sum(name) for name in NEW_COUNTS})
    return {name: totals[name] or 0 for name in NEW_COUNTS}


def test_the_rollups_count_the_dossier_flags_of_the_index_on_the_day_of_receipt(receive):
    with time_machine.travel(local(2026, 3, 2, 9), tick=False) as clock:
        synced = receive(local(2026, 3, 2, 8), channel=Channel.ONLINE, vneid_verified=True, data_reused=True)
        receive(local(2026, 3, 2, 8, 30), channel=Channel.ONLINE, vneid_verified=False, documents_digitised=True)
        # From the data store but not marked digitised: not counted for 4.4 (its denominator is
        # the digitised dossiers).
        receive(local(2026, 3, 2, 8, 40), from_data_store=True)
        receive(local(2026, 3, 2, 8, 45), documents_digitised=True, from_data_store=True)
        # VNeID on a dossier received at the desk: 4.5a counts online receipts only.
        receive(local(2026, 3, 2, 8, 50), channel=Channel.IN_PERSON, vneid_verified=True)
        clock.move_to(local(2026, 3, 3, 9))
        receive(local(2026, 3, 3, 8), data_reused=True)
        # What the sync service records for a dossier a source system sent.
        Dossier.objects.filter(pk=synced.pk).update(source_system="mcdt-byt", synced_at=local(2026, 3, 2, 9))
        clock.move_to(local(2026, 3, 4, 2))
        rollups.rollup_days(D(2026, 3, 2), D(2026, 3, 3))

    assert sums(day=D(2026, 3, 2)) == {
        "received_synced": 1,
        "received_data_reused": 1,
        "received_digitised_data_store": 1,
        "received_online_vneid": 1,
    }
    assert sums(day=D(2026, 3, 3)) == {
        "received_synced": 0,
        "received_data_reused": 1,
        "received_digitised_data_store": 0,
        "received_online_vneid": 0,
    }


@pytest.fixture
def now():
    with time_machine.travel(local(2026, 3, 2, 9), tick=False) as clock:
        yield clock


def forwarded(unit, officer, *, title="Kiến nghị", procedure=None, dossier=None, **sender):
    return feedback.feedback_receive(
        unit=unit,
        source=Source.DIRECT,
        classification=Classification.REGULATION,
        sender=feedback.Sender(**{"name": "Công ty ABC", **sender}),
        title=title,
        content="…",
        by=officer,
        procedure=procedure,
        dossier=dossier,
    )


class TestRepeats:
    def test_the_same_sender_on_the_same_dossier_again_repeats_the_latest_earlier_item(self, now, receive, officer_a):
        dossier = receive(local(2026, 2, 23, 10), applicant=Applicant(name="Nguyễn Văn An"))
        first = feedback.feedback_submit_public(dossier=dossier, topic=Topic.DOSSIER, title="Một", content="…")
        feedback.feedback_answer(feedback=first, by=officer_a, answer="…")
        now.move_to(local(2026, 3, 5, 9))

        second = feedback.feedback_submit_public(dossier=dossier, topic=Topic.DOSSIER, title="Lại", content="…")

        assert (first.repeats, second.repeats) == (None, first)

    def test_the_same_sender_is_known_by_email_phone_or_name(self, now, unit_a, officer_a, procedure):
        first = forwarded(unit_a, officer_a, procedure=procedure, email="phaply@abc.vn")
        now.move_to(local(2026, 3, 3, 9))

        by_email = forwarded(unit_a, officer_a, procedure=procedure, name="Bà Lan", email="PhapLy@abc.vn")
        by_name = forwarded(unit_a, officer_a, procedure=procedure, name="công ty abc")
        another = forwarded(unit_a, officer_a, procedure=procedure, name="Công ty XYZ", phone="0912345678")

        assert (by_email.repeats, by_name.repeats, another.repeats) == (first, first, None)

    def test_another_subject_or_an_item_too_old_is_not_a_repeat(self, now, unit_a, unit_b, officer_a, procedure):
        first = forwarded(unit_a, officer_a, title="Thời hạn cấp phép")
        now.move_to(local(2026, 3, 3, 9))
        other_title = forwarded(unit_a, officer_a, title="Phí thẩm định")
        other_unit = forwarded(unit_b, officer_a, title="Thời hạn cấp phép")
        about_procedure = forwarded(unit_a, officer_a, title="Thời hạn cấp phép", procedure=procedure)
        same = forwarded(unit_a, officer_a, title="THỜI HẠN CẤP PHÉP".lower())
        now.move_to(local(2026, 6, 30, 9))  # 120 days later: beyond the 90 days
        late = forwarded(unit_a, officer_a, title="Thời hạn cấp phép")

        assert [item.repeats for item in (other_title, other_unit, about_procedure, same, late)] == [
            None,
            None,
            None,
            first,
            None,
        ]

    @override_settings(TTHC_FEEDBACK_REPEAT_DAYS=0)
    def test_a_window_of_0_days_turns_repeats_off(self, now, unit_a, officer_a):
        forwarded(unit_a, officer_a)
        now.move_to(local(2026, 3, 3, 9))

        assert forwarded(unit_a, officer_a).repeats is None

    def test_the_rollups_count_repeats_on_the_day_they_arrive(self, now, unit_a, officer_a):
        forwarded(unit_a, officer_a)
        now.move_to(local(2026, 3, 3, 9))
        forwarded(unit_a, officer_a)
        forwarded(unit_a, officer_a, title="Khác")
        now.move_to(local(2026, 3, 4, 2))

        rollups.rollup_days(D(2026, 3, 2), D(2026, 3, 3))

        rows = FeedbackDailyStat.objects.order_by("day").values_list("day", "received", "received_repeat")
        assert list(rows) == [(D(2026, 3, 2), 1, 0), (D(2026, 3, 3), 2, 1)]


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_upgrade_keep_their_counts_and_hold_0_in_the_new_ones():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("stats", "0006_submittedreport")])
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        procedure = Procedure.objects.create(code="1.004567", name_vi="A", field=field, unit=unit)
        old.get_model("stats", "DailyStat").objects.create(
            day=D(2026, 3, 2), unit_id=unit.pk, procedure_id=procedure.pk, field_id=field.pk, received_online=3
        )
        old.get_model("stats", "FeedbackDailyStat").objects.create(day=D(2026, 3, 2), unit_id=unit.pk, received=2)

        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        row = DailyStat.objects.get()
        assert (row.received_online, *(getattr(row, name) for name in NEW_COUNTS)) == (3, 0, 0, 0, 0)
        assert FeedbackDailyStat.objects.values_list("received", "received_repeat").get() == (2, 0)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
