"""The calendar overrides move here from ``dossiers`` (issue 9: one app per concern).

No row is copied and no table rebuilt: the model is taken over in Django's state as it stood
(``dossiers_calendaroverride``), the table is then renamed, which PostgreSQL and SQLite do in
place, and the content type follows so that permissions granted on it are kept.
"""

from django.db import migrations, models

from config.migration_helpers import move_content_types

MODELS = ["calendaroverride"]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0005_dossier_status_list_order"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarOverride",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("day_off", "Extra day off"), ("working_day", "Extra working day")],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "document",
                            models.CharField(
                                help_text="e.g. Official letter 1234/TB-VPCP of 12/11/2025",
                                max_length=255,
                                verbose_name="announcing document",
                            ),
                        ),
                        ("note", models.CharField(blank=True, max_length=255, verbose_name="note")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name": "calendar override",
                        "verbose_name_plural": "calendar overrides",
                        "ordering": ["-date"],
                        "db_table": "dossiers_calendaroverride",
                    },
                ),
            ],
            database_operations=[],
        ),
        # A rename in place: no row is copied.
        migrations.AlterModelTable(name="calendaroverride", table=None),
        migrations.RunPython(
            move_content_types("dossiers", "workdays", MODELS),
            move_content_types("workdays", "dossiers", MODELS),
        ),
    ]
