"""Issue 15: the daily rollups (dossiers' and feedback's) become partitioned by year of ``day``
on PostgreSQL.

Converts a populated database in place (``config.partitions.partition_by_year``). The models do
not change, so this migration has no state operations; SQLite keeps plain tables. Reversible.
"""

from django.db import migrations

from config.partitions import partition_by_year, unpartition

TABLES = [("stats_dailystat", "day"), ("stats_feedbackdailystat", "day")]


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in TABLES:
        partition_by_year(table, column, connection=schema_editor.connection)


def unpartition_all(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in reversed(TABLES):
        unpartition(table, column, connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("stats", "0008_index766_paper_result_from_catalogue")]

    operations = [migrations.RunPython(partition, unpartition_all)]
