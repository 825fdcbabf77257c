"""Reporting periods marked as submitted: the Form 06 figures as sent, and what changed since.

When the ministry office marks a period as submitted (``report_submit``), the figures of Form 06
by unit for the whole ministry are stored as they were sent (``SubmittedReport``), and the period
is closed for the dossiers (``dossiers.ClosedPeriod``): a receipt or a step dated on or before
its last day then needs a reason and is marked (``dossiers.backdating``). The report page shows
the stored figures of a submitted period; when the rollups have changed since (a late sync, a
backdated receipt), ``report_differences`` lists, per unit, the columns that differ and the
dossiers whose events, recorded after the submission and dated on or before the period's end,
caused them (issue 10, item 5 and case 5).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossiers.choices import EventKind
from dossiers.models import ClosedPeriod, DossierEvent

from . import periods
from .form06 import COLUMNS, Column
from .models import SubmittedReport
from .selectors import SUMMED_FIELDS, Form06Row, form06


def _as_dict(row: Form06Row) -> dict:
    return {
        "unit_id": row.key,
        "code": row.code,
        "name": row.name,
        **{name: getattr(row, name) for name in SUMMED_FIELDS},
    }


def _as_row(values: dict) -> Form06Row:
    return Form06Row(
        key=values.get("unit_id"),
        code=values.get("code", ""),
        name=values.get("name", ""),
        **{name: values.get(name, 0) for name in SUMMED_FIELDS},
    )


@transaction.atomic
def report_submit(*, period: periods.Period, by, note: str = "", today: datetime.date | None = None) -> SubmittedReport:
    """Store the Form 06 figures of ``period`` by unit, for the whole ministry, as sent; close the period.

    Raises ``ValidationError`` when the period has not ended (``periods.validate_range``) or was
    already submitted. Five queries and two inserts, whatever the number of dossiers.
    """
    periods.validate_range(period.date_from, period.date_to, today=today or timezone.localdate())
    label = period.official_label
    if SubmittedReport.objects.filter(date_from=period.date_from, date_to=period.date_to).exists():
        raise ValidationError(_("%(period)s has already been submitted.") % {"period": label})
    with translation.override("vi"):  # the names as the form carries them
        rows, totals = form06(date_from=period.date_from, date_to=period.date_to, group_by="unit")
    closed = ClosedPeriod.objects.create(label=label, date_from=period.date_from, date_to=period.date_to)
    try:
        with transaction.atomic():
            return SubmittedReport.objects.create(
                kind=period.kind,
                year=period.year,
                number=period.number,
                label=label,
                date_from=period.date_from,
                date_to=period.date_to,
                submitted_at=closed.closed_at,
                submitted_by=by,
                note=(note or "").strip(),
                closed_period=closed,
                figures={"rows": [_as_dict(row) for row in rows], "totals": _as_dict(totals)},
            )
    except IntegrityError:  # the same period submitted a moment ago by someone else
        raise ValidationError(_("%(period)s has already been submitted.") % {"period": label}) from None


def submitted_report(date_from: datetime.date, date_to: datetime.date) -> SubmittedReport | None:
    """The submission of exactly this range, if it was submitted (one query)."""
    return SubmittedReport.objects.filter(date_from=date_from, date_to=date_to).select_related("submitted_by").first()


def submitted_rows(report: SubmittedReport, *, unit_ids=None) -> tuple[list[Form06Row], Form06Row]:
    """The lines of the submitted form (by unit) limited to ``unit_ids`` (None: all), and their totals."""
    rows = [_as_row(values) for values in report.figures["rows"]]
    if unit_ids is not None:
        rows = [row for row in rows if row.key in unit_ids]
    totals = Form06Row()
    for row in rows:
        totals.add(row)
    return rows, totals


@dataclass
class ChangedDossier:
    """A dossier whose event, recorded after the submission, is dated on or before the period's end."""

    code: str
    event_kind: str
    on: datetime.date
    recorded_at: datetime.datetime
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return EventKind(self.event_kind).label if self.event_kind in EventKind.values else self.event_kind


@dataclass
class UnitDifference:
    """One unit whose figures differ from those submitted: (column, submitted, now) and the causes."""

    code: str
    name: str
    changes: list[tuple[Column, int, int]]
    dossiers: list[ChangedDossier] = field(default_factory=list)


def report_differences(report: SubmittedReport, *, unit_ids=None, limit: int = 50) -> list[UnitDifference]:
    """Per unit, the official columns whose figures now differ from those submitted, with the dossiers
    that changed them (at most ``limit`` per unit). ``unit_ids`` limits to the units one may read.

    Six queries whatever the number of units (``form06`` and one for the events).
    """
    submitted = {row.key: row for row in submitted_rows(report, unit_ids=unit_ids)[0]}
    with translation.override("vi"):
        current_rows, _totals = form06(
            date_from=report.date_from, date_to=report.date_to, group_by="unit", unit_ids=unit_ids
        )
    current = {row.key: row for row in current_rows}
    differences: dict[int, UnitDifference] = {}
    for key in sorted(submitted.keys() | current.keys(), key=lambda k: (current.get(k) or submitted[k]).code):
        before, now = submitted.get(key, Form06Row()), current.get(key, Form06Row())
        changes = [
            (column, getattr(before, column.key), getattr(now, column.key))
            for column in COLUMNS
            if getattr(before, column.key) != getattr(now, column.key)
        ]
        if changes:
            named = current.get(key) or submitted[key]
            differences[key] = UnitDifference(code=named.code, name=named.name, changes=changes)
    if differences:
        events = (
            DossierEvent.objects.filter(
                recorded_at__gt=report.submitted_at, on__lte=report.date_to, dossier__unit_id__in=differences.keys()
            )
            .order_by("dossier__unit_id", "on", "dossier__code")
            .values_list("dossier__unit_id", "dossier__code", "kind", "on", "recorded_at", "data")
        )
        for unit_id, code, kind, on, recorded_at, data in events:
            listed = differences[unit_id].dossiers
            if len(listed) < limit:
                reason = ((data or {}).get("late_entry") or {}).get("reason", "")
                listed.append(ChangedDossier(code=code, event_kind=kind, on=on, recorded_at=recorded_at, reason=reason))
    return list(differences.values())
