"""Dossiers, their append-only events and the counters that number them."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Field, Procedure, ProcedureVersion
from units.models import Unit
from workdays.calendar import add_working_days

from .choices import OPEN_STATUSES, ApplicantKind, Channel, EventKind, Outcome, ProposalStatus, Status, Timeliness
from .deadlines import OPEN_END, local_date
from .lookup import new_lookup_code
from .search import SearchKey


class DossierQuerySet(models.QuerySet):
    def open(self):
        """Dossiers whose processing has not ended (including those awaiting a supplement)."""
        return self.filter(status__in=OPEN_STATUSES)

    def ended_between(self, start: datetime.date, end: datetime.date):
        """Dossiers whose processing ended on a local date from ``start`` to ``end``, both included."""
        return self.filter(ended_on__gte=start, ended_on__lte=end)

    def received_between(self, start: datetime.date, end: datetime.date):
        """Dossiers received on a local date from ``start`` to ``end``, both included."""
        return self.filter(received_on__gte=start, received_on__lte=end)

    def overdue(self, *, on: datetime.date):
        """Open dossiers overdue on ``on`` (today or later) if nothing happens meanwhile.

        ``overdue_from`` holds the national index's pause rules (``deadlines.DossierState.due``):
        a dossier waiting for a supplement it asked for in time is not overdue; one that asked
        after its appointment date, or asked twice, is. For a past day, read the statistics
        (``StateInterval``), not this.
        """
        return self.filter(overdue_from__lte=on)

    def within_deadline(self, *, on: datetime.date):
        """Open dossiers not overdue on ``on`` (those paused in time included)."""
        return self.open().exclude(overdue_from__lte=on)

    def due_soon(self, *, on: datetime.date):
        """Processing dossiers, not yet overdue, with at most ``TTHC_DUE_SOON_WORKING_DAYS`` working days left."""
        last_day = add_working_days(on, settings.TTHC_DUE_SOON_WORKING_DAYS)
        return self.filter(status=Status.PROCESSING, appointment_date__gte=on, appointment_date__lte=last_day).exclude(
            overdue_from__lte=on
        )


class Dossier(models.Model):
    """A dossier (hồ sơ) submitted for one procedure and followed against its appointment date.

    The fields under "derived" are a projection of the events, recomputed by
    ``dossiers.deadlines.derive_state`` after every event and stored so that lists, filters and
    statistics are plain indexed queries.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    # The applicant's key to the public status page, printed on the receipt (dossiers.lookup).
    lookup_code = models.CharField(_("lookup code"), max_length=12, default=new_lookup_code, editable=False)
    # unit, procedure and field: no index of their own; the composite indexes below lead with them.
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion, verbose_name=_("procedure version"), on_delete=models.PROTECT, related_name="dossiers"
    )
    # Copied from the procedure at receipt: a later change of the catalogue must not move history.
    unit = models.ForeignKey(
        Unit, verbose_name=_("resolving unit"), on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    field = models.ForeignKey(
        Field, verbose_name=_("field"), on_delete=models.PROTECT, related_name="dossiers", db_index=False
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    applicant_kind = models.CharField(
        _("applicant kind"), max_length=12, choices=ApplicantKind.choices, default=ApplicantKind.PERSON
    )
    applicant_name = models.CharField(_("applicant name"), max_length=255)
    # The name without marks, lower case ("nguyen thi anh duong"): what ``?q=`` searches (dossiers.search).
    search_name = models.GeneratedField(
        expression=SearchKey("applicant_name"),
        output_field=models.CharField(max_length=255),
        db_persist=True,
        editable=False,
    )
    applicant_id_number = models.CharField(_("ID or tax number"), max_length=20, blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=20, blank=True)
    applicant_email = models.EmailField(_("email"), blank=True)
    applicant_address = models.CharField(_("address"), max_length=500, blank=True)

    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"), help_text=_("Local date of reception."))
    processing_days = models.PositiveSmallIntegerField(_("processing time (working days)"))
    fee_amount = models.DecimalField(_("fee (VND)"), max_digits=14, decimal_places=0, default=0)
    fee_paid_online = models.BooleanField(_("fee paid online"), default=False)
    result_electronic = models.BooleanField(_("electronic result"), default=False)
    documents_digitised = models.BooleanField(_("documents digitised"), default=False)
    # More flags the national index reads (DESIGN.md, "The national portal's dossier model").
    data_reused = models.BooleanField(_("reuses digitised data"), default=False, db_default=False)
    from_data_store = models.BooleanField(
        _("components from the citizen's data store"), default=False, db_default=False
    )
    vneid_verified = models.BooleanField(_("account authenticated with VNeID"), default=False, db_default=False)

    # Synchronisation (dossiers.sync): which system sent the dossier, when it last did, and the
    # time of the source's snapshot, so an older snapshot arriving later changes nothing.
    # Empty for a dossier received here. Defaults in the database too: bulk loaders that COPY
    # named columns (the demo generator) need not know these fields.
    source_system = models.CharField(_("source system"), max_length=40, blank=True, db_default="")
    synced_at = models.DateTimeField(_("last synchronised at"), null=True, blank=True)
    source_updated_at = models.DateTimeField(_("source snapshot time"), null=True, blank=True)
    # The transaction that last wrote the row, set by a database trigger (migration 0013): the
    # change feed's position (``dossiers.feed``). On SQLite, a migration that alters a column of
    # this table rebuilds it without the trigger: such a migration creates it again (see 0014).
    change_xid = models.BigIntegerField(null=True, editable=False)

    # --- derived from the events (see dossiers.deadlines.derive_state) ---
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROCESSING)
    counted_from = models.DateField(_("counted from"), help_text=_("The working day the dossier counts as received."))
    appointment_date = models.DateField(_("appointment date"))
    reappointed_date = models.DateField(_("re-appointed date"), null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(_("supplement requests"), default=0)
    reappointment_count = models.PositiveSmallIntegerField(_("re-appointments"), default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    timeliness = models.CharField(_("timeliness"), max_length=10, choices=Timeliness.choices, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    satisfied = models.BooleanField(_("applicant satisfied"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event at"))
    backdated = models.BooleanField(
        _("entered late"),
        default=False,
        db_default=False,  # rows written with COPY (demo data, bulk loads) leave it out
        help_text=_("Some time of this dossier was recorded later than it happened (dossiers.backdating)."),
    )
    event_count = models.PositiveIntegerField(default=0, editable=False)
    overdue_from = models.DateField(
        _("overdue from"),
        null=True,
        blank=True,
        help_text=_("The first day the open dossier counts as overdue if nothing else happens; empty while paused."),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    # Touched by every event. Not indexed: no query filters on it (the nightly statistics find the
    # days to recompute from the events' ``recorded_at``, the change feed from ``change_xid``).
    updated_at = models.DateTimeField(auto_now=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="dossier_unit_received"),
            models.Index(fields=["unit", "ended_on"], name="dossier_unit_ended"),
            models.Index(fields=["status", "appointment_date"], name="dossier_status_appointment"),
            models.Index(fields=["unit", "status", "appointment_date"], name="dossier_unit_status_appt"),
            models.Index(fields=["procedure", "received_on"], name="dossier_procedure_received"),
            models.Index(fields=["field", "received_on"], name="dossier_field_received"),
            models.Index(fields=["received_on"], name="dossier_received_on"),
            models.Index(fields=["ended_on"], name="dossier_ended_on"),
            models.Index(fields=["-received_at", "-id"], name="dossier_list_order"),
            # Lists of open (e.g. overdue) dossiers, newest first, without reading the ended ones.
            models.Index(fields=["status", "-received_at", "-id"], name="dossier_status_list_order"),
            # "Overdue now" lists and counts (set only on open dossiers).
            models.Index(fields=["overdue_from"], name="dossier_overdue_from"),
            # Exact searches by ID or tax number and by phone (for those who may see them).
            models.Index(fields=["applicant_id_number"], name="dossier_applicant_id_number"),
            models.Index(fields=["applicant_phone"], name="dossier_applicant_phone"),
            models.Index(fields=["unit", "overdue_from"], name="dossier_unit_overdue_from"),
            # The change feed, in the order it hands out (``dossiers.feed``).
            models.Index(fields=["change_xid", "id"], name="dossier_change_feed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES) | (Q(ended_on__isnull=False) & ~Q(outcome="")),
                name="dossier_ended_has_outcome",
            ),
        ]

    def __str__(self):
        return self.code

    # Set by ``dossiers.selectors.hide_personal_data`` on an instance shown to a reader who may not
    # see the applicant's personal data.
    personal_data_masked = False

    def save(self, *args, **kwargs):
        if self.personal_data_masked:
            raise ValueError("A dossier with masked personal data is for display only; it cannot be saved.")
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, on: datetime.date) -> bool:
        """The row-level twin of ``DossierQuerySet.overdue``."""
        return self.overdue_from is not None and self.overdue_from <= on


class StateInterval(models.Model):
    """A stretch of days over which an open dossier kept one deadline (``deadlines.Interval``).

    Written by the services with every event, from the events alone, so the stocks of any past day
    (open within deadline, open overdue at the end of day D) are one set-based query:
    ``starts_on <= D < ends_on``, overdue when ``overdue_from <= D``. Later events only close the
    last interval or add new ones from their own day on: a day's figures never change unless an
    event dated on or before it arrives (DESIGN.md, lifecycle 7). Unit, procedure and field are
    copied from the dossier so the statistics group without a join.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="intervals")
    # Copies of the dossier's own (constrained) keys: neither indexed nor checked again.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (excluded)"), default=OPEN_END)
    due = models.DateField(_("due"), null=True, blank=True)
    overdue_from = models.DateField(_("overdue from"), null=True, blank=True)

    OPEN_END = OPEN_END

    class Meta:
        verbose_name = _("state interval")
        verbose_name_plural = _("state intervals")
        ordering = ["dossier", "starts_on"]
        indexes = [
            # Each serves one kind of change within a range of days: opened, closed, fell overdue.
            models.Index(fields=["starts_on"], name="interval_starts_on"),
            models.Index(fields=["ends_on", "starts_on"], name="interval_ends_on"),
            models.Index(fields=["overdue_from"], name="interval_overdue_from"),
        ]

    def __str__(self):
        return f"{self.dossier_id} {self.starts_on.isoformat()}–{self.ends_on.isoformat()} due {self.due}"


class DossierEvent(models.Model):
    """One step in a dossier's life (who, when, what, note, data). Never updated or deleted."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="events")
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
    # The local date of ``at``: daily statistics group events by it.
    on = models.DateField(_("on"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["dossier", "sequence"]
        constraints = [models.UniqueConstraint(fields=["dossier", "sequence"], name="dossier_event_sequence_unique")]
        indexes = [
            models.Index(fields=["kind", "on"], name="dossier_event_kind_on"),
            models.Index(fields=["recorded_at"], name="dossier_event_recorded_at"),
        ]

    def __str__(self):
        return f"{self.dossier_id}#{self.sequence} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("Dossier events are append-only and cannot be changed."))
        if self.on is None:
            self.on = local_date(self.at)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Dossier events are append-only and cannot be deleted."))


class DossierCodeCounter(models.Model):
    """The last running number used for a unit's dossiers on one reception day.

    Incremented under a row lock, so two dossiers received in the same second for the same unit
    still get different codes.
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="dossier_code_counter_unique")]

    def __str__(self):
        return f"{self.unit_id} {self.day.isoformat()} {self.last_number}"


class ReappointmentProposal(models.Model):
    """An officer's proposal to re-appoint a dossier, for the unit's head to approve or decline.

    DESIGN.md: the head approves re-appointments. The deadline (at least one working day before
    the appointment date) applies to the proposal; an approval records the re-appointment at the
    proposal's time, signed by the head who approved it (``dossiers.services``).
    """

    dossier = models.ForeignKey(Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="proposals")
    new_date = models.DateField(_("proposed new date"))
    reason = models.TextField(_("reason"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("re-appointment proposal")
        verbose_name_plural = _("re-appointment proposals")
        ordering = ["-proposed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(status="pending"),
                name="one_pending_proposal_per_dossier",
            )
        ]

    def __str__(self):
        return f"{self.dossier_id} → {self.new_date.isoformat()} ({self.status})"


class ClosedPeriodQuerySet(models.QuerySet):
    def covering(self, day: datetime.date) -> "ClosedPeriod | None":
        """The earliest submitted period whose figures an event dated ``day`` can change (it ends on
        or after ``day``: an older event changes the stocks carried into it), or None."""
        return self.filter(date_to__gte=day).order_by("date_to").first()


class ClosedPeriod(models.Model):
    """A reporting period whose figures were sent upwards (written by ``stats.submissions``).

    A receipt or a step dated on or before its last day changes what was sent: it needs a reason
    and is marked (``dossiers.backdating``).
    """

    label = models.CharField(_("period"), max_length=100)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    closed_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    objects = ClosedPeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("submitted reporting period")
        verbose_name_plural = _("submitted reporting periods")
        constraints = [models.UniqueConstraint(fields=["date_from", "date_to"], name="closed_period_unique")]
        indexes = [models.Index(fields=["date_to"], name="closed_period_date_to")]

    def __str__(self):
        return self.label


class ImportJob(models.Model):
    """A dossier file uploaded by the ministry office, imported in the background.

    The upload page shows its progress from ``done_rows``/``total_rows`` and, when it has finished,
    its counts and row-numbered errors (``[row, column, message]``), downloadable as CSV
    (``dossiers.importing.import_job_run``). The file's bytes are dropped once it has run.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(editable=False, default=bytes)
    source_system = models.CharField(_("source system"), max_length=40, default="import")
    dry_run = models.BooleanField(_("check only"), default=False)
    # The uploader's language: the row errors are written in it.
    language = models.CharField(max_length=10, default="vi")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    already_present = models.PositiveIntegerField(_("already present"), default=0)
    failed = models.PositiveIntegerField(_("failed rows"), default=0)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("dossier import")
        verbose_name_plural = _("dossier imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.state})"

    @property
    def percent(self) -> int:
        """Rows done, in percent of the file's rows (a finished file without rows: 100; a failed
        file was never read: 0, never a "100%" that reads as done)."""
        if not self.total_rows:
            return 100 if self.state == self.State.DONE else 0
        return min(100, round(self.done_rows * 100 / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class Reconciliation(models.Model):
    """The national portal's list of a unit's dossiers for a period, compared with ours.

    ``result`` holds what ``dossiers.reconciliation.reconcile`` found (missing on either side,
    disagreements), so the page can be read again and exported to Excel.
    """

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    file_name = models.CharField(_("file"), max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    result = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("reconciliation with the national portal")
        verbose_name_plural = _("reconciliations with the national portal")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.unit_id} {self.date_from}–{self.date_to} ({self.file_name})"
