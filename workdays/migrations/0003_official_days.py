"""Load the official days off and worked days shipped in ``workdays/data/official_days.csv``.

Runs after the dossiers have recorded the dates they fixed (``dossiers`` 0008 runs before it), so
loading these days never moves a date already given to an applicant; the ministry office applies
each to the open dossiers when it chooses (DESIGN.md, lifecycle 8).
"""

from django.db import migrations


def load(apps, schema_editor):
    from workdays.official import load_official_days

    load_official_days(apps.get_model("workdays", "CalendarOverride"))


def unload(apps, schema_editor):
    apps.get_model("workdays", "CalendarOverride").objects.filter(source="official", applied_at__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0002_override_source_and_application")]

    operations = [migrations.RunPython(load, unload)]
