"""Benchmark of the national index on an existing database (e.g. a copy of the 1,000,000-dossier one).

    .venv/bin/python bench/index766.py --database-url postgres://postgres@127.0.0.1:5432/bench_h12 \
        [--year 2026] [--repeat 5]

For the year (1 January to yesterday, or to 31 December for a past year) and for its last full
month, computes ``stats.index766.index766`` for the whole ministry and for every unit with its
sub-units, and reports the median time of ``--repeat`` runs of "every unit" and the number of
queries of one index. Read-only: the database must already be migrated and its rollups computed
(``compute_stats``). The index reads the rollups and the catalogue only, so its cost does not
depend on the number of dossiers.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dossiers.models import Dossier
    from stats.index766 import index766
    from units.models import Unit

    today = timezone.localdate()
    year = args.year or today.year
    end = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
    month_end = end.replace(day=1) - datetime.timedelta(days=1)
    windows = {"year": (datetime.date(year, 1, 1), end), "month": (month_end.replace(day=1), month_end)}
    units = [None, *Unit.objects.order_by("path")]
    print(f"{Dossier.objects.count():,} dossiers, {len(units) - 1} units; {connection.vendor}")
    print("| window | scope | median (s) | per index (ms) | queries per index |")
    print("|---|---|---|---|---|")
    for name, (date_from, date_to) in windows.items():
        with CaptureQueriesContext(connection) as queries:
            index766(date_from=date_from, date_to=date_to, unit=None, today=today)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for unit in units:
                index766(date_from=date_from, date_to=date_to, unit=unit, today=today)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        print(
            f"| {name} {date_from}–{date_to} | ministry + every unit ({len(units)} indexes) | {median:.3f} "
            f"| {median / len(units) * 1000:.1f} | {len(queries)} |"
        )


if __name__ == "__main__":
    main()
