"""Shared set-up for the benchmarks: a fresh PostgreSQL database with the demo catalogue and N
generated dossiers. Benchmarks measure; they are never part of the test suite."""

import datetime
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tthc_bench"


def prepare_database(url: str, *, fresh: bool) -> None:
    """Point Django at ``url`` (PostgreSQL only) and, with ``fresh``, recreate the database."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        sys.exit("The benchmarks need PostgreSQL: pass --database-url postgres://...")
    if fresh:
        import psycopg

        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    # A benchmark's own output is its figures: the INFO lines of every SMS and task it triggers
    # (thousands in the nightly's day of activity) would bury them.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@contextmanager
def timed(results: dict, name: str):
    started = time.perf_counter()
    yield
    results[name] = time.perf_counter() - started
    print(f"  {name}: {results[name]:.2f} s", flush=True)


def load(count: int, years: int, results: dict) -> tuple[datetime.date, datetime.date]:
    """Migrate, seed the catalogue, generate ``count`` dossiers over ``years``; returns the range."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from tqdm import tqdm

    from demo.generator import generate_dossiers

    with timed(results, "migrate and seed the catalogue"):
        call_command("migrate", verbosity=0)
        call_command("seed_demo", dossiers=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
    end = timezone.localdate()
    start = end.replace(year=end.year - years)
    with timed(results, f"generate {count:,} dossiers"), tqdm(total=count, unit="dossier") as bar:
        generate_dossiers(count=count, start=start, end=end, batch_size=20000, progress=bar.update)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return start, end
