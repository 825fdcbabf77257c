"""The rollups and the records of statistics runs move here from ``dossiers`` (issue 9).

No row is copied and no table rebuilt: the models are taken over in Django's state as they stood
(``dossiers_dailystat``, ``dossiers_statsrun``, ``dossiers_rolluplock``), the tables are then
renamed, which PostgreSQL and SQLite do in place, and the content types follow.
"""

import django.db.models.deletion
from django.db import migrations, models

from config.migration_helpers import move_content_types

MODELS = ["dailystat", "statsrun", "rolluplock"]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("dossiers", "0005_dossier_status_list_order"),
        ("procedures", "0001_initial"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RollupLock",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ],
                    options={"verbose_name": "rollup lock", "db_table": "dossiers_rolluplock"},
                ),
                migrations.CreateModel(
                    name="StatsRun",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("nightly", "Nightly"), ("backfill", "Backfill")],
                                max_length=10,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("running", "Running"), ("succeeded", "Succeeded"), ("failed", "Failed")],
                                default="running",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        ("started_at", models.DateTimeField(auto_now_add=True, verbose_name="started at")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="finished at")),
                        ("date_from", models.DateField(blank=True, null=True, verbose_name="from")),
                        ("date_to", models.DateField(blank=True, null=True, verbose_name="to")),
                        ("days_computed", models.PositiveIntegerField(default=0, verbose_name="days computed")),
                        ("rows_written", models.PositiveIntegerField(default=0, verbose_name="rows written")),
                        ("error", models.TextField(blank=True, verbose_name="error")),
                    ],
                    options={
                        "verbose_name": "statistics run",
                        "verbose_name_plural": "statistics runs",
                        "ordering": ["-started_at"],
                        "db_table": "dossiers_statsrun",
                    },
                ),
                migrations.CreateModel(
                    name="DailyStat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("day", models.DateField(verbose_name="day")),
                        ("received_online", models.PositiveIntegerField(default=0)),
                        ("received_in_person", models.PositiveIntegerField(default=0)),
                        ("received_postal", models.PositiveIntegerField(default=0)),
                        ("paid_online", models.PositiveIntegerField(default=0)),
                        ("ended_early", models.PositiveIntegerField(default=0)),
                        ("ended_on_time", models.PositiveIntegerField(default=0)),
                        ("ended_late", models.PositiveIntegerField(default=0)),
                        ("ended_resolved", models.PositiveIntegerField(default=0)),
                        ("ended_refused", models.PositiveIntegerField(default=0)),
                        ("ended_stopped", models.PositiveIntegerField(default=0)),
                        ("ended_withdrawn", models.PositiveIntegerField(default=0)),
                        ("open_within_deadline", models.PositiveIntegerField(default=0)),
                        ("open_overdue", models.PositiveIntegerField(default=0)),
                        ("supplement_requests", models.PositiveIntegerField(default=0)),
                        ("reappointments", models.PositiveIntegerField(default=0)),
                        ("rated_satisfied", models.PositiveIntegerField(default=0)),
                        ("rated_unsatisfied", models.PositiveIntegerField(default=0)),
                        (
                            "field",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="procedures.field",
                                verbose_name="field",
                            ),
                        ),
                        (
                            "procedure",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="procedures.procedure",
                                verbose_name="procedure",
                            ),
                        ),
                        (
                            "unit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="units.unit",
                                verbose_name="unit",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "daily statistic",
                        "verbose_name_plural": "daily statistics",
                        "ordering": ["day", "unit", "procedure"],
                        "db_table": "dossiers_dailystat",
                        "indexes": [
                            models.Index(fields=["unit", "day"], name="daily_stat_unit_day"),
                            models.Index(fields=["field", "day"], name="daily_stat_field_day"),
                            models.Index(fields=["procedure", "day"], name="daily_stat_procedure_day"),
                        ],
                        "constraints": [
                            models.UniqueConstraint(fields=("day", "unit", "procedure"), name="daily_stat_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Renames in place: no row is copied.
        migrations.AlterModelTable(name="rolluplock", table=None),
        migrations.AlterModelTable(name="statsrun", table=None),
        migrations.AlterModelTable(name="dailystat", table=None),
        migrations.RunPython(
            move_content_types("dossiers", "stats", MODELS),
            move_content_types("stats", "dossiers", MODELS),
        ),
    ]
