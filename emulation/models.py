"""Annual emulation scores of units and of their heads, the scheme they are computed by, and its audit trail.

A year holds its scoring scheme (criteria, band thresholds, minimum tenure), the manual points the
ministry office enters, and the stored results of the last computation (a score per unit, per
head's tenure, and per criterion of each), so that pages read rows instead of recomputing.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stats.periods import Period, PeriodKind, period
from units.choices import UnitKind
from units.models import Tenure, Unit

from .choices import (
    DISQUALIFIER_OFFICIAL,
    AssessmentStatus,
    AuditAction,
    Band,
    DisqualifierKind,
    HeadMethod,
    LineStatus,
    TimelinessRule,
    YearRule,
    YearStatus,
)
from .metrics import METRICS, metric_choices

criterion_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,29}$",
    _("Use 1 to 30 lower-case letters, digits, hyphens or underscores, e.g. on-time."),
)
POINTS = {"max_digits": 5, "decimal_places": 2}
TOTAL = {"max_digits": 6, "decimal_places": 2}


class LocalisedName:
    """``name`` in the active language, falling back to Vietnamese."""

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class EmulationYear(models.Model):
    """One emulation year: its scheme settings, its status (draft or finalised) and its last computation.

    The year is the reporting year of the official statistics (15 December of the year before to
    14 December, ``stats.periods``), so the scores use the same figures as the year's Form 06.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2001), MaxValueValidator(9999)]
    )
    status = models.CharField(_("status"), max_length=10, choices=YearStatus.choices, default=YearStatus.DRAFT)
    outstanding_min = models.DecimalField(
        _("lowest total for “outstanding”"),
        **POINTS,
        default=Decimal(90),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    good_min = models.DecimalField(
        _("lowest total for “good”"),
        **POINTS,
        default=Decimal(70),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    completed_min = models.DecimalField(
        _("lowest total for “completed”"),
        **POINTS,
        default=Decimal(50),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    min_tenure_months = models.PositiveSmallIntegerField(
        _("minimum tenure to classify a leader (months)"),
        default=6,
        validators=[MinValueValidator(0), MaxValueValidator(12)],
        help_text=_("Counted over the days of the tenure within the year; a shorter tenure is listed, not classified."),
    )
    year_rule = models.CharField(
        _("how the year builds on its periods"),
        max_length=20,
        choices=YearRule.choices,
        default=YearRule.WHOLE_YEAR,
        help_text=_(
            "Every month and quarter is scored as well; Decree 335/2025 (art. 19) classifies the year on "
            "the mean of the monthly or quarterly results."
        ),
    )
    # Band conditions besides the points (Decree 335/2025 for organisations, DESIGN.md defaults):
    # the highest share of tasks behind schedule, measured on dossiers, each band allows; empty
    # means no condition.
    outstanding_max_behind = models.DecimalField(
        _("most dossiers behind schedule for “outstanding” (%)"),
        **POINTS,
        null=True,
        blank=True,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    good_max_behind = models.DecimalField(
        _("most dossiers behind schedule for “good” (%)"),
        **POINTS,
        null=True,
        blank=True,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    completed_max_behind = models.DecimalField(
        _("most dossiers behind schedule for “completed” (%)"),
        **POINTS,
        null=True,
        blank=True,
        default=Decimal(20),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    head_method = models.CharField(
        _("how heads are scored"), max_length=20, choices=HeadMethod.choices, default=HeadMethod.SCHEME
    )
    general_max = models.DecimalField(
        _("general criteria of a head (points)"),
        **POINTS,
        default=Decimal(30),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=_("Decree 335/2025: 30 of 100; the task results have the rest."),
    )
    weight_quantity = models.DecimalField(_("task results: quantity (%)"), **POINTS, default=Decimal(20))
    weight_quality = models.DecimalField(_("task results: quality (%)"), **POINTS, default=Decimal(20))
    weight_timeliness = models.DecimalField(_("task results: timeliness (%)"), **POINTS, default=Decimal(20))
    weight_unit_results = models.DecimalField(_("task results: the unit's results (%)"), **POINTS, default=Decimal(20))
    weight_organisation = models.DecimalField(
        _("task results: organisation of work (%)"), **POINTS, default=Decimal(20)
    )
    quantity_metric = models.CharField(
        _("quantity read from"), max_length=40, choices=metric_choices, default="completion_rate"
    )
    timeliness_metric = models.CharField(
        _("timeliness read from"), max_length=40, choices=metric_choices, default="on_time_rate"
    )
    timeliness_rule = models.CharField(
        _("timeliness rule"),
        max_length=20,
        choices=TimelinessRule.choices,
        default=TimelinessRule.WITH_PROGRESS,
        help_text=_(
            "DESIGN default: from the on-time and progress rates. Per delay: Decree 335/2025's 25 percent of a "
            "dossier's timeliness points for each late or overdue dossier."
        ),
    )
    delay_deduction = models.DecimalField(
        _("deduction per delay (percent of one dossier's timeliness points)"),
        **POINTS,
        default=Decimal(25),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    quality_counts_reappointments = models.BooleanField(
        _("an apology and re-appointment is a major error"), default=True
    )
    quality_counts_unsatisfied = models.BooleanField(_("a “not satisfied” rating is a major error"), default=True)
    error_deduction = models.DecimalField(
        _("deduction per major error (percent of one dossier's quality points)"),
        **POINTS,
        default=Decimal(25),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    quota_percent = models.DecimalField(
        _("“outstanding” at most this share of “good” (%)"),
        **POINTS,
        default=Decimal(20),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    council_decision_number = models.CharField(_("emulation council's decision number"), max_length=60, blank=True)
    council_decision_date = models.DateField(_("emulation council's decision date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Counts the changes of the scheme and of manual points; a computation records the count it
    # saw, so results are out of date as soon as the two differ (no reliance on clock resolution).
    inputs_revision = models.PositiveIntegerField(_("revision of the inputs"), default=0, editable=False)
    computed_revision = models.PositiveIntegerField(
        _("revision of the inputs computed"), null=True, blank=True, editable=False
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_to = models.DateField(
        _("statistics read up to"),
        null=True,
        blank=True,
        help_text=_("The year's last day, or yesterday while the year is still running."),
    )
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("emulation year")
        verbose_name_plural = _("emulation years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_min__lt=models.F("good_min")) & Q(good_min__lt=models.F("outstanding_min")),
                name="emulation_year_bands_ordered",
                violation_error_message=_("The thresholds must rise: completed < good < outstanding."),
            ),
        ]

    def __str__(self):
        return str(self.year)

    @cached_property
    def period(self) -> Period:
        """The reporting year: 15 December of the year before to 14 December."""
        return period(PeriodKind.YEAR, self.year)

    @property
    def is_finalised(self) -> bool:
        return self.status == YearStatus.FINALISED

    @property
    def is_stale(self) -> bool:
        """Whether the scheme or a manual score changed since the scores were last computed."""
        return self.computed_at is not None and self.computed_revision != self.inputs_revision

    def band_thresholds(self) -> dict[str, Decimal]:
        return {
            "outstanding_min": self.outstanding_min,
            "good_min": self.good_min,
            "completed_min": self.completed_min,
        }

    def band_conditions(self) -> dict[str, Decimal | None]:
        """``{band: highest share of dossiers behind schedule it allows, or None}``."""
        return {
            Band.OUTSTANDING: self.outstanding_max_behind,
            Band.GOOD: self.good_max_behind,
            Band.COMPLETED: self.completed_max_behind,
        }

    def task_weights(self) -> dict[str, Decimal]:
        """The components of a head's task results and their weights in percent (they add up to 100)."""
        return {
            "quantity": self.weight_quantity,
            "quality": self.weight_quality,
            "timeliness": self.weight_timeliness,
            "unit-results": self.weight_unit_results,
            "organisation": self.weight_organisation,
        }

    @property
    def builds_on_periods(self) -> str:
        """The kind of period whose mean makes the year's total, or "" for the whole year's figures."""
        return {YearRule.MONTH_MEAN: PeriodKind.MONTH, YearRule.QUARTER_MEAN: PeriodKind.QUARTER}.get(
            self.year_rule, ""
        )

    def clean(self):
        super().clean()
        if None in (self.completed_min, self.good_min, self.outstanding_min):
            return
        if self.good_min <= self.completed_min:
            raise ValidationError({"good_min": _("The threshold for “good” must be above the one for “completed”.")})
        if self.outstanding_min <= self.good_min:
            raise ValidationError(
                {"outstanding_min": _("The threshold for “outstanding” must be above the one for “good”.")}
            )
        weights = self.task_weights()
        if None not in weights.values():
            if any(weight < 0 for weight in weights.values()):
                raise ValidationError({"weight_quantity": _("A weight cannot be negative.")})
            if sum(weights.values()) != Decimal(100):
                raise ValidationError(
                    {
                        "weight_quantity": _(
                            "The components of the task results add up to %(sum)s%%; they must add up to 100%%."
                        )
                        % {"sum": f"{sum(weights.values()):.2f}"}
                    }
                )


class Criterion(LocalisedName, models.Model):
    """One criterion of a year's scheme: computed from a metric against a target, or scored by hand."""

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=30, validators=[criterion_code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    max_points = models.DecimalField(
        _("maximum points"),
        **POINTS,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    metric = models.CharField(
        _("metric"),
        max_length=40,
        choices=metric_choices,
        blank=True,
        help_text=_("Empty for a criterion the ministry office scores by hand."),
    )
    target = models.DecimalField(
        _("target (%)"),
        **POINTS,
        null=True,
        blank=True,
        help_text=_("Full points from this rate up; above 0 and at most 100."),
    )

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["year", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "code"],
                name="criterion_code_unique_in_year",
                violation_error_message=_("Another criterion of this year has this code."),
            ),
            models.CheckConstraint(
                condition=Q(target__isnull=True) | (Q(target__gt=0) & Q(target__lte=100)),
                name="criterion_target_percent",
                violation_error_message=_("The target is a percentage above 0 and at most 100."),
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.name}"

    @property
    def is_manual(self) -> bool:
        return not self.metric

    def clean(self):
        super().clean()
        errors = {}
        if self.metric:
            if self.metric not in METRICS:
                errors["metric"] = _("Unknown metric.")
            if self.target is None:
                errors["target"] = _("A computed criterion needs a target rate.")
            elif not Decimal(0) < self.target <= Decimal(100):
                errors["target"] = _("The target is a percentage above 0 and at most 100.")
        elif self.target is not None:
            errors["target"] = _("A criterion scored by hand has no target; leave it empty or choose a metric.")
        if errors:
            raise ValidationError(errors)


class ManualScore(models.Model):
    """Points the ministry office gives a unit on a manual criterion, with the evidence for them."""

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="manual_scores"
    )
    points = models.DecimalField(_("points"), **POINTS)
    # Required, but checked in clean() so the message says what is missing.
    evidence = models.TextField(
        _("evidence"), blank=True, help_text=_("What the points rest on: documents, decisions, results.")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("manual score")
        verbose_name_plural = _("manual scores")
        ordering = ["criterion__position", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["criterion", "unit"], name="manual_score_unique"),
            models.CheckConstraint(condition=Q(points__gte=0), name="manual_score_points_not_negative"),
        ]

    def __str__(self):
        return f"{self.year_id} {self.unit_id} {self.criterion_id}: {self.points}"

    def clean(self):
        super().clean()
        errors = {}
        criterion = self.criterion if self.criterion_id else None
        if criterion is not None and not criterion.is_manual:
            errors["criterion"] = _("Criterion %(code)s is computed from the statistics, not scored by hand.") % {
                "code": criterion.code
            }
        if criterion is not None and self.year_id and criterion.year_id != self.year_id:
            errors["criterion"] = _("This criterion belongs to another year.")
        if self.points is not None:
            if self.points < 0:
                errors["points"] = _("Points cannot be negative.")
            elif criterion is not None and self.points > criterion.max_points:
                errors["points"] = _("At most %(max)s points for this criterion.") % {"max": criterion.max_points}
        if not (self.evidence or "").strip():
            errors["evidence"] = _("Say what the points rest on.")
        if errors:
            raise ValidationError(errors)


class Score(models.Model):
    """What unit and leader scores share: the total out of 100, its band and rank."""

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    points = models.DecimalField(_("points of the applicable criteria"), **TOTAL)
    applicable_max = models.DecimalField(_("maximum of the applicable criteria"), **TOTAL)
    total = models.DecimalField(_("total"), **TOTAL, null=True, blank=True)
    band = models.CharField(_("band"), max_length=20, choices=Band.choices, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    band_by_points = models.CharField(_("band by the points alone"), max_length=20, choices=Band.choices, blank=True)
    behind_share = models.DecimalField(
        _("dossiers behind schedule (%)"),
        **POINTS,
        null=True,
        blank=True,
        help_text=_("(resolved late + in progress overdue) / (resolved + in progress) over the window."),
    )
    band_reason = models.TextField(_("why the band differs from the points"), blank=True)

    class Meta:
        abstract = True

    @property
    def is_scaled(self) -> bool:
        """Whether some criteria did not apply, so the total was scaled to 100."""
        return self.applicable_max != Decimal(100)


class UnitScore(Score):
    """A unit's score for a year, covering the unit and its sub-units."""

    class Meta:
        verbose_name = _("unit score")
        verbose_name_plural = _("unit scores")
        ordering = ["year", "rank", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["year", "unit"], name="unit_score_unique")]
        indexes = [models.Index(fields=["year", "rank"], name="unit_score_year_rank")]

    def __str__(self):
        return f"{self.year_id} {self.unit_id}: {self.total}"


class LeaderScore(Score):
    """A head's score over the days of their tenure within the year; ranked only when classified."""

    tenure = models.ForeignKey(Tenure, verbose_name=_("tenure"), on_delete=models.PROTECT, related_name="+")
    classified = models.BooleanField(_("classified"), default=True)

    class Meta:
        verbose_name = _("leader score")
        verbose_name_plural = _("leader scores")
        ordering = ["year", "rank", "unit__path", "window_start"]
        constraints = [models.UniqueConstraint(fields=["year", "tenure"], name="leader_score_unique")]
        indexes = [models.Index(fields=["year", "rank"], name="leader_score_year_rank")]

    def __str__(self):
        return f"{self.year_id} tenure {self.tenure_id}: {self.total}"

    @property
    def days(self) -> int:
        return (self.window_end - self.window_start).days + 1


class PeriodScore(models.Model):
    """A unit's or a head's score for one month or quarter of the year, from the same rollups.

    ``lines`` keeps each criterion's value, numerator, denominator and points as computed, so the
    tracking sheet explains every point without recomputing.
    """

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    tenure = models.ForeignKey(
        Tenure, verbose_name=_("tenure"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("to"))
    points = models.DecimalField(_("points of the applicable criteria"), **TOTAL)
    applicable_max = models.DecimalField(_("maximum of the applicable criteria"), **TOTAL)
    total = models.DecimalField(_("total"), **TOTAL, null=True, blank=True)
    band = models.CharField(_("band"), max_length=20, choices=Band.choices, blank=True)
    band_by_points = models.CharField(_("band by the points alone"), max_length=20, choices=Band.choices, blank=True)
    behind_share = models.DecimalField(_("dossiers behind schedule (%)"), **POINTS, null=True, blank=True)
    band_reason = models.TextField(_("why the band differs from the points"), blank=True)
    lines = models.JSONField(_("criteria"), default=list, blank=True)

    class Meta:
        verbose_name = _("period score")
        verbose_name_plural = _("period scores")
        ordering = ["year", "unit__path", "tenure", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "unit", "kind", "number"],
                condition=Q(tenure__isnull=True),
                name="period_score_unit_unique",
            ),
            models.UniqueConstraint(fields=["year", "tenure", "kind", "number"], name="period_score_tenure_unique"),
        ]
        indexes = [models.Index(fields=["year", "kind", "number"], name="period_score_year_period")]

    def __str__(self):
        return f"{self.year_id} {self.unit_id} {self.kind} {self.number}: {self.total}"

    @property
    def period(self) -> Period:
        return period(self.kind, self.year.year, self.number)

    @property
    def is_partial(self) -> bool:
        """Whether the window covers only part of the period (a tenure, or a period still running)."""
        whole = period(self.kind, self.year.year, self.number)
        return (self.window_start, self.window_end) != (whole.date_from, whole.date_to)


class CriterionScore(LocalisedName, models.Model):
    """One line of a score's breakdown: the criterion as it stood when computed, its value and points.

    The criterion is copied (code, names, maximum, metric, target) so a later change of the
    scheme never rewrites the explanation of a stored score.
    """

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    unit_score = models.ForeignKey(
        UnitScore, null=True, blank=True, on_delete=models.CASCADE, related_name="lines", verbose_name=_("unit score")
    )
    leader_score = models.ForeignKey(
        LeaderScore,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="lines",
        verbose_name=_("leader score"),
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(_("code"), max_length=30)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)
    metric = models.CharField(_("metric"), max_length=40, blank=True)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    target = models.DecimalField(_("target (%)"), **POINTS, null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LineStatus.choices)
    value = models.DecimalField(_("value (%)"), **POINTS, null=True, blank=True)
    numerator = models.PositiveIntegerField(_("numerator"), null=True, blank=True)
    denominator = models.PositiveIntegerField(_("denominator"), null=True, blank=True)
    points = models.DecimalField(_("points"), **POINTS, null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_score__isnull=True, leader_score__isnull=False)
                | Q(unit_score__isnull=False, leader_score__isnull=True),
                name="criterion_score_one_owner",
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.points}"


class AuditEntry(models.Model):
    """A change to a year that matters for its scores: who, when, what, before and after."""

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="audit")
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    criterion_code = models.CharField(_("criterion"), max_length=30, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.year_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class StaffRating(models.Model):
    """How a unit's civil servants were rated for a period, as the unit's approving document records it.

    Rating each civil servant is the personnel system's job; this product keeps only the counts per
    band and the document, which decide the "unit's results" part of the head's task results
    (Decree 335/2025: 100% when every civil servant is at least "completed", 50% otherwise).
    """

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    outstanding = models.PositiveIntegerField(_("rated outstanding"), default=0)
    good = models.PositiveIntegerField(_("rated good"), default=0)
    completed = models.PositiveIntegerField(_("rated completed"), default=0)
    not_completed = models.PositiveIntegerField(_("rated not completed"), default=0)
    document_number = models.CharField(_("approving document number"), max_length=60)
    document_date = models.DateField(_("approving document date"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("staff rating")
        verbose_name_plural = _("staff ratings")
        ordering = ["year", "unit__path", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "kind", "number"], name="staff_rating_unique"),
        ]

    def __str__(self):
        return f"{self.year_id} {self.unit_id} {self.kind} {self.number}"

    @property
    def period(self) -> Period:
        return period(self.kind, self.year.year, self.number)

    @property
    def rated(self) -> int:
        return self.outstanding + self.good + self.completed + self.not_completed


class HeadAssessment(models.Model):
    """The points of a head's tenure that are judged by hand, with the evidence and who judged them.

    General criteria (Decree 335/2025: conduct, discipline, attitude to citizens and businesses,
    initiative; at most the year's general maximum) and the organisation of the unit's work (a
    percentage of its component of the task results).
    """

    year = models.ForeignKey(EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="+")
    tenure = models.ForeignKey(Tenure, verbose_name=_("tenure"), on_delete=models.PROTECT, related_name="+")
    general_points = models.DecimalField(_("general criteria (points)"), **POINTS, null=True, blank=True)
    general_evidence = models.TextField(_("evidence for the general criteria"), blank=True)
    organisation_percent = models.DecimalField(
        _("organisation of the unit's work (%)"),
        **POINTS,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    organisation_evidence = models.TextField(_("evidence for the organisation of work"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scored by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("head assessment")
        verbose_name_plural = _("head assessments")
        constraints = [models.UniqueConstraint(fields=["year", "tenure"], name="head_assessment_unique")]

    def __str__(self):
        return f"{self.year_id} tenure {self.tenure_id}"


class Disqualifier(models.Model):
    """A recorded decision that forces "not completed" whatever the points (Decree 335/2025).

    A disciplinary sanction in the year against a head (``tenure``) or against the unit itself; or,
    for the heads of ``unit``, a finding that the unit is dealt with for corruption or waste.
    """

    year = models.ForeignKey(
        EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="disqualifiers"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DisqualifierKind.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    tenure = models.ForeignKey(
        Tenure,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The head sanctioned; empty for a sanction against the unit itself or a finding in the unit."),
    )
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    summary = models.TextField(_("summary"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("disqualifier")
        verbose_name_plural = _("disqualifiers")
        ordering = ["year", "decision_date", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.decision_number}"

    @property
    def citation(self) -> str:
        """The decision as the official record cites it (always Vietnamese)."""
        decision = f"Quyết định số {self.decision_number} ngày {self.decision_date:%d/%m/%Y}"
        return f"{DISQUALIFIER_OFFICIAL[self.kind]}: {decision}"


class QuotaException(models.Model):
    """An exception to the "outstanding" quota for one agency (and group), with its decision.

    Decree 335/2025: outstanding ratings may exceed 20% of the good ones for an organisation with
    outstanding, remarkable achievements, as the competent level decides.
    """

    year = models.ForeignKey(
        EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="quota_exceptions"
    )
    agency = models.ForeignKey(Unit, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    group = models.CharField(
        _("group of similar duties"),
        max_length=20,
        choices=UnitKind.choices,
        blank=True,
        help_text=_("Empty for every group of the agency."),
    )
    decision_number = models.CharField(_("decision number"), max_length=60)
    decision_date = models.DateField(_("decision date"))
    reason = models.TextField(_("achievements"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("quota exception")
        verbose_name_plural = _("quota exceptions")
        ordering = ["year", "agency__path", "group"]

    def __str__(self):
        return f"{self.year_id} {self.agency_id} {self.group}: {self.decision_number}"


class SelfAssessment(models.Model):
    """A unit's own points on the year's criteria scored by hand, with its evidence and comments,
    submitted to the ministry office, which reviews them (adjusting with a reason) into manual points."""

    year = models.ForeignKey(
        EmulationYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="self_assessments"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    comments = models.TextField(_("comments"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["year", "unit"], name="self_assessment_unique")]

    def __str__(self):
        return f"{self.year_id} {self.unit_id} ({self.status})"


class SelfAssessmentLine(models.Model):
    """The points a unit claims on one manual criterion, and the points the review kept, with why."""

    assessment = models.ForeignKey(
        SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE, related_name="lines"
    )
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE, related_name="+")
    claimed_points = models.DecimalField(_("points claimed"), **POINTS)
    evidence = models.TextField(_("evidence"))
    reviewed_points = models.DecimalField(_("points after review"), **POINTS, null=True, blank=True)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)

    class Meta:
        verbose_name = _("self-assessment line")
        verbose_name_plural = _("self-assessment lines")
        ordering = ["criterion__position", "pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="self_assessment_line_unique")]

    def __str__(self):
        return f"{self.criterion_id}: {self.claimed_points}"


class EvidenceFile(models.Model):
    """A file a unit attaches to its self-assessment (kept in the database: small, few, audited)."""

    assessment = models.ForeignKey(
        SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    data = models.BinaryField(_("content"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.name
