"""Reads of the statistics: the Form 06 numbers and the rates, for any date range and grouping.

Every figure comes from the ``DailyStat`` rollups, so a report costs the same at ten thousand and
at ten million dossiers: flows are summed over the range, stocks are read on two days (the day
before the range for "carried over", the last day for "in progress").
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth

from dossiers.models import Dossier
from feedback.models import Feedback
from procedures.models import Field, Procedure
from units.models import Unit

from .models import ComputedDay, DailyStat, FeedbackDailyStat

GROUPINGS = {
    "unit": ("unit_id", Unit),
    "field": ("field_id", Field),
    "procedure": ("procedure_id", Procedure),
}
ONE_DAY = datetime.timedelta(days=1)


def percent(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with two decimals (99.82), or None when there is nothing to divide."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Form06Row:
    """One line of Form 06/VPCP/KSTT (Circular 01/2020/TT-VPCP) with the rates derived from it."""

    key: int | None = None
    code: str = ""
    name: str = ""
    carried_over: int = 0
    received_online: int = 0
    received_in_person: int = 0
    received_postal: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    open_within_deadline: int = 0
    open_overdue: int = 0
    paid_online: int = 0
    supplement_requests: int = 0
    reappointments: int = 0
    rated_satisfied: int = 0
    rated_unsatisfied: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def received_offline(self) -> int:
        """Received in person or by public post (one column of the form)."""
        return self.received_in_person + self.received_postal

    @property
    def newly_received(self) -> int:
        return self.received_online + self.received_offline

    @property
    def received_total(self) -> int:
        """Carried over plus newly received."""
        return self.carried_over + self.newly_received

    @property
    def resolved_total(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def open_total(self) -> int:
        return self.open_within_deadline + self.open_overdue

    @property
    def on_time_rate(self) -> Decimal | None:
        """(early + on time) / resolved."""
        return percent(self.resolved_early + self.resolved_on_time, self.resolved_total)

    @property
    def progress_rate(self) -> Decimal | None:
        """(resolved on time + in progress within deadline) / (resolved + in progress); index 766."""
        return percent(
            self.resolved_early + self.resolved_on_time + self.open_within_deadline,
            self.resolved_total + self.open_total,
        )

    @property
    def online_rate(self) -> Decimal | None:
        """Newly received online / newly received."""
        return percent(self.received_online, self.newly_received)

    @property
    def online_payment_rate(self) -> Decimal | None:
        return percent(self.paid_online, self.newly_received)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return percent(self.rated_satisfied, self.rated_satisfied + self.rated_unsatisfied)

    def add(self, other: "Form06Row") -> None:
        for name in _SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))


_FLOW_MAP = {
    "received_online": "received_online",
    "received_in_person": "received_in_person",
    "received_postal": "received_postal",
    "resolved_early": "ended_early",
    "resolved_on_time": "ended_on_time",
    "resolved_late": "ended_late",
    "paid_online": "paid_online",
    "supplement_requests": "supplement_requests",
    "reappointments": "reappointments",
    "rated_satisfied": "rated_satisfied",
    "rated_unsatisfied": "rated_unsatisfied",
}
_SUMMED = (*_FLOW_MAP, "carried_over", "open_within_deadline", "open_overdue")
# The stored figures of a line (everything else is derived from them).
SUMMED_FIELDS = _SUMMED


def _units(queryset, *, unit_ids=None, subtree: Unit | None = None):
    """``queryset`` (of rollups) limited to the units in ``unit_ids`` and under ``subtree``.

    A subtree is named by its units' ids, read first (one query on the unit table), never by a
    condition on the joined unit's path: with the ids the planner reads those units' rows through
    an index on the unit, so a unit's report costs its own rollup rows; with the path it scanned
    the whole period's partition and joined every row to the units, a cost that grew with the
    other units (docs/performance.md, "One unit's index reads its own rollups").
    """
    if subtree is not None:
        units = Unit.objects.subtree(subtree)
        if unit_ids is not None:
            units = units.filter(pk__in=unit_ids)
        unit_ids = list(units.values_list("pk", flat=True))
    if unit_ids is not None:
        queryset = queryset.filter(unit_id__in=unit_ids)
    return queryset


def _scope(queryset, *, unit_ids=None, subtree: Unit | None = None, field_id=None, procedure_id=None):
    queryset = _units(queryset, unit_ids=unit_ids, subtree=subtree)
    if field_id is not None:
        queryset = queryset.filter(field_id=field_id)
    if procedure_id is not None:
        queryset = queryset.filter(procedure_id=procedure_id)
    return queryset


def form06(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str = "unit",
    unit_ids=None,
    subtree: Unit | None = None,
    field_id: int | None = None,
    procedure_id: int | None = None,
) -> tuple[list[Form06Row], Form06Row]:
    """Form 06 rows for the period, grouped by unit, field or procedure, and the totals row.

    ``unit_ids`` limits the report to the units a principal may read; ``subtree`` to one unit
    and its sub-units. Four queries whatever the number of dossiers or groups, one more with
    ``subtree`` (its units' ids, see ``_units``).
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {group_by!r}; use one of {', '.join(GROUPINGS)}.")
    group_field, model = GROUPINGS[group_by]
    base = _scope(
        DailyStat.objects.all(), unit_ids=unit_ids, subtree=subtree, field_id=field_id, procedure_id=procedure_id
    )
    rows: dict[int, Form06Row] = {}

    def row(key):
        return rows.setdefault(key, Form06Row(key=key))

    flows = (
        base.filter(day__gte=date_from, day__lte=date_to)
        .values(group_field)
        .annotate(**{name: Sum(column) for name, column in _FLOW_MAP.items()})
    )
    for values in flows:
        target = row(values[group_field])
        for name in _FLOW_MAP:
            setattr(target, name, values[name] or 0)
    carried = (
        base.filter(day=date_from - ONE_DAY)
        .values(group_field)
        .annotate(open_within=Sum("open_within_deadline"), open_overdue=Sum("open_overdue"))
    )
    for values in carried:
        row(values[group_field]).carried_over = (values["open_within"] or 0) + (values["open_overdue"] or 0)
    closing = (
        base.filter(day=date_to)
        .values(group_field)
        .annotate(open_within=Sum("open_within_deadline"), open_overdue=Sum("open_overdue"))
    )
    for values in closing:
        target = row(values[group_field])
        target.open_within_deadline = values["open_within"] or 0
        target.open_overdue = values["open_overdue"] or 0

    for obj in model.objects.filter(pk__in=rows.keys()):
        rows[obj.pk].code = obj.code
        rows[obj.pk].name = obj.name
    ordered = sorted(rows.values(), key=lambda item: item.code)
    totals = Form06Row(code="", name="")
    for item in ordered:
        totals.add(item)
    return ordered, totals


def period_figures(*, date_from: datetime.date, date_to: datetime.date, **scope) -> Form06Row:
    """The Form 06 totals (and rates) of one scope over a period."""
    return form06(date_from=date_from, date_to=date_to, **scope)[1]


@dataclass
class TrendPoint:
    month: datetime.date
    figures: Form06Row


def monthly_trend(*, date_from: datetime.date, date_to: datetime.date, **scope) -> list[TrendPoint]:
    """Figures month by month: flows of the month, carried over from the day before it starts,
    in progress at its last day (months are clipped to the range). Two queries, one more with a
    ``subtree`` in ``scope`` (its units' ids, see ``_units``)."""
    base = _scope(DailyStat.objects.all(), **scope)
    in_range = base.filter(day__gte=date_from, day__lte=date_to)
    points: dict[datetime.date, Form06Row] = {}
    flows = (
        in_range.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**{name: Sum(column) for name, column in _FLOW_MAP.items()})
        .order_by("month")
    )
    for values in flows:
        month = _as_date(values["month"])
        figures = points.setdefault(month, Form06Row())
        for name in _FLOW_MAP:
            setattr(figures, name, values[name] or 0)
    months = _months(date_from, date_to)
    closing_days = {last: month for month, (_first, last) in months.items()}
    opening_days = {first - ONE_DAY: month for month, (first, _last) in months.items()}
    stocks = (
        base.filter(day__in=[*closing_days, *opening_days])
        .values("day")
        .annotate(open_within=Sum("open_within_deadline"), open_overdue=Sum("open_overdue"))
    )
    for values in stocks:
        within, overdue = values["open_within"] or 0, values["open_overdue"] or 0
        if values["day"] in closing_days:
            figures = points.setdefault(closing_days[values["day"]], Form06Row())
            figures.open_within_deadline, figures.open_overdue = within, overdue
        if values["day"] in opening_days:
            points.setdefault(opening_days[values["day"]], Form06Row()).carried_over = within + overdue
    return [TrendPoint(month=month, figures=points.get(month, Form06Row())) for month in months]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _months(
    date_from: datetime.date, date_to: datetime.date
) -> dict[datetime.date, tuple[datetime.date, datetime.date]]:
    """``{first day of the month: (first day in range, last day in range)}`` for each month."""
    result = {}
    first = date_from
    while first <= date_to:
        next_month = (first.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        result[first.replace(day=1)] = (first, min(next_month - ONE_DAY, date_to))
        first = next_month
    return result


# --- Feedback and petitions (national index, group 5) ------------------------------------------


@dataclass(frozen=True)
class FeedbackFigures:
    """Feedback counts over a period: received (and of those about a dossier, and repeating an earlier
    item), handled (refused or answered) on time or late, liked, disliked."""

    received: int = 0
    handled_on_time: int = 0
    handled_late: int = 0
    liked: int = 0
    disliked: int = 0
    received_about_dossier: int = 0
    received_repeat: int = 0

    @property
    def handled_total(self) -> int:
        return self.handled_on_time + self.handled_late

    @property
    def handled_on_time_rate(self) -> Decimal | None:
        """Handled on time / handled × 100 (indicator 5.2); None when nothing was handled."""
        return percent(self.handled_on_time, self.handled_total)

    @property
    def liked_rate(self) -> Decimal | None:
        """Liked / rated × 100; None when nobody rated."""
        return percent(self.liked, self.liked + self.disliked)


def _feedback_scope(queryset, *, unit_ids=None, subtree: Unit | None = None):
    return _units(queryset, unit_ids=unit_ids, subtree=subtree)


def feedback_figures(
    *, date_from: datetime.date, date_to: datetime.date, unit_ids=None, subtree: Unit | None = None
) -> tuple[list[tuple[Unit, FeedbackFigures]], FeedbackFigures]:
    """Per unit (with something to count) and in total, the feedback counts of [date_from, date_to]:
    one query for the sums and one naming their units, one more with ``subtree`` (see ``_units``)."""
    sums = {name: Sum(name) for name in FeedbackDailyStat.COUNT_FIELDS}
    rows = (
        _feedback_scope(
            FeedbackDailyStat.objects.filter(day__gte=date_from, day__lte=date_to), unit_ids=unit_ids, subtree=subtree
        )
        .values("unit_id")
        .annotate(**sums)
        .order_by()
    )
    by_unit = {
        row["unit_id"]: FeedbackFigures(**{name: row[name] or 0 for name in FeedbackDailyStat.COUNT_FIELDS})
        for row in rows
    }
    units = Unit.objects.in_bulk(list(by_unit))
    per_unit = sorted(
        ((units[unit_id], figures) for unit_id, figures in by_unit.items()), key=lambda pair: pair[0].path
    )
    totals = FeedbackFigures(
        **{name: sum(getattr(figures, name) for figures in by_unit.values()) for name in FeedbackDailyStat.COUNT_FIELDS}
    )
    return per_unit, totals


@dataclass
class Coverage:
    """Which days of a report's range have their statistics computed.

    ``missing`` lists the ranges (first day, last day, both included) with no computed rollups:
    a report shows zeros there, so every page and file built on the range says so.
    """

    date_from: datetime.date
    date_to: datetime.date
    missing: list[tuple[datetime.date, datetime.date]]

    @property
    def incomplete(self) -> bool:
        return bool(self.missing)

    @property
    def missing_days(self) -> int:
        return sum((last - first).days + 1 for first, last in self.missing)

    def text(self) -> str:
        """The missing ranges as ``dd/mm/yyyy–dd/mm/yyyy, dd/mm/yyyy``, for pages and files."""
        return ", ".join(
            first.strftime("%d/%m/%Y") if first == last else f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"
            for first, last in self.missing
        )


def coverage(date_from: datetime.date, date_to: datetime.date) -> Coverage:
    """The days of [date_from, date_to] whose rollups are not computed yet.

    A day is computed when a run or ``rollup_days`` has written it (``ComputedDay``, committed with
    the rows), or when it lies before the first day anything was received (dossier or feedback):
    nothing can be counted there. The last successful run's end date is not trusted, since a
    backfill that died half-way leaves holes before it. At most three queries, whatever the range
    (a range is at most ``periods.MAX_RANGE_YEARS`` years of dates).
    """
    computed = set(ComputedDay.objects.filter(day__range=(date_from, date_to)).values_list("day", flat=True))
    if len(computed) == (date_to - date_from).days + 1:
        return Coverage(date_from, date_to, [])
    firsts = [model.objects.aggregate(first=Min("received_on"))["first"] for model in (Dossier, Feedback)]
    earliest = min((day for day in firsts if day), default=None)
    missing: list[tuple[datetime.date, datetime.date]] = []
    day = date_from
    while day <= date_to:
        if day not in computed and (earliest is not None and day >= earliest):
            if missing and missing[-1][1] == day - ONE_DAY:
                missing[-1] = (missing[-1][0], day)
            else:
                missing.append((day, day))
        day += ONE_DAY
    return Coverage(date_from, date_to, missing)
