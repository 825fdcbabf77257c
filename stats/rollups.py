"""The daily rollups (``DailyStat``), computed set-based in the database.

Each chunk of days is one ``DELETE`` and one ``INSERT … SELECT``: the database reads the flows
of the chunk and the changes of the stocks from indexed date columns, sums each source per day and
key, and writes the rows; no dossier ever passes through Python.

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

Each chunk is deleted and rewritten in one transaction under a lock, so a run that is
interrupted leaves every day either fully old or fully new, and two runs never interleave.

A run (``StatsRun``: the nightly task, a backfill) is split into independent chunks
(``StatsRunChunk``): the days of each calendar month in its range × each of the run's groups of
units (``settings.STATS_UNIT_GROUPS``; a unit is in group ``unit_id mod groups``).
A chunk reads its opening stock from the intervals, never from the chunk before it, so Celery
workers compute the chunks of a run in any order and at the same time (``stats.tasks``). On
PostgreSQL a chunk holds a transaction-level advisory lock on its window (shared) and on its
(window, group) (exclusive); ``rollup_days`` holds its windows exclusively.
"""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from dossiers.choices import Channel, EventKind, Outcome, Timeliness
from dossiers.models import Dossier, DossierEvent, StateInterval
from feedback.models import Feedback, FeedbackEvent
from units.models import Unit

from .choices import StatsRunKind, StatsRunStatus
from .feedback_rollups import feedback_rollup_days
from .models import ComputedDay, DailyStat, RollupLock, StatsRun, StatsRunChunk

CHUNK_DAYS = 31
ONE_DAY = datetime.timedelta(days=1)
# The namespace of the rollups' advisory locks (the first of their two 32-bit keys' high bits).
_LOCK_SPACE = 0x7715

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


def _branch(day: str, keys: str, source: str, rows: str, changes: tuple[str, str] = ("0", "0"), *, by_day=True) -> str:
    """One branch of the UNION, already summed per day and key: the day, the key columns, every
    flow's count, and the stock changes, over ``rows`` (its ``FROM … WHERE …``). Summing in each
    branch keeps the union a few thousand rows per chunk, which the database groups in memory;
    unsummed (one row per dossier, event or interval: some 200,000 at a million dossiers) it
    sorted them on disk. ``by_day`` False: ``day`` is a constant, grouped by key alone."""
    flows = ", ".join(
        f"CAST(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END) AS INTEGER)" if kind == source else "0"
        for kind, condition in _FLOWS.values()
    )
    sums = ", ".join(f"CAST(SUM({change}) AS INTEGER)" if change != "0" else "0" for change in changes)
    group_by = f"{day}, {keys}" if by_day else keys
    return f"SELECT {day}, {keys}, {flows}, {sums} {rows} GROUP BY {group_by}"


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


def _in_group(unit_column: str, grouped: bool) -> str:
    """The condition that keeps the rows of one group of units (params ``groups``, ``group``)."""
    return f" AND {unit_column} %% %(groups)s = %(group)s" if grouped else ""


def _chunk_sql(*, opening_from_rollups: bool, grouped: bool = False) -> str:
    """``DELETE`` is separate; this is the ``INSERT … SELECT`` of one chunk (params: ``start``, ``end``,
    ``before``, and with ``grouped`` ``groups`` and ``group``: only the units in that group)."""
    dossier, event = _q(Dossier._meta.db_table), _q(DossierEvent._meta.db_table)
    interval, rollups = _q(StateInterval._meta.db_table), _q(DailyStat._meta.db_table)
    on = _q("on")
    keys = "d.unit_id, d.procedure_id, d.field_id"
    interval_keys = "i.unit_id, i.procedure_id, i.field_id"
    if opening_from_rollups:
        # The previous chunk of this run has just written the day before: continue from it.
        opening = _branch(
            "%(start)s",
            "s.unit_id, s.procedure_id, s.field_id",
            "stock",
            f"FROM {rollups} s WHERE s.day = %(before)s" + _in_group("s.unit_id", grouped),
            ("s.open_within_deadline + s.open_overdue", "s.open_overdue"),
            by_day=False,
        )
    else:
        opening = _branch(
            "%(start)s",
            interval_keys,
            "stock",
            f"FROM {interval} i WHERE i.ends_on > %(before)s AND i.starts_on <= %(before)s"
            + _in_group("i.unit_id", grouped),
            ("1", "CASE WHEN i.overdue_from <= %(before)s THEN 1 ELSE 0 END"),
            by_day=False,
        )
    in_d, in_i = _in_group("d.unit_id", grouped), _in_group("i.unit_id", grouped)
    received, ended = "d.received_on BETWEEN %(start)s AND %(end)s", "d.ended_on BETWEEN %(start)s AND %(end)s"
    branches = [
        _branch("d.received_on", keys, "received", f"FROM {dossier} d WHERE {received}{in_d}"),
        _branch("d.ended_on", keys, "ended", f"FROM {dossier} d WHERE {ended}{in_d}"),
        _branch(
            f"e.{on}",
            keys,
            "event",
            f"FROM {event} e {_event_dossier(dossier)}"
            + f" WHERE e.kind IN ('{EventKind.SUPPLEMENT_REQUESTED}', '{EventKind.REAPPOINTED}', '{EventKind.RATED}')"
            + f" AND e.{on} BETWEEN %(start)s AND %(end)s{in_d}",
        ),
        opening,
        _branch(
            "i.starts_on",
            interval_keys,
            "stock",
            f"FROM {interval} i WHERE i.starts_on BETWEEN %(start)s AND %(end)s{in_i}",
            ("1", "0"),
        ),
        _branch(
            "i.overdue_from",
            interval_keys,
            "stock",
            f"FROM {interval} i WHERE i.overdue_from BETWEEN %(start)s AND %(end)s"
            + f" AND i.overdue_from < i.ends_on{in_i}",
            ("0", "1"),
        ),
        _branch(
            "i.ends_on",
            interval_keys,
            "stock",
            f"FROM {interval} i WHERE i.ends_on BETWEEN %(start)s AND %(end)s{in_i}",
            ("-1", "CASE WHEN i.overdue_from < i.ends_on THEN -1 ELSE 0 END"),
        ),
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


def _write_chunk(
    start: datetime.date, end: datetime.date, *, opening_from_rollups: bool, group: int = 0, groups: int = 1
) -> int:
    """Rewrite the rollups of [start, end] (inside the caller's transaction) of the units in
    ``group`` of ``groups`` (all units when ``groups`` is 1); returns the rows written."""
    grouped = groups > 1
    params = {"start": start, "end": end, "before": start - ONE_DAY, "groups": groups, "group": group}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling this statement just in time costs more than running it.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"DELETE FROM {_q(DailyStat._meta.db_table)} WHERE day BETWEEN %(start)s AND %(end)s"
            + _in_group("unit_id", grouped),
            params,
        )
        cursor.execute(_chunk_sql(opening_from_rollups=opening_from_rollups, grouped=grouped), params)
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


def _window(day: datetime.date) -> int:
    """The window of a run's chunks that holds ``day``: its calendar month, as a number. Whatever
    their ranges, two runs over the same days have chunks in the same windows and lock the same keys."""
    return day.year * 12 + day.month - 1


def _window_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s window (its month)."""
    first_of_next = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_of_next - ONE_DAY


def _lock(windows: Iterable[int], *, group: int | None = None, groups: int = 1) -> None:
    """Inside a transaction: take the rollup locks of ``windows`` (ascending). A chunk of one group
    of units takes its window shared and its (window, group) exclusive, so the groups of a window
    run side by side; a writer of every unit takes its windows exclusive. SQLite writes one
    transaction at a time anyway: there the single ``RollupLock`` row stands for all."""
    if connection.vendor != "postgresql":
        RollupLock.objects.select_for_update().get_or_create(pk=1)
        return
    with connection.cursor() as cursor:
        for window in sorted(set(windows)):
            if group is None or groups == 1:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_SPACE, window])
            else:
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", [_LOCK_SPACE, window])
                # (window, group) in the single 64-bit key space, apart from the two-key space above.
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s)", [(_LOCK_SPACE << 48) | (window << 16) | (groups << 8) | group]
                )


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
            _lock(range(_window(chunk_start), _window(chunk_end) + 1))
            rows = _compute_chunk(chunk_start, chunk_end, opening_from_rollups=chunk_start > start)
        chunk_days = (chunk_end - chunk_start).days + 1
        days += chunk_days
        rows_written += rows
        if progress:
            progress(chunk_days)
        chunk_start = chunk_end + ONE_DAY
    return days, rows_written


def run_chunks_plan(run: StatsRun) -> list[int]:
    """Split ``run`` into its chunks (once; later calls find them) and return the ids of those not
    yet succeeded, in day order: the days of each month within the run's range × each of the run's
    unit groups."""
    if not run.chunks.exists():
        chunks = []
        start = run.date_from
        while start <= run.date_to:
            end = min(_window_end(start), run.date_to)
            chunks += [
                StatsRunChunk(run=run, date_from=start, date_to=end, unit_group=group)
                for group in range(run.unit_groups)
            ]
            start = end + ONE_DAY
        StatsRunChunk.objects.bulk_create(chunks, ignore_conflicts=True)
        # A run an older release had begun (sequential progress, no chunks): its chunks redo it all.
        StatsRun.objects.filter(pk=run.pk).update(days_computed=0, rows_written=0)
    pending = run.chunks.exclude(status=StatsRunStatus.SUCCEEDED).order_by("date_from", "unit_group")
    return list(pending.values_list("pk", flat=True))


def chunk_compute(chunk_pk: int, *, worker: str = "") -> StatsRunChunk:
    """Compute one chunk of a run, whole, in one transaction; returns it. ``worker`` names the
    Celery worker that took it (shown on the runs page).

    Idempotent: a chunk already succeeded is left alone (a duplicate delivery), any other is
    rewritten from the dossiers' intervals and events, so a delivery that died half-way (its
    transaction rolled back) or a retry only redoes it. The chunk's rows, its state, the run's
    counters and — once every group of the window is done — the window's ``ComputedDay`` marks
    commit together; the last chunk marks the run succeeded. An error marks the chunk and the run
    failed, with the chunk named, and is raised (Celery retries database errors).
    """
    now = timezone.now()
    started = (
        StatsRunChunk.objects.filter(pk=chunk_pk)
        .exclude(status=StatsRunStatus.SUCCEEDED)
        .update(
            status=StatsRunStatus.RUNNING,
            started_at=now,
            finished_at=None,
            attempts=F("attempts") + 1,
            error="",
            worker=worker[:200],
        )
    )
    chunk = StatsRunChunk.objects.select_related("run").get(pk=chunk_pk)
    if not started:
        return chunk
    run = chunk.run
    # A sign of life; a run the sweep marked failed (its worker had died) runs again.
    StatsRun.objects.filter(pk=run.pk).exclude(status=StatsRunStatus.SUCCEEDED).update(
        status=StatsRunStatus.RUNNING, heartbeat_at=now, error="", finished_at=None
    )
    try:
        with transaction.atomic():
            _lock([_window(chunk.date_from)], group=chunk.unit_group, groups=run.unit_groups)
            chunk = StatsRunChunk.objects.select_for_update().get(pk=chunk_pk)
            if chunk.status == StatsRunStatus.SUCCEEDED:  # another delivery finished it meanwhile
                return chunk
            rows = _write_chunk(
                chunk.date_from,
                chunk.date_to,
                opening_from_rollups=False,
                group=chunk.unit_group,
                groups=run.unit_groups,
            )
            units = None if run.unit_groups == 1 else _units_of_group(chunk.unit_group, run.unit_groups)
            feedback_rollup_days(chunk.date_from, chunk.date_to, units=units)
            chunk.status, chunk.rows_written, chunk.finished_at = StatsRunStatus.SUCCEEDED, rows, timezone.now()
            chunk.save(update_fields=["status", "rows_written", "finished_at"])
            # The run's row, last: chunks of one run finishing together take turns only here, and
            # the later one sees the earlier one's state committed.
            run = StatsRun.objects.select_for_update().get(pk=run.pk)
            pending = run.chunks.exclude(status=StatsRunStatus.SUCCEEDED)
            if not pending.filter(date_from=chunk.date_from).exists():
                _mark_computed(chunk.date_from, chunk.date_to)
                run.days_computed += (chunk.date_to - chunk.date_from).days + 1
            run.rows_written += rows
            run.heartbeat_at = chunk.finished_at
            if not pending.exists():
                run.status, run.finished_at, run.error = StatsRunStatus.SUCCEEDED, chunk.finished_at, ""
            run.save(update_fields=["days_computed", "rows_written", "heartbeat_at", "status", "finished_at", "error"])
    except Exception as error:
        failed_at = timezone.now()
        StatsRunChunk.objects.filter(pk=chunk_pk).update(
            status=StatsRunStatus.FAILED, error=repr(error), finished_at=failed_at
        )
        StatsRun.objects.filter(pk=run.pk).exclude(status=StatsRunStatus.SUCCEEDED).update(
            status=StatsRunStatus.FAILED,
            error=f"{chunk.date_from}–{chunk.date_to}, unit group {chunk.unit_group}: {error!r}",
            finished_at=failed_at,
        )
        raise
    return chunk


def _units_of_group(group: int, groups: int) -> list[int]:
    """The ids of the units in ``group`` of ``groups`` (``id mod groups``); units are few."""
    return [pk for pk in Unit.objects.values_list("pk", flat=True) if pk % groups == group]


def run_compute(run_pk: int, *, progress: Callable[[int], None] | None = None) -> StatsRun:
    """Compute every chunk of a run not yet succeeded, here and one after the other (the command,
    a task without a broker); returns the run. ``progress`` receives the days of each window done."""
    run = StatsRun.objects.get(pk=run_pk)
    for chunk_pk in run_chunks_plan(run):
        chunk = chunk_compute(chunk_pk)
        if progress and chunk.unit_group == run.unit_groups - 1:
            progress((chunk.date_to - chunk.date_from).days + 1)
    return StatsRun.objects.get(pk=run_pk)


def run_mark_sent(run_pk: int) -> None:
    """A queued run's chunks are in the broker: its heartbeat says so (``runs_sweep`` leaves it)."""
    StatsRun.objects.filter(pk=run_pk, status=StatsRunStatus.QUEUED).update(heartbeat_at=timezone.now())


def run_queue_backfill(*, date_from: datetime.date, date_to: datetime.date) -> StatsRun:
    """Record a backfill of [date_from, date_to] waiting for a worker (the task's outbox row),
    split into ``settings.STATS_UNIT_GROUPS`` groups of units."""
    if date_to < date_from:
        raise ValueError("The end of the range is before its start.")
    return StatsRun.objects.create(
        kind=StatsRunKind.BACKFILL,
        status=StatsRunStatus.QUEUED,
        date_from=date_from,
        date_to=date_to,
        unit_groups=settings.STATS_UNIT_GROUPS,
    )


def stats_backfill(
    *, date_from: datetime.date, date_to: datetime.date, progress: Callable[[int], None] | None = None
) -> StatsRun:
    """Recompute a range of days here and now (``compute_stats --from --to``); recorded as a run."""
    run = run_queue_backfill(date_from=date_from, date_to=date_to)
    return run_compute(run.pk, progress=progress)


def runs_sweep(*, now: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """Mark failed the running runs that stopped heartbeating; list the waiting runs to send again.

    Returns (ids marked failed, ids of queued runs to send, at most 100). A run is stalled when its
    last heartbeat (or its start) is older than ``settings.STATS_RUN_STALL_SECONDS``: its workers
    died and no redelivery has picked a chunk up; its chunks still marked running were lost with
    them and are marked failed too. A queued run is sent again when it never reached the broker
    (no heartbeat, older than a minute) or reached it longer than the stall limit ago (the broker
    lost it). A redelivered chunk later resumes a failed run.
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
        reason = f"No sign of life from its worker for {settings.STATS_RUN_STALL_SECONDS} s: the worker stopped."
        StatsRun.objects.filter(pk__in=stalled, status=StatsRunStatus.RUNNING).update(
            status=StatsRunStatus.FAILED, finished_at=now, error=reason
        )
        StatsRunChunk.objects.filter(run__in=stalled, status=StatsRunStatus.RUNNING).update(
            status=StatsRunStatus.FAILED, finished_at=now, error=reason
        )
    waiting = list(
        StatsRun.objects.filter(status=StatsRunStatus.QUEUED)
        .filter(
            Q(heartbeat_at__isnull=True, started_at__lt=now - datetime.timedelta(minutes=1))
            | Q(heartbeat_at__lt=stalled_before)
        )
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
    return run_compute(nightly_run_create(today=today).pk)


def nightly_run_create(*, today: datetime.date | None = None) -> StatsRun:
    """Record tonight's run over ``nightly_range`` (its chunks are planned when it is computed or sent)."""
    today = today or timezone.localdate()
    start, end = nightly_range(today=today)
    return StatsRun.objects.create(
        kind=StatsRunKind.NIGHTLY,
        date_from=start,
        date_to=end,
        heartbeat_at=timezone.now(),
        unit_groups=settings.STATS_UNIT_GROUPS,
    )
