"""Benchmark of computing an emulation year (the year, its 12 months and 4 quarters, every unit
and head) on PostgreSQL, against a floor: the Form 06 aggregates the computation must read.

    .venv/bin/python bench/emulation.py --database-url postgres://postgres@127.0.0.1:5432/bench_h17 [--year 2026]

The database is a copy of a loaded benchmark database (``CREATE DATABASE … TEMPLATE tthc_bench1m``),
migrated; this script gives the year the demo scheme when it has none, then measures, alternately
and three times each (the fastest kept):

* ``emulation_compute`` of the year (scored up to the last day with statistics), with its number of
  queries;
* the floor: one ``stats.selectors.form06`` grouped by unit for each window the computation reads
  (the year, every month and quarter, and each head's tenure window clipped to them).

The results are printed as a Markdown table and saved to bench/results/emulation.json.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max
    from django.test.utils import CaptureQueriesContext

    from emulation import services
    from emulation.models import EmulationYear, LeaderScore, PeriodScore, UnitScore
    from stats.models import DailyStat
    from stats.periods import PeriodKind, periods_of_year
    from stats.selectors import form06
    from units.models import Tenure

    record = services.emulation_seed_demo_scheme(year=args.year)
    last = DailyStat.objects.filter(day__lte=record.period.date_to).aggregate(last=Max("day"))["last"]
    today = min(record.period.date_to, last) + datetime.timedelta(days=1)
    date_from, date_to = record.period.date_from, today - datetime.timedelta(days=1)

    windows = {(date_from, date_to)}
    periods = periods_of_year(args.year, PeriodKind.MONTH) + periods_of_year(args.year, PeriodKind.QUARTER)
    tenure_windows = [(date_from, date_to)]
    for tenure in Tenure.objects.heads().overlapping(date_from, date_to):
        tenure_windows.append((max(tenure.start_date, date_from), min(tenure.end_date or date_to, date_to)))
    for start, end in tenure_windows:
        windows.add((start, end))
        for each in periods:
            window = (max(each.date_from, start), min(each.date_to, end))
            if window[0] <= window[1]:
                windows.add(window)

    def floor():
        for start, end in windows:
            form06(date_from=start, date_to=end, group_by="unit")

    def compute():
        EmulationYear.objects.filter(year=args.year).update(status="draft")
        services.emulation_compute(year=args.year, today=today)

    results = {"compute": [], "floor": []}
    queries = 0
    for _run in range(args.runs):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            compute()
        results["compute"].append(time.perf_counter() - started)
        queries = len(captured)
        started = time.perf_counter()
        floor()
        results["floor"].append(time.perf_counter() - started)
    best = {name: min(times) for name, times in results.items()}
    summary = {
        "year": args.year,
        "scored_to": date_to.isoformat(),
        "daily_stat_rows": DailyStat.objects.filter(day__gte=date_from, day__lte=date_to).count(),
        "units": UnitScore.objects.filter(year=record).count(),
        "heads": LeaderScore.objects.filter(year=record).count(),
        "period_scores": PeriodScore.objects.filter(year=record).count(),
        "windows": len(windows),
        "compute_seconds": round(best["compute"], 2),
        "floor_seconds": round(best["floor"], 2),
        "ratio": round(best["compute"] / best["floor"], 2),
        "queries": queries,
        "machine": platform.platform(),
    }
    print("| Measure | Value |\n|---|---|")
    for key, value in summary.items():
        print(f"| {key} | {value} |")
    out = Path(__file__).resolve().parent / "results" / "emulation.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
