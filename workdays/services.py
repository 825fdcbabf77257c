"""Writes on the working-day calendar."""

from django.db import transaction
from django.utils import timezone

from .models import CalendarOverride


@transaction.atomic
def calendar_override_mark_applied(*, override: CalendarOverride, by, count: int) -> CalendarOverride:
    """Record that the ministry office applied ``override`` to the open dossiers (``count`` moved).

    The calendar itself does not change (the override already counts for new receipts), so the
    shared calendar cache is left alone.
    """
    CalendarOverride.objects.filter(pk=override.pk).update(
        applied_at=timezone.now(), applied_by=by, applied_count=count
    )
    override.refresh_from_db()
    return override
