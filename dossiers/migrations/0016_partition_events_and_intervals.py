"""Issue 15: the dossiers' events and state intervals become partitioned by year on PostgreSQL.

Converts a populated database in place (``config.partitions.partition_by_year``): events by their
local day ``on``, state intervals by their first day ``starts_on``. The models do not change, so
this migration has no state operations; SQLite keeps plain tables. Reversible.
"""

from django.db import migrations

from config.partitions import partition_by_year, unpartition

TABLES = [("dossiers_dossierevent", "on"), ("dossiers_stateinterval", "starts_on")]


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
    dependencies = [("dossiers", "0015_index_cleanup")]

    operations = [migrations.RunPython(partition, unpartition_all)]
