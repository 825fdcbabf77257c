"""The change feed (``dossiers.feed``): every write of a dossier row records the writing transaction.

The column and its index come with 0012. On PostgreSQL a trigger sets ``change_xid`` to ``txid_current()`` on every INSERT and UPDATE, so no
write path (services, bulk sync, recalculations, raw SQL) can forget it. On SQLite, where writers
are serialised, a trigger numbers the changes one after the other. Existing rows are stamped by
this migration's own transaction.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "UPDATE dossiers_dossier SET change_xid = txid_current()",
    """
    CREATE OR REPLACE FUNCTION dossier_stamp_change() RETURNS trigger AS $$
    BEGIN
        NEW.change_xid := txid_current();
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "CREATE TRIGGER dossier_stamp_change BEFORE INSERT OR UPDATE ON dossiers_dossier "
    "FOR EACH ROW EXECUTE FUNCTION dossier_stamp_change()",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS dossier_stamp_change ON dossiers_dossier",
    "DROP FUNCTION IF EXISTS dossier_stamp_change()",
]
# Recursive triggers are off in SQLite by default: the trigger's own UPDATE does not fire it again.
SQLITE_FORWARD = [
    "UPDATE dossiers_dossier SET change_xid = id",
    "CREATE TRIGGER dossier_stamp_insert AFTER INSERT ON dossiers_dossier BEGIN "
    "UPDATE dossiers_dossier SET change_xid = (SELECT COALESCE(MAX(change_xid), 0) + 1 FROM dossiers_dossier) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER dossier_stamp_update AFTER UPDATE ON dossiers_dossier BEGIN "
    "UPDATE dossiers_dossier SET change_xid = (SELECT COALESCE(MAX(change_xid), 0) + 1 FROM dossiers_dossier) "
    "WHERE id = NEW.id; END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS dossier_stamp_insert",
    "DROP TRIGGER IF EXISTS dossier_stamp_update",
]


def run(postgres, sqlite):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        statements = postgres if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
        for statement in statements:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0013_sync_source")]

    operations = [
        migrations.RunPython(run(POSTGRES_FORWARD, SQLITE_FORWARD), run(POSTGRES_BACKWARD, SQLITE_BACKWARD)),
    ]
