"""The outbox: every e-mail and SMS the product sends, one row per recipient and channel."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import Unit

from .choices import MessageChannel, MessageStatus


class MessageQuerySet(models.QuerySet):
    def due(self, *, now: datetime.datetime):
        """Messages a worker may claim at ``now``: waiting and due, or claimed by a worker whose lease ran out."""
        return self.filter(
            Q(status=MessageStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=MessageStatus.SENDING, claimed_until__lt=now)
        )


class Message(models.Model):
    """One e-mail or SMS to one recipient (the outbox row).

    Written by ``notifications.services.message_enqueue`` in the same transaction as the event
    that causes it, already rendered in the recipient's language, so what staff see here is what
    is sent. A worker claims it (``sending``, with a lease), sends it and marks it ``sent``; a
    failure puts it back to ``pending`` with a later ``next_attempt_at``, until the last attempt
    leaves it ``failed`` for staff to retry.
    """

    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # Who may see it on the staff page: the unit whose event caused it.
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=60, blank=True, help_text=_("E.g. the dossier code."))
    # The same message is never written twice for the same key (e.g. one digest per officer per day).
    dedup_key = models.CharField(_("deduplication key"), max_length=120, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["unit", "-created_at"], name="message_unit_created"),
            models.Index(fields=["reference"], name="message_reference"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key", "channel", "recipient"],
                condition=~Q(dedup_key=""),
                name="message_dedup_unique",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient} ({self.status})"
