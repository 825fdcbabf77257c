"""API tokens get explicit scopes instead of one read/write flag (issue 13).

Existing tokens keep what they could do, except that an all-units write token no longer writes
the catalogue (units, fields, procedures, tenures): only the ministry office grants that now, by
giving the ``catalogue:write`` scope. A unit-scoped write token kept its unit's procedures and
tenures before, so it keeps ``catalogue:write``.
"""

from django.db import migrations, models

READ = ["dossiers:read", "emulation:read", "feedback:read", "messages:read", "stats:read"]
WRITE = ["dossiers:write", "feedback:write", "messages:write", "sync"]


def scopes_from_flag(apps, schema_editor):
    ApiToken = apps.get_model("units", "ApiToken")
    for token in ApiToken.objects.filter(inherit_user_scope=False).only("pk", "can_write", "all_units"):
        scopes = list(READ)
        if token.can_write:
            scopes += WRITE
            if not token.all_units:
                scopes.append("catalogue:write")
        ApiToken.objects.filter(pk=token.pk).update(scopes=sorted(scopes))


def flag_from_scopes(apps, schema_editor):
    ApiToken = apps.get_model("units", "ApiToken")
    for token in ApiToken.objects.only("pk", "scopes"):
        ApiToken.objects.filter(pk=token.pk).update(can_write="dossiers:write" in (token.scopes or []))


class Migration(migrations.Migration):
    dependencies = [("units", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='What the token may do, e.g. ["dossiers:read", "dossiers:write", "sync"].',
                verbose_name="scopes",
            ),
        ),
        migrations.RunPython(scopes_from_flag, flag_from_scopes),
        migrations.RemoveField(model_name="apitoken", name="can_write"),
    ]
