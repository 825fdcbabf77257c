"""The days the government announced differently from the ``holidays`` package."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import invalidate_calendar
from .choices import OverrideKind, OverrideSource


class CalendarOverride(models.Model):
    """A day the government announced differently from the ``holidays`` package.

    Announcements (an extra day off, a Saturday made a working day) come out before library
    releases, so staff record them here with the announcing document; they win over the package.
    """

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OverrideKind.choices)
    document = models.CharField(
        _("announcing document"), max_length=255, help_text=_("e.g. Official letter 1234/TB-VPCP of 12/11/2025")
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=OverrideSource.choices, default=OverrideSource.STAFF, editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The last time the ministry office applied it to the open dossiers (DESIGN.md, lifecycle 8).
    applied_at = models.DateTimeField(_("applied to open dossiers at"), null=True, blank=True, editable=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applied by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applied_count = models.PositiveIntegerField(_("dossiers recalculated"), default=0, editable=False)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date.isoformat()} – {self.get_kind_display()}"

    # Bulk updates bypass these; edit overrides one by one (the admin does).
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        invalidate_calendar()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        invalidate_calendar()
        return result
