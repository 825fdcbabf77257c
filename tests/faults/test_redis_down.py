"""Fault test (issue 14, item 2): Redis stopped under a running site.

A private redis-server (its own port) is the cache and the Celery broker. It is stopped while
officers work: every page and API call still answers (the calendar keeps its in-process copy,
the cache answers as empty), a receipt and an end are recorded with their messages kept in the
outbox, and a recompute asked for on the runs page waits as a run. Once Redis is back, the sweeps
send the messages and compute the run: nothing was lost.
"""

import datetime
import shutil
import subprocess
import time

import pytest
import redis
from django.core.cache import caches
from django.db.models import F
from django.test import override_settings

from config.celery_app import app
from dossiers.models import Dossier
from notifications import services as outbox
from notifications.choices import MessageStatus
from notifications.models import Message
from stats import tasks as stats_tasks
from stats.choices import StatsRunStatus
from stats.models import StatsRun
from workdays import calendar

PORT = 6391  # this test's own redis-server (6390–6399 are kept for fault tests)
URL = f"redis://127.0.0.1:{PORT}/0"
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class PrivateRedis:
    """A redis-server on ``PORT`` that the test starts and stops."""

    def __init__(self):
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(PORT), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        probe = redis.Redis(port=PORT, socket_connect_timeout=0.5)
        for _ in range(50):
            try:
                if probe.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"redis-server did not start on port {PORT}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def reconnect_celery():
    """Drop the app's broker connections, so the next message uses ``app.conf.broker_url`` as it is now."""
    app.close()
    app.amqp._producer_pool = None


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on the PATH")
    server = PrivateRedis()
    server.start()
    cache_setting = {"default": {"BACKEND": "config.cache.DegradingRedisCache", "LOCATION": URL}}
    previous = (app.conf.broker_url, app.conf.task_always_eager)
    with override_settings(CACHES=cache_setting):
        app.conf.broker_url, app.conf.task_always_eager = URL, False
        reconnect_celery()
        try:
            yield server
        finally:
            app.conf.broker_url, app.conf.task_always_eager = previous
            reconnect_celery()
            caches["default"].close()
            server.stop()


def new_dossier(**overrides):
    return {
        "procedure": "1.004567",
        "channel": "online",
        "applicant_name": "Nguyễn Văn An",
        "applicant_email": "an@example.vn",
        **overrides,
    }


def test_pages_answer_and_nothing_is_lost_while_redis_is_stopped(
    private_redis, client_for, client, procedure, officer_a, head_a, office_staff
):
    api = client_for(officer_a)
    assert api.post("/api/v1/dossiers/", new_dossier()).status_code == 201
    first = Dossier.objects.get()

    private_redis.stop()
    calendar._checked_at = 0.0  # the next calendar use asks the cache for its version
    started = time.monotonic()
    # The API: list with filters, receive, end.
    assert api.get("/api/v1/dossiers/", {"unit": "QLD", "overdue": "true"}).status_code == 200
    received = api.post("/api/v1/dossiers/", new_dossier(applicant_name="Trần Thị Bình"))
    assert received.status_code == 201, received.content
    ended = api.post(f"/api/v1/dossiers/{first.code}/end/", {"outcome": "resolved", "note": "Đã cấp phép"})
    assert ended.status_code == 200, ended.content
    # The pages: the list, a detail, a dashboard, the report, the runs page and its recompute.
    client.force_login(officer_a)
    assert client.get("/dossiers/").status_code == 200
    assert client.get(f"/dossiers/{first.code}/").status_code == 200
    client.force_login(head_a)
    assert client.get("/dashboards/units/QLD/").status_code == 200
    client.force_login(office_staff)
    assert client.get("/reports/form06/").status_code == 200
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    recompute = client.post("/reports/runs/", {"date_from": str(yesterday), "date_to": str(yesterday)})
    assert recompute.status_code == 302
    runs_page = client.get("/reports/runs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "hàng đợi tác vụ hiện không phản hồi" in runs_page or "task queue is not answering" in runs_page
    # Every call failed fast on the refused connection (no timeouts piling up).
    assert time.monotonic() - started < 30

    # Nothing lost: both dossiers, their three messages waiting in the outbox, the run waiting.
    assert Dossier.objects.count() == 2
    waiting = Message.objects.exclude(status=MessageStatus.SENT)
    assert waiting.count() == Message.objects.count() == 3
    run = StatsRun.objects.get()
    assert run.status == StatsRunStatus.QUEUED

    # Redis is back: the sweeps (run here, eagerly) send the messages and compute the run.
    private_redis.start()
    app.conf.task_always_eager = True
    Message.objects.update(next_attempt_at=F("created_at"))
    outbox.messages_deliver_due()
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    StatsRun.objects.update(started_at=F("started_at") - datetime.timedelta(minutes=2))
    assert stats_tasks.sweep_stats_runs()["sent"] == 1
    assert StatsRun.objects.get().status == StatsRunStatus.SUCCEEDED
