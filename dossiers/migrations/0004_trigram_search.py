"""Indexes for the dossier search (``q``) on PostgreSQL: trigrams, and a code-prefix B-tree.

``icontains`` compiles to ``UPPER(column) LIKE UPPER('%text%')``, which no B-tree can serve: on a
million dossiers that is a sequential scan. GIN trigram indexes on the same expressions answer it
from the index. SQLite (the laptop default) has no pg_trgm, so there the migration does nothing;
the indexes are not part of the model state, so ``makemigrations`` stays clean.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS dossier_code_trgm ON dossiers_dossier USING gin (UPPER(code::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS dossier_applicant_trgm ON dossiers_dossier "
    "USING gin (UPPER(applicant_name::text) gin_trgm_ops)",
    # ``istartswith`` on a code: UPPER(code) LIKE 'BYT-QLD-2511%' as a B-tree range scan.
    "CREATE INDEX IF NOT EXISTS dossier_code_upper_prefix ON dossiers_dossier (UPPER(code::text) text_pattern_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS dossier_code_trgm",
    "DROP INDEX IF EXISTS dossier_applicant_trgm",
    "DROP INDEX IF EXISTS dossier_code_upper_prefix",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_statistics")]

    operations = [migrations.RunPython(run(CREATE), run(DROP), elidable=False)]
