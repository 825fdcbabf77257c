"""Merge consecutive rows of a procedure's flag history that hold the same flags.

Before ``procedure_flags_record`` merged a same-day change back to the previous values, such a
change left two consecutive rows with identical flags (e.g. 3 March–1 April and 1 April–open).
Each run of such rows becomes its first row, stretched to the run's end: the flags that held on
any day are unchanged, so the national index reads the same. Only procedures that have such a
run are read (one query finds them); the catalogue, not the dossiers, is walked. Nothing to undo.
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef

FLAGS = (
    "online_service",
    "has_fee",
    "internal_procedure_issued",
    "portal_integrated",
    "paper_result",
    "for_citizens",
    "full_online_eligible",
    "payable_on_portal",
    "uses_population_data",
)


def merge(apps, schema_editor):
    ProcedureFlags = apps.get_model("procedures", "ProcedureFlags")
    repeats = ProcedureFlags.objects.filter(
        procedure_id=OuterRef("procedure_id"),
        valid_to=OuterRef("valid_from"),
        **{name: OuterRef(name) for name in FLAGS},
    )
    affected = set(ProcedureFlags.objects.filter(Exists(repeats)).values_list("procedure_id", flat=True))
    if not affected:
        return
    rows = ProcedureFlags.objects.filter(procedure_id__in=affected).order_by(
        "procedure_id", F("valid_from").asc(nulls_first=True)
    )
    kept, removed, stretched = None, [], {}
    for row in rows:
        if (
            kept is not None
            and kept.procedure_id == row.procedure_id
            and kept.valid_to == row.valid_from
            and all(getattr(kept, name) == getattr(row, name) for name in FLAGS)
        ):
            kept.valid_to = row.valid_to
            stretched[kept.pk] = kept
            removed.append(row.pk)
        else:
            kept = row
    # The repeats go first: the row stretched to the open end becomes the procedure's open row.
    ProcedureFlags.objects.filter(pk__in=removed).delete()
    ProcedureFlags.objects.bulk_update(list(stretched.values()), ["valid_to"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_seed_flag_history")]

    operations = [migrations.RunPython(merge, migrations.RunPython.noop)]
