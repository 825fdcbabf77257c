from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """The working-day calendar: the ``holidays`` package plus the overrides staff enter."""

    name = "workdays"
    verbose_name = _("Working-day calendar")
