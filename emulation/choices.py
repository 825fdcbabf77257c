from django.db import models
from django.utils.translation import gettext_lazy as _


class YearStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINALISED = "finalised", _("Finalised")


class YearRule(models.TextChoices):
    """How a year's total builds on its periods (docs/emulation.md "Periods")."""

    WHOLE_YEAR = "whole_year", _("From the figures of the whole year")
    MONTH_MEAN = "month_mean", _("Mean of the monthly totals (Decree 335/2025, art. 19)")
    QUARTER_MEAN = "quarter_mean", _("Mean of the quarterly totals (Decree 335/2025, art. 19)")


class Band(models.TextChoices):
    """The classification of a score (DESIGN.md "Emulation"); thresholds are stored per year."""

    OUTSTANDING = "outstanding", _("Tasks completed outstandingly")
    GOOD = "good", _("Tasks completed well")
    COMPLETED = "completed", _("Tasks completed")
    NOT_COMPLETED = "not_completed", _("Tasks not completed")


# The official wording, used in the Excel file whatever the interface language.
BAND_OFFICIAL = {
    Band.OUTSTANDING: "Hoàn thành xuất sắc nhiệm vụ",
    Band.GOOD: "Hoàn thành tốt nhiệm vụ",
    Band.COMPLETED: "Hoàn thành nhiệm vụ",
    Band.NOT_COMPLETED: "Không hoàn thành nhiệm vụ",
}


# Bands from the best down, so a condition that fails moves a score to the next one.
BAND_ORDER = (Band.OUTSTANDING, Band.GOOD, Band.COMPLETED, Band.NOT_COMPLETED)


class LineStatus(models.TextChoices):
    """How one criterion of a score was obtained."""

    COMPUTED = "computed", _("Computed from the statistics")
    NOT_APPLICABLE = "not_applicable", _("Not applicable: nothing to measure")
    MANUAL = "manual", _("Scored by the ministry office")
    MANUAL_MISSING = "manual_missing", _("Not scored yet")


class AuditAction(models.TextChoices):
    CREATED = "created", _("Year created")
    SCHEME_CHANGED = "scheme_changed", _("Scoring scheme changed")
    MANUAL_SCORE = "manual_score", _("Manual points changed")
    FINALISED = "finalised", _("Year finalised")
    REOPENED = "reopened", _("Year reopened")
