"""Trigram indexes for the dossier search (``q``) on PostgreSQL.

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
]
DROP = ["DROP INDEX IF EXISTS dossier_code_trgm", "DROP INDEX IF EXISTS dossier_applicant_trgm"]


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
