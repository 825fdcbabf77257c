"""Benchmark of the dashboards on PostgreSQL: does a page cost the same at 10,000 and at 1,000,000 dossiers?

    .venv/bin/python bench/dashboards.py [--dossiers 10000,1000000] [--years 2] [--requests 15]
                                         [--database-url postgres://postgres@127.0.0.1:5432/tthc_dash_{size}]

Each size is loaded into its own fresh database (``{size}`` in the URL becomes 10k, 1m, ...), in
its own process: the demo catalogue, N dossiers over the last ``years``, and the rollups of every
day up to yesterday. Then the unit dashboard (the Drug Administration, QLD, with its divisions)
and the ministry dashboard are rendered through Django's test client, logged in as the ministry
office, for this month and this year so far: the server time of a request is the median of
``--requests`` requests after a warm-up. The ratio of the largest size to the smallest must stay
under 1.5 (the pages read the rollups, and only the indexed live counts read dossiers).

``--reuse`` measures databases loaded by an earlier run again, back to back, so that the sizes are
compared under the same load of the machine.

The results are printed as a Markdown table and saved to bench/results/dashboards-<sizes>.json.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, load, prepare_database, timed  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tthc_dash_{size}"
PAGES = {
    "unit, this month": "/dashboards/units/QLD/?period=month",
    "unit, this year": "/dashboards/units/QLD/?period=year",
    "ministry, this month": "/dashboards/ministry/?period=month",
    "ministry, this year": "/dashboards/ministry/?period=year",
}
RATIO_LIMIT = 1.5


def size_label(count: int) -> str:
    if count % 1_000_000 == 0:
        return f"{count // 1_000_000}m"
    if count % 1_000 == 0:
        return f"{count // 1_000}k"
    return str(count)


def measure(count: int, years: int, url: str, requests: int, *, reuse: bool = False) -> dict:
    """Load ``count`` dossiers into a fresh database at ``url`` (or, with ``reuse``, take the one a
    previous run loaded) and time the pages; run in a child process."""
    os.environ["DEBUG"] = "false"  # no query log kept in memory, as in production
    # WhiteNoise warns that STATIC_ROOT does not exist: the test client serves no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    prepare_database(url, fresh=not reuse)
    import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from dossiers.models import Dossier
    from dossiers.selectors import local_today
    from stats import rollups
    from stats.models import DailyStat

    seconds: dict[str, float] = {}
    if reuse:
        print(f"Measuring the {Dossier.objects.count():,} dossiers already in {url}…", flush=True)
        today = local_today()
    else:
        print(f"Loading {count:,} dossiers over {years} years into {url}…", flush=True)
        start, today = load(count, years, seconds)
        with timed(seconds, "rollups up to yesterday"):
            rollups.stats_backfill(date_from=start, date_to=today - datetime.timedelta(days=1))
    # A table just filled by COPY has no visibility map until autovacuum passes, so every index
    # scan also reads the table; a live database is vacuumed, and its live counts (overdue now,
    # due soon) are index-only scans. Measure that steady state.
    with timed(seconds, "vacuum analyze"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username="vanphong"))
    pages = {}
    for name, path in PAGES.items():
        for _ in range(3):  # warm-up: connection, calendar, template caches
            assert client.get(path).status_code == 200, path
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(path)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, path
        pages[name] = {
            "path": path,
            "median_ms": statistics.median(timings) * 1000,
            "min_ms": min(timings) * 1000,
            "max_ms": max(timings) * 1000,
            "queries": len(queries),
        }
        print(f"  {name}: median {pages[name]['median_ms']:.1f} ms, {len(queries)} queries", flush=True)
    return {
        "dossiers": Dossier.objects.count(),
        "rollup_rows": DailyStat.objects.count(),
        "overdue_now": Dossier.objects.overdue(on=today).count(),
        "database": url,
        "seconds": seconds,
        "pages": pages,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", default="10000,1000000", help="comma-separated sizes, smallest first")
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page, after 3 of warm-up")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="{size} is replaced by 10k, 1m, ...")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the databases a previous run loaded, without reloading them"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.child:
        url = arguments.database_url.format(size=size_label(arguments.child))
        result = measure(arguments.child, arguments.years, url, arguments.requests, reuse=arguments.reuse)
        Path(arguments.output).write_text(json.dumps(result, default=str))
        return

    sizes = sorted(int(size.replace("_", "")) for size in arguments.dossiers.split(","))
    output = ROOT / "bench" / "results"
    output.mkdir(exist_ok=True)
    results = {}
    for count in sizes:
        # One process per size: Django is set up once per process, on one database.
        part = output / f".dashboards-{count}.json"
        subprocess.run(
            [
                sys.executable,
                __file__,
                f"--child={count}",
                f"--years={arguments.years}",
                f"--requests={arguments.requests}",
                f"--database-url={arguments.database_url}",
                f"--output={part}",
                *(["--reuse"] if arguments.reuse else []),
            ],
            check=True,
        )
        results[count] = json.loads(part.read_text())
        part.unlink()

    smallest, largest = sizes[0], sizes[-1]
    ratios = {
        name: results[largest]["pages"][name]["median_ms"] / results[smallest]["pages"][name]["median_ms"]
        for name in PAGES
    }
    print()
    print("| page | " + " | ".join(f"{count:,} dossiers" for count in sizes) + " | ratio | queries |")
    print("|---|" + "---:|" * (len(sizes) + 2))
    for name in PAGES:
        cells = " | ".join(f"{results[count]['pages'][name]['median_ms']:.0f} ms" for count in sizes)
        queries = "/".join(str(results[count]["pages"][name]["queries"]) for count in sizes)
        print(f"| {name} | {cells} | {ratios[name]:.2f}× | {queries} |")
    for count in sizes:
        size = results[count]
        print(f"{count:,} dossiers: {size['rollup_rows']:,} rollup rows, {size['overdue_now']:,} overdue now")
    worst = max(ratios.values())
    print(f"Largest ratio {worst:.2f} (limit {RATIO_LIMIT}): {'OK' if worst < RATIO_LIMIT else 'TOO SLOW'}")
    report = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "sizes": results,
        "ratios": ratios,
        "ratio_limit": RATIO_LIMIT,
    }
    name = "-".join(size_label(count) for count in sizes)
    (output / f"dashboards-{name}.json").write_text(json.dumps(report, indent=2, default=str))
    if worst >= RATIO_LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
