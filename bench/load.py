"""Load test: N clients on loopback against gunicorn and a Celery worker, then consistency checks.

    .venv/bin/python bench/load.py --setup 50000          # once: a fresh bench database
    .venv/bin/python bench/load.py --clients 20 --seconds 60
    .venv/bin/python bench/load.py --clients 50 --seconds 60

``--setup N`` recreates the database (default ``bench_load``) with the demo catalogue and users,
N generated dossiers over a year and their rollups. A run then starts gunicorn (``--workers``
processes, on 127.0.0.1 only) and one Celery worker on that database and Redis, and lets
``--clients`` threads, each logged in as an officer (API token) and as the head of its unit and
the ministry office (session), repeat the mix below for ``--seconds``:

    receive 20 %  POST /api/v1/dossiers/ (the tracker numbers it)
    sync     7 %  POST /api/v1/dossiers/ with another system's code
    act     15 %  POST .../end/ or .../request-supplement/ on a dossier this client received
    list    25 %  GET /api/v1/dossiers/?unit=…&overdue=… (API) or /dossiers/ (page)
    detail  20 %  GET /api/v1/dossiers/{code}/
    dashboards 8 % GET /dashboards/units/{unit}/
    form06   5 %  GET /reports/form06/

It prints requests per second, p50/p95/max latency per kind and overall, and the 5xx count; then
checks PostgreSQL: no code twice, every dossier answered 201 is stored, and every dossier touched
has the state its events replay to (``dossiers.deadlines.derive_state``). Exit status 1 when a
check fails or a 5xx was answered. Bounded: at most 200 clients, 600 seconds, loopback only.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, load, prepare_database  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/bench_load"
PASSWORD = "tthc@2026"  # the demo users' password (seed_demo)
OFFICERS = {"QLD": "canbo.qld", "ATTP": "canbo.attp"}
HEADS = {"QLD": "truong.qld", "ATTP": "vanphong"}  # the head of QLD; ATTP's dashboard is read by the office
MIX = [("receive", 20), ("sync", 7), ("act", 15), ("list", 25), ("detail", 20), ("dashboards", 8), ("form06", 5)]


def wait_for(url: str, seconds: float) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not answer within {seconds:.0f} s")


def start_services(database_url: str, redis_url: str, port: int, workers: int) -> list[subprocess.Popen]:
    """gunicorn and one Celery worker, each in its own process group (stopped together at the end)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    web = subprocess.Popen(
        [python, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        + ["--timeout", "120", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "config", "worker", "--concurrency=1", "--loglevel=WARNING"]
        + ["-n", f"load-{uuid.uuid4().hex[:6]}@%h"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    return [web, worker]


def stop_services(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


class Client(threading.Thread):
    """One user at a desk: an officer's API token and a session for the pages, repeating the mix."""

    def __init__(self, number: int, base: str, unit: str, procedures: list[str], deadline: float, results):
        super().__init__(daemon=True)
        import requests

        self.number, self.base, self.unit, self.procedures = number, base, unit, procedures
        self.deadline, self.results = deadline, results
        self.random = random.Random(number)
        self.api = requests.Session()
        self.page = requests.Session()
        self.received: list[str] = []
        self.sync_seq = 0

    def login(self) -> None:
        answer = self.api.post(
            f"{self.base}/api/v1/auth/token/",
            json={"username": OFFICERS[self.unit], "password": PASSWORD, "name": f"load-{self.number}"},
        )
        answer.raise_for_status()
        self.api.headers["Authorization"] = f"Token {answer.json()['token']}"
        self.api.headers["Accept-Language"] = "en"
        reader = "vanphong" if self.number % 3 == 0 else HEADS[self.unit]
        self.page.get(f"{self.base}/accounts/login/")
        form = {"username": reader, "password": PASSWORD, "csrfmiddlewaretoken": self.page.cookies["csrftoken"]}
        answer = self.page.post(f"{self.base}/accounts/login/", data=form, headers={"Referer": self.base})
        if "sessionid" not in self.page.cookies:
            raise RuntimeError(f"client {self.number}: login as {reader} failed ({answer.status_code})")

    def call(self, kind: str, session, method: str, path: str, **kwargs):
        started = time.perf_counter()
        try:
            response = session.request(method, f"{self.base}{path}", timeout=60, **kwargs)
            status = response.status_code
        except Exception:  # noqa: BLE001 - a refused or broken connection counts as a server error
            response, status = None, 599
        self.results.record(kind, status, time.perf_counter() - started, response)
        return response

    def new_dossier(self, **extra) -> dict:
        return {
            "procedure": self.random.choice(self.procedures),
            "channel": self.random.choice(["online", "in_person", "postal"]),
            "applicant_name": f"Khách tải {self.number}",
            "applicant_phone": "0912345678",
            **extra,
        }

    def step(self, kind: str) -> None:
        if kind == "receive":
            answer = self.call(kind, self.api, "POST", "/api/v1/dossiers/", json=self.new_dossier())
            if answer is not None and answer.status_code == 201:
                self.received.append(answer.json()["code"])
        elif kind == "sync":
            self.sync_seq += 1
            code = f"H26.{self.number:03d}.{uuid.uuid4().hex[:8]}.{self.sync_seq}"
            answer = self.call(kind, self.api, "POST", "/api/v1/dossiers/", json=self.new_dossier(code=code))
            if answer is not None and answer.status_code == 201:
                self.received.append(answer.json()["code"])
        elif kind == "act":
            if not self.received:
                return self.step("receive")
            code = self.received.pop(self.random.randrange(len(self.received)))
            if self.random.random() < 0.7:
                self.call(kind, self.api, "POST", f"/api/v1/dossiers/{code}/end/", json={"outcome": "resolved"})
            else:
                note = {"note": "Bổ sung bản sao giấy phép"}
                self.call(kind, self.api, "POST", f"/api/v1/dossiers/{code}/request-supplement/", json=note)
        elif kind == "list":
            if self.random.random() < 0.6:
                query = {"unit": self.unit, "overdue": self.random.choice(["true", "false"]), "page_size": 50}
                self.call(kind, self.api, "GET", "/api/v1/dossiers/", params=query)
            else:
                self.call(kind, self.page, "GET", "/dossiers/", params={"unit": self.unit})
        elif kind == "detail":
            code = self.random.choice(self.results.known_codes[self.unit])
            self.call(kind, self.api, "GET", f"/api/v1/dossiers/{code}/")
        elif kind == "dashboards":
            self.call(kind, self.page, "GET", f"/dashboards/units/{self.unit}/")
        elif kind == "form06":
            self.call(kind, self.page, "GET", "/reports/form06/")
        return None

    def run(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < self.deadline:
            self.step(self.random.choices(kinds, weights)[0])


class Results:
    def __init__(self, known_codes: dict[str, list[str]]):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.created: list[str] = []
        self.errors: list[str] = []
        self.refusals: dict[str, str] = {}
        self.known_codes = known_codes

    def record(self, kind: str, status: int, seconds: float, response) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if status == 201 and response is not None:
                self.created.append(response.json()["code"])
            if 400 <= status < 500 and response is not None and len(self.refusals) < 10:
                self.refusals.setdefault(f"{kind} {status}", response.text[:300])
            if status >= 500 and len(self.errors) < 10:
                self.errors.append(f"{kind} {status}: {response.text[:300] if response is not None else 'no answer'}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def report(results: Results, seconds: float) -> int:
    every = [value for values in results.latencies.values() for value in values]
    server_errors = sum(count for statuses in results.statuses.values() for s, count in statuses.items() if s >= 500)
    print(f"\n{'kind':<11}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  statuses")
    for kind, _weight in MIX:
        values = results.latencies.get(kind)
        if not values:
            continue
        statuses = ", ".join(f"{status}×{count}" for status, count in sorted(results.statuses[kind].items()))
        print(
            f"{kind:<11}{len(values):>9}{percentile(values, 0.5) * 1000:>9.0f}"
            f"{percentile(values, 0.95) * 1000:>9.0f}{max(values) * 1000:>9.0f}  {statuses}"
        )
    print(
        f"{'all':<11}{len(every):>9}{percentile(every, 0.5) * 1000:>9.0f}"
        f"{percentile(every, 0.95) * 1000:>9.0f}{max(every) * 1000:>9.0f}"
    )
    print(f"\n{len(every) / seconds:.1f} requests/s over {seconds:.0f} s; 5xx: {server_errors}")
    for error in results.errors:
        print("  " + error)
    for kind, body in results.refusals.items():
        print(f"  first {kind}: {body}")
    return server_errors


def check_database(results: Results) -> list[str]:
    """No code twice, every 201 stored, every touched dossier's row equal to its events' replay."""
    from django.db.models import Count

    from dossiers.deadlines import derive_state
    from dossiers.models import Dossier, DossierEvent

    problems = []
    twice = list(Dossier.objects.values("code").annotate(n=Count("id")).filter(n__gt=1).values_list("code", flat=True))
    if twice:
        problems.append(f"codes stored twice: {twice[:10]}")
    created = set(results.created)
    stored = set(Dossier.objects.filter(code__in=created).values_list("code", flat=True))
    if created - stored:
        problems.append(f"{len(created - stored)} dossiers answered 201 are missing: {sorted(created - stored)[:10]}")
    if len(results.created) != len(created):
        problems.append(f"{len(results.created) - len(created)} codes were answered 201 twice")
    dossiers = Dossier.objects.filter(code__in=created)
    events = defaultdict(list)
    for event in DossierEvent.objects.filter(dossier__in=dossiers).order_by("dossier_id", "sequence"):
        events[event.dossier_id].append(event)
    fields = ("status", "appointment_date", "supplement_count", "ended_on", "outcome", "timeliness", "event_count")
    differing = []
    for dossier in dossiers:
        state = derive_state(events[dossier.pk], processing_days=dossier.processing_days)
        if any(getattr(state, name) != getattr(dossier, name) for name in fields):
            differing.append(dossier.code)
    if differing:
        problems.append(f"{len(differing)} dossiers differ from their events: {differing[:10]}")
    print(
        f"\nChecked {len(created)} dossiers created in the run: "
        f"{'no duplicate code, all stored, state = events' if not problems else 'PROBLEMS'}"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--setup", type=int, metavar="DOSSIERS", help="recreate the database with this many dossiers")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8790)
    arguments = parser.parse_args()
    if not 1 <= arguments.clients <= 200 or not 5 <= arguments.seconds <= 600:
        sys.exit("--clients must be 1–200 and --seconds 5–600")

    prepare_database(arguments.database_url, fresh=bool(arguments.setup))
    if arguments.setup:
        from stats.rollups import stats_backfill

        start, end = load(arguments.setup, 1, {})
        stats_backfill(date_from=start, date_to=end)
        print(f"Set up {arguments.setup:,} dossiers with their statistics in {arguments.database_url}")
        return 0

    from django.utils import timezone

    from dossiers.models import Dossier
    from procedures.choices import ChangeKind
    from procedures.models import Procedure

    today = timezone.localdate()
    in_force = Procedure.objects.in_force_on(today).exclude(versions__change_kind=ChangeKind.ABOLISHED)
    procedures = {unit: list(in_force.filter(unit__code=unit).values_list("code", flat=True)) for unit in OFFICERS}
    known = {
        unit: list(Dossier.objects.filter(unit__code=unit).values_list("code", flat=True)[:2000]) for unit in OFFICERS
    }
    base = f"http://127.0.0.1:{arguments.port}"
    processes = start_services(arguments.database_url, arguments.redis_url, arguments.port, arguments.workers)
    try:
        wait_for(f"{base}/accounts/login/", 60)
        results = Results(known)
        clients = []
        for number in range(arguments.clients):
            unit = list(OFFICERS)[number % len(OFFICERS)]
            clients.append(Client(number, base, unit, procedures[unit], 0.0, results))
        for client in clients:
            client.login()
        started = time.monotonic()
        for client in clients:
            client.deadline = started + arguments.seconds
            client.start()
        for client in clients:
            client.join()
        elapsed = time.monotonic() - started
    finally:
        stop_services(processes)
    server_errors = report(results, elapsed)
    problems = check_database(results)
    for problem in problems:
        print("  " + problem)
    return 1 if problems or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
