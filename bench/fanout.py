"""Benchmark of a statistics backfill fanned out over 1 and 2 Celery worker processes.

    .venv/bin/python bench/fanout.py --reuse --database-url URL [--days 90] [--workers 1 2] [--groups 1 2]
    .venv/bin/python bench/fanout.py --dossiers 200000 --database-url URL   # load first (bench/common.py)

Needs PostgreSQL and Redis (``--redis-url``, database 7 by default). For each number of unit
groups and each number of workers, it starts that many real ``celery worker --pool=solo``
processes on a queue of their own (as N machines would run one each), records a backfill run of
the last ``days`` days before today, sends its chunks as one Celery group
(``stats.tasks.send_stats_run``) and measures the wall time from sending to the run's success,
read from the database. Before the first, it measures the same days computed in this process:
``rollup_days`` (one chunk after the other, each continuing the stocks of the one before) and
``stats_backfill`` (the run's independent chunks, one after the other). Each figure is the faster
of two tries; the rows every way writes are compared (they must be equal).
"""

import argparse
import datetime
import hashlib
import os
import platform
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_URL, ROOT, load, prepare_database  # noqa: E402


def digest(connection, start, end) -> str:
    """A fingerprint of every rollup row of [start, end]."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM ("
            "SELECT day, unit_id, procedure_id, field_id, received_online, received_in_person, ended_on_time,"
            " ended_late, open_within_deadline, open_overdue FROM stats_dailystat"
            " WHERE day BETWEEN %s AND %s) AS t",
            [start, end],
        )
        return cursor.fetchone()[0] or hashlib.md5(b"").hexdigest()


def start_workers(count: int, *, database_url: str, redis_url: str, log: Path) -> tuple[str, list[subprocess.Popen]]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "-n",
             f"{uuid.uuid4().hex[:6]}@%h", "--loglevel=WARNING"],
            cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT,
        )
        for _ in range(count)
    ]  # fmt: skip
    return queue, processes


def wait_ready(app, queue: str, count: int, seconds: float = 120) -> None:
    """Until ``count`` workers answer a ping (they consume the queue from then on)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        names = [name for reply in replies for name in reply]
        active = app.control.inspect(destination=names, timeout=1.0).active_queues() or {}
        if sum(1 for queues in active.values() if any(q["name"] == queue for q in queues)) >= count:
            return
        time.sleep(0.5)
    sys.exit(f"{count} workers on {queue} did not start within {seconds} s")


def stop(processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--reuse", action="store_true", help="measure the database as it is, without loading")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--groups", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()

    prepare_database(arguments.database_url, fresh=not arguments.reuse)
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from config.celery_app import app
    from dossiers.models import Dossier
    from stats import rollups, tasks
    from stats.choices import StatsRunStatus
    from stats.models import StatsRun

    results: dict[str, float] = {}
    if not arguments.reuse:
        print(f"Loading {arguments.dossiers:,} dossiers over {arguments.years} years into PostgreSQL…")
        load(arguments.dossiers, arguments.years, results)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    today = timezone.localdate()
    end = today - datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=arguments.days - 1)
    dossiers = Dossier.objects.count()
    print(f"{dossiers:,} dossiers; backfill of {start} – {end} ({arguments.days} days)")

    def best_of_two(name, action):
        times = []
        for _ in range(2):
            began = time.perf_counter()
            action()
            times.append(time.perf_counter() - began)
        results[name] = min(times)
        print(f"  {name}: {results[name]:.2f} s (tries: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
        return digest(connection, start, end)

    reference = best_of_two("in process, rollup_days (chunks in sequence)", lambda: rollups.rollup_days(start, end))
    mismatches = []
    for groups in arguments.groups:
        settings.STATS_UNIT_GROUPS = groups
        name = f"in process, stats_backfill ({groups} unit group{'s' if groups > 1 else ''})"
        if best_of_two(name, lambda: rollups.stats_backfill(date_from=start, date_to=end)) != reference:
            mismatches.append(name)

    app.conf.broker_url = arguments.redis_url
    app.conf.task_always_eager = False
    log = Path("/tmp") / f"bench-fanout-{os.getpid()}.log"
    chunk_stats = {}

    def fanned_out(queue: str, key: tuple[int, int]) -> None:
        run = rollups.run_queue_backfill(date_from=start, date_to=end)
        assert tasks.send_stats_run(run, queue=queue)
        while True:
            state = StatsRun.objects.get(pk=run.pk)
            if state.status == StatsRunStatus.SUCCEEDED:
                break
            if state.status == StatsRunStatus.FAILED:
                sys.exit(f"run {run.pk} failed: {state.error}")
            time.sleep(0.05)
        chunks = list(state.chunks.all())
        seconds = [(c.finished_at - c.started_at).total_seconds() for c in chunks]
        chunk_stats[key] = (len(chunks), len({c.worker for c in chunks}), max(seconds), sum(seconds))

    for groups in arguments.groups:
        settings.STATS_UNIT_GROUPS = groups
        for workers in arguments.workers:
            queue, processes = start_workers(
                workers, database_url=arguments.database_url, redis_url=arguments.redis_url, log=log
            )
            try:
                wait_ready(app, queue, workers)
                name = f"{workers} worker{'s' if workers > 1 else ''}, {groups} unit group{'s' if groups > 1 else ''}"
                key = (groups, workers)
                if best_of_two(name, lambda q=queue, k=key: fanned_out(q, k)) != reference:
                    mismatches.append(name)
                count, used, longest, total = chunk_stats[key]
                print(
                    f"    last try: {count} chunks, computed by {used} worker(s), longest chunk {longest:.2f} s,"
                    f" chunks' own time {total:.2f} s"
                )
            finally:
                stop(processes)
    print()
    now = datetime.datetime.now(datetime.UTC)
    print(f"machine: {platform.node()}, load average {os.getloadavg()}, {now:%d/%m/%Y %H:%M} UTC")
    print("| way | seconds |")
    print("|---|---:|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds:.2f} |")
    if mismatches:
        sys.exit(f"rows differ from rollup_days: {mismatches}")
    print("every way wrote the same rows as rollup_days")


if __name__ == "__main__":
    main()
