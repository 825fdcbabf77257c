from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        from django.db.backends.signals import connection_created

        from .search import register_sqlite_function

        # ``Dossier.search_name`` is computed by ``tthc_search_key``: SQLite needs it on every connection.
        connection_created.connect(register_sqlite_function, dispatch_uid="tthc_search_key")
