"""Reads of feedback that the staff pages, the API and the export share, scoped by ``units.access``."""

import datetime

from units.access import Access

from .deadlines import allowed_actions, derive_state, is_due_soon, is_overdue, step_timeliness
from .models import Feedback


def feedback_visible_to(access: Access):
    """Items about the units ``access`` may read, joined with what a list row shows."""
    return access.readable(Feedback.objects.select_related("unit", "procedure", "dossier"))


def feedback_events(item: Feedback) -> list:
    """The item's steps, oldest first, each with ``timeliness`` against its own deadline ("" if none)."""
    events = list(item.events.select_related("by").order_by("sequence"))
    for event, timeliness in zip(events, step_timeliness(events), strict=True):
        event.timeliness = timeliness
    return events


def shows_sender(access: Access, item: Feedback) -> bool:
    """The sender's e-mail and phone are shown to those who handle the unit's feedback."""
    return access.can_write_unit(item.unit_id)


def actions_for(item: Feedback, *, access: Access) -> list[str]:
    """The steps ``access`` may take on ``item`` now."""
    if not access.can_write_unit(item.unit_id):
        return []
    return allowed_actions(derive_state(list(item.events.order_by("sequence"))))


def deadline_badges(item: Feedback, *, on: datetime.date) -> dict:
    """``{"overdue": bool, "due_soon": bool}`` for a list row (from the stored dates, no query)."""
    return {"overdue": is_overdue(item, on=on), "due_soon": is_due_soon(item, on=on)}
