"""Benchmark of the nightly statistics on PostgreSQL.

    .venv/bin/python bench/nightly.py [--dossiers 1000000] [--years 2] [--database-url URL]

Loads N dossiers over the last ``years`` into a fresh database, then times, in one run:
the full backfill of the rollups, one nightly run after a day of activity, and one hand-written
SQL ``GROUP BY`` that computes the same daily counts (the floor), with the ratio of each to the
floor. Goals on the 2-core machine: nightly under 5 s, two-year backfill under 2 minutes.
"""

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_URL, ROOT, load, prepare_database, timed  # noqa: E402

FLOOR_SQL = """
SELECT day, unit_id, procedure_id,
       sum(received_online), sum(received_in_person), sum(received_postal),
       sum(ended_early), sum(ended_on_time), sum(ended_late)
FROM (
    SELECT received_on AS day, unit_id, procedure_id,
           (channel = 'online')::int AS received_online, (channel = 'in_person')::int AS received_in_person,
           (channel = 'postal')::int AS received_postal, 0 AS ended_early, 0 AS ended_on_time, 0 AS ended_late
    FROM dossiers_dossier WHERE received_on BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT ended_on, unit_id, procedure_id, 0, 0, 0,
           (timeliness = 'early')::int, (timeliness = 'on_time')::int, (timeliness = 'late')::int
    FROM dossiers_dossier WHERE ended_on BETWEEN %(start)s AND %(end)s
) AS flows
GROUP BY day, unit_id, procedure_id
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--day-of-activity", type=int, default=3000, help="dossiers ended on the benchmark day")
    arguments = parser.parse_args()

    prepare_database(arguments.database_url, fresh=True)
    from django.db import connection
    from django.utils import timezone

    from dossiers import services
    from dossiers.choices import Outcome, Status
    from dossiers.models import Dossier
    from stats import rollups
    from stats.models import DailyStat

    results: dict[str, float] = {}
    print(f"Loading {arguments.dossiers:,} dossiers over {arguments.years} years into PostgreSQL…")
    start, today = load(arguments.dossiers, arguments.years, results)
    yesterday = today - datetime.timedelta(days=1)

    print("Statistics…")
    with timed(results, "full backfill"):
        days, rows = rollups.rollup_days(start, yesterday)
    with connection.cursor() as cursor:
        with timed(results, "floor: one SQL GROUP BY over the whole range"):
            cursor.execute(FLOOR_SQL, {"start": start, "end": yesterday})
            cursor.fetchall()
        # A day of activity: officers end the oldest open dossiers (each through the service).
        open_dossiers = list(
            Dossier.objects.filter(status=Status.PROCESSING).order_by("received_at")[: arguments.day_of_activity]
        )
        rollups.stats_nightly(today=today)  # the previous night's run
        for dossier in open_dossiers:
            services.dossier_end(dossier=dossier, by=None, outcome=Outcome.RESOLVED, at=timezone.now())
        with timed(results, "one nightly run"):
            run = rollups.stats_nightly(today=today + datetime.timedelta(days=1))
        with timed(results, "floor: one SQL GROUP BY over one day"):
            cursor.execute(FLOOR_SQL, {"start": today, "end": today})
            cursor.fetchall()

    report = {
        "dossiers": Dossier.objects.count(),
        "days": days,
        "rollup_rows": DailyStat.objects.count(),
        "nightly_days": run.days_computed,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "seconds": results,
        "backfill_to_floor": results["full backfill"] / results["floor: one SQL GROUP BY over the whole range"],
        "nightly_to_floor": results["one nightly run"] / results["floor: one SQL GROUP BY over one day"],
    }
    print()
    print(
        f"| dossiers | {report['dossiers']:,} | rollup rows | {report['rollup_rows']:,} "
        f"({days} days, {rows:,} written) |"
    )
    print("| measure | seconds | ratio to its floor |")
    print("|---|---:|---:|")
    for name, seconds in results.items():
        ratio = ""
        if name == "full backfill":
            ratio = f"{report['backfill_to_floor']:.1f}×"
        elif name == "one nightly run":
            ratio = f"{report['nightly_to_floor']:.1f}×"
        print(f"| {name} | {seconds:.2f} | {ratio} |")
    output = ROOT / "bench" / "results"
    output.mkdir(exist_ok=True)
    (output / f"nightly-{arguments.dossiers}.json").write_text(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
