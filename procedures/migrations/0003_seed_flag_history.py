"""The catalogue's history starts with the flags as they are now (``ProcedureFlags``).

Nothing older is known, so each procedure's first row has no ``valid_from``: its current flags
stand for every earlier day. A procedure offered as a full online service is evidently eligible
for one, so ``full_online_eligible`` is set on those first. One set-based statement each.
"""

from django.db import migrations

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


def seed(apps, schema_editor):
    Procedure = apps.get_model("procedures", "Procedure")
    ProcedureFlags = apps.get_model("procedures", "ProcedureFlags")
    Procedure.objects.filter(online_service="full").update(full_online_eligible=True)
    quote = schema_editor.connection.ops.quote_name
    columns = ", ".join(quote(name) for name in FLAGS)
    schema_editor.execute(
        f"INSERT INTO {quote(ProcedureFlags._meta.db_table)} "
        f"(procedure_id, valid_from, valid_to, {columns}, recorded_at) "
        f"SELECT p.id, NULL, NULL, {', '.join('p.' + quote(name) for name in FLAGS)}, CURRENT_TIMESTAMP "
        f"FROM {quote(Procedure._meta.db_table)} p "
        f"WHERE NOT EXISTS (SELECT 1 FROM {quote(ProcedureFlags._meta.db_table)} f WHERE f.procedure_id = p.id)"
    )


def unseed(apps, schema_editor):
    apps.get_model("procedures", "ProcedureFlags").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0002_index766_catalogue")]

    operations = [migrations.RunPython(seed, unseed)]
