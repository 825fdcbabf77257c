"""Every dossier gets a random lookup code (the applicant's key to the public status page).

Adding the column gives every existing row the same value (Django computes a callable default
once), so each row is then given its own code by the database itself, in one statement, without
reading the dossiers into Python: 12 hexadecimal digits (48 random bits) of PostgreSQL's
``gen_random_uuid()`` (the first 12 digits of a version-4 UUID are all random) or of SQLite's
``randomblob(6)``. Hexadecimal digits are part of the lookup alphabet (``dossiers.lookup``).
"""

from django.db import migrations, models

import dossiers.lookup

FILL = {
    "postgresql": (
        "UPDATE dossiers_dossier SET lookup_code = upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 12))"
    ),
    "sqlite": "UPDATE dossiers_dossier SET lookup_code = upper(hex(randomblob(6)))",
}


def fill_lookup_codes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor in FILL:
        schema_editor.execute(FILL[connection.vendor])
        return
    Dossier = apps.get_model("dossiers", "Dossier")
    for pk in Dossier.objects.values_list("pk", flat=True).iterator():
        Dossier.objects.filter(pk=pk).update(lookup_code=dossiers.lookup.new_lookup_code())


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0006_move_calendar_and_statistics_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossier",
            name="lookup_code",
            field=models.CharField(
                default=dossiers.lookup.new_lookup_code, editable=False, max_length=12, verbose_name="lookup code"
            ),
        ),
        migrations.RunPython(fill_lookup_codes, migrations.RunPython.noop, elidable=True),
    ]
