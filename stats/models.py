"""The nightly rollups every report reads, and the record of each run that wrote them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import ClosedPeriod
from procedures.models import Field, Procedure
from units.models import Unit

from .choices import NotApplicableRule, StatsRunKind, StatsRunStatus


class DailyStat(models.Model):
    """One day's counts for one procedure of one unit: the rollup every report and rate reads.

    Flow columns count what happened on ``day`` (received, ended, supplements, ratings); the
    ``open_*`` columns are the stock of open dossiers at the end of ``day``. A row exists only
    where some column is not zero. Written by ``stats.rollups`` only.
    """

    day = models.DateField(_("day"))
    # No foreign-key constraints in the database: rollups are derived from dossiers, which hold the
    # constraints, and are rewritten wholesale; checking three keys per written row cost more than
    # computing it. (Django still cascades deletes.)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.CASCADE, related_name="+", db_constraint=False
    )

    received_online = models.PositiveIntegerField(default=0)
    received_in_person = models.PositiveIntegerField(default=0)
    received_postal = models.PositiveIntegerField(default=0)
    paid_online = models.PositiveIntegerField(default=0)
    ended_early = models.PositiveIntegerField(default=0)
    ended_on_time = models.PositiveIntegerField(default=0)
    ended_late = models.PositiveIntegerField(default=0)
    ended_resolved = models.PositiveIntegerField(default=0)
    ended_refused = models.PositiveIntegerField(default=0)
    ended_stopped = models.PositiveIntegerField(default=0)
    ended_withdrawn = models.PositiveIntegerField(default=0)
    open_within_deadline = models.PositiveIntegerField(default=0)
    open_overdue = models.PositiveIntegerField(default=0)
    supplement_requests = models.PositiveIntegerField(default=0)
    reappointments = models.PositiveIntegerField(default=0)
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_unsatisfied = models.PositiveIntegerField(default=0)
    # National index (Decision 766) counts, read by ``stats.index766``.
    received_online_e_result = models.PositiveIntegerField(default=0)  # received online, electronic result
    received_digitised = models.PositiveIntegerField(default=0)  # received with components digitised
    resolved_e_result = models.PositiveIntegerField(default=0)  # ended resolved with an electronic result
    # Rows written before these columns existed hold 0 until the days are recomputed.
    received_synced = models.PositiveIntegerField(default=0, db_default=0)  # received from a source system (1.4)
    received_data_reused = models.PositiveIntegerField(default=0, db_default=0)  # reusing digitised data (4.3)
    received_digitised_data_store = models.PositiveIntegerField(  # digitised, from the data store (4.4)
        default=0, db_default=0
    )
    received_online_vneid = models.PositiveIntegerField(default=0, db_default=0)  # online, VNeID account (4.5a)

    COUNT_FIELDS = (
        "received_online",
        "received_in_person",
        "received_postal",
        "paid_online",
        "ended_early",
        "ended_on_time",
        "ended_late",
        "ended_resolved",
        "ended_refused",
        "ended_stopped",
        "ended_withdrawn",
        "open_within_deadline",
        "open_overdue",
        "supplement_requests",
        "reappointments",
        "rated_satisfied",
        "rated_unsatisfied",
        "received_online_e_result",
        "received_digitised",
        "resolved_e_result",
        "received_synced",
        "received_data_reused",
        "received_digitised_data_store",
        "received_online_vneid",
    )
    FLOW_FIELDS = tuple(name for name in COUNT_FIELDS if not name.startswith("open_"))

    class Meta:
        verbose_name = _("daily statistic")
        verbose_name_plural = _("daily statistics")
        ordering = ["day", "unit", "procedure"]
        constraints = [models.UniqueConstraint(fields=["day", "unit", "procedure"], name="daily_stat_unique")]
        indexes = [
            models.Index(fields=["unit", "day"], name="daily_stat_unit_day"),
            models.Index(fields=["field", "day"], name="daily_stat_field_day"),
            models.Index(fields=["procedure", "day"], name="daily_stat_procedure_day"),
        ]

    def __str__(self):
        return f"{self.day.isoformat()} {self.unit_id}/{self.procedure_id}"


class StatsRun(models.Model):
    """One computation of the rollups (nightly task or backfill), shown to ministry office staff.

    A run is split into independent chunks (``StatsRunChunk``: the days of one calendar month × one
    group of units, ``unit_groups`` groups), which any number of workers compute in any order;
    ``days_computed`` counts the days whose every chunk is committed, ``rows_written`` the rows
    of the committed chunks. ``heartbeat_at`` moves when a chunk starts or ends: a running run
    whose heartbeat is older than ``STATS_RUN_STALL_SECONDS`` has lost its workers and is marked
    failed (``stats.rollups.runs_sweep``); a redelivered chunk resumes it. A run waiting for a
    worker (``queued``) is the outbox of the task: it is sent again if the broker was down when it
    was created (``heartbeat_at`` is set once its chunks are in the broker).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=StatsRunKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=StatsRunStatus.choices, default=StatsRunStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    days_computed = models.PositiveIntegerField(_("days computed"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    unit_groups = models.PositiveSmallIntegerField(_("unit groups"), default=1)

    class Meta:
        verbose_name = _("statistics run")
        verbose_name_plural = _("statistics runs")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.get_status_display()}"


class StatsRunChunk(models.Model):
    """One independent piece of a run: the days ``date_from``..``date_to`` (within one calendar
    month) of the units whose id leaves ``unit_group`` when divided by the run's
    ``unit_groups``. Computed whole, in one transaction, by one Celery message; computing it again
    rewrites the same rows. ``attempts`` counts the deliveries that started it (a chunk lost with
    its worker is delivered again)."""

    run = models.ForeignKey(StatsRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    unit_group = models.PositiveSmallIntegerField(_("unit group"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=StatsRunStatus.choices, default=StatsRunStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)  # the last one that started it

    class Meta:
        verbose_name = _("statistics run chunk")
        verbose_name_plural = _("statistics run chunks")
        ordering = ["run", "date_from", "unit_group"]
        constraints = [
            models.UniqueConstraint(fields=["run", "date_from", "unit_group"], name="stats_run_chunk_unique")
        ]

    def __str__(self):
        return f"{self.date_from}–{self.date_to} group {self.unit_group}: {self.get_status_display()}"


class ComputedDay(models.Model):
    """A day whose rollups have been computed at least once, and when last.

    Written in the same transaction as the day's ``DailyStat`` rows, so it is true exactly when
    they are; every report reads it to say which days of its range have no figures yet (a
    backfill that died half-way leaves its later days out, whatever older runs covered).
    """

    day = models.DateField(_("day"), primary_key=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("computed day")
        verbose_name_plural = _("computed days")
        ordering = ["day"]

    def __str__(self):
        return self.day.isoformat()


class RollupLock(models.Model):
    """A single row locked while rollups are written, so overlapping runs take turns."""

    class Meta:
        verbose_name = _("rollup lock")

    def __str__(self):
        return "rollup lock"


class FeedbackDailyStat(models.Model):
    """One day's counts of feedback and petitions for one unit (national index, group 5).

    ``received``: items sent or forwarded to the unit that day; ``handled_on_time`` /
    ``handled_late``: items refused or answered that day, by whether the step met its deadline;
    ``liked`` / ``disliked``: senders' ratings recorded that day. A row exists only where some count
    is not zero. Written by ``stats.feedback_rollups`` only, with the dossier rollups.
    """

    day = models.DateField(_("day"))
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    received = models.PositiveIntegerField(default=0)
    handled_on_time = models.PositiveIntegerField(default=0)
    handled_late = models.PositiveIntegerField(default=0)
    liked = models.PositiveIntegerField(default=0)
    disliked = models.PositiveIntegerField(default=0)
    received_about_dossier = models.PositiveIntegerField(default=0)  # received items that refer to a dossier
    # Received items that repeat an earlier one (``Feedback.repeats``; indicator 5.3). Rows written
    # before this column existed hold 0 until their days are recomputed.
    received_repeat = models.PositiveIntegerField(default=0, db_default=0)

    COUNT_FIELDS = (
        "received",
        "handled_on_time",
        "handled_late",
        "liked",
        "disliked",
        "received_about_dossier",
        "received_repeat",
    )

    class Meta:
        verbose_name = _("daily feedback statistic")
        verbose_name_plural = _("daily feedback statistics")
        ordering = ["day", "unit"]
        constraints = [models.UniqueConstraint(fields=["day", "unit"], name="feedback_daily_stat_unique")]
        indexes = [models.Index(fields=["unit", "day"], name="feedback_daily_stat_unit_day")]

    def __str__(self):
        return f"{self.day.isoformat()} {self.unit_id}"


class Index766Config(models.Model):
    """One year's configuration of the national index (Decision 766/QĐ-TTg), edited by the ministry office.

    Without a row for a year the defaults of ``stats.index766.INDICATORS`` apply. ``overrides``
    changes an indicator's maximum points or target: ``{"3.3": {"points": 4, "target": 50}}``
    (points ≥ 0; target a percentage in (0, 100], or null for "no target": the rate itself).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    not_applicable_rule = models.CharField(
        _("indicators that do not apply"),
        max_length=10,
        choices=NotApplicableRule.choices,
        default=NotApplicableRule.EXCLUDE,
        help_text=_("What an indicator whose denominator is 0 contributes to the total."),
    )
    paper_result_assumed = models.BooleanField(
        _("every procedure has a paper result"),
        default=False,
        help_text=_(
            "On: indicator 3.3 counts an online dossier only if its result was issued electronically, "
            "whatever the catalogue says. Off: only for the procedures the catalogue marks as having a "
            "paper result (as it stood on the period's last day)."
        ),
    )
    overrides = models.JSONField(_("points and targets changed"), default=dict, blank=True)
    note = models.TextField(_("source of the changes"), blank=True)

    class Meta:
        verbose_name = _("national index configuration")
        verbose_name_plural = _("national index configurations")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)

    def clean(self):
        from django.core.exceptions import ValidationError

        from .index766 import override_errors

        errors = override_errors(self.overrides)
        if errors:
            raise ValidationError({"overrides": errors})


class SubmittedReport(models.Model):
    """Form 06 of a reporting period as the ministry office sent it (``stats.submissions``).

    ``figures`` holds the lines by unit for the whole ministry and their totals, each with the
    stored figures of ``stats.selectors.Form06Row`` (``SUMMED_FIELDS``) and the unit's id, code and
    name: ``{"rows": [{"unit_id": 3, "code": "QLD", "name": "Cục Quản lý Dược", "carried_over": 2,
    …}], "totals": {…}}``. The period is closed for the dossiers through ``closed_period``.
    """

    kind = models.CharField(_("period kind"), max_length=10)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    label = models.CharField(_("period"), max_length=100)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    figures = models.JSONField(_("figures as sent"), default=dict)
    closed_period = models.OneToOneField(
        ClosedPeriod, verbose_name=_("closed period"), on_delete=models.PROTECT, related_name="report"
    )

    class Meta:
        verbose_name = _("submitted report")
        verbose_name_plural = _("submitted reports")
        ordering = ["-date_to"]
        constraints = [models.UniqueConstraint(fields=["date_from", "date_to"], name="submitted_report_unique")]

    def __str__(self):
        return self.label
