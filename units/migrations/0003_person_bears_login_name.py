"""A person linked to a login takes the login's name (issue 13): one name per human being."""

from django.db import migrations


def names_from_logins(apps, schema_editor):
    Person = apps.get_model("units", "Person")
    for person in Person.objects.filter(user__isnull=False).select_related("user"):
        name = f"{person.user.last_name} {person.user.first_name}".strip()
        if name and name != person.full_name:
            Person.objects.filter(pk=person.pk).update(full_name=name)


class Migration(migrations.Migration):
    dependencies = [("units", "0002_token_scopes")]

    operations = [migrations.RunPython(names_from_logins, migrations.RunPython.noop)]
