"""Benchmark of the national index on an existing database (e.g. a copy of the 1,000,000-dossier one).

    .venv/bin/python bench/index766.py --database-url postgres://postgres@127.0.0.1:5432/bench_h12 \
        [--year 2026] [--repeat 5] [--pages]

For the year (1 January to yesterday, or to 31 December for a past year) and for its last full
month, it times:

* ``stats.index766.index766`` for the whole ministry and for every unit with its sub-units, one
  call each (what the index page computes per unit);
* ``index766_grouped`` for every unit at once (one call: what the table of units reads);
* ``ranking`` for the ministry (the table of units: the period and its reporting months);
* with ``--pages``, the pages themselves through Django's test client as a ministry office user
  (template rendering included, no HTTP server): the index page of every unit and the table.

It reports the median of ``--repeat`` runs and the number of queries. Read-only but for
``--pages``, which logs in (a session row): the database must already be migrated and its rollups
computed (``compute_stats``). The index reads the rollups and the catalogue only, so its cost
follows the rollup rows of the window (reported), not the number of dossiers.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_time(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", action="store_true", help="also time the pages through the test client")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "false"
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dossiers.models import Dossier
    from stats.index766 import index766, index766_grouped, ranking
    from stats.models import DailyStat
    from units.models import Unit

    today = timezone.localdate()
    year = args.year or today.year
    end = min(datetime.date(year, 12, 31), today - datetime.timedelta(days=1))
    month_end = end.replace(day=1) - datetime.timedelta(days=1)
    windows = {"year": (datetime.date(year, 1, 1), end), "month": (month_end.replace(day=1), month_end)}
    all_units = list(Unit.objects.order_by("path"))
    units = [None, *all_units]
    print(f"{Dossier.objects.count():,} dossiers, {len(all_units)} units; {connection.vendor}; today {today}")
    print("| window | rollup rows | what | median (s) | per unit (ms) | queries |")
    print("|---|---|---|---|---|---|")

    def row(name, rows, what, median, count, queries):
        per_unit = f"{median / count * 1000:.1f}" if count else ""
        print(f"| {name} | {rows:,} | {what} | {median:.3f} | {per_unit} | {queries} |", flush=True)

    for name, (date_from, date_to) in windows.items():
        label = f"{name} {date_from}–{date_to}"
        rows = DailyStat.objects.filter(day__gte=date_from, day__lte=date_to).count()
        with CaptureQueriesContext(connection) as one:
            index766(date_from=date_from, date_to=date_to, unit=None, today=today)

        def each_unit(date_from=date_from, date_to=date_to):
            for unit in units:
                index766(date_from=date_from, date_to=date_to, unit=unit, today=today)

        row(
            label,
            rows,
            f"`index766`, ministry + every unit ({len(units)} calls)",
            median_time(args.repeat, each_unit),
            len(units),
            len(one),
        )

        period = (date_from, date_to)
        with CaptureQueriesContext(connection) as grouped:
            index766_grouped(scopes=units, periods=[period], today=today)
        median = median_time(
            args.repeat, lambda period=period: index766_grouped(scopes=units, periods=[period], today=today)
        )
        row(label, rows, "`index766_grouped`, ministry + every unit (1 call)", median, len(units), len(grouped))

        def table(date_from=date_from, date_to=date_to):
            ranking(date_from=date_from, date_to=date_to, units=all_units, today=today)

        with CaptureQueriesContext(connection) as ranked:
            table()
        row(
            label,
            rows,
            "`ranking` (table of units, with the reporting months)",
            median_time(args.repeat, table),
            0,
            len(ranked),
        )

    if args.pages:
        from django.test import Client

        from units.choices import MembershipRole
        from units.models import Membership

        office = Membership.objects.filter(role=MembershipRole.MINISTRY_OFFICE).select_related("user").first()
        if office is None:
            sys.exit("No ministry office user to log in with (seed_demo creates one).")
        client = Client(HTTP_HOST="localhost")
        client.force_login(office.user)
        date_from, date_to = windows["year"]
        query = {"period": "custom", "date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        codes = [unit.code for unit in all_units]

        def index_pages():
            for code in codes:
                assert client.get("/reports/index766/", {**query, "unit": code}).status_code == 200

        def units_page():
            assert client.get("/reports/index766/units/", query).status_code == 200

        index_pages()  # warm the per-process caches
        label = f"year {date_from}–{date_to}"
        rows = DailyStat.objects.filter(day__gte=date_from, day__lte=date_to).count()
        # Queries per page: the page tests' budgets (``stats/tests/test_index766_pages.py``,
        # ``test_index766_surfaces.py``), not counted here.
        row(
            label,
            rows,
            f"index page of every unit ({len(codes)} pages)",
            median_time(args.repeat, index_pages),
            len(codes),
            "—",
        )
        row(label, rows, "table of units page", median_time(args.repeat, units_page), 0, "—")


if __name__ == "__main__":
    main()
