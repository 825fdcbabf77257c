"""``CalendarOverride`` now belongs to ``workdays``; ``DailyStat``, ``StatsRun`` and ``RollupLock`` to ``stats``.

Those apps' first migrations took the models (and renamed their tables in place); this one only
drops them from this app's state, so the database is not touched here.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0005_dossier_status_list_order"),
        ("stats", "0001_initial"),
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarOverride"),
                migrations.DeleteModel(name="DailyStat"),
                migrations.DeleteModel(name="StatsRun"),
                migrations.DeleteModel(name="RollupLock"),
            ],
            database_operations=[],
        ),
    ]
