"""Moving a model's content type with it, so permissions and admin log entries stay attached."""


def move_content_types(old_app: str, new_app: str, models: list[str]):
    """A ``RunPython`` function that relabels the content types of ``models`` from ``old_app`` to ``new_app``.

    On a fresh database there are no content types yet (they are created after migrating), so it
    does nothing; on an existing one it keeps every permission granted on the moved models.
    """

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in models:
            if ContentType.objects.using(db).filter(app_label=new_app, model=model).exists():
                continue
            ContentType.objects.using(db).filter(app_label=old_app, model=model).update(app_label=new_app)

    return move
