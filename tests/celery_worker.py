"""A real Celery worker for the tests that must prove a task travels through Redis."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app

ROOT = Path(__file__).resolve().parent.parent


class RealWorker:
    def __init__(self, queue: str, process: subprocess.Popen, name: str):
        self.queue = queue
        self.process = process
        self.name = name  # its node name is "<name>@<host>" (the hostname a task's request carries)

    def pool_pids(self) -> list[int]:
        """The worker's child processes (its prefork pool), from /proc (Linux)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def wait_for(self, condition: Callable[[], object], *, seconds: float = 90):
        """Poll ``condition`` until it returns something truthy; fail if the worker dies or is slow."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            assert self.process.poll() is None, self.process.stdout.read()
            time.sleep(0.5)
        pytest.fail(f"the worker did not finish the task in {seconds} seconds")


@contextmanager
def real_worker(
    *, queue: str | None = None, env: dict[str, str] | None = None, pool: str = "solo"
) -> Iterator[RealWorker]:
    """A worker on a queue of its own, connected to this test's (committed) PostgreSQL database.

    Tasks sent with ``apply_async(queue=worker.queue)`` go through Redis to it; eager execution is
    switched off meanwhile. Two workers given the same ``queue`` share its tasks; ``env`` adds
    environment variables (settings) for the worker process. ``pool="prefork"`` runs the task in one
    child process (``RealWorker.pool_pids``) instead of the worker's own.
    """
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    name = uuid.uuid4().hex[:8]
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{settings_dict['NAME']}"
    )
    env = {**os.environ, **(env or {}), "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "--loglevel=INFO",
            "-n",
            f"{name}@%h",  # two workers on one machine need two names
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    app.conf.task_always_eager = False
    try:
        yield RealWorker(queue, process, name)
    finally:
        app.conf.task_always_eager = True
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
