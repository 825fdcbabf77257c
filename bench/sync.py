"""Benchmark of synchronisation on PostgreSQL: the bulk endpoint, updates, a file import and single
receipts, each against the floor of parsing the same rows and ``COPY``-ing them.

    .venv/bin/python bench/sync.py [--database-url URL] [--new 20000] [--updates 10000]
                                   [--import-rows 100000] [--receipts 300]

Creates a fresh database with the demo catalogue (no dossiers), then, in one run:

* **bulk new**: ``POST /api/v1/sync/dossiers/`` in batches of 1,000 new dossiers, each with 3 to 6
  steps (received, supplement asked and received, ended, returned, rated), through Django's test
  client (JSON parsing, token authentication and the view included, no HTTP server);
* **updates**: the same endpoint for dossiers held with their receipt only, now ended;
* **import**: ``manage.py import_dossiers`` of a CSV file of ``--import-rows`` rows, in its own
  process, with its peak memory (maximum resident set size);
* **single receipts**: ``POST /api/v1/dossiers/`` one at a time, with the SQL statements each costs;
* **floor**: reading the same CSV file with the ``csv`` module, parsing its dates, and ``COPY`` of
  one dossier row and one event row per step into the real tables (with their indexes), in one
  transaction rolled back (the floor as first defined); and again **committed in batches of
  1,000** — the same rows, each batch's deferred foreign-key checks run and its commit flushed, as
  the endpoint and the import must do for every batch (the rows are deleted afterwards, untimed).
  Each ratio is printed against both.

Each figure is printed with its rate and its ratio to the floor's rate, and with the CPU time it
took: this process's (Python; the import's own process for the import) plus the PostgreSQL
backends' of the benchmark's database (read from ``/proc`` when the server runs on this machine;
"—" otherwise). On a machine shared with other work the wall-clock rates, the floor's above all,
move with the load; CPU seconds per dossier do much less, so their ratio to the floor's is the
steadier comparison. Goals (issue 16): bulk and
import within 2× of the floor, updates ≥ 1,000 dossiers/s, a single receipt in ≤ 8 statements, an
import of 100,000 rows under 500 MB. Figures: docs/performance.md. "Statements per batch" counts
what Django's cursor sees; the ``COPY`` streams of a batch (up to three) come on top.
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, prepare_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_h16_sync"
BATCH = 1000


def server_cpu(database: str) -> dict[int, float]:
    """CPU seconds (user + system) of each live PostgreSQL backend serving ``database``, by process
    id, from ``/proc`` (Linux, the server on this machine; empty otherwise). A backend's process
    title names its database: ``postgres: 15/main: postgres <database> 127.0.0.1(…) …``;
    autovacuum workers are left out (they run when they will, not for the measure)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if not title.startswith("postgres: ") or f" {database} " not in title or "autovacuum" in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    return found


class CpuMeter:
    """CPU seconds used between ``start()`` and ``stop()``: this process's, or its children's with
    ``children=True``, and the database's backends' (those that end meanwhile are sampled every
    quarter of a second by a thread when they are a child process's, so a few hundredths of a
    second of theirs may be missed; this process keeps its one connection)."""

    def __init__(self, database: str, *, children: bool = False):
        self.database, self.children = database, children
        self.python = self.server = 0.0

    def _own(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN if self.children else resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    def _sample(self) -> None:
        for pid, seconds in server_cpu(self.database).items():
            self._last[pid] = max(seconds, self._last.get(pid, 0.0))

    def start(self) -> "CpuMeter":
        import threading

        self._before = server_cpu(self.database)
        self._last = dict(self._before)
        self._own_before = self._own()
        self._done = threading.Event()

        def poll():
            while not self._done.wait(0.25):
                self._sample()

        # Only another process's backends come and go; polling here would add to this process's CPU.
        self._thread = threading.Thread(target=poll, daemon=True) if self.children else None
        if self._thread is not None:
            self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        self._sample()
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.python = self._own() - self._own_before
        self.server = sum(seconds - self._before.get(pid, 0.0) for pid, seconds in self._last.items())
        return {"python_cpu": self.python, "server_cpu": self.server}


def portal_time(at: datetime.datetime) -> str:
    return at.strftime("%Y%m%d%H%M%S")


def plan(count: int, *, prefix: str, procedures: list[str], seed: int, full: bool = True) -> list[dict]:
    """``count`` dossiers with 3 to 6 steps (received a month or more ago, local times)."""
    chooser = random.Random(seed)
    today = datetime.datetime.now().replace(hour=8, minute=0, second=0, microsecond=0)
    rows = []
    for number in range(count):
        received = today - datetime.timedelta(days=chooser.randint(30, 300), hours=chooser.randint(0, 6))
        steps = {"received_at": received}
        if full:
            shape = chooser.randint(3, 6)
            if shape >= 5:
                steps["supplement_requested_at"] = received + datetime.timedelta(days=1)
                steps["supplement_received_at"] = received + datetime.timedelta(days=2)
            steps["ended_at"] = received + datetime.timedelta(days=4)
            if shape in (4, 6):
                steps["returned_at"] = received + datetime.timedelta(days=5)
            if shape == 6:
                steps["rated_at"] = received + datetime.timedelta(days=5, hours=1)
            elif shape == 3:
                steps["returned_at"] = received + datetime.timedelta(days=5)
        rows.append(
            {
                "code": f"{prefix}-{number:07d}",
                "procedure": chooser.choice(procedures),
                "channel": chooser.choice(["1", "2", "3"]),
                "name": f"Nguyễn Văn {number}",
                **steps,
            }
        )
    return rows


def as_portal(row: dict) -> dict:
    record = {
        "MaHoSo": row["code"],
        "MaTTHC": row["procedure"],
        "KenhThucHien": row["channel"],
        "ChuHoSo": row["name"],
        "NgayTiepNhan": portal_time(row["received_at"]),
        "TrangThaiHoSo": "4",
    }
    if "supplement_requested_at" in row:
        record["DanhSachHoSoBoSung"] = [
            {
                "NgayBoSung": portal_time(row["supplement_requested_at"]),
                "NoiDungBoSung": "Bổ sung giấy tờ",
                "NgayTiepNhanBoSung": portal_time(row["supplement_received_at"]),
            }
        ]
    if "ended_at" in row:
        record["NgayKetThucXuLy"] = portal_time(row["ended_at"])
        record["TrangThaiHoSo"] = "9"
    if "returned_at" in row:
        record["NgayTra"] = portal_time(row["returned_at"])
        record["TrangThaiHoSo"] = "10"
    if "rated_at" in row:
        record["rating"] = {"at": row["rated_at"].strftime("%Y-%m-%dT%H:%M:%S+07:00"), "satisfied": True}
    return record


CSV_COLUMNS = [
    "code",
    "procedure_code",
    "channel",
    "applicant_name",
    "received_at",
    "supplement_requested_at",
    "supplement_note",
    "supplement_received_at",
    "ended_at",
    "outcome",
    "returned_at",
    "satisfied",
    "rated_at",
]
STEP_COLUMNS = (
    "received_at",
    "supplement_requested_at",
    "supplement_received_at",
    "ended_at",
    "returned_at",
    "rated_at",
)


def write_csv(path: Path, rows: list[dict]) -> None:
    channels = {"1": "in_person", "2": "online", "3": "postal"}

    def when(row, name):
        return row[name].strftime("%d/%m/%Y %H:%M") if name in row else ""

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    row["code"],
                    row["procedure"],
                    channels[row["channel"]],
                    row["name"],
                    when(row, "received_at"),
                    when(row, "supplement_requested_at"),
                    "Bổ sung giấy tờ" if "supplement_requested_at" in row else "",
                    when(row, "supplement_received_at"),
                    when(row, "ended_at"),
                    "resolved" if "ended_at" in row else "",
                    when(row, "returned_at"),
                    "1" if "rated_at" in row else "",
                    when(row, "rated_at"),
                ]
            )


def floor(path: Path, *, committed: bool = False) -> tuple[float, int, int, dict[str, float]]:
    """Parse the CSV as plainly as possible and COPY its dossier and event rows.

    By default in one transaction, rolled back: the floor as first defined, which never runs the
    deferred foreign-key checks nor commits. With ``committed``, in transactions of ``BATCH``
    rows, each committed (its foreign keys checked, its WAL flushed), as the endpoint and the
    import must; the rows are deleted afterwards, outside the time measured.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from config.bulk import insert_rows, reserve_ids
    from dossiers.models import Dossier, DossierEvent
    from procedures.models import Procedure

    procedures = {
        procedure.code: (procedure.pk, procedure.unit_id, procedure.field_id, version.pk)
        for procedure in Procedure.objects.all()
        for version in [procedure.versions.order_by("-effective_from").first()]
        if version is not None
    }
    zone = timezone.get_default_timezone()
    meter = CpuMeter(connection.settings_dict["NAME"]).start()
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        index = {name: position for position, name in enumerate(header)}
        parsed = []
        for cells in reader:
            times = [
                datetime.datetime.strptime(cells[index[name]], "%d/%m/%Y %H:%M").replace(tzinfo=zone)
                if cells[index[name]]
                else None
                for name in STEP_COLUMNS
            ]
            parsed.append((cells, times))
    now = timezone.now()
    dossier_columns = [
        "id",
        "code",
        "lookup_code",
        "procedure_id",
        "procedure_version_id",
        "unit_id",
        "field_id",
        "channel",
        "applicant_kind",
        "applicant_name",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
        "received_at",
        "received_on",
        "processing_days",
        "fee_amount",
        "fee_paid_online",
        "result_electronic",
        "documents_digitised",
        "data_reused",
        "from_data_store",
        "vneid_verified",
        "source_system",
        "status",
        "counted_from",
        "appointment_date",
        "supplement_count",
        "reappointment_count",
        "outcome",
        "timeliness",
        "last_event_at",
        "event_count",
        "created_at",
        "updated_at",
        "ended_at",
        "ended_on",
    ]
    kinds = ("received", "supplement_requested", "supplement_received", "ended", "returned", "rated")

    def write(part):
        ids = reserve_ids(Dossier, len(part))
        dossier_rows, event_rows = [], []
        for pk, (cells, times) in zip(ids, part, strict=True):
            procedure_id, unit_id, field_id, version_id = procedures[cells[index["procedure_code"]]]
            received = times[0]
            steps = [(kind, at) for kind, at in zip(kinds, times, strict=True) if at is not None]
            dossier_rows.append(
                (pk, "F" + cells[0], "ABCDEFGH", procedure_id, version_id, unit_id, field_id, cells[2], "person",
                 cells[3], "", "", "", "", received, received.date(), 5, 0, False, False, False, False, False, False,
                 "floor", "ended", received.date(), received.date(), 0, 0, "resolved", "early", steps[-1][1],
                 len(steps), now, now, times[3], times[3].date())
            )  # fmt: skip
            for sequence, (kind, at) in enumerate(steps, start=1):
                event_rows.append((pk, sequence, kind, at, at.date(), "", "{}", now))
        insert_rows(Dossier, dossier_columns, dossier_rows)
        insert_rows(
            DossierEvent, ("dossier_id", "sequence", "kind", "at", "on", "note", "data", "recorded_at"), event_rows
        )
        return len(dossier_rows), len(event_rows)

    dossiers = events = 0
    if committed:
        for begin in range(0, len(parsed), BATCH):
            with transaction.atomic():
                written = write(parsed[begin : begin + BATCH])
            dossiers, events = dossiers + written[0], events + written[1]
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM dossiers_dossierevent WHERE dossier_id IN "
                           "(SELECT id FROM dossiers_dossier WHERE source_system = 'floor')")  # fmt: skip
            cursor.execute("DELETE FROM dossiers_dossier WHERE source_system = 'floor'")
        return elapsed, dossiers, events, cpu
    with transaction.atomic():
        dossiers, events = write(parsed)
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return elapsed, dossiers, events, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--new", type=int, default=20000)
    parser.add_argument("--updates", type=int, default=10000)
    parser.add_argument("--import-rows", type=int, default=100000)
    parser.add_argument("--receipts", type=int, default=300)
    arguments = parser.parse_args()
    prepare_database(arguments.database_url, fresh=True)

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from procedures.models import Procedure
    from units.models import ApiToken

    print("Setting up: migrate, demo catalogue…", flush=True)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", dossiers=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    in_force = Procedure.objects.filter(versions__effective_from__lte="2024-01-01", versions__effective_to__isnull=True)
    procedures = sorted(set(in_force.values_list("code", flat=True)))
    user = get_user_model().objects.create(username="bench-sync", is_superuser=True)
    token = ApiToken(name="bench", user=user, all_units=True, source_system="bench")
    fields = {field.name for field in ApiToken._meta.get_fields()}
    if "scopes" in fields:
        token.scopes = ["dossiers:read", "dossiers:write", "sync"]
    else:
        token.can_write = True
    key = token.set_new_key()
    token.save()
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="localhost")
    database = connection.settings_dict["NAME"]
    results: dict[str, dict] = {}

    def post_batches(records, name):
        meter = CpuMeter(database).start()
        started = time.perf_counter()
        statements = []
        for start in range(0, len(records), BATCH):
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    "/api/v1/sync/dossiers/",
                    json.dumps(records[start : start + BATCH]),
                    content_type="application/json",
                )
            statements.append(len(queries))
            assert response.status_code == 200, response.content[:500]
            counts = response.json()["counts"]
            assert counts["rejected"] == 0, response.json()["results"][:3]
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        results[name] = {"count": len(records), "seconds": elapsed, "statements_per_batch": max(statements), **cpu}
        print(f"  {name}: {len(records):,} in {elapsed:.1f} s = {len(records) / elapsed:,.0f}/s, "
              f"{max(statements)} statements per batch of {BATCH}", flush=True)  # fmt: skip

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "import.csv"
        import_rows = plan(arguments.import_rows, prefix="IMP", procedures=procedures, seed=3)
        write_csv(path, import_rows)
        print("Floor: parse the CSV and COPY the same rows…", flush=True)
        floor_seconds, floor_dossiers, floor_events, floor_cpu = floor(path)
        floor_rate = floor_dossiers / floor_seconds
        results["floor"] = {"count": floor_dossiers, "events": floor_events, "seconds": floor_seconds, **floor_cpu}
        print(f"  floor: {floor_dossiers:,} dossiers, {floor_events:,} events in {floor_seconds:.1f} s "
              f"= {floor_rate:,.0f}/s", flush=True)  # fmt: skip
        print("Floor, committed in batches of 1,000 (foreign keys checked, as the endpoint must)…", flush=True)
        committed_seconds, committed_dossiers, _, committed_cpu = floor(path, committed=True)
        committed_rate = committed_dossiers / committed_seconds
        results["floor, committed"] = {"count": committed_dossiers, "seconds": committed_seconds, **committed_cpu}
        print(f"  floor, committed: {committed_dossiers:,} dossiers in {committed_seconds:.1f} s "
              f"= {committed_rate:,.0f}/s", flush=True)  # fmt: skip

        print("Bulk endpoint, new dossiers…", flush=True)
        new = [as_portal(row) for row in plan(arguments.new, prefix="NEW", procedures=procedures, seed=1)]
        post_batches(new, "bulk new")

        print("Bulk endpoint, updates…", flush=True)
        base = plan(arguments.updates, prefix="UPD", procedures=procedures, seed=2)
        post_batches(
            [
                as_portal(
                    {
                        key: value
                        for key, value in row.items()
                        if key in ("code", "procedure", "channel", "name", "received_at")
                    }
                )
                for row in base
            ],
            "updates: setup",
        )  # noqa: E501
        post_batches([as_portal(row) for row in base], "updates")

        print(f"import_dossiers of {arguments.import_rows:,} rows (own process)…", flush=True)
        meter = CpuMeter(database, children=True).start()
        started = time.perf_counter()
        environment = {**os.environ, "DATABASE_URL": arguments.database_url}
        environment.pop("REDIS_URL", None)
        completed = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "import_dossiers", str(path), "--verbosity", "0"],
            env=environment,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        elapsed = time.perf_counter() - started
        cpu = meter.stop()
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
        results["import"] = {"count": arguments.import_rows, "seconds": elapsed, "peak_mb": peak_mb, **cpu}
        print(f"  import: {arguments.import_rows:,} in {elapsed:.1f} s = {arguments.import_rows / elapsed:,.0f}/s, "
              f"peak memory {peak_mb:,.0f} MB", flush=True)  # fmt: skip

    print("Single receipts through POST /api/v1/dossiers/…", flush=True)
    statements = []
    started = time.perf_counter()
    for number in range(arguments.receipts):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                "/api/v1/dossiers/",
                json.dumps(
                    {
                        "procedure": procedures[number % len(procedures)],
                        "channel": "online",
                        "applicant_name": f"Trần Thị {number}",
                    }
                ),  # fmt: skip
                content_type="application/json",
            )
        assert response.status_code == 201, response.content[:500]
        statements.append(len(queries))
    elapsed = time.perf_counter() - started
    results["single receipts"] = {
        "count": arguments.receipts,
        "seconds": elapsed,
        "statements": sorted(statements)[len(statements) // 2],
    }
    print(f"  single receipts: {arguments.receipts} in {elapsed:.1f} s = {arguments.receipts / elapsed:,.0f}/s, "
          f"{results['single receipts']['statements']} statements each (median)", flush=True)  # fmt: skip

    def per_thousand(figures, key):
        return 1000 * figures[key] / figures["count"]

    def cpu_rate(figures):
        return per_thousand(figures, "python_cpu") + per_thousand(figures, "server_cpu")

    floor_cpu_rate = cpu_rate(results["floor"])
    committed_cpu_rate = cpu_rate(results["floor, committed"])
    print("\n| measure | dossiers | seconds | dossiers/s | ratio to the floor's rate (rolled back / committed) "
          "| CPU s per 1,000: Python + PostgreSQL | CPU ratio to the floor's (rolled back / committed) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in ("floor", "floor, committed", "bulk new", "updates", "import", "single receipts"):
        figures = results[name]
        rate = figures["count"] / figures["seconds"]
        cpu = "— | —"
        if "python_cpu" in figures and floor_cpu_rate and committed_cpu_rate:
            python, server = per_thousand(figures, "python_cpu"), per_thousand(figures, "server_cpu")
            cpu = (f"{python:.2f} + {server:.2f} | {(python + server) / floor_cpu_rate:.1f}× / "
                   f"{(python + server) / committed_cpu_rate:.1f}×")  # fmt: skip
        print(f"| {name} | {figures['count']:,} | {figures['seconds']:.1f} | {rate:,.0f} "
              f"| {floor_rate / rate:.1f}× / {committed_rate / rate:.1f}× | {cpu} |")  # fmt: skip
    print("\n" + json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
