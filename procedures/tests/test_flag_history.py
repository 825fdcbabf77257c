"""The catalogue's inputs to the national index: publicity of each version, the new flags, and the
history of every flag, so that a past period is scored with the catalogue as it stood then."""

import datetime

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory
from django.utils import timezone

from procedures.choices import OnlineService
from procedures.models import Procedure, ProcedureFlags
from procedures.services import (
    procedure_create,
    procedure_flags_record,
    procedure_update,
    procedure_version_update,
)
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory, UserFactory, make_token

D = datetime.date


def at_noon(day: datetime.date):
    """Noon in Hanoi on ``day`` (05:00 UTC), for time_machine."""
    return datetime.datetime(day.year, day.month, day.day, 5, 0, tzinfo=datetime.UTC)


def online_on(procedure, day):
    return ProcedureFlags.objects.valid_on(day).get(procedure=procedure).online_service


@pytest.mark.django_db
class TestHistory:
    def test_a_new_procedure_starts_its_history_valid_for_every_earlier_day(self, unit_a):
        procedure = procedure_create(
            code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a, online_service=OnlineService.FULL
        )

        row = ProcedureFlags.objects.get(procedure=procedure)
        assert (row.valid_from, row.valid_to, row.online_service) == (None, None, OnlineService.FULL)
        assert online_on(procedure, D(2001, 1, 1)) == OnlineService.FULL

    def test_a_change_of_flags_keeps_the_old_values_for_the_days_before_it(self, unit_a):
        with time_machine.travel(at_noon(D(2025, 1, 10)), tick=False):
            procedure = procedure_create(code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a)
        with time_machine.travel(at_noon(D(2025, 3, 3)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.PARTIAL, "has_fee": True})

        assert online_on(procedure, D(2025, 3, 2)) == OnlineService.NONE
        assert online_on(procedure, D(2025, 3, 3)) == OnlineService.PARTIAL
        assert ProcedureFlags.objects.valid_on(D(2025, 3, 2)).get(procedure=procedure).has_fee is False
        assert ProcedureFlags.objects.valid_on(D(2025, 3, 3)).get(procedure=procedure).has_fee is True
        assert list(
            ProcedureFlags.objects.filter(procedure=procedure).order_by("id").values_list("valid_from", "valid_to")
        ) == [(None, D(2025, 3, 3)), (D(2025, 3, 3), None)]

    def test_two_changes_on_one_day_leave_one_row_for_that_day(self, unit_a):
        with time_machine.travel(at_noon(D(2025, 1, 10)), tick=False):
            procedure = procedure_create(code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a)
        with time_machine.travel(at_noon(D(2025, 3, 3)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.PARTIAL})
            procedure_update(procedure=procedure, data={"online_service": OnlineService.FULL})

        assert ProcedureFlags.objects.filter(procedure=procedure).count() == 2
        assert online_on(procedure, D(2025, 3, 3)) == OnlineService.FULL

    def test_a_change_back_on_the_same_day_leaves_no_trace(self, unit_a):
        with time_machine.travel(at_noon(D(2025, 1, 10)), tick=False):
            procedure = procedure_create(code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a)
        with time_machine.travel(at_noon(D(2025, 3, 3)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.PARTIAL})
        with time_machine.travel(at_noon(D(2025, 4, 1)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.FULL, "has_fee": True})
            procedure_update(procedure=procedure, data={"online_service": OnlineService.PARTIAL, "has_fee": False})

        # The row of 1 April is gone and the row of 3 March holds again, open: no two consecutive
        # rows with the same flags.
        assert list(
            ProcedureFlags.objects.filter(procedure=procedure)
            .order_by("id")
            .values_list("valid_from", "valid_to", "online_service", "has_fee")
        ) == [(None, D(2025, 3, 3), OnlineService.NONE, False), (D(2025, 3, 3), None, OnlineService.PARTIAL, False)]
        assert online_on(procedure, D(2025, 4, 1)) == OnlineService.PARTIAL

    def test_a_change_back_on_a_later_day_is_a_new_row(self, unit_a):
        with time_machine.travel(at_noon(D(2025, 1, 10)), tick=False):
            procedure = procedure_create(code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a)
        with time_machine.travel(at_noon(D(2025, 3, 3)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.PARTIAL})
        with time_machine.travel(at_noon(D(2025, 3, 4)), tick=False):
            procedure_update(procedure=procedure, data={"online_service": OnlineService.NONE})

        assert list(
            ProcedureFlags.objects.filter(procedure=procedure).order_by("id").values_list("valid_from", "valid_to")
        ) == [(None, D(2025, 3, 3)), (D(2025, 3, 3), D(2025, 3, 4)), (D(2025, 3, 4), None)]
        assert online_on(procedure, D(2025, 3, 3)) == OnlineService.PARTIAL

    def test_a_change_that_is_not_a_flag_leaves_the_history_alone(self, unit_a):
        procedure = ProcedureFactory(unit=unit_a)

        procedure_update(procedure=procedure, data={"name_vi": "Tên mới"})

        assert ProcedureFlags.objects.filter(procedure=procedure).count() == 1

    def test_recording_is_set_based_whatever_the_number_of_procedures(self, unit_a, django_assert_num_queries):
        procedures = [ProcedureFactory(unit=unit_a) for _ in range(5)]
        Procedure.objects.filter(pk__in=[p.pk for p in procedures[:3]]).update(uses_population_data=True)

        # Two reads, then inside one transaction: close the old rows, open the new ones.
        with django_assert_num_queries(6):
            changed = procedure_flags_record(on=D(2025, 6, 1))

        assert changed == 3
        assert ProcedureFlags.objects.valid_on(D(2025, 6, 1)).filter(uses_population_data=True).count() == 3
        assert ProcedureFlags.objects.valid_on(D(2025, 5, 31)).filter(uses_population_data=True).count() == 0

    def test_the_admin_records_the_history_when_it_saves_a_procedure(self, unit_a, office_staff):
        procedure = ProcedureFactory(unit=unit_a)
        procedure.payable_on_portal, procedure.has_fee = True, True
        request = RequestFactory().post("/admin/")
        request.user = office_staff

        with time_machine.travel(at_noon(D(2025, 6, 2)), tick=False):
            site._registry[Procedure].save_model(request, procedure, form=None, change=True)

        assert ProcedureFlags.objects.valid_on(D(2025, 6, 1)).get(procedure=procedure).payable_on_portal is False
        assert ProcedureFlags.objects.valid_on(D(2025, 6, 2)).get(procedure=procedure).payable_on_portal is True


@pytest.mark.django_db
class TestValidation:
    def test_only_a_procedure_with_a_fee_is_payable_on_the_portal(self, unit_a):
        with pytest.raises(ValidationError) as refused:
            procedure_create(
                code="1.004567", name_vi="Cấp phép", field=FieldFactory(), unit=unit_a, payable_on_portal=True
            )

        assert refused.value.message_dict == {
            "payable_on_portal": ["Only a procedure with a fee can be payable on the national portal."]
        }
        assert not ProcedureFlags.objects.exists()

    def test_a_version_is_not_published_before_its_decision(self, unit_a):
        version = ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit_a), decision_date=D(2025, 3, 3), effective_from=D(2025, 4, 1)
        )

        with pytest.raises(ValidationError) as refused:
            procedure_version_update(version=version, data={"published_on": D(2025, 3, 2)})

        assert refused.value.message_dict == {
            "published_on": ["A version cannot be published before its announcing decision."]
        }

    def test_complete_components_need_a_publication_date(self, unit_a):
        version = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a))

        with pytest.raises(ValidationError) as refused:
            procedure_version_update(version=version, data={"components_complete": True})

        assert list(refused.value.message_dict) == ["components_complete"]

    def test_the_dates_a_version_fixes_cannot_change_through_its_publication(self, unit_a):
        version = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a))

        with pytest.raises(TypeError):
            procedure_version_update(version=version, data={"processing_days": 1})


@pytest.mark.django_db
class TestApi:
    @pytest.fixture
    def client(self, api_client, unit_a):
        _token, key = make_token(user=UserFactory(username="catalogue"), scopes=["catalogue:write"], units=[unit_a])
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        api_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return api_client

    @pytest.fixture
    def version(self, unit_a):
        return ProcedureVersionFactory(
            procedure=ProcedureFactory(code="1.004567", unit=unit_a, has_fee=True),
            decision_date=D(2025, 3, 3),
            effective_from=D(2025, 4, 1),
        )

    def test_the_new_flags_are_written_and_kept_in_the_history(self, client, version):
        response = client.patch(
            "/api/v1/procedures/1.004567/",
            {"payable_on_portal": True, "for_citizens": True, "uses_population_data": True, "paper_result": False},
            format="json",
        )

        assert response.status_code == 200, response.json()
        assert response.json()["payable_on_portal"] is True
        history = client.get("/api/v1/procedures/1.004567/flags/").json()
        today = timezone.localdate().isoformat()
        assert [(row["valid_from"], row["valid_to"], row["payable_on_portal"]) for row in history] == [
            (None, today, False),
            (today, None, True),
        ]

    def test_payable_without_a_fee_is_a_400_naming_the_field(self, client, version):
        response = client.patch("/api/v1/procedures/1.004567/", {"has_fee": False, "payable_on_portal": True})

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "payable_on_portal": ["Only a procedure with a fee can be payable on the national portal."]
        }

    def test_a_versions_publication_is_recorded(self, client, version):
        response = client.patch(
            f"/api/v1/procedures/1.004567/versions/{version.pk}/",
            {"legal_basis_effective_on": "2025-05-01", "published_on": "2025-03-10", "components_complete": True},
            format="json",
        )

        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["legal_basis_effective_on"], body["published_on"], body["components_complete"]) == (
            "2025-05-01",
            "2025-03-10",
            True,
        )
        version.refresh_from_db()
        assert version.published_on == D(2025, 3, 10)

    def test_a_new_version_may_come_with_its_publicity(self, client, version):
        response = client.post(
            "/api/v1/procedures/1.004567/versions/",
            {
                "decision_number": "12/QĐ-BYT",
                "decision_date": "2025-03-03",
                "effective_from": "2030-01-01",
                "processing_days": 10,
                "legal_basis_effective_on": "2030-01-01",
                "components_complete": True,
            },
            format="json",
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["components_complete"]

    def test_a_versions_processing_time_cannot_be_patched(self, client, version):
        response = client.patch(f"/api/v1/procedures/1.004567/versions/{version.pk}/", {"processing_days": 1})

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["processing_days"]

    def test_a_publication_before_the_decision_is_a_400(self, client, version):
        response = client.patch(f"/api/v1/procedures/1.004567/versions/{version.pk}/", {"published_on": "2025-03-01"})

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "published_on": ["A version cannot be published before its announcing decision."]
        }

    def test_a_publication_in_the_future_or_a_legal_basis_of_1800_is_a_400(self, client, version):
        # A new user saved 2099-01-01 and 1800-01-01: both would have counted in 1.1 and 1.2.
        url = f"/api/v1/procedures/1.004567/versions/{version.pk}/"
        future = client.patch(url, {"published_on": "2099-01-01"})
        ancient = client.patch(url, {"legal_basis_effective_on": "1800-01-01"})

        assert future.status_code == 400
        assert future.json()["errors"] == {"published_on": ["A publication date cannot be in the future."]}
        assert ancient.status_code == 400
        assert ancient.json()["errors"] == {"legal_basis_effective_on": ["Give a date from 01/01/1990 on."]}


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_starts_every_procedures_history_with_its_current_flags():
    executor = MigrationExecutor(connection)
    executor.migrate([("procedures", "0001_initial")])
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        # Given two procedures of the release before the history, one offered fully online
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        full = Procedure.objects.create(
            code="1.004567", name_vi="A", field=field, unit=unit, online_service="full", has_fee=True
        )
        offline = Procedure.objects.create(code="1.004568", name_vi="B", field=field, unit=unit)

        # When the database is upgraded
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        # Then each has one row of history valid on any day, with its flags and the new defaults
        rows = {row.procedure_id: row for row in ProcedureFlags.objects.valid_on(D(2020, 1, 1))}
        assert set(rows) == {full.pk, offline.pk}
        assert (rows[full.pk].online_service, rows[full.pk].has_fee, rows[full.pk].full_online_eligible) == (
            "full",
            True,
            True,
        )
        assert (rows[offline.pk].online_service, rows[offline.pk].paper_result, rows[offline.pk].for_citizens) == (
            "none",
            True,
            False,
        )
        current = MigrationExecutor(connection).loader.project_state().apps.get_model("procedures", "Procedure")
        assert current.objects.get(pk=full.pk).full_online_eligible is True
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_merges_consecutive_rows_with_the_same_flags():
    executor = MigrationExecutor(connection)
    executor.migrate([("procedures", "0003_seed_flag_history")])
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        # Given a history with two runs of identical rows (left by same-day changes back) and another
        # procedure whose history has none
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        Flags = old.get_model("procedures", "ProcedureFlags")
        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        repeated = Procedure.objects.create(code="1.004567", name_vi="A", field=field, unit=unit)
        clean = Procedure.objects.create(code="1.004568", name_vi="B", field=field, unit=unit)
        flags = dict.fromkeys(ProcedureFlags.FLAG_FIELDS[1:], False)
        for procedure, stretches in (
            (
                repeated,
                [
                    (None, D(2025, 3, 3), "none"),
                    (D(2025, 3, 3), D(2025, 4, 1), "none"),
                    (D(2025, 4, 1), D(2025, 5, 1), "partial"),
                    (D(2025, 5, 1), D(2025, 5, 2), "partial"),
                    (D(2025, 5, 2), None, "partial"),
                ],
            ),
            (clean, [(None, D(2025, 3, 3), "none"), (D(2025, 3, 3), None, "full")]),
        ):
            for valid_from, valid_to, online in stretches:
                Flags.objects.create(
                    procedure=procedure, valid_from=valid_from, valid_to=valid_to, online_service=online, **flags
                )

        # When the database is upgraded
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        # Then each run is one row over the same days; the other history is as it was
        def history(procedure):
            return list(
                ProcedureFlags.objects.filter(procedure_id=procedure.pk)
                .order_by("id")
                .values_list("valid_from", "valid_to", "online_service")
            )

        assert history(repeated) == [(None, D(2025, 4, 1), "none"), (D(2025, 4, 1), None, "partial")]
        assert history(clean) == [(None, D(2025, 3, 3), "none"), (D(2025, 3, 3), None, "full")]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
