"""The daily rollups (``DailyStat``), computed set-based in the database.

Each chunk of days is one ``DELETE`` and one ``INSERT … SELECT``: the database reads the flows
of the chunk and the changes of the stocks from indexed date columns, and writes the rows; no
dossier ever passes through Python.

Definitions (``stats/tests/test_rollups.py`` checks them against direct counts):

* flows count what happened on a day: received (``received_on``, by channel, paid online, and
  for the national index online with an electronic result, digitised, synchronised from a source
  system, reusing digitised data, digitised with components from the citizen's data store, and
  online with a VNeID-authenticated account), ended (``ended_on``, by
  timeliness and outcome, and resolved with an electronic result; an ended dossier's timeliness
  never changes), and
  supplement requests, re-appointments and ratings (their event's local day);
* stocks are the open dossiers at the end of the day, within deadline or overdue, read from the
  dossiers' state intervals (``dossiers.models.StateInterval``) and therefore from the events up
  to that day only, never from a dossier's current status (DESIGN.md, lifecycle 7). A dossier is
  open at the end of D when one of its intervals has ``starts_on <= D < ends_on``, and overdue
  when that interval's ``overdue_from <= D``.

The stocks of a chunk are its opening stock plus running sums of their changes: +1 open on an
interval's first day, +1 overdue on its ``overdue_from``, -1 of each on its ``ends_on``. The
opening stock of the first chunk of a run comes from the intervals that cover the day before it;
each later chunk continues from the last day the previous chunk just wrote, so no chunk rescans
the intervals before it.

Each chunk is deleted and rewritten in one transaction under a row lock, so a run that is
interrupted leaves every day either fully old or fully new, and two runs never interleave.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from dossiers.choices import Channel, EventKind, Outcome, Timeliness
from dossiers.models import Dossier, DossierEvent, StateInterval
from feedback.models import Feedback, FeedbackEvent

from .choices import StatsRunKind, StatsRunStatus
from .feedback_rollups import feedback_rollup_days
from .models import ComputedDay, DailyStat, RollupLock, StatsRun

CHUNK_DAYS = 31
ONE_DAY = datetime.timedelta(days=1)

# What each flow column counts: (source, SQL condition on that source's row).
_FLOWS = {
    "received_online": ("received", f"d.channel = '{Channel.ONLINE}'"),
    "received_in_person": ("received", f"d.channel = '{Channel.IN_PERSON}'"),
    "received_postal": ("received", f"d.channel = '{Channel.POSTAL}'"),
    "paid_online": ("received", "d.fee_paid_online"),
    "ended_early": ("ended", f"d.timeliness = '{Timeliness.EARLY}'"),
    "ended_on_time": ("ended", f"d.timeliness = '{Timeliness.ON_TIME}'"),
    "ended_late": ("ended", f"d.timeliness = '{Timeliness.LATE}'"),
    "ended_resolved": ("ended", f"d.outcome = '{Outcome.RESOLVED}'"),
    "ended_refused": ("ended", f"d.outcome = '{Outcome.REFUSED}'"),
    "ended_stopped": ("ended", f"d.outcome = '{Outcome.STOPPED}'"),
    "ended_withdrawn": ("ended", f"d.outcome = '{Outcome.WITHDRAWN}'"),
    "supplement_requests": ("event", f"e.kind = '{EventKind.SUPPLEMENT_REQUESTED}'"),
    "reappointments": ("event", f"e.kind = '{EventKind.REAPPOINTED}'"),
    "rated_satisfied": ("event", f"e.kind = '{EventKind.RATED}' AND d.satisfied"),
    "rated_unsatisfied": ("event", f"e.kind = '{EventKind.RATED}' AND NOT d.satisfied"),
    "received_online_e_result": ("received", f"d.channel = '{Channel.ONLINE}' AND d.result_electronic"),
    "received_digitised": ("received", "d.documents_digitised"),
    "resolved_e_result": ("ended", f"d.outcome = '{Outcome.RESOLVED}' AND d.result_electronic"),
    "received_synced": ("received", "d.source_system <> ''"),
    "received_data_reused": ("received", "d.data_reused"),
    "received_digitised_data_store": ("received", "d.documents_digitised AND d.from_data_store"),
    "received_online_vneid": ("received", f"d.channel = '{Channel.ONLINE}' AND d.vneid_verified"),
}
assert set(_FLOWS) == set(DailyStat.FLOW_FIELDS), "every flow column of DailyStat needs its definition"
_CHANGES = ("open_change", "overdue_change")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _select(day: str, keys: str, source: str, changes: tuple[str, str] = ("0", "0")) -> str:
    """One branch of the UNION: the day, the key columns, every flow as 0/1, and the stock changes."""
    flows = ", ".join(
        f"CASE WHEN {condition} THEN 1 ELSE 0 END" if kind == source else "0" for kind, condition in _FLOWS.values()
    )
    return f"SELECT {day}, {keys}, {flows}, {changes[0]}, {changes[1]}"


def _event_dossier(dossier: str) -> str:
    """The join from a chunk's events to their dossiers (for the unit, procedure and answer).

    A chunk has a few thousand such events: on PostgreSQL each finds its dossier by primary key
    (the ``OFFSET 0`` keeps the planner from turning the lookup into a scan of every dossier).
    """
    if connection.vendor == "postgresql":
        return (
            "CROSS JOIN LATERAL (SELECT unit_id, procedure_id, field_id, satisfied "
            f"FROM {dossier} WHERE id = e.dossier_id OFFSET 0) AS d"
        )
    return f"JOIN {dossier} d ON d.id = e.dossier_id"


def _chunk_sql(*, opening_from_rollups: bool) -> str:
    """``DELETE`` is separate; this is the ``INSERT … SELECT`` of one chunk (params: ``start``, ``end``, ``before``)."""
    dossier, event = _q(Dossier._meta.db_table), _q(DossierEvent._meta.db_table)
    interval, rollups = _q(StateInterval._meta.db_table), _q(DailyStat._meta.db_table)
    on = _q("on")
    keys = "d.unit_id, d.procedure_id, d.field_id"
    interval_keys = "i.unit_id, i.procedure_id, i.field_id"
    if opening_from_rollups:
        # The previous chunk of this run has just written the day before: continue from it.
        opening = (
            _select(
                "%(start)s",
                "s.unit_id, s.procedure_id, s.field_id",
                "stock",
                ("s.open_within_deadline + s.open_overdue", "s.open_overdue"),
            )
            + f" FROM {rollups} s WHERE s.day = %(before)s"
        )
    else:
        opening = (
            _select(
                "%(start)s", interval_keys, "stock", ("1", "CASE WHEN i.overdue_from <= %(before)s THEN 1 ELSE 0 END")
            )
            + f" FROM {interval} i WHERE i.ends_on > %(before)s AND i.starts_on <= %(before)s"
        )
    branches = [
        _select("d.received_on", keys, "received")
        + f" FROM {dossier} d WHERE d.received_on BETWEEN %(start)s AND %(end)s",
        _select("d.ended_on", keys, "ended") + f" FROM {dossier} d WHERE d.ended_on BETWEEN %(start)s AND %(end)s",
        _select(f"e.{on}", keys, "event")
        + f" FROM {event} e {_event_dossier(dossier)}"
        + f" WHERE e.kind IN ('{EventKind.SUPPLEMENT_REQUESTED}', '{EventKind.REAPPOINTED}', '{EventKind.RATED}')"
        + f" AND e.{on} BETWEEN %(start)s AND %(end)s",
        opening,
        _select("i.starts_on", interval_keys, "stock", ("1", "0"))
        + f" FROM {interval} i WHERE i.starts_on BETWEEN %(start)s AND %(end)s",
        _select("i.overdue_from", interval_keys, "stock", ("0", "1"))
        + f" FROM {interval} i WHERE i.overdue_from BETWEEN %(start)s AND %(end)s AND i.overdue_from < i.ends_on",
        _select("i.ends_on", interval_keys, "stock", ("-1", "CASE WHEN i.overdue_from < i.ends_on THEN -1 ELSE 0 END"))
        + f" FROM {interval} i WHERE i.ends_on BETWEEN %(start)s AND %(end)s",
    ]
    flow_names = list(_FLOWS)
    changed = ", ".join([*flow_names, *_CHANGES])
    # Cast back to integers: PostgreSQL sums integers into bigints, and bigints into numerics.
    sums = ", ".join(f"CAST(SUM({name}) AS INTEGER) AS {name}" for name in [*flow_names, *_CHANGES])
    zeros = ", ".join("0" for _ in [*flow_names, *_CHANGES])
    if connection.vendor == "postgresql":
        days = "SELECT generate_series(%(start)s::date, %(end)s::date, interval '1 day')::date AS day"
    else:
        days = "SELECT %(start)s AS day UNION ALL SELECT date(day, '+1 day') FROM days WHERE day < %(end)s"
    window = "PARTITION BY unit_id, procedure_id, field_id ORDER BY day"
    columns = ["day", "unit_id", "procedure_id", "field_id", *DailyStat.COUNT_FIELDS]
    outputs = {name: name for name in flow_names}
    outputs["open_within_deadline"] = "open_count - overdue_count"
    outputs["open_overdue"] = "overdue_count"
    nonzero = " OR ".join([*(f"{name} <> 0" for name in flow_names), "open_count <> 0"])
    # ``dense`` adds a zero row for every day of the chunk and every key that has one, so the
    # running sums of the stock changes give every day its stock; a join would do the same but
    # PostgreSQL tends to plan it badly (a merge join on the key alone, filtered by day).
    return f"""
INSERT INTO {rollups} ({", ".join(_q(column) for column in columns)})
WITH RECURSIVE
changes (day, unit_id, procedure_id, field_id, {changed}) AS (
    {" UNION ALL ".join(branches)}
),
daily AS (
    SELECT day, unit_id, procedure_id, field_id, {sums}
    FROM changes GROUP BY day, unit_id, procedure_id, field_id
),
days (day) AS ({days}),
dense AS (
    SELECT day, unit_id, procedure_id, field_id, {changed} FROM daily
    UNION ALL
    SELECT days.day, keys.unit_id, keys.procedure_id, keys.field_id, {zeros}
    FROM days CROSS JOIN (SELECT DISTINCT unit_id, procedure_id, field_id FROM daily) AS keys
),
filled AS (
    SELECT day, unit_id, procedure_id, field_id, {sums}
    FROM dense GROUP BY day, unit_id, procedure_id, field_id
),
grid AS (
    SELECT day, unit_id, procedure_id, field_id, {", ".join(flow_names)},
        SUM(open_change) OVER ({window}) AS open_count,
        SUM(overdue_change) OVER ({window}) AS overdue_count
    FROM filled
)
SELECT day, unit_id, procedure_id, field_id, {", ".join(outputs.get(name, name) for name in DailyStat.COUNT_FIELDS)}
FROM grid WHERE {nonzero}
"""


def _write_chunk(start: datetime.date, end: datetime.date, *, opening_from_rollups: bool) -> int:
    """Rewrite the rollups of [start, end] (inside the caller's transaction); returns the rows written."""
    params = {"start": start, "end": end, "before": start - ONE_DAY}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this statement just in time costs more than running it.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"DELETE FROM {_q(DailyStat._meta.db_table)} WHERE day BETWEEN %(start)s AND %(end)s", params)
        cursor.execute(_chunk_sql(opening_from_rollups=opening_from_rollups), params)
        return cursor.rowcount


def _mark_computed(start: datetime.date, end: datetime.date) -> None:
    """Record the days [start, end] as computed now (inside the chunk's transaction)."""
    now = timezone.now()
    days = (start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1))
    ComputedDay.objects.bulk_create(
        [ComputedDay(day=day, computed_at=now) for day in days],
        update_conflicts=True,
        unique_fields=["day"],
        update_fields=["computed_at"],
    )


def _compute_chunk(start: datetime.date, end: datetime.date, *, opening_from_rollups: bool) -> int:
    """Rewrite one chunk (inside the caller's transaction, under the rollup lock); returns the rows written."""
    rows = _write_chunk(start, end, opening_from_rollups=opening_from_rollups)
    # Feedback counts of the same days, in the same transaction (stats.feedback_rollups).
    feedback_rollup_days(start, end)
    _mark_computed(start, end)
    return rows


def _chunk_end(start: datetime.date, last: datetime.date) -> datetime.date:
    return min(start + datetime.timedelta(days=CHUNK_DAYS - 1), last)


def rollup_days(
    start: datetime.date, end: datetime.date, *, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Recompute the rollups of every day from ``start`` to ``end``, outside any run; returns (days, rows)."""
    if end < start:
        raise ValueError("The end of the range is before its start.")
    days = rows_written = 0
    chunk_start = start
    while chunk_start <= end:
        chunk_end = _chunk_end(chunk_start, end)
        with transaction.atomic():
            RollupLock.objects.select_for_update().get_or_create(pk=1)
            rows = _compute_chunk(chunk_start, chunk_end, opening_from_rollups=chunk_start > start)
        chunk_days = (chunk_end - chunk_start).days + 1
        days += chunk_days
        rows_written += rows
        if progress:
            progress(chunk_days)
        chunk_start = chunk_end + ONE_DAY
    return days, rows_written


def run_advance(run_pk: int, *, chunks: int | None = 1, progress: Callable[[int], None] | None = None) -> StatsRun:
    """Compute the next ``chunks`` chunks of a run (all that remain if ``None``); returns the run.

    Each chunk commits its rows, its ``ComputedDay`` marks and the run's progress together, so a
    worker killed at any moment leaves the run resumable from its last committed chunk: calling
    this again (a redelivered message) continues there. A run already succeeded is left alone; a
    run the sweep marked failed for lack of heartbeat runs again. An error marks the run failed
    and is raised.
    """
    StatsRun.objects.filter(pk=run_pk).exclude(status=StatsRunStatus.SUCCEEDED).update(
        status=StatsRunStatus.RUNNING, heartbeat_at=timezone.now(), error="", finished_at=None
    )
    done = 0
    try:
        while chunks is None or done < chunks:
            with transaction.atomic():
                RollupLock.objects.select_for_update().get_or_create(pk=1)
                run = StatsRun.objects.select_for_update().get(pk=run_pk)
                start = run.date_from + datetime.timedelta(days=run.days_computed)
                if run.status == StatsRunStatus.SUCCEEDED or start > run.date_to:
                    break
                end = _chunk_end(start, run.date_to)
                rows = _compute_chunk(start, end, opening_from_rollups=start > run.date_from)
                chunk_days = (end - start).days + 1
                run.days_computed += chunk_days
                run.rows_written += rows
                run.heartbeat_at = timezone.now()
                if end == run.date_to:
                    run.status, run.finished_at = StatsRunStatus.SUCCEEDED, run.heartbeat_at
                run.save(update_fields=["days_computed", "rows_written", "heartbeat_at", "status", "finished_at"])
            done += 1
            if progress:
                progress(chunk_days)
    except Exception as error:
        StatsRun.objects.filter(pk=run_pk).update(
            status=StatsRunStatus.FAILED, error=repr(error), finished_at=timezone.now()
        )
        raise
    return StatsRun.objects.get(pk=run_pk)


def run_queue_backfill(*, date_from: datetime.date, date_to: datetime.date) -> StatsRun:
    """Record a backfill of [date_from, date_to] waiting for a worker (the task's outbox row)."""
    if date_to < date_from:
        raise ValueError("The end of the range is before its start.")
    return StatsRun.objects.create(
        kind=StatsRunKind.BACKFILL, status=StatsRunStatus.QUEUED, date_from=date_from, date_to=date_to
    )


def stats_backfill(
    *, date_from: datetime.date, date_to: datetime.date, progress: Callable[[int], None] | None = None
) -> StatsRun:
    """Recompute a range of days here and now (``compute_stats --from --to``); recorded as a run."""
    run = run_queue_backfill(date_from=date_from, date_to=date_to)
    return run_advance(run.pk, chunks=None, progress=progress)


def runs_sweep(*, now: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """Mark failed the running runs that stopped heartbeating; list the waiting runs to send again.

    Returns (ids marked failed, ids of queued runs older than a minute, at most 100). A run is
    stalled when its last heartbeat (or its start) is older than ``settings.STATS_RUN_STALL_SECONDS``:
    its worker died and no redelivery has picked it up. A redelivered message later resumes it.
    """
    now = now or timezone.now()
    stalled_before = now - datetime.timedelta(seconds=settings.STATS_RUN_STALL_SECONDS)
    running = StatsRun.objects.filter(status=StatsRunStatus.RUNNING)
    stalled = list(
        running.filter(
            Q(heartbeat_at__lt=stalled_before) | Q(heartbeat_at__isnull=True, started_at__lt=stalled_before)
        ).values_list("pk", flat=True)
    )
    if stalled:
        StatsRun.objects.filter(pk__in=stalled, status=StatsRunStatus.RUNNING).update(
            status=StatsRunStatus.FAILED,
            finished_at=now,
            error=f"No sign of life from its worker for {settings.STATS_RUN_STALL_SECONDS} s: the worker stopped.",
        )
    waiting = list(
        StatsRun.objects.filter(status=StatsRunStatus.QUEUED, started_at__lt=now - datetime.timedelta(minutes=1))
        .order_by("started_at")
        .values_list("pk", flat=True)[:100]
    )
    return stalled, waiting


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
        firsts = [
            Dossier.objects.aggregate(first=Min("received_on"))["first"],
            Feedback.objects.aggregate(first=Min("received_on"))["first"],
        ]
    else:
        firsts = [
            events.objects.filter(recorded_at__gte=previous.started_at).aggregate(first=Min("on"))["first"]
            for events in (DossierEvent, FeedbackEvent)
        ]
    earliest = min((day for day in firsts if day), default=None)
    start = min(earliest, yesterday) if earliest else yesterday
    return start, yesterday


def stats_nightly(*, today: datetime.date | None = None) -> StatsRun:
    """The nightly run: idempotent and safe to retry (it only ever rewrites whole days)."""
    today = today or timezone.localdate()
    start, end = nightly_range(today=today)
    run = StatsRun.objects.create(kind=StatsRunKind.NIGHTLY, date_from=start, date_to=end, heartbeat_at=timezone.now())
    return run_advance(run.pk, chunks=None)
