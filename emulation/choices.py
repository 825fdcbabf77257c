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


class HeadMethod(models.TextChoices):
    """How the heads of units are scored (docs/emulation.md "Heads")."""

    SCHEME = "scheme", _("The unit's scheme over the days of the tenure")
    DECREE_335 = "decree_335", _("General criteria and task results (Decree 335/2025)")


class TimelinessRule(models.TextChoices):
    """How a head's timeliness is read from the unit's dossiers (docs/emulation.md "Heads")."""

    WITH_PROGRESS = "with_progress", _("Mean of the chosen rate and the progress rate")
    METRIC = "metric", _("The chosen rate alone")
    DELAYS = "delays", _("Each late or overdue dossier loses a share of its points (per delay)")


class DisqualifierKind(models.TextChoices):
    SANCTION = "sanction", _("Disciplinary sanction")
    CORRUPTION_WASTE = "corruption_waste", _("Unit dealt with for corruption or waste")


DISQUALIFIER_OFFICIAL = {
    DisqualifierKind.SANCTION: "Bị xử lý kỷ luật",
    DisqualifierKind.CORRUPTION_WASTE: "Đơn vị phụ trách bị xử lý liên quan đến tham nhũng, lãng phí",
}


class AssessmentStatus(models.TextChoices):
    """Where a unit's self-assessment stands: written by the unit, submitted, reviewed by the office."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


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
    HEAD_ASSESSMENT = "head_assessment", _("Head's points by hand changed")
    STAFF_RATING = "staff_rating", _("Staff ratings recorded")
    DISQUALIFIER = "disqualifier", _("Disqualifying decision recorded")
    QUOTA_EXCEPTION = "quota_exception", _("Quota exception recorded")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment submitted")
    REVIEW = "review", _("Self-assessment reviewed")
    COUNCIL = "council", _("Emulation council's decision recorded")
