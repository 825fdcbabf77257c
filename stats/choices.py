"""Enumerations of the statistics runs."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StatsRunKind(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    BACKFILL = "backfill", _("Backfill")


class StatsRunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class NotApplicableRule(models.TextChoices):
    """What an indicator whose denominator is 0 ("not applicable") contributes to the index total."""

    EXCLUDE = "exclude", _("Left out: the total is scaled over the indicators that apply")
    FULL = "full", _("Full points")
    ZERO = "zero", _("No points")
