from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """The nightly rollups and the official reports (Form 06/VPCP/KSTT) built from them.

    The package is ``stats``, not ``statistics``: a top-level ``statistics`` package would shadow
    the standard library module of that name, which Django's SQLite backend imports.
    """

    name = "stats"
    verbose_name = _("Statistics")
