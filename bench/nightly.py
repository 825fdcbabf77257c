"""Benchmark of the nightly statistics on PostgreSQL, against a floor written in plain SQL.

    .venv/bin/python bench/nightly.py [--dossiers 1000000] [--years 2] [--database-url URL]
    .venv/bin/python bench/nightly.py --reuse --database-url URL   # measure a database loaded before

Loads N dossiers over the last ``years`` into a fresh database (``VACUUM ANALYZE`` after, as a
live database would be), then measures, in one run and on the same data:

* the full backfill of the rollups (``stats.rollups.rollup_days`` over every day: 31-day chunks,
  each continuing the stocks of the one before);
* the same backfill as ``compute_stats --from --to`` runs it (``stats.rollups.stats_backfill``:
  independent month × unit-group chunks, each reading its opening stock from the intervals);
* the floor: one ``DELETE`` plus one hand-written ``INSERT … SELECT`` over the whole range that
  computes and writes every rollup column, stocks included, with ``SET LOCAL jit = off``;
* one nightly run after a day of activity (officers end the oldest open dossiers through the
  services), and the same floor over that one day.

Backfill, run and floor go in turn, twice each, and the faster of each pair is kept, so none
profits from a cache another warmed. The rows each writes are compared (they must be equal). With
``--reuse`` the database is first vacuumed, as autovacuum would have done.
Goals (issue 10): backfill within 1.5× of its floor at 200,000 and at 1,000,000 dossiers; one
nightly run under 1 s.
"""

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_URL, ROOT, load, prepare_database  # noqa: E402

# The backfill as ``compute_stats --from --to`` runs it: a run split into month × unit-group chunks,
# each reading its opening stock from the intervals (``stats.rollups.stats_backfill``).
RUN = "full backfill as a run"
COUNTS = (
    "received_online, received_in_person, received_postal, paid_online, "
    "ended_early, ended_on_time, ended_late, ended_resolved, ended_refused, ended_stopped, ended_withdrawn, "
    "supplement_requests, reappointments, rated_satisfied, rated_unsatisfied"
)
ZEROS_AFTER_RECEIVED = "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"
ZEROS_FLOWS = "0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0"

# Every rollup column of every day in [start, end], written in one statement. Stocks: the open
# intervals at the end of the day before the range, then +1/-1 on the days intervals open, fall
# overdue and close, summed day by day.
FLOOR_SQL = f"""
INSERT INTO stats_dailystat (day, unit_id, procedure_id, field_id, {COUNTS}, open_within_deadline, open_overdue,
                             received_online_e_result, received_digitised, resolved_e_result)
WITH changes (day, unit_id, procedure_id, field_id, {COUNTS}, opened, fell_overdue) AS (
    SELECT received_on, unit_id, procedure_id, field_id,
           (channel = 'online')::int, (channel = 'in_person')::int, (channel = 'postal')::int,
           fee_paid_online::int, {ZEROS_AFTER_RECEIVED}, 0, 0
    FROM dossiers_dossier WHERE received_on BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT ended_on, unit_id, procedure_id, field_id, 0, 0, 0, 0,
           (timeliness = 'early')::int, (timeliness = 'on_time')::int, (timeliness = 'late')::int,
           (outcome = 'resolved')::int, (outcome = 'refused')::int, (outcome = 'stopped')::int,
           (outcome = 'withdrawn')::int, 0, 0, 0, 0, 0, 0
    FROM dossiers_dossier WHERE ended_on BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT e.on, d.unit_id, d.procedure_id, d.field_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           (e.kind = 'supplement_requested')::int, (e.kind = 'reappointed')::int,
           (e.kind = 'rated' AND d.satisfied)::int, (e.kind = 'rated' AND NOT d.satisfied)::int, 0, 0
    FROM dossiers_dossierevent e JOIN dossiers_dossier d ON d.id = e.dossier_id
    WHERE e.kind IN ('supplement_requested', 'reappointed', 'rated') AND e.on BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT %(start)s::date, unit_id, procedure_id, field_id, {ZEROS_FLOWS},
           1, (overdue_from < %(start)s)::int
    FROM dossiers_stateinterval WHERE starts_on < %(start)s AND ends_on >= %(start)s
    UNION ALL
    SELECT starts_on, unit_id, procedure_id, field_id, {ZEROS_FLOWS}, 1, 0
    FROM dossiers_stateinterval WHERE starts_on BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT overdue_from, unit_id, procedure_id, field_id, {ZEROS_FLOWS}, 0, 1
    FROM dossiers_stateinterval
    WHERE overdue_from BETWEEN %(start)s AND %(end)s AND overdue_from < ends_on
    UNION ALL
    SELECT ends_on, unit_id, procedure_id, field_id, {ZEROS_FLOWS}, -1, -(overdue_from < ends_on)::int
    FROM dossiers_stateinterval WHERE ends_on BETWEEN %(start)s AND %(end)s
),
per_day AS (
    SELECT day, unit_id, procedure_id, field_id,
           {", ".join(f"sum({name.strip()})::int AS {name.strip()}" for name in COUNTS.split(","))},
           sum(opened)::int AS opened, sum(fell_overdue)::int AS fell_overdue
    FROM changes GROUP BY day, unit_id, procedure_id, field_id
),
every_day AS (
    SELECT * FROM per_day
    UNION ALL
    SELECT g.day::date, k.unit_id, k.procedure_id, k.field_id, {ZEROS_FLOWS}, 0, 0
    FROM generate_series(%(start)s::date, %(end)s::date, interval '1 day') AS g(day)
    CROSS JOIN (SELECT DISTINCT unit_id, procedure_id, field_id FROM per_day) AS k
),
summed AS (
    SELECT day, unit_id, procedure_id, field_id,
           {", ".join(f"sum({name.strip()})::int AS {name.strip()}" for name in COUNTS.split(","))},
           sum(sum(opened)) OVER w AS open_count, sum(sum(fell_overdue)) OVER w AS overdue_count
    FROM every_day GROUP BY day, unit_id, procedure_id, field_id
    WINDOW w AS (PARTITION BY unit_id, procedure_id, field_id ORDER BY day)
)
-- The national index's three columns (NOT NULL, no database default) are left at 0: the floor
-- predates them, and the fingerprint compares the other columns only.
SELECT day, unit_id, procedure_id, field_id, {COUNTS}, open_count - overdue_count, overdue_count, 0, 0, 0
FROM summed
WHERE open_count <> 0 OR {" OR ".join(f"{name.strip()} <> 0" for name in COUNTS.split(","))}
"""


def floor(connection, start: datetime.date, end: datetime.date) -> int:
    """The floor: one DELETE and one INSERT … SELECT in one transaction; returns the rows written."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DELETE FROM stats_dailystat WHERE day BETWEEN %s AND %s", [start, end])
        cursor.execute(FLOOR_SQL, {"start": start, "end": end})
        return cursor.rowcount


def fingerprint(connection, start: datetime.date, end: datetime.date) -> str:
    """A digest of every rollup row of the range, to check that two writers wrote the same."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(t::text, '|' ORDER BY day, unit_id, procedure_id)) FROM ("
            f"SELECT day, unit_id, procedure_id, field_id, {COUNTS}, open_within_deadline, open_overdue "
            "FROM stats_dailystat WHERE day BETWEEN %s AND %s) AS t",
            [start, end],
        )
        return cursor.fetchone()[0]


def best_of_two(results: dict, name: str, first, second, third: tuple[str, object] | None = None) -> None:
    """Time ``first``, ``third`` (a (name, callable), if given) and ``second`` (its floor) in turn,
    twice each; keep each one's best."""
    works = [(name, first), *([third] if third else []), (f"floor: {name}", second)]
    timings = {label: [] for label, _ in works}
    for _ in range(2):
        for label, work in works:
            started = time.perf_counter()
            work()
            timings[label].append(time.perf_counter() - started)
            print(f"  {label}: {timings[label][-1]:.2f} s", flush=True)
    for label, values in timings.items():
        results[label] = min(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is, without loading")
    parser.add_argument("--day-of-activity", type=int, default=3000, help="dossiers ended on the benchmark day")
    arguments = parser.parse_args()

    prepare_database(arguments.database_url, fresh=not arguments.reuse)
    from django.db import connection
    from django.db.models import Min
    from django.utils import timezone

    from dossiers import services
    from dossiers.choices import Outcome, Status
    from dossiers.models import Dossier, StateInterval
    from stats import rollups
    from stats.models import DailyStat

    results: dict[str, float] = {}
    if arguments.reuse:
        today = timezone.localdate()
        start = Dossier.objects.aggregate(first=Min("received_on"))["first"]
        # Earlier runs left the rows they replaced behind; on a server without autovacuum they
        # pile up (tens of times the live rollups) and slow every writer by whatever they left.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        print(f"Loading {arguments.dossiers:,} dossiers over {arguments.years} years into PostgreSQL…")
        start, today = load(arguments.dossiers, arguments.years, results)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    yesterday = today - datetime.timedelta(days=1)

    print("Statistics…")
    best_of_two(
        results,
        "full backfill",
        lambda: rollups.rollup_days(start, yesterday),
        lambda: floor(connection, start, yesterday),
        (RUN, lambda: rollups.stats_backfill(date_from=start, date_to=yesterday)),
    )
    floor_digest = fingerprint(connection, start, yesterday)
    rollups.stats_backfill(date_from=start, date_to=yesterday)
    same_rows_as_run = fingerprint(connection, start, yesterday) == floor_digest
    days, rows = rollups.rollup_days(start, yesterday)
    same_rows = fingerprint(connection, start, yesterday) == floor_digest and same_rows_as_run

    # A day of activity: officers end the oldest open dossiers (each through the service).
    open_dossiers = list(
        Dossier.objects.filter(status=Status.PROCESSING).order_by("received_at")[: arguments.day_of_activity]
    )
    rollups.stats_nightly(today=today)  # the previous night's run
    for dossier in open_dossiers:
        services.dossier_end(dossier=dossier, by=None, outcome=Outcome.RESOLVED, at=timezone.now())
    started = time.perf_counter()
    run = rollups.stats_nightly(today=today + datetime.timedelta(days=1))
    results["one nightly run"] = time.perf_counter() - started
    print(f"  one nightly run ({run.date_from} to {run.date_to}): {results['one nightly run']:.2f} s")
    best_of_two(
        results,
        "one day",
        lambda: rollups.rollup_days(run.date_from, run.date_to),
        lambda: floor(connection, run.date_from, run.date_to),
    )

    report = {
        "dossiers": Dossier.objects.count(),
        "intervals": StateInterval.objects.count(),
        "days": days,
        "rollup_rows": DailyStat.objects.count(),
        "rows_written_by_the_backfill": rows,
        "backfill_and_floor_wrote_the_same_rows": same_rows,
        "nightly_days": run.days_computed,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seconds": results,
        "backfill_to_floor": results["full backfill"] / results["floor: full backfill"],
        "run_to_floor": results[RUN] / results["floor: full backfill"],
        "one_day_to_floor": results["one day"] / results["floor: one day"],
    }
    print()
    print(
        f"| dossiers | {report['dossiers']:,} | intervals | {report['intervals']:,} | rollup rows | "
        f"{report['rollup_rows']:,} ({days} days) | same rows as the floor | {'yes' if same_rows else 'NO'} |"
    )
    print("| measure | seconds | ratio to its floor |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        ratio = ""
        if name == "full backfill":
            ratio = f"{report['backfill_to_floor']:.2f}×"
        elif name == RUN:
            ratio = f"{report['run_to_floor']:.2f}×"
        elif name == "one day":
            ratio = f"{report['one_day_to_floor']:.2f}×"
        print(f"| {name} | {seconds:.2f} | {ratio} |")
    output = ROOT / "bench" / "results"
    output.mkdir(exist_ok=True)
    (output / f"nightly-{report['dossiers']}.json").write_text(json.dumps(report, indent=2, default=str))
    if not same_rows:
        sys.exit("The backfill and the floor wrote different rows.")


if __name__ == "__main__":
    main()
