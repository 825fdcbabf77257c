"""Issue 15: the events, state intervals and daily rollups are partitioned by year on PostgreSQL
(``config.partitions``; the conversion of a populated database is in ``tests/test_migrations.py``)."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config import partitions
from config.bulk import insert_rows, reserve_ids
from config.celery_app import app
from config.tasks import create_partitions_ahead
from dossiers.choices import EventKind
from dossiers.models import DossierEvent
from stats.models import DailyStat
from tests.helpers import act, local

pytestmark = pytest.mark.django_db

TABLES = [
    ("dossiers_dossierevent", "on"),
    ("dossiers_stateinterval", "starts_on"),
    ("stats_dailystat", "day"),
    ("stats_feedbackdailystat", "day"),
]


def _partition_of(table: str, row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [row_id])
        return cursor.fetchone()[0]


def _stat(procedure, day, **counts):
    return DailyStat.objects.create(day=day, unit=procedure.unit, procedure=procedure, field=procedure.field, **counts)


@pytest.mark.postgres
def test_the_tables_are_partitioned_by_year_of_their_date():
    with connection.cursor() as cursor:
        assert partitions.yearly_tables(cursor) == sorted(TABLES)


@pytest.mark.postgres
def test_the_partitions_ahead_are_created_once():
    # Given partitioned tables without partitions for 2040 to 2042
    # When the nightly task runs on a day of 2040, twice
    first = create_partitions_ahead("2040-06-01")
    second = create_partitions_ahead("2040-06-01")

    # Then the first run creates this year's and the next two years' partitions of every table,
    # and the second creates nothing
    assert sorted(first) == sorted(f"{table}_y{year}" for table, _ in TABLES for year in (2040, 2041, 2042))
    assert second == []


@pytest.mark.postgres
def test_rows_the_default_partition_caught_move_to_their_years_new_partition(procedure):
    # Given a rollup of 2031, a year without a partition, caught by the DEFAULT partition
    stat = _stat(procedure, datetime.date(2031, 3, 4), received_online=2)
    assert _partition_of("stats_dailystat", stat.pk) == "stats_dailystat_default"

    # When the partitions ahead are created
    created = create_partitions_ahead("2040-06-01")

    # Then 2031 has its partition, holding the row, unchanged
    assert "stats_dailystat_y2031" in created
    assert _partition_of("stats_dailystat", stat.pk) == "stats_dailystat_y2031"
    assert DailyStat.objects.get(pk=stat.pk).received_online == 2


@pytest.mark.postgres
def test_copy_into_the_events_routes_each_row_to_its_years_partition(receive):
    # Given partitions for 2024 to 2026 and a dossier received in 2025
    partitions.create_partitions_ahead(today=datetime.date(2024, 1, 1))
    dossier = act(receive, at=local(2025, 12, 30, 9))

    # When the bulk synchronisation's COPY writes two events, one of 2025 and one of 2026, with
    # ids reserved from the table's sequence
    ids = reserve_ids(DossierEvent, 2)
    columns = ["id", "dossier_id", "sequence", "kind", "at", "on", "note", "data", "recorded_at", "by_id"]
    rows = [
        (dossier.pk, 2, EventKind.SUPPLEMENT_REQUESTED, local(2025, 12, 31), datetime.date(2025, 12, 31), "", "{}"),
        (dossier.pk, 3, EventKind.SUPPLEMENT_RECEIVED, local(2026, 1, 5), datetime.date(2026, 1, 5), "", "{}"),
    ]
    recorded = local(2026, 1, 5)
    insert_rows(DossierEvent, columns, [(id_, *row, recorded, None) for id_, row in zip(ids, rows, strict=True)])

    # Then each is in its year's partition, beside the receipt
    events = DossierEvent.objects.filter(dossier=dossier).order_by("sequence")
    assert [(event.sequence, _partition_of("dossiers_dossierevent", event.pk)) for event in events] == [
        (1, "dossiers_dossierevent_y2025"),
        (2, "dossiers_dossierevent_y2025"),
        (3, "dossiers_dossierevent_y2026"),
    ]
    assert [event.pk for event in events][1:] == ids
    # and the sequence goes on after the reserved ids
    later = DossierEvent.objects.create(dossier=dossier, sequence=4, kind=EventKind.RATED, at=local(2026, 1, 6))
    assert later.pk > max(ids)
    # and a dossier's sequence numbers stay unique within a year
    with pytest.raises(IntegrityError), transaction.atomic():
        DossierEvent.objects.create(
            dossier=dossier, sequence=2, kind=EventKind.RATED, at=local(2025, 12, 31, 11), data=json.loads(rows[0][6])
        )


def _plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_a_period_query_reads_only_its_years_partitions(procedure):
    # Given partitions for 2024 to 2026
    partitions.create_partitions_ahead(today=datetime.date(2024, 1, 1))

    # When the rollups of 2025 and the events of its first quarter are read
    stats_plan = str(
        DailyStat.objects.filter(day__gte=datetime.date(2025, 1, 1), day__lte=datetime.date(2025, 12, 31)).explain()
    )
    events_plan = str(
        DossierEvent.objects.filter(
            kind=EventKind.RATED, on__gte=datetime.date(2025, 1, 1), on__lte=datetime.date(2025, 3, 31)
        ).explain()
    )

    # Then the plans read 2025's partition alone (partition pruning)
    assert "stats_dailystat_y2025" in stats_plan
    assert not {"stats_dailystat_y2024", "stats_dailystat_y2026", "stats_dailystat_default"} & set(
        stats_plan.replace("(", " ").split()
    )
    assert "dossiers_dossierevent_y2025" in events_plan
    assert "dossiers_dossierevent_y2024" not in events_plan
    assert "dossiers_dossierevent_default" not in events_plan


@pytest.mark.postgres
def test_the_nightly_chunk_reads_the_events_of_its_own_year_only(procedure):
    from stats.rollups import _chunk_sql

    partitions.create_partitions_ahead(today=datetime.date(2024, 1, 1))
    march = {"start": datetime.date(2025, 3, 1), "end": datetime.date(2025, 3, 31)}
    params = {**march, "before": datetime.date(2025, 2, 28)}

    plan = _plan(_chunk_sql(opening_from_rollups=False), params)

    assert "dossiers_dossierevent_y2025" in plan
    assert not {"dossiers_dossierevent_y2024", "dossiers_dossierevent_y2026"} & set(plan.split())


def test_the_partitions_ahead_are_scheduled_every_night():
    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["partitions-ahead"]
    assert entry["task"] == create_partitions_ahead.name
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {20})


def test_sqlite_keeps_plain_tables_and_the_task_does_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite side of the rule; PostgreSQL is covered above")
    from io import StringIO

    from django.core.management import call_command

    assert create_partitions_ahead("2040-06-01") == []
    out = StringIO()
    call_command("create_partitions", stdout=out)
    assert out.getvalue() == "Nothing to do: only PostgreSQL partitions its tables.\n"


@pytest.mark.postgres
def test_the_command_creates_the_missing_partitions_once():
    from io import StringIO

    from django.core.management import call_command

    with connection.cursor() as cursor:
        # Given next year's partition of the rollups gone, and none yet for the year after
        year = timezone.localdate().year
        for offset in (1, 2):
            cursor.execute(f"DROP TABLE IF EXISTS stats_dailystat_y{year + offset}")

    first, second = StringIO(), StringIO()
    call_command("create_partitions", stdout=first)
    call_command("create_partitions", stdout=second)

    assert f"created stats_dailystat_y{year + 1}\n" in first.getvalue()
    assert f"created stats_dailystat_y{year + 2}\n" in first.getvalue()
    assert "0 partitions created." in second.getvalue()
