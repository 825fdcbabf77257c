"""Enumerations of the working-day calendar."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OverrideKind(models.TextChoices):
    DAY_OFF = "day_off", _("Extra day off")
    WORKING_DAY = "working_day", _("Extra working day")


class OverrideSource(models.TextChoices):
    """Who entered an override: the data the product ships, or the ministry office."""

    OFFICIAL = "official", _("Official announcement shipped with the product")
    STAFF = "staff", _("Entered by staff")
