"""The procedure catalogue: fields, procedures, their announced versions and reduction plans."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from .choices import ChangeKind, CompetentLevel, OnlineService

# The oldest date a legal basis may take effect on: earlier is taken for a typing slip.
EARLIEST_LEGAL_DATE = datetime.date(1990, 1, 1)

procedure_code_validator = RegexValidator(
    r"^\d\.\d{6}$", _("A national procedure code has the form 1.004567 (a digit, a dot, six digits).")
)
field_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,39}$", _("Use lower-case letters, digits, hyphens or underscores, e.g. food-safety.")
)


class LocalisedName:
    """``name`` in the active language, falling back to Vietnamese."""

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi


class Field(LocalisedName, models.Model):
    """A field of state management (lĩnh vực): pharmacy, food safety, ..."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[field_code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=255)
    name_en = models.CharField(_("name (English)"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["name_vi"]

    def __str__(self):
        return self.name


class ProcedureQuerySet(models.QuerySet):
    def in_force_on(self, day):
        """Procedures with a non-abolished version in force on ``day``."""
        return self.filter(
            Q(versions__effective_from__lte=day)
            & (Q(versions__effective_to__isnull=True) | Q(versions__effective_to__gte=day))
            & ~Q(versions__change_kind=ChangeKind.ABOLISHED)
        ).distinct()


class Procedure(LocalisedName, models.Model):
    """An administrative procedure (thủ tục hành chính) identified by its national code."""

    code = models.CharField(_("national code"), max_length=20, unique=True, validators=[procedure_code_validator])
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=500)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    field = models.ForeignKey(Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(
        _("competent level"), max_length=10, choices=CompetentLevel.choices, default=CompetentLevel.CENTRAL
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("resolving unit"), on_delete=models.PROTECT, related_name="procedures"
    )
    business_related = models.BooleanField(_("concerns business activity"), default=False)
    online_service = models.CharField(
        _("online public service"), max_length=10, choices=OnlineService.choices, default=OnlineService.NONE
    )
    has_fee = models.BooleanField(_("fee applies"), default=False)
    internal_procedure_issued = models.BooleanField(_("internal procedure issued"), default=False)
    portal_integrated = models.BooleanField(_("integrated with the National Public Service Portal"), default=False)
    # What the national index (Decision 766) reads besides the flags above; their history is kept
    # in ``ProcedureFlags`` (written by ``procedures.services.procedure_flags_record``).
    paper_result = models.BooleanField(
        _("result is a paper document"),
        default=True,
        db_default=True,
        help_text=_("An online dossier of such a procedure counts for indicator 3.3 only with an electronic result."),
    )
    for_citizens = models.BooleanField(_("for citizens"), default=False, db_default=False)
    full_online_eligible = models.BooleanField(_("eligible for full online service"), default=False, db_default=False)
    payable_on_portal = models.BooleanField(
        _("fee payable on the National Public Service Portal"), default=False, db_default=False
    )
    uses_population_data = models.BooleanField(
        _("uses the national population database"), default=False, db_default=False
    )

    objects = ProcedureQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["code"]
        indexes = [models.Index(fields=["unit", "field"])]

    def __str__(self):
        return f"{self.code} – {self.name}"

    def clean(self):
        super().clean()
        if self.payable_on_portal and not self.has_fee:
            raise ValidationError(
                {"payable_on_portal": _("Only a procedure with a fee can be payable on the national portal.")}
            )


class ProcedureFlagsQuerySet(models.QuerySet):
    def valid_on(self, day):
        """The rows that held on ``day``: one per procedure that has a history."""
        return self.filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        )


class ProcedureFlags(models.Model):
    """A procedure's catalogue flags over a stretch of days: the catalogue's history.

    The national index scores a past period with the catalogue as it stood then (DESIGN.md, "The
    national index"): these rows say which flags held on any day, ``valid_from`` included,
    ``valid_to`` excluded. A procedure's first row has no ``valid_from``: the values first recorded
    apply to every earlier day, as nothing older is known. The open row (no ``valid_to``) repeats
    the procedure's current flags. Written only by ``procedures.services.procedure_flags_record``,
    whenever the catalogue's services (the API, the admin, the demo data) change a procedure.
    """

    FLAG_FIELDS = (
        "online_service",
        "has_fee",
        "internal_procedure_issued",
        "portal_integrated",
        "paper_result",
        "for_citizens",
        "full_online_eligible",
        "payable_on_portal",
        "uses_population_data",
    )

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="flag_history"
    )
    valid_from = models.DateField(
        _("valid from"), null=True, blank=True, help_text=_("Empty: since the procedure was catalogued.")
    )
    valid_to = models.DateField(_("valid until (excluded)"), null=True, blank=True, help_text=_("Empty while current."))
    online_service = models.CharField(_("online public service"), max_length=10, choices=OnlineService.choices)
    has_fee = models.BooleanField(_("fee applies"))
    internal_procedure_issued = models.BooleanField(_("internal procedure issued"))
    portal_integrated = models.BooleanField(_("integrated with the National Public Service Portal"))
    paper_result = models.BooleanField(_("result is a paper document"))
    for_citizens = models.BooleanField(_("for citizens"))
    full_online_eligible = models.BooleanField(_("eligible for full online service"))
    payable_on_portal = models.BooleanField(_("fee payable on the National Public Service Portal"))
    uses_population_data = models.BooleanField(_("uses the national population database"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = ProcedureFlagsQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure flags (history)")
        verbose_name_plural = _("procedure flags (history)")
        ordering = ["procedure", "valid_from"]
        indexes = [models.Index(fields=["procedure", "valid_from"], name="procedure_flags_from")]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure"], condition=Q(valid_to__isnull=True), name="procedure_flags_one_current"
            ),
            models.UniqueConstraint(
                fields=["procedure"], condition=Q(valid_from__isnull=True), name="procedure_flags_one_first"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gt=models.F("valid_from")),
                name="procedure_flags_valid_to_after_from",
            ),
        ]

    def __str__(self):
        start = self.valid_from.isoformat() if self.valid_from else "…"
        end = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.procedure_id} {start}–{end}"


class ProcedureVersionQuerySet(models.QuerySet):
    def in_force_on(self, day):
        """Versions whose effective period contains ``day``."""
        return self.filter(Q(effective_from__lte=day) & (Q(effective_to__isnull=True) | Q(effective_to__gte=day)))

    def overlapping(self, start, end):
        """Versions sharing at least one day with [start, end]; ``end=None`` means open-ended."""
        condition = Q(effective_to__isnull=True) | Q(effective_to__gte=start)
        if end is not None:
            condition &= Q(effective_from__lte=end)
        return self.filter(condition)


class ProcedureVersion(models.Model):
    """A procedure as one announcing decision (quyết định công bố) set it, for a period.

    Every dossier is tied to the version in force on its receipt day, so a later cut of the
    processing time never changes the deadline of a dossier already received.
    """

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="versions"
    )
    decision_number = models.CharField(_("announcing decision number"), max_length=100)
    decision_date = models.DateField(_("announcing decision date"))
    change_kind = models.CharField(_("change"), max_length=10, choices=ChangeKind.choices, default=ChangeKind.NEW)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True, help_text=_("Empty while in force."))
    processing_days = models.PositiveSmallIntegerField(
        _("processing time (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Statutory processing time in working days; empty only for an abolishing decision."),
    )
    note = models.TextField(_("note"), blank=True)
    # Publicity (national index, group 1): when the legal basis this decision announces takes
    # effect, when the version was published on the national TTHC database, and whether it was
    # published with all seven components. Empty dates: not recorded.
    legal_basis_effective_on = models.DateField(
        _("legal basis takes effect on"),
        null=True,
        blank=True,
        help_text=_("The decision should be dated at least 20 working days before (indicator 1.1)."),
    )
    published_on = models.DateField(
        _("published on the national database on"),
        null=True,
        blank=True,
        help_text=_("Within 10 working days of the decision (indicator 1.2); empty while not published."),
    )
    components_complete = models.BooleanField(_("published with all seven components"), default=False, db_default=False)

    objects = ProcedureVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("procedure version")
        verbose_name_plural = _("procedure versions")
        ordering = ["procedure", "-effective_from"]
        indexes = [models.Index(fields=["procedure", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(change_kind=ChangeKind.ABOLISHED) | Q(processing_days__gt=0),
                name="version_processing_days_positive",
                violation_error_message=_("The processing time must be at least one working day."),
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="version_effective_to_after_from",
                violation_error_message=_("A version cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.procedure.code} – {self.decision_number} ({self.effective_from.isoformat()})"

    @property
    def is_abolished(self) -> bool:
        return self.change_kind == ChangeKind.ABOLISHED

    def clean(self):
        super().clean()
        errors = {}
        if self.change_kind != ChangeKind.ABOLISHED and not self.processing_days:
            errors["processing_days"] = _("The processing time must be at least one working day.")
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            errors["effective_to"] = _("A version cannot end before it starts.")
        if self.decision_date and self.effective_from and self.effective_from < self.decision_date:
            errors["effective_from"] = _("A version cannot take effect before its announcing decision.")
        if self.decision_date and self.published_on and self.published_on < self.decision_date:
            errors["published_on"] = _("A version cannot be published before its announcing decision.")
        # Indicators 1.1 and 1.2 count these dates (Decision 766): a typing slip must not score.
        if self.published_on and self.published_on > timezone.localdate():
            errors["published_on"] = _("A publication date cannot be in the future.")
        if self.legal_basis_effective_on and self.legal_basis_effective_on < EARLIEST_LEGAL_DATE:
            errors["legal_basis_effective_on"] = _("Give a date from %(day)s on.") % {
                "day": EARLIEST_LEGAL_DATE.strftime("%d/%m/%Y")
            }
        if self.components_complete and not self.published_on:
            errors["components_complete"] = _("Give the publication date of a version published with its components.")
        if errors:
            raise ValidationError(errors)
        if self.procedure_id and self.effective_from:
            clash = (
                ProcedureVersion.objects.filter(procedure_id=self.procedure_id)
                .overlapping(self.effective_from, self.effective_to)
                .exclude(pk=self.pk)
                .first()
            )
            if clash:
                end = clash.effective_to.strftime("%d/%m/%Y") if clash.effective_to else _("now")
                raise ValidationError(
                    {
                        "effective_from": _(
                            "These dates overlap version %(decision)s, in force from %(start)s to %(end)s. "
                            "Close that version first."
                        )
                        % {
                            "decision": clash.decision_number,
                            "start": clash.effective_from.strftime("%d/%m/%Y"),
                            "end": end,
                        }
                    }
                )


class ReductionPlan(models.Model):
    """A plan to cut a procedure's processing time, compliance cost and business conditions."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="reduction_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    baseline_days = models.PositiveSmallIntegerField(_("baseline processing time (working days)"))
    target_days = models.PositiveSmallIntegerField(_("target processing time (working days)"))
    baseline_cost = models.DecimalField(
        _("baseline compliance cost (VND/year)"), max_digits=18, decimal_places=0, default=0
    )
    target_cost = models.DecimalField(
        _("target compliance cost (VND/year)"), max_digits=18, decimal_places=0, default=0
    )
    baseline_conditions = models.PositiveSmallIntegerField(_("baseline business conditions"), default=0)
    target_conditions = models.PositiveSmallIntegerField(_("target business conditions"), default=0)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("reduction plan")
        verbose_name_plural = _("reduction plans")
        ordering = ["-year", "procedure"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "year"], name="reduction_plan_unique_per_year"),
            models.CheckConstraint(
                condition=Q(target_days__lte=models.F("baseline_days"))
                & Q(target_cost__lte=models.F("baseline_cost"))
                & Q(target_conditions__lte=models.F("baseline_conditions")),
                name="reduction_plan_targets_not_above_baseline",
                violation_error_message=_("A target cannot be above its baseline."),
            ),
        ]

    def __str__(self):
        return f"{self.procedure.code} – {self.year}"
