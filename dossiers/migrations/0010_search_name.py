"""Vietnamese-aware search (issue 13): the applicant's name without marks, as a stored generated
column computed by ``tthc_search_key`` (``dossiers.search``), trigram indexes on PostgreSQL, and
indexes for the exact ID and phone searches."""

import dossiers.search
from django.db import migrations, models

from dossiers.search import FUNCTION, POSTGRESQL_FUNCTION

# PostgreSQL only: trigram indexes make "contains" searches on names and codes' last digits an
# index scan over a million dossiers (SQLite reads its small tables whole).
TRIGRAM_INDEXES = [("dossier_search_name_trgm", "search_name"), ("dossier_code_part_trgm", "code")]
# Migration 0004's indexes on UPPER(...), which the search no longer uses (codes are upper case,
# names are searched through search_name): dropped, and put back if this migration is reversed.
OLD_INDEXES = {
    "dossier_code_trgm": "USING gin (UPPER(code::text) gin_trgm_ops)",
    "dossier_applicant_trgm": "USING gin (UPPER(applicant_name::text) gin_trgm_ops)",
    "dossier_code_upper_prefix": "(UPPER(code::text) text_pattern_ops)",
}


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}(text)")


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # A finer histogram of codes: with the default one, the planner took a month of one unit's
    # codes (18,000 of a million) for four rows and sorted them all instead of reading a page.
    schema_editor.execute("ALTER TABLE dossiers_dossier ALTER COLUMN code SET STATISTICS 1000")
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, column in TRIGRAM_INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _column in TRIGRAM_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        for name, definition in OLD_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON dossiers_dossier {definition}")


class Migration(migrations.Migration):

    dependencies = [
        ('dossiers', '0009_record_dates_and_intervals'),
        ('procedures', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(create_function, drop_function),
        migrations.AddField(
            model_name='dossier',
            name='search_name',
            field=models.GeneratedField(db_persist=True, expression=dossiers.search.SearchKey('applicant_name'), output_field=models.CharField(max_length=255)),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['applicant_id_number'], name='dossier_applicant_id_number'),
        ),
        migrations.AddIndex(
            model_name='dossier',
            index=models.Index(fields=['applicant_phone'], name='dossier_applicant_phone'),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
