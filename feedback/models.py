"""Feedback and petitions (phản ánh, kiến nghị, PAKN), their append-only events and their numbering."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossiers.deadlines import local_date
from dossiers.lookup import new_lookup_code
from dossiers.models import Dossier
from procedures.models import Procedure
from units.models import Unit
from workdays.calendar import add_working_days

from .choices import OPEN_STATUSES, Classification, EventKind, Handling, Source, Status, Topic

# Long enough for a detailed complaint; a pasted book is refused with a field error.
CONTENT_MAX_LENGTH = 5000


class FeedbackQuerySet(models.QuerySet):
    def open(self):
        """Items not yet refused or answered."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, *, on: datetime.date):
        """Items whose current step (the answer, or its publication) was due before ``on``."""
        return self.filter(due_date__lt=on)

    def due_soon(self, *, on: datetime.date):
        """Items with at most ``TTHC_DUE_SOON_WORKING_DAYS`` working days left for their current step."""
        return self.filter(due_date__gte=on, due_date__lte=add_working_days(on, settings.TTHC_DUE_SOON_WORKING_DAYS))


class Feedback(models.Model):
    """One piece of feedback or petition, from a citizen or business, directly or forwarded.

    The fields under "derived" are a projection of the events, recomputed by
    ``feedback.deadlines.derive_state`` after every event (as for dossiers).
    """

    code = models.CharField(_("code"), max_length=30, unique=True)
    # The sender's key to follow the item on the public page (same alphabet as a dossier's).
    lookup_code = models.CharField(_("lookup code"), max_length=12, default=new_lookup_code, editable=False)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    topic = models.CharField(_("about"), max_length=12, choices=Topic.choices, blank=True)
    forwarding_document = models.CharField(
        _("forwarding document"), max_length=255, blank=True, help_text=_("E.g. Official letter 123/VPCP-KSTT.")
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="feedback")
    procedure = models.ForeignKey(
        Procedure, verbose_name=_("procedure"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), null=True, blank=True, on_delete=models.PROTECT, related_name="feedback"
    )
    sender_name = models.CharField(_("sender"), max_length=255)
    sender_email = models.EmailField(_("email"), blank=True)
    sender_phone = models.CharField(_("phone"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=255)
    content = models.TextField(_("content"))
    answer = models.TextField(_("answer"), blank=True)
    received_at = models.DateTimeField(_("received at"))

    # --- derived from the events (see feedback.deadlines.derive_state) ---
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.RECEIVED)
    classification = models.CharField(_("classification"), max_length=12, choices=Classification.choices)
    received_on = models.DateField(_("received on"))
    answer_by = models.DateField(_("answer due"))
    publish_by = models.DateField(_("publication due"), null=True, blank=True)
    due_date = models.DateField(_("current step due"), null=True, blank=True)
    handled_on = models.DateField(_("handled on"), null=True, blank=True)
    handling = models.CharField(_("handling"), max_length=10, choices=Handling.choices, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    liked = models.BooleanField(_("sender liked the handling"), null=True, blank=True)
    # Set once, when the item is received (``feedback.services.repeated_item``): the latest earlier
    # item from the same sender on the same subject that this one repeats (national index 5.3).
    repeats = models.ForeignKey(
        "self",
        verbose_name=_("repeats"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeated_by",
        editable=False,
    )
    last_event_at = models.DateTimeField(_("last event at"))
    event_count = models.PositiveIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "received_on"], name="feedback_unit_received"),
            models.Index(fields=["unit", "handled_on"], name="feedback_unit_handled"),
            models.Index(fields=["status", "due_date"], name="feedback_status_due"),
            models.Index(fields=["-received_at", "-id"], name="feedback_list_order"),
        ]

    def __str__(self):
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FeedbackEvent(models.Model):
    """One step of an item's handling (who, when, what, note, data). Never updated or deleted."""

    feedback = models.ForeignKey(Feedback, verbose_name=_("feedback"), on_delete=models.CASCADE, related_name="events")
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    at = models.DateTimeField(_("at"))
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
        verbose_name = _("feedback event")
        verbose_name_plural = _("feedback events")
        ordering = ["feedback", "sequence"]
        constraints = [models.UniqueConstraint(fields=["feedback", "sequence"], name="feedback_event_sequence_unique")]
        indexes = [
            models.Index(fields=["kind", "on"], name="feedback_event_kind_on"),
            models.Index(fields=["recorded_at"], name="feedback_event_recorded_at"),
        ]

    def __str__(self):
        return f"{self.feedback_id}#{self.sequence} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("Feedback events are append-only and cannot be changed."))
        if self.on is None:
            self.on = local_date(self.at)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Feedback events are append-only and cannot be deleted."))


class FeedbackCodeCounter(models.Model):
    """The last running number of the items received on one day (``PAKN-<yymmdd>-<nnnn>``)."""

    day = models.DateField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.day.isoformat()} {self.last_number}"
