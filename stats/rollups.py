"""The daily rollups (``DailyStat``), computed set-based in the database.

For a range of days the flows (received, ended, supplements, ratings, ...) come from a handful
of ``GROUP BY`` queries over indexed date columns, and the stocks of open dossiers at the end of
each day from one query for the day before the range plus the day-by-day flows in and out. Python
walks only the aggregated (unit, procedure, day) rows, never the dossiers.

Definitions (the property test checks them against direct counts):

* open at the end of day D: received on or before D and not ended on or before D;
* overdue at the end of D: open, appointment date before D, and not currently awaiting a
  supplement (the clock of such a dossier is paused; its appointment date moves when the
  supplement arrives, and the days it touches are recomputed then);
* within deadline: open and not overdue.

Each chunk of days is deleted and rewritten in one transaction under a row lock, so a run that
is interrupted leaves every day either fully old or fully new, and two runs never interleave.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from dossiers.choices import Channel, EventKind, Outcome, Status, Timeliness
from dossiers.models import Dossier, DossierEvent

from .bulk import insert_rows
from .choices import StatsRunKind, StatsRunStatus
from .models import DailyStat, RollupLock, StatsRun

CHUNK_DAYS = 31
ONE_DAY = datetime.timedelta(days=1)
Key = tuple[int, int, int]  # (unit_id, procedure_id, field_id)


def _grouped(queryset, day_field: str, *, prefix: str = "", **counts) -> dict[tuple[datetime.date, Key], dict]:
    """``{(day, key): {name: count}}`` from one GROUP BY query."""
    rows = queryset.values(day_field, f"{prefix}unit_id", f"{prefix}procedure_id", f"{prefix}field_id").annotate(
        **counts
    )
    result = {}
    for row in rows:
        key = (row[f"{prefix}unit_id"], row[f"{prefix}procedure_id"], row[f"{prefix}field_id"])
        result[(row[day_field], key)] = {name: row[name] for name in counts}
    return result


def _open_at_end_of(day: datetime.date) -> dict[Key, tuple[int, int]]:
    """``{key: (open, overdue)}`` at the end of ``day``, straight from the dossiers."""
    rows = (
        Dossier.objects.filter(received_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .values("unit_id", "procedure_id", "field_id")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(appointment_date__lt=day) & ~Q(status=Status.AWAITING_SUPPLEMENT)),
        )
    )
    return {(row["unit_id"], row["procedure_id"], row["field_id"]): (row["open"], row["overdue"]) for row in rows}


def _flows(start: datetime.date, end: datetime.date) -> dict[tuple[datetime.date, Key], dict]:
    """Every flow of every day in [start, end], keyed by (day, key)."""
    flows: dict[tuple[datetime.date, Key], dict] = defaultdict(dict)
    received = _grouped(
        Dossier.objects.filter(received_on__gte=start, received_on__lte=end),
        "received_on",
        received_online=Count("id", filter=Q(channel=Channel.ONLINE)),
        received_in_person=Count("id", filter=Q(channel=Channel.IN_PERSON)),
        received_postal=Count("id", filter=Q(channel=Channel.POSTAL)),
        paid_online=Count("id", filter=Q(fee_paid_online=True)),
    )
    ended = _grouped(
        Dossier.objects.filter(ended_on__gte=start, ended_on__lte=end),
        "ended_on",
        ended_early=Count("id", filter=Q(timeliness=Timeliness.EARLY)),
        ended_on_time=Count("id", filter=Q(timeliness=Timeliness.ON_TIME)),
        ended_late=Count("id", filter=Q(timeliness=Timeliness.LATE)),
        ended_resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
        ended_refused=Count("id", filter=Q(outcome=Outcome.REFUSED)),
        ended_stopped=Count("id", filter=Q(outcome=Outcome.STOPPED)),
        ended_withdrawn=Count("id", filter=Q(outcome=Outcome.WITHDRAWN)),
        # Leaving the overdue stock: ended on D after being overdue at the end of D - 1.
        overdue_left=Count("id", filter=Q(appointment_date__lt=F("ended_on") - ONE_DAY)),
    )
    events = _grouped(
        DossierEvent.objects.filter(
            on__gte=start,
            on__lte=end,
            kind__in=[EventKind.SUPPLEMENT_REQUESTED, EventKind.REAPPOINTED, EventKind.RATED],
        ),
        "on",
        prefix="dossier__",
        supplement_requests=Count("id", filter=Q(kind=EventKind.SUPPLEMENT_REQUESTED)),
        reappointments=Count("id", filter=Q(kind=EventKind.REAPPOINTED)),
        rated_satisfied=Count("id", filter=Q(kind=EventKind.RATED, dossier__satisfied=True)),
        rated_unsatisfied=Count("id", filter=Q(kind=EventKind.RATED, dossier__satisfied=False)),
    )
    # Entering the overdue stock on D: the appointment was D - 1 and the dossier is still open
    # at the end of D.
    became_overdue = _grouped(
        Dossier.objects.filter(appointment_date__gte=start - ONE_DAY, appointment_date__lte=end - ONE_DAY)
        .exclude(status=Status.AWAITING_SUPPLEMENT)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=F("appointment_date") + ONE_DAY)),
        "appointment_date",
        overdue_entered=Count("id"),
    )
    for source in (received, ended, events):
        for key, counts in source.items():
            flows[key].update(counts)
    for (appointment_day, key), counts in became_overdue.items():
        flows[(appointment_day + ONE_DAY, key)].update(counts)
    return flows


ROW_COLUMNS = ("day", "unit", "procedure", "field", *DailyStat.COUNT_FIELDS)
_OPEN_INDEX = (DailyStat.COUNT_FIELDS.index("open_within_deadline"), DailyStat.COUNT_FIELDS.index("open_overdue"))


def _rows_for(start: datetime.date, end: datetime.date) -> list[tuple]:
    """Rollup rows of [start, end] as tuples in ``ROW_COLUMNS`` order."""
    flows = _flows(start, end)
    stocks = _open_at_end_of(start - ONE_DAY)
    keys = set(stocks) | {key for _day, key in flows}
    empty: dict = {}
    rows = []
    for key in keys:
        open_count, overdue_count = stocks.get(key, (0, 0))
        day = start
        while day <= end:
            counts = flows.get((day, key), empty)
            if counts:
                open_count += (
                    counts.get("received_online", 0)
                    + counts.get("received_in_person", 0)
                    + counts.get("received_postal", 0)
                    - counts.get("ended_early", 0)
                    - counts.get("ended_on_time", 0)
                    - counts.get("ended_late", 0)
                )
                overdue_count += counts.get("overdue_entered", 0) - counts.get("overdue_left", 0)
            # A grouped flow always counts at least one dossier, so a day with flows is never empty.
            if counts or open_count:
                values = [counts.get(name, 0) for name in DailyStat.COUNT_FIELDS]
                values[_OPEN_INDEX[0]] = open_count - overdue_count
                values[_OPEN_INDEX[1]] = overdue_count
                rows.append((day, *key, *values))
            day += ONE_DAY
    return rows


def rollup_days(
    start: datetime.date, end: datetime.date, *, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Recompute the rollups of every day from ``start`` to ``end``; returns (days, rows)."""
    if end < start:
        raise ValueError("The end of the range is before its start.")
    days = rows_written = 0
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(chunk_start + datetime.timedelta(days=CHUNK_DAYS - 1), end)
        with transaction.atomic():
            RollupLock.objects.select_for_update().get_or_create(pk=1)
            rows = _rows_for(chunk_start, chunk_end)
            DailyStat.objects.filter(day__gte=chunk_start, day__lte=chunk_end).delete()
            insert_rows(DailyStat, ROW_COLUMNS, rows)
        chunk_days = (chunk_end - chunk_start).days + 1
        days += chunk_days
        rows_written += len(rows)
        if progress:
            progress(chunk_days)
        chunk_start = chunk_end + ONE_DAY
    return days, rows_written


def _recorded(run: StatsRun, work: Callable[[], tuple[int, int]]) -> StatsRun:
    try:
        run.days_computed, run.rows_written = work()
    except Exception as error:
        run.status, run.error, run.finished_at = StatsRunStatus.FAILED, repr(error), timezone.now()
        run.save()
        raise
    run.status, run.finished_at = StatsRunStatus.SUCCEEDED, timezone.now()
    run.save()
    return run


def stats_backfill(
    *, date_from: datetime.date, date_to: datetime.date, progress: Callable[[int], None] | None = None
) -> StatsRun:
    """Recompute a range of days (``compute_stats --from --to``); recorded as a run."""
    run = StatsRun.objects.create(kind=StatsRunKind.BACKFILL, date_from=date_from, date_to=date_to)
    return _recorded(run, lambda: rollup_days(date_from, date_to, progress=progress))


def nightly_range(*, today: datetime.date) -> tuple[datetime.date, datetime.date] | None:
    """The days the nightly run must recompute: yesterday, and back to the earliest day touched
    by an event recorded since the previous successful nightly run began (late syncs)."""
    yesterday = today - ONE_DAY
    previous = (
        StatsRun.objects.filter(kind=StatsRunKind.NIGHTLY, status=StatsRunStatus.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )
    if previous is None:
        earliest = Dossier.objects.aggregate(first=Min("received_on"))["first"]
    else:
        earliest = DossierEvent.objects.filter(recorded_at__gte=previous.started_at).aggregate(first=Min("on"))["first"]
    start = min(earliest, yesterday) if earliest else yesterday
    return start, yesterday


def stats_nightly(*, today: datetime.date | None = None) -> StatsRun:
    """The nightly run: idempotent and safe to retry (it only ever rewrites whole days)."""
    today = today or timezone.localdate()
    start, end = nightly_range(today=today)
    run = StatsRun.objects.create(kind=StatsRunKind.NIGHTLY, date_from=start, date_to=end)
    return _recorded(run, lambda: rollup_days(start, end))
