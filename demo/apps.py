from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (``seed_demo``) and the dossier generator; no other app imports it."""

    name = "demo"
    verbose_name = _("Demo data")
