"""Upgrading a populated database in place across the app split (issue 9).

The database is taken back to the schema of the release before the split (the calendar overrides
and the rollups still in ``dossiers``), filled through the models as they stood then, and migrated
forward: every row must be found in its new app, with the same ids, and a permission granted on a
moved model must still be granted. Runs on SQLite and on PostgreSQL.
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_SPLIT = [
    ("dossiers", "0005_dossier_status_list_order"),
    ("stats", None),
    ("workdays", None),
]


@pytest.mark.django_db(transaction=True)
def test_the_split_keeps_every_row_of_a_populated_database():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_SPLIT)
    # The models as the applied migrations define them, i.e. as the old release had them.
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        # Given a database at the release before the split, with a dossier, rollups, a run, the
        # lock row, a calendar override and a permission granted on the overrides
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        Version = old.get_model("procedures", "ProcedureVersion")
        Dossier = old.get_model("dossiers", "Dossier")
        Event = old.get_model("dossiers", "DossierEvent")
        DailyStat = old.get_model("dossiers", "DailyStat")
        StatsRun = old.get_model("dossiers", "StatsRun")
        RollupLock = old.get_model("dossiers", "RollupLock")
        Override = old.get_model("dossiers", "CalendarOverride")
        ContentType = old.get_model("contenttypes", "ContentType")
        Permission = old.get_model("auth", "Permission")
        Group = old.get_model("auth", "Group")

        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        procedure = Procedure.objects.create(
            code="1.004567", name_vi="Cấp giấy phép", field=field, unit=unit, level="central", online_service="full"
        )
        version = Version.objects.create(
            procedure=procedure,
            decision_number="1/QĐ-BYT",
            decision_date=datetime.date(2024, 1, 1),
            effective_from=datetime.date(2024, 1, 1),
            processing_days=5,
        )
        at = datetime.datetime(2025, 11, 3, 3, 0, tzinfo=datetime.UTC)
        dossier = Dossier.objects.create(
            code="BYT-QLD-251103-0001",
            procedure=procedure,
            procedure_version=version,
            unit=unit,
            field=field,
            channel="online",
            applicant_name="Nguyễn Văn An",
            received_at=at,
            received_on=datetime.date(2025, 11, 3),
            processing_days=5,
            counted_from=datetime.date(2025, 11, 3),
            appointment_date=datetime.date(2025, 11, 10),
            last_event_at=at,
            event_count=1,
        )
        Event.objects.create(dossier=dossier, sequence=1, kind="received", at=at, on=datetime.date(2025, 11, 3))
        stats = [
            DailyStat.objects.create(
                day=datetime.date(2025, 11, day), unit=unit, procedure=procedure, field=field, received_online=day
            )
            for day in (3, 4, 5)
        ]
        run = StatsRun.objects.create(kind="nightly", status="succeeded", rows_written=3)
        lock = RollupLock.objects.create()
        override = Override.objects.create(
            date=datetime.date(2026, 1, 2), kind="day_off", document="Official letter 12729/VPCP-KGVX"
        )
        # The content types as an older release created them, and a permission granted on one.
        override_type, _ = ContentType.objects.get_or_create(app_label="dossiers", model="calendaroverride")
        for model in ("dailystat", "statsrun", "rolluplock"):
            ContentType.objects.get_or_create(app_label="dossiers", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=override_type, codename="change_calendaroverride", defaults={"name": "Can change"}
        )
        clerks = Group.objects.create(name="calendar clerks")
        clerks.permissions.add(permission)

        # When the new code migrates it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        new = MigrationExecutor(connection).loader.project_state().apps

        # Then every row is in its new app, under the same id
        assert list(
            new.get_model("stats", "DailyStat").objects.order_by("day").values_list("id", "received_online")
        ) == [(row.pk, row.received_online) for row in stats]
        assert new.get_model("stats", "StatsRun").objects.get().pk == run.pk
        assert new.get_model("stats", "RollupLock").objects.get().pk == lock.pk
        moved = new.get_model("workdays", "CalendarOverride").objects.get(pk=override.pk)
        assert (moved.pk, moved.date, moved.document) == (override.pk, override.date, override.document)
        assert new.get_model("dossiers", "Dossier").objects.get().code == "BYT-QLD-251103-0001"
        assert new.get_model("dossiers", "DossierEvent").objects.count() == 1
        # Issue 10: the row staff entered stays theirs beside the official days shipped as data …
        overrides = new.get_model("workdays", "CalendarOverride").objects
        assert (moved.source, overrides.filter(source="official").count()) == ("staff", 12)
        # … the receipt records the dates it fixed, and the dossier has its deadline and intervals.
        event = new.get_model("dossiers", "DossierEvent").objects.get()
        assert (event.data["counted_from"], event.data["appointment_date"]) == ("2025-11-03", "2025-11-10")
        upgraded = new.get_model("dossiers", "Dossier").objects.get()
        assert upgraded.overdue_from == datetime.date(2025, 11, 11)
        assert list(
            new.get_model("dossiers", "StateInterval").objects.values_list("starts_on", "ends_on", "overdue_from")
        ) == [(datetime.date(2025, 11, 3), datetime.date.max, datetime.date(2025, 11, 11))]
        # the tables carry the new apps' names
        tables = set(connection.introspection.table_names())
        assert {"stats_dailystat", "stats_statsrun", "stats_rolluplock", "workdays_calendaroverride"} <= tables
        assert not {"dossiers_dailystat", "dossiers_calendaroverride"} & tables
        # and the group keeps its permission, now on the workdays model
        granted = new.get_model("auth", "Group").objects.get(name="calendar clerks").permissions.get()
        assert (granted.content_type.app_label, granted.codename) == ("workdays", "change_calendaroverride")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_dossiers_each_get_their_own_random_lookup_code():
    executor = MigrationExecutor(connection)
    executor.migrate([("dossiers", "0006_move_calendar_and_statistics_out")])
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        # Given three dossiers of the release before lookup codes
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        Version = old.get_model("procedures", "ProcedureVersion")
        Dossier = old.get_model("dossiers", "Dossier")
        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        procedure = Procedure.objects.create(
            code="1.004567", name_vi="Cấp giấy phép", field=field, unit=unit, level="central", online_service="full"
        )
        version = Version.objects.create(
            procedure=procedure,
            decision_number="1/QĐ-BYT",
            decision_date=datetime.date(2024, 1, 1),
            effective_from=datetime.date(2024, 1, 1),
            processing_days=5,
        )
        at = datetime.datetime(2025, 11, 3, 3, 0, tzinfo=datetime.UTC)
        for number in (1, 2, 3):
            Dossier.objects.create(
                code=f"BYT-QLD-251103-000{number}",
                procedure=procedure,
                procedure_version=version,
                unit=unit,
                field=field,
                channel="online",
                applicant_name="Nguyễn Văn An",
                received_at=at,
                received_on=datetime.date(2025, 11, 3),
                processing_days=5,
                counted_from=datetime.date(2025, 11, 3),
                appointment_date=datetime.date(2025, 11, 10),
                last_event_at=at,
                event_count=1,
            )

        # When the lookup codes' migration runs
        executor = MigrationExecutor(connection)
        executor.migrate([("dossiers", "0007_dossier_lookup_code")])
        new = MigrationExecutor(connection).loader.project_state().apps

        # Then each has its own code of 12 hexadecimal digits (48 random bits)
        codes = list(new.get_model("dossiers", "Dossier").objects.values_list("lookup_code", flat=True))
        assert len(codes) == 3 == len(set(codes))
        assert all(len(code) == 12 and set(code) <= set("0123456789ABCDEF") for code in codes)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_tokens_get_scopes_that_keep_what_they_could_do_but_the_portals_catalogue_writes():
    """Issue 13: the read/write flag becomes scopes; an all-units write token loses catalogue:write."""
    executor = MigrationExecutor(connection)
    executor.migrate([("units", "0001_initial")])
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        User = old.get_model("auth", "User")
        ApiToken = old.get_model("units", "ApiToken")
        user = User.objects.create(username="integration")
        kinds = {
            "portal": {"all_units": True, "can_write": True},
            "unit system": {"all_units": False, "can_write": True},
            "reader": {"all_units": True, "can_write": False},
            "script": {"inherit_user_scope": True},
        }
        for number, (name, flags) in enumerate(kinds.items()):
            ApiToken.objects.create(name=name, user=user, key_hash=f"{number:064d}", key_prefix="x", **flags)
    finally:
        MigrationExecutor(connection).loader.build_graph()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    from units.models import ApiToken as Current

    scopes = dict(Current.objects.values_list("name", "scopes"))
    reads = ["dossiers:read", "emulation:read", "feedback:read", "messages:read", "stats:read"]
    writes = ["dossiers:write", "feedback:write", "messages:write", "sync"]
    assert scopes["portal"] == sorted(reads + writes)
    assert scopes["unit system"] == sorted([*reads, *writes, "catalogue:write"])
    assert scopes["reader"] == reads
    assert scopes["script"] == []


BEFORE_PARTITIONING = [("dossiers", "0015_index_cleanup"), ("stats", "0006_submittedreport")]
PARTITIONED = {
    "dossiers_dossierevent": "on",
    "dossiers_stateinterval": "starts_on",
    "stats_dailystat": "day",
    "stats_feedbackdailystat": "day",
}


def _rows_by_partition(table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, COUNT(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())


def _partitioned_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT partrelid::regclass::text FROM pg_partitioned_table")
        return {row[0] for row in cursor.fetchall()}


def _primary_key(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [table],
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_partitioning_converts_a_populated_database_in_place_and_back():
    """Issue 15: events, state intervals and the rollups become partitioned by year, keeping every row."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_PARTITIONING)
    old = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    try:
        # Given a database of the release before partitioning, with rows from 2023 to 2025
        Unit = old.get_model("units", "Unit")
        Field = old.get_model("procedures", "Field")
        Procedure = old.get_model("procedures", "Procedure")
        Version = old.get_model("procedures", "ProcedureVersion")
        Dossier = old.get_model("dossiers", "Dossier")
        unit = Unit.objects.create(code="QLD", name_vi="Cục Quản lý Dược", kind="administration", path="/")
        field = Field.objects.create(code="duoc", name_vi="Dược phẩm")
        procedure = Procedure.objects.create(
            code="1.004567", name_vi="Cấp giấy phép", field=field, unit=unit, level="central", online_service="full"
        )
        version = Version.objects.create(
            procedure=procedure,
            decision_number="1/QĐ-BYT",
            decision_date=datetime.date(2023, 1, 1),
            effective_from=datetime.date(2023, 1, 1),
            processing_days=5,
        )
        events, intervals, stats, feedback_stats = [], [], [], []
        for number, year in enumerate((2023, 2023, 2024, 2025), start=1):
            day = datetime.date(year, 11, number)
            at = datetime.datetime(year, 11, number, 3, 0, tzinfo=datetime.UTC)
            dossier = Dossier.objects.create(
                code=f"BYT-QLD-{year % 100}110{number}-0001",
                procedure=procedure,
                procedure_version=version,
                unit=unit,
                field=field,
                channel="online",
                applicant_name="Nguyễn Văn An",
                received_at=at,
                received_on=day,
                processing_days=5,
                counted_from=day,
                appointment_date=day + datetime.timedelta(days=7),
                overdue_from=day + datetime.timedelta(days=8),
                last_event_at=at,
                event_count=1,
            )
            events.append(
                old.get_model("dossiers", "DossierEvent").objects.create(
                    dossier=dossier, sequence=1, kind="received", at=at, on=day, data={"year": year}
                )
            )
            intervals.append(
                old.get_model("dossiers", "StateInterval").objects.create(
                    dossier=dossier, unit=unit, procedure=procedure, field=field, starts_on=day, due=day
                )
            )
            stats.append(
                old.get_model("stats", "DailyStat").objects.create(
                    day=day, unit=unit, procedure=procedure, field=field, received_online=number
                )
            )
            feedback_stats.append(
                old.get_model("stats", "FeedbackDailyStat").objects.create(day=day, unit=unit, received=number)
            )

        # When the new code migrates it
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        new = MigrationExecutor(connection).loader.project_state().apps

        # Then the four tables are partitioned, each row in its year's partition, ids and values kept
        assert set(PARTITIONED) <= _partitioned_tables()
        assert _rows_by_partition("dossiers_dossierevent") == {
            "dossiers_dossierevent_y2023": 2,
            "dossiers_dossierevent_y2024": 1,
            "dossiers_dossierevent_y2025": 1,
        }
        assert _rows_by_partition("stats_feedbackdailystat") == {
            "stats_feedbackdailystat_y2023": 2,
            "stats_feedbackdailystat_y2024": 1,
            "stats_feedbackdailystat_y2025": 1,
        }
        Event = new.get_model("dossiers", "DossierEvent")
        DailyStat = new.get_model("stats", "DailyStat")
        assert list(Event.objects.order_by("id").values_list("id", "on", "data")) == [
            (event.pk, event.on, event.data) for event in events
        ]
        Interval = new.get_model("dossiers", "StateInterval")
        assert list(Interval.objects.order_by("id").values_list("id", "starts_on")) == [
            (interval.pk, interval.starts_on) for interval in intervals
        ]
        assert list(DailyStat.objects.order_by("id").values_list("id", "received_online")) == [
            (row.pk, row.received_online) for row in stats
        ]
        assert list(new.get_model("stats", "FeedbackDailyStat").objects.order_by("id").values_list("id", "day")) == [
            (row.pk, row.day) for row in feedback_stats
        ]
        # the primary key includes the partition key in the database, and ids go on from the last one
        assert _primary_key("dossiers_dossierevent") == 'PRIMARY KEY (id, "on")'
        next_year = timezone.localdate().year + 1
        dossier = new.get_model("dossiers", "Dossier").objects.get(code="BYT-QLD-251104-0001")
        at = datetime.datetime(next_year, 2, 3, 3, 0, tzinfo=datetime.UTC)
        added = Event.objects.create(dossier=dossier, sequence=2, kind="ended", at=at, on=at.date())
        assert added.pk > max(event.pk for event in events)
        # a row of next year lands in next year's partition, made ahead by the migration
        assert _rows_by_partition("dossiers_dossierevent")[f"dossiers_dossierevent_y{next_year}"] == 1
        # the ORM writes by ``id`` alone: save, a change of day that moves the row, delete, bulk_create
        row = DailyStat.objects.get(pk=stats[0].pk)
        row.received_online, row.day = 40, datetime.date(2024, 5, 6)
        row.save()
        assert DailyStat.objects.get(pk=stats[0].pk).received_online == 40
        assert _rows_by_partition("stats_dailystat")["stats_dailystat_y2024"] == 2
        DailyStat.objects.filter(pk=stats[1].pk).delete()
        DailyStat.objects.bulk_create(
            [
                DailyStat(
                    day=datetime.date(2023, 1, 2),
                    unit_id=unit.pk,
                    procedure_id=procedure.pk,
                    field_id=field.pk,
                    received_postal=1,
                )
            ]
        )
        assert DailyStat.objects.count() == 4
        # the foreign key from a partitioned table to a plain one still holds
        with pytest.raises(IntegrityError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            Event.objects.create(dossier_id=dossier.pk + 1000, sequence=1, kind="received", at=at, on=at.date())
        # and a dossier's deletion takes its events and intervals with it
        dossier.delete()
        assert Event.objects.filter(dossier_id=dossier.pk).count() == 0
        assert Event.objects.count() == 3

        # When it migrates back, the tables are plain again with their rows and their old keys
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE_PARTITIONING)
        assert not set(PARTITIONED) & _partitioned_tables()
        assert _primary_key("dossiers_dossierevent") == "PRIMARY KEY (id)"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'dossier_event_sequence_unique'"
            )
            assert cursor.fetchone()[0] == "UNIQUE (dossier_id, sequence)"
            cursor.execute("SELECT COUNT(*) FROM dossiers_dossierevent")
            assert cursor.fetchone()[0] == 3
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
