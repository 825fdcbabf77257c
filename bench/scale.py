"""Scale model (issue 15): measure at several sizes, fit how each cost grows, predict 100,000,000 dossiers.

    # 1. a database per size (each command leaves it loaded and measured, results in bench/results/)
    .venv/bin/python bench/scale.py --database-url postgres://…/scale_200k --load 200000
    .venv/bin/python bench/scale.py --database-url postgres://…/scale_1m --from-template bench_1m
    .venv/bin/python bench/scale.py --database-url postgres://…/scale_5m --from-template scale_1m --times 5
    .venv/bin/python bench/scale.py --database-url postgres://…/scale_5m            # measure again as it is
    # 2. the model over every size measured
    .venv/bin/python bench/scale.py --model [--json model.json]

**Preparing a size.** ``--load N`` generates N dossiers over two years into a fresh database
(``bench.common.load``: the demo catalogue, 17 units). ``--from-template NAME`` copies a loaded
database (``CREATE DATABASE … TEMPLATE NAME``; nobody may be connected to NAME) — the target is
dropped first, the template is only read. Both then apply any pending migration and the nightly
partition task (``create_partitions_ahead``: rows the DEFAULT partitions caught move to their
year's partition, as on a live server).

``--times K`` makes the copy K times larger in SQL instead of generating it again (on the 2-core
bench machine the generator wrote 2,500 dossiers a second, the copy 7,000 with its events,
intervals and index builds): K − 1 copies of the whole unit tree are added (``BYT`` → ``BYT_2``,
``QLD`` → ``QLD_2``…: the Government Office watching K ministries the size of the template's),
and every dossier of the template is copied into each of
them with its events and state intervals — same dates, procedures, channels, outcomes and
deadlines; id ``id + (k−1)·max(id)``; code with the unit codes renamed
(``BYT-QLD-241201-0001`` → ``BYT_2-QLD_2-241201-0001``); a new lookup code; the copy's units in
the intervals; the daily code counters copied for the new units. The catalogue (procedures and
their versions) is shared, not copied. The copy runs with ``session_replication_role = replica``
so that no foreign-key check or trigger fires per row: the keys hold by construction (each copied
event or interval points to the copy of its dossier) and ``change_xid`` is set to
``txid_current()``, which is what the change feed's trigger would have written. The plain indexes
of the three tables are dropped before and built again after (their names and definitions
kept); the primary keys and unique constraints stay. Then the dossiers' identity sequence is
moved past the last id, and the tables are vacuumed and analysed.

**What is measured** (each a median of ``--repeat`` runs unless said, after one warm-up):

* ``backfill``: the whole range (first received day to yesterday) recomputed as one backfill run
  of independent chunks (``stats.rollups.stats_backfill``, ``STATS_UNIT_GROUPS=1``: 24 chunks of
  a month); its wall time and every chunk's own time (``finished_at − started_at``); one run;
* ``nightly``: the nightly run of one day (``stats_nightly``, yesterday), with 1 unit group, and
  with ``--groups`` groups (the longest group's chunk is what that many workers would wait for);
* the dossier list page (``/dossiers/``) as the ministry office, first page and two filtered pages,
  through Django's test client; the count its paginator runs, alone (``BoundedPaginator``: at
  most ``TTHC_LIST_COUNT_LIMIT`` + 1 rows, config/pagination.py); and, apart and labelled so, the
  exact ``COUNT(*)`` of the same filters, which the page no longer runs (what it cost before);
* Form 06 of last calendar year grouped by unit: ``stats.selectors.form06`` and the page;
* the national index of last calendar year: ``stats.index766.index766`` for the ministry and for
  its largest unit, and the ministry's index page.

The results go to ``bench/results/scale-<dossiers>-<UTC time>.json`` with the date, commit and load
average; the model keeps each measure's fastest run of a size.
``--model`` reads every such file, fits ``t = a·n^b`` by least squares on ``log t`` against
``log n`` for each measure, and predicts it at ``--target`` dossiers (100,000,000) — by that fit,
by the largest size grown with the exponent of the last step alone, and by the straight line
through the two largest sizes — with
``--workers`` Celery workers (8): a backfill's chunks spread over the workers
(``ceil(chunks / workers)`` rounds of the median chunk), the nightly run in ``--groups`` unit groups
(its longest chunk), and the reports read from a replica (same time; off the primary). It reads
and writes only the benchmark databases named on its command line; never the template.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT  # noqa: E402

RESULTS = ROOT / "bench" / "results"
# The tables a copy (--times) writes, with the column each copy rewrites.
COPIED = ("dossiers_dossier", "dossiers_dossierevent", "dossiers_stateinterval")


# --- Preparing a database -------------------------------------------------------------------


def _admin(url: str):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True), parsed.path.lstrip("/")


def copy_template(url: str, template: str) -> None:
    """Drop the database of ``url`` and create it as a copy of ``template`` (retried while busy)."""
    import psycopg

    connection, name = _admin(url)
    if name == template:
        sys.exit("The target database must not be the template.")
    with connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(60):
            try:
                connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return
            except psycopg.errors.ObjectInUse:
                print(f"  {template} is in use; retrying ({attempt + 1})", flush=True)
                time.sleep(10)
    sys.exit(f"{template} stayed in use: could not copy it.")


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "false"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def settle() -> None:
    """Pending migrations and the nightly partition task, as a live server would have run them."""
    from django.core.management import call_command

    from config.partitions import create_partitions_ahead

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    created = create_partitions_ahead()
    print(f"  migrate and partitions ahead ({', '.join(created) or 'none new'}): {time.perf_counter() - started:.1f} s")


def _plain_indexes(cursor, table: str) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of ``table`` that back no constraint."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
        [table, table],
    )
    return cursor.fetchall()


def _columns(cursor, table: str) -> list[str]:
    """The stored, writable columns of ``table`` in order (no generated column)."""
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
        " AND attgenerated = '' ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _select_list(columns: list[str], replaced: dict[str, str], prefix: str) -> str:
    return ", ".join(replaced.get(column, f'{prefix}."{column}"') for column in columns)


def replicate(times: int) -> dict:
    """Make the database ``times`` times larger: ``times − 1`` copies of every unit and of every
    dossier with its events and intervals (module docstring). Returns the seconds of each step."""
    from django.db import connection, transaction

    from dossiers.models import Dossier
    from units.models import Unit

    steps: dict[str, float] = {}
    originals = list(Unit.objects.order_by("path"))
    taken = {unit.code for unit in originals}
    if any(f"{unit.code}_2" in taken for unit in originals):
        sys.exit("This database already holds copies (a unit code ends in _2): copy from the template again.")
    offset = Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0
    mapping = []  # (copy, original unit id, copy's unit id)
    with transaction.atomic():
        for copy in range(2, times + 1):
            made: dict[int, Unit] = {}
            for unit in originals:  # by path: a parent before its children
                twin = Unit(
                    code=f"{unit.code}_{copy}",
                    name_vi=f"{unit.name_vi} ({copy})",
                    name_en=f"{unit.name_en} ({copy})" if unit.name_en else "",
                    kind=unit.kind,
                    parent=made.get(unit.parent_id),
                    is_active=unit.is_active,
                )
                twin.save()
                made[unit.pk] = twin
                mapping.append((copy, unit.pk, twin.pk))
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("CREATE TEMPORARY TABLE scale_unit_map (copy int, old_id bigint, new_id bigint)")
        cursor.executemany("INSERT INTO scale_unit_map VALUES (%s, %s, %s)", mapping)
        dropped = {table: _plain_indexes(cursor, table) for table in COPIED}
        started = time.perf_counter()
        for indexes in dropped.values():
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        # No per-row foreign-key check or trigger (keys hold by construction; change_xid set below).
        cursor.execute("SET session_replication_role = replica")
        dossier_columns = _columns(cursor, "dossiers_dossier")
        event_columns = [c for c in _columns(cursor, "dossiers_dossierevent") if c != "id"]
        interval_columns = [c for c in _columns(cursor, "dossiers_stateinterval") if c != "id"]
        for copy in range(2, times + 1):
            shift = (copy - 1) * offset
            began = time.perf_counter()
            dossiers = _select_list(
                dossier_columns,
                {
                    "id": f"d.id + {shift}",
                    "code": f"regexp_replace(d.code, '^([^-]+)-([^-]+)-', '\\1_{copy}-\\2_{copy}-')",
                    "lookup_code": f"upper(substr(md5(d.lookup_code || '{copy}'), 1, 12))",
                    "unit_id": "m.new_id",
                    "change_xid": "txid_current()",
                },
                "d",
            )
            cursor.execute(
                f"INSERT INTO dossiers_dossier ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in dossier_columns)}) "
                f"SELECT {dossiers} FROM dossiers_dossier d JOIN scale_unit_map m ON m.old_id = d.unit_id "
                f"AND m.copy = {copy} WHERE d.id <= {offset}"
            )
            events = _select_list(event_columns, {"dossier_id": f"e.dossier_id + {shift}"}, "e")
            cursor.execute(
                f"INSERT INTO dossiers_dossierevent ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in event_columns)}) "
                f"SELECT {events} FROM dossiers_dossierevent e WHERE e.dossier_id <= {offset}"
            )
            intervals = _select_list(
                interval_columns, {"dossier_id": f"i.dossier_id + {shift}", "unit_id": "m.new_id"}, "i"
            )
            cursor.execute(
                f"INSERT INTO dossiers_stateinterval ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in interval_columns)}) "
                f"SELECT {intervals} FROM dossiers_stateinterval i JOIN scale_unit_map m ON m.old_id = i.unit_id "
                f"AND m.copy = {copy} WHERE i.dossier_id <= {offset}"
            )
            cursor.execute(
                "INSERT INTO dossiers_dossiercodecounter (unit_id, day, last_number) "
                "SELECT m.new_id, c.day, c.last_number FROM dossiers_dossiercodecounter c "
                f"JOIN scale_unit_map m ON m.old_id = c.unit_id AND m.copy = {copy}"
            )
            print(f"  copy {copy}: {time.perf_counter() - began:.1f} s", flush=True)
        cursor.execute("SET session_replication_role = origin")
        steps["copy rows"] = time.perf_counter() - started
        started = time.perf_counter()
        for indexes in dropped.values():
            for name, definition in indexes:
                began = time.perf_counter()
                # pg_indexes gives a partitioned table's index as "ON ONLY parent", which would
                # build no partition's index: build it on the parent and every partition.
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
                print(f"  index {name}: {time.perf_counter() - began:.1f} s", flush=True)
        steps["rebuild indexes"] = time.perf_counter() - started
        cursor.execute("SELECT indexrelid::regclass::text FROM pg_index WHERE NOT indisvalid")
        invalid = [row[0] for row in cursor.fetchall()]
        if invalid:
            sys.exit(f"Indexes left invalid: {', '.join(invalid)}")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), (SELECT max(id) FROM dossiers_dossier))"
        )
    for name, seconds in steps.items():
        print(f"  {name}: {seconds:.1f} s", flush=True)
    return steps


# --- Measuring ------------------------------------------------------------------------------


def median_of(repeat: int, work) -> tuple[float, list[float]]:
    """Run ``work`` once to warm up, then ``repeat`` times; (median seconds, every time)."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def _chunk_seconds(run) -> list[float]:
    return [(chunk.finished_at - chunk.started_at).total_seconds() for chunk in run.chunks.order_by("date_from")]


def describe(connection) -> dict:
    """Sizes of what the measures read."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM dossiers_dossier), (SELECT count(*) FROM dossiers_dossierevent),"
            " (SELECT count(*) FROM dossiers_stateinterval), (SELECT count(*) FROM stats_dailystat),"
            " (SELECT count(*) FROM units_unit), (SELECT count(*) FROM dossiers_dossier"
            "  WHERE status IN ('processing', 'awaiting_supplement')),"
            " (SELECT min(received_on) FROM dossiers_dossier), pg_database_size(current_database()),"
            " pg_total_relation_size('dossiers_dossier')"
        )
        dossiers, events, intervals, rollups, units, open_, first, size, dossier_size = cursor.fetchone()
    return {
        "dossiers": dossiers,
        "events": events,
        "intervals": intervals,
        "rollup_rows": rollups,
        "units": units,
        "open_dossiers": open_,
        "first_day": first,
        "database_bytes": size,
        "dossier_table_bytes": dossier_size,
    }


def measure(repeat: int, groups: int) -> dict:
    """Every measure of the module docstring on the current database; returns the report."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.http import QueryDict
    from django.test import Client
    from django.utils import timezone

    from config.pagination import BoundedPaginator
    from dossiers.filtersets import DossierFilterSet
    from dossiers.models import Dossier
    from dossiers.selectors import dossiers_visible_to
    from stats import rollups
    from stats.index766 import index766
    from stats.selectors import form06
    from units.access import FULL_ACCESS
    from units.choices import MembershipRole
    from units.models import Membership, Unit

    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    year = today.year - 1
    year_from, year_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seconds: dict[str, float] = {}
    detail: dict[str, object] = {}
    load = [os.getloadavg()]

    def note(name: str, value: float, extra: str = "") -> None:
        seconds[name] = value
        print(f"  {name}: {value:.4f} s{extra}", flush=True)  # 4 places: a bounded count takes about 1 ms

    info = describe(connection)
    print(f"{info['dossiers']:,} dossiers, {info['events']:,} events, {info['intervals']:,} intervals, "
          f"{info['units']} units; today {today}", flush=True)  # fmt: skip

    # The backfill of the whole range, in independent month chunks (one group of units).
    settings.STATS_UNIT_GROUPS = 1
    started = time.perf_counter()
    run = rollups.stats_backfill(date_from=info["first_day"], date_to=yesterday)
    wall = time.perf_counter() - started
    chunks = _chunk_seconds(run)
    note("backfill, whole range (in one process)", wall, f" ({len(chunks)} chunks)")
    note("backfill, one chunk (median)", statistics.median(chunks))
    note("backfill, one chunk (longest)", max(chunks))
    detail["backfill_chunks"] = chunks
    detail["backfill_days"] = run.days_computed
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE stats_dailystat")  # as autovacuum would after a rewrite
    info["rollup_rows"] = describe(connection)["rollup_rows"]

    # The nightly run of one day: a previous nightly run must exist, or it computes everything.
    if rollups.nightly_range(today=today) != (yesterday, yesterday):
        print("  (a first nightly run, untimed: there was none)", flush=True)
        rollups.stats_nightly(today=today)
    median, times = median_of(repeat, lambda: rollups.stats_nightly(today=today))
    note("nightly run, one day, 1 unit group", median)
    settings.STATS_UNIT_GROUPS = groups
    longest, summed = [], []
    for _ in range(repeat):
        chunk_times = _chunk_seconds(rollups.stats_nightly(today=today))
        longest.append(max(chunk_times))
        summed.append(sum(chunk_times))
    settings.STATS_UNIT_GROUPS = 1
    note(f"nightly run, one day, {groups} unit groups: longest chunk", statistics.median(longest))
    note(f"nightly run, one day, {groups} unit groups: all chunks", statistics.median(summed))

    # Pages as the ministry office (reads every unit: the Government Office's view).
    office = Membership.objects.filter(role=MembershipRole.MINISTRY_OFFICE).select_related("user").first()
    if office is None:
        sys.exit("No ministry office user to log in with (seed_demo creates one).")
    client = Client(HTTP_HOST="localhost")
    client.force_login(office.user)
    # The unit with the most dossiers (of the template's units when there are copies: QLD before QLD_2).
    largest = Dossier.objects.values("unit__code").annotate(n=Count("id")).order_by("-n", "unit__code")[0]["unit__code"]
    detail["largest_unit"] = largest

    def page(path: str, query: dict):
        def get():
            response = client.get(path, query)
            assert response.status_code == 200, (path, query, response.status_code)

        return get

    lists = {
        "first page": {},
        "overdue=true": {"overdue": "true"},
        f"unit={largest}&status=processing": {"unit": largest, "status": "processing"},
    }
    detail["list_counts"] = {}
    for label, query in lists.items():
        note(f"dossier list page, {label}", median_of(repeat, page("/dossiers/", query))[0])
        filterset = DossierFilterSet(QueryDict(urlencode(query)), queryset=dossiers_visible_to(FULL_ACCESS))
        assert filterset.is_valid(), filterset.errors
        counted = {}

        def bounded(filterset=filterset, counted=counted):
            counted["bounded"] = BoundedPaginator(filterset.qs, 50).count

        def exact(filterset=filterset, counted=counted):
            counted["rows"] = filterset.qs.count()

        note(f"dossier list count as the page runs it (bounded), {label}", median_of(repeat, bounded)[0],
             f" ({counted['bounded']:,} rows: at most {settings.TTHC_LIST_COUNT_LIMIT:,} + 1)")  # fmt: skip
        note(f"dossier list exact COUNT(*) (the page no longer runs it), {label}", median_of(repeat, exact)[0],
             f" ({counted['rows']:,} rows)")  # fmt: skip
        detail["list_counts"][label] = counted["rows"]

    note(
        f"Form 06 {year} by unit (selector)",
        median_of(repeat, lambda: form06(date_from=year_from, date_to=year_to, group_by="unit"))[0],
    )
    note(f"Form 06 {year} page", median_of(repeat, page("/reports/form06/", {"period": "year", "year": year}))[0])
    unit = Unit.objects.get(code=largest)
    note(
        f"index 766 {year}, ministry (selector)",
        median_of(repeat, lambda: index766(date_from=year_from, date_to=year_to, unit=None, today=today))[0],
    )
    note(
        f"index 766 {year}, unit {largest} (selector)",
        median_of(repeat, lambda: index766(date_from=year_from, date_to=year_to, unit=unit, today=today))[0],
    )
    custom = {"period": "custom", "date_from": year_from.isoformat(), "date_to": year_to.isoformat()}
    note(f"index 766 {year} page, ministry", median_of(repeat, page("/reports/index766/", custom))[0])
    load.append(os.getloadavg())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return {
        **info,
        "measured_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "machine": f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average": {"start": load[0], "end": load[1]},
        "repeat": repeat,
        "groups": groups,
        "year": year,
        "seconds": seconds,
        "detail": detail,
    }


# --- The model ------------------------------------------------------------------------------


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least squares of ``log t = log a + b·log n`` over (n, t) points; returns (a, b).
    One point: b = 1 (linear) through it."""
    xs = [math.log(n) for n, _t in points]
    ys = [math.log(max(t, 1e-6)) for _n, t in points]
    if len(points) < 2 or max(xs) == min(xs):
        return math.exp(ys[0] - xs[0]), 1.0
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)
    return math.exp(mean_y - slope * mean_x), slope


def linear(points: list[tuple[float, float]], target: float) -> float:
    """The straight line through the two largest sizes, extended to ``target``: the bound for a cost
    that is a fixed part plus a part proportional to n, which a power fit over sizes where the
    fixed part still dominates underestimates."""
    (n1, t1), (n2, t2) = sorted(points)[-2:] if len(points) > 1 else (points[0], points[0])
    if n2 == n1:
        return t2 * target / n2
    # A cost that did not grow (within the noise) is bounded by its last value, not extrapolated down.
    return t2 + max(t2 - t1, 0) / (n2 - n1) * (target - n2)


def last_step(points: list[tuple[float, float]]) -> float:
    """The exponent between the two largest sizes alone (how the last step grew)."""
    if len(points) < 2:
        return 1.0
    (n1, t1), (n2, t2) = sorted(points)[-2:]
    return math.log(max(t2, 1e-6) / max(t1, 1e-6)) / math.log(n2 / n1)


def by_last_step(points: list[tuple[float, float]], target: float) -> float:
    """The largest size's time grown to ``target`` with the last step's exponent: when the last
    step grew faster than the fit over every size (a cost that fitted in memory at the small sizes
    and no longer does), the fit underestimates and this does not."""
    n, t = max(points)
    return t * (target / n) ** last_step(points)


def where(name: str) -> str:
    if name.startswith(("Form 06", "index 766")):
        return "replica"
    if name.startswith("dossier list"):
        return "primary"
    return "workers + primary"


def model(paths: list[Path], *, target: int, workers: int, json_path: str | None) -> None:
    """Fit every measure over the sizes measured and print the prediction at ``target`` dossiers."""
    runs = sorted(
        (json.loads(path.read_text()) for path in paths), key=lambda run: (run["dossiers"], run["measured_at"])
    )
    if not runs:
        sys.exit(f"No results in {RESULTS}: measure a size first.")
    # Several runs of one size: each measure's fastest, as the other benchmarks keep (the load of
    # the shared machine only ever adds time).
    reports = []
    for run in runs:
        if reports and reports[-1]["dossiers"] == run["dossiers"]:
            kept = reports[-1]
            kept["seconds"] = {
                name: min(value, kept["seconds"].get(name, value)) for name, value in run["seconds"].items()
            }
        else:
            reports.append({**run, "seconds": dict(run["seconds"])})
    names = [name for name in reports[-1]["seconds"] if all(name in r["seconds"] for r in reports)]
    groups = reports[-1]["groups"]
    chunks = len(reports[-1]["detail"]["backfill_chunks"])
    rounds = math.ceil(chunks / workers)
    sizes = [report["dossiers"] for report in reports]
    rows = []
    for name in names:
        points = [(r["dossiers"], r["seconds"][name]) for r in reports]
        a, b = fit(points)
        rows.append({
            "measure": name,
            "seconds": [t for _n, t in points],
            "a": a,
            "b": b,
            "last_step_b": last_step(points),
            "predicted": a * target**b,
            "by_last_step": by_last_step(points, target),
            "linear": linear(points, target),
            "runs_on": where(name),
        })  # fmt: skip
    sizes_on_disk = (
        ("database size (GB)", "database_bytes"),
        ("dossier table with indexes (GB)", "dossier_table_bytes"),
    )
    for name, key in sizes_on_disk:
        points = [(r["dossiers"], r[key] / 1e9) for r in reports]
        a, b = fit(points)
        rows.append({"measure": name, "seconds": [t for _n, t in points], "a": a, "b": b,
                     "last_step_b": last_step(points), "predicted": a * target**b,
                     "by_last_step": by_last_step(points, target), "linear": linear(points, target),
                     "runs_on": "primary and each replica"})  # fmt: skip
    by_name = {row["measure"]: row for row in rows}
    chunk = by_name["backfill, one chunk (median)"]["predicted"]
    derived = {
        f"backfill of {chunks} month chunks over {workers} workers ({rounds} rounds of the median chunk)": (
            rounds * chunk
        ),
        "the same backfill, last step's exponent": rounds * by_name["backfill, one chunk (median)"]["by_last_step"],
        "the same backfill, linear bound": rounds * by_name["backfill, one chunk (median)"]["linear"],
        f"nightly run, one day, {groups} unit groups over {workers} workers (its longest chunk)": by_name[
            f"nightly run, one day, {groups} unit groups: longest chunk"
        ]["predicted"],
        "the same nightly run, last step's exponent": by_name[
            f"nightly run, one day, {groups} unit groups: longest chunk"
        ]["by_last_step"],
        "the same nightly run, linear bound": by_name[f"nightly run, one day, {groups} unit groups: longest chunk"][
            "linear"
        ],
    }
    print(f"Sizes: {', '.join(f'{n:,}' for n in sizes)} dossiers; target {target:,}, {workers} workers, a replica")
    for report in runs:
        load = report["load_average"]
        print(f"  {report['dossiers']:,}: {report['measured_at']}, commit {report['commit']}, load average "
              f"{load['start'][0]:.1f} → {load['end'][0]:.1f}, {report['units']} units, "
              f"{report['rollup_rows']:,} rollup rows, {report['open_dossiers']:,} open")  # fmt: skip
    print()
    header = " | ".join(f"{n / 1e6:g}M" for n in sizes)
    print(
        f"| measure | {header} | b | b, last step | a·n^b at {target / 1e6:g}M "
        f"| last step at {target / 1e6:g}M | linear at {target / 1e6:g}M "
        "| runs on |"
    )
    print(f"|---|{'---:|' * len(sizes)}---:|---:|---:|---:|---:|---|")
    for row in rows:
        values = " | ".join(f"{value:.4f}" if value < 0.01 else f"{value:.3f}" for value in row["seconds"])
        print(
            f"| {row['measure']} | {values} | {row['b']:.2f} | {row['last_step_b']:.2f} | {row['predicted']:.2f} "
            f"| {row['by_last_step']:.2f} "
            f"| {row['linear']:.2f} "
            f"| {row['runs_on']} |"
        )
    print()
    for name, value in derived.items():
        print(f"{name}: {value:.1f} s ({value / 60:.1f} min)")
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                {"sizes": sizes, "target": target, "workers": workers, "rows": rows, "derived": derived}, indent=2
            )
        )


def _positive(text: str) -> int:
    """A whole number of at least 1 (``--load 0`` would measure whatever the database holds)."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"give a whole number of at least 1, not {text!r}")
    return number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the benchmark database (PostgreSQL) to prepare and measure")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--from-template", metavar="NAME", help="copy this database first (it is only read)")
    source.add_argument("--load", type=_positive, metavar="N", help="generate N dossiers over two years first")
    parser.add_argument(
        "--times",
        type=_positive,
        default=1,
        metavar="K",
        help="with --from-template: make the copy K times larger (default 1)",
    )
    parser.add_argument("--no-measure", action="store_true", help="prepare only")
    parser.add_argument(
        "--repeat", type=_positive, default=3, help="timed runs of each measure after a warm-up (default 3)"
    )
    parser.add_argument(
        "--groups", type=_positive, default=8, help="unit groups for the grouped nightly run (default 8)"
    )
    parser.add_argument("--model", action="store_true", help="fit and predict from bench/results/scale-*.json")
    parser.add_argument(
        "--target",
        type=_positive,
        default=100_000_000,
        metavar="N",
        help="with --model: dossiers to predict for (default 100,000,000)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=8,
        help="with --model: Celery workers sharing the backfill's chunks (default 8)",
    )
    parser.add_argument("--json", metavar="PATH", help="with --model: also write the model as JSON")
    arguments = parser.parse_args()

    if arguments.model:
        model(sorted(RESULTS.glob("scale-*.json")), target=arguments.target, workers=arguments.workers,
              json_path=arguments.json)  # fmt: skip
        return
    if not arguments.database_url or urlparse(arguments.database_url).scheme not in ("postgres", "postgresql"):
        sys.exit("Give --database-url postgres://… (or --model).")
    if arguments.times > 1 and not arguments.from_template:
        sys.exit("--times needs --from-template (the copy is made larger, never a database measured before).")
    prepared: dict[str, object] = {}
    started = time.perf_counter()
    if arguments.load:
        from bench.common import load, prepare_database

        prepare_database(arguments.database_url, fresh=True)
        load(arguments.load, 2, {})
        settle()
    else:
        if arguments.from_template:
            copy_template(arguments.database_url, arguments.from_template)
            print(f"  copied {arguments.from_template}: {time.perf_counter() - started:.1f} s", flush=True)
        setup_django(arguments.database_url)
        if arguments.from_template:
            settle()
    if arguments.times > 1:
        prepared = replicate(arguments.times)
    if arguments.from_template or arguments.load:
        from django.db import connection

        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would have done on a live server
        prepared["vacuum analyze"] = time.perf_counter() - began
        print(f"  vacuum analyze: {prepared['vacuum analyze']:.1f} s", flush=True)
        prepared["prepare, in all"] = time.perf_counter() - started
        print(f"  prepared in {prepared['prepare, in all']:.1f} s", flush=True)
    if arguments.no_measure:
        return
    report = measure(arguments.repeat, arguments.groups)
    report["prepared"] = {"from_template": arguments.from_template, "times": arguments.times, "load": arguments.load,
                          "seconds": prepared}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-{report['dossiers']}-{datetime.datetime.now(datetime.UTC):%Y%m%d%H%M}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {path}")


if __name__ == "__main__":
    main()
