from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The home page and the unit and ministry dashboards: what people look at first."""

    name = "dashboards"
    verbose_name = _("Dashboards")
