"""Daily counts of feedback and petitions per unit (``FeedbackDailyStat``), for the national index.

Group 5 of the national index (Decision 766) reads, per period: feedback received; feedback
handled (refused or answered) on time and late; and the senders' likes and dislikes. These are
written with the dossier rollups, for the same days and in the same transaction
(``stats.rollups.rollup_days``), from three ``GROUP BY`` queries over indexed date columns:

* received on D: items whose ``received_on`` is D (the day it was sent or forwarded), and of
  those the items that refer to a dossier (indicator 5.4) and those that repeat an earlier item
  (``Feedback.repeats``, indicator 5.3);
* handled on time / late on D: items refused or answered on D, by whether that step met its
  deadline (``feedback.deadlines``);
* liked / disliked on D: the sender's rating recorded on D (an item is rated once).
"""

import datetime

from django.db.models import Count, Q

from feedback.choices import EventKind, Handling
from feedback.models import Feedback, FeedbackEvent

from .models import FeedbackDailyStat


def feedback_rows_for(
    start: datetime.date, end: datetime.date, *, units: list[int] | None = None
) -> list[FeedbackDailyStat]:
    """The rows of every day from ``start`` to ``end`` with something to count (of ``units`` only,
    when given: one group of a fanned-out run)."""
    counts: dict[tuple[datetime.date, int], dict[str, int]] = {}
    feedback, events = Feedback.objects.all(), FeedbackEvent.objects.all()
    if units is not None:
        feedback, events = feedback.filter(unit_id__in=units), events.filter(feedback__unit_id__in=units)

    def add(rows, day_field: str, unit_field: str, names: tuple[str, ...]):
        for row in rows:
            entry = counts.setdefault((row[day_field], row[unit_field]), {})
            for name in names:
                entry[name] = entry.get(name, 0) + row[name]

    add(
        feedback.filter(received_on__gte=start, received_on__lte=end)
        .values("received_on", "unit_id")
        .annotate(
            received=Count("id"),
            received_about_dossier=Count("id", filter=Q(dossier__isnull=False)),
            received_repeat=Count("id", filter=Q(repeats__isnull=False)),
        ),
        "received_on",
        "unit_id",
        ("received", "received_about_dossier", "received_repeat"),
    )
    add(
        feedback.filter(handled_on__gte=start, handled_on__lte=end)
        .values("handled_on", "unit_id")
        .annotate(
            handled_on_time=Count("id", filter=Q(handling=Handling.ON_TIME)),
            handled_late=Count("id", filter=Q(handling=Handling.LATE)),
        ),
        "handled_on",
        "unit_id",
        ("handled_on_time", "handled_late"),
    )
    add(
        events.filter(kind=EventKind.RATED, on__gte=start, on__lte=end)
        .values("on", "feedback__unit_id")
        .annotate(
            liked=Count("id", filter=Q(feedback__liked=True)),
            disliked=Count("id", filter=Q(feedback__liked=False)),
        ),
        "on",
        "feedback__unit_id",
        ("liked", "disliked"),
    )
    return [
        FeedbackDailyStat(day=day, unit_id=unit_id, **values)
        for (day, unit_id), values in sorted(counts.items())
        if any(values.values())
    ]


def feedback_rollup_days(start: datetime.date, end: datetime.date, *, units: list[int] | None = None) -> int:
    """Rewrite the feedback rows of [start, end] (inside the caller's transaction), of ``units``
    only when given; the rows written."""
    rows = feedback_rows_for(start, end, units=units)
    stale = FeedbackDailyStat.objects.filter(day__gte=start, day__lte=end)
    if units is not None:
        stale = stale.filter(unit_id__in=units)
    stale.delete()
    FeedbackDailyStat.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
