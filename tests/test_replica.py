"""Reads from a streaming replica (config/replica.py, docs/scaling.md "Read replica").

The first tests check the decisions on their own and run anywhere. The ones marked ``replica``
run against a real PostgreSQL hot standby (``.ci/replica start``; CI sets DATABASE_REPLICA_URL):
they commit on the primary (``transaction=True``), and where a test must tell the two databases
apart by what a user sees, it pauses the standby's replay so that it is behind for certain.
"""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from rest_framework.test import APIClient

from config import replica
from dossiers.models import Dossier
from tests.factories import UserFactory, make_token
from units.models import ApiToken, Unit

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "replica-tests"}}


def routed_request(method, path, **extra):
    request = getattr(RequestFactory(), method.lower())(path, **extra)
    request.resolver_match = resolve(path)
    return request


class TestWhichRequestsReadTheReplica:
    @pytest.mark.parametrize(
        "path",
        ["/reports/form06/", "/reports/index766/", "/reports/runs/", "/dashboards/ministry/", "/", "/api/v1/dossiers/"],
    )
    def test_reports_dashboards_home_and_api_reads_may(self, path):
        assert replica.request_reads_replica(routed_request("GET", path))

    @pytest.mark.parametrize("path", ["/reports/form06/", "/api/v1/dossiers/"])
    def test_a_write_never_does(self, path):
        assert not replica.request_reads_replica(routed_request("POST", path))

    @pytest.mark.parametrize("path", ["/dossiers/", "/procedures/", "/api/v1/sync/dossiers/changes/"])
    def test_working_pages_and_the_change_feed_read_the_primary(self, path):
        assert not replica.request_reads_replica(routed_request("GET", path))


class TestRouter:
    router = replica.PrimaryReplicaRouter()

    def test_outside_a_request_sent_to_the_replica_everything_is_on_the_primary(self):
        assert self.router.db_for_read(Dossier) == "default"
        assert self.router.db_for_write(Dossier) == "default"

    @pytest.mark.django_db(transaction=True)
    def test_in_such_a_request_only_shared_tables_outside_a_transaction_are_read_there(self, django_user_model):
        token = replica._reads_on.set(replica.REPLICA_DB_ALIAS)
        try:
            assert self.router.db_for_read(Dossier) == "replica"
            assert self.router.db_for_read(Unit) == "replica"
            # Logins, sessions and tokens: a revoked token must stop working at once.
            assert self.router.db_for_read(django_user_model) == "default"
            assert self.router.db_for_read(ApiToken) == "default"
            assert self.router.db_for_write(Dossier) == "default"
            with transaction.atomic():
                assert self.router.db_for_read(Dossier) == "default"
        finally:
            replica._reads_on.reset(token)

    def test_migrations_run_on_the_primary_only(self):
        assert self.router.allow_migrate("default", "dossiers")
        assert not self.router.allow_migrate("replica", "dossiers")


@pytest.mark.django_db
class TestWhoWroteStaysOnThePrimary:
    @pytest.fixture(autouse=True)
    def _local_cache(self, settings):
        settings.CACHES = LOCAL_CACHE
        settings.TTHC_REPLICA_STICKY_SECONDS = 10

    def request_by(self, user=None, **extra):
        request = routed_request("GET", "/reports/form06/", **extra)
        request.user = user or AnonymousUser()
        return request

    def test_a_user_who_wrote_is_pinned_and_another_is_not(self):
        writer, other = UserFactory(username="writer"), UserFactory(username="other")
        replica.pin_to_primary(self.request_by(writer), response=_Response())
        assert replica.is_pinned_to_primary(self.request_by(writer))
        assert not replica.is_pinned_to_primary(self.request_by(other))

    def test_a_token_that_wrote_is_pinned_before_it_is_even_authenticated(self):
        replica.pin_to_primary(self.request_by(HTTP_AUTHORIZATION="Token abc"), response=_Response())
        assert replica.is_pinned_to_primary(self.request_by(HTTP_AUTHORIZATION="Token abc"))
        assert not replica.is_pinned_to_primary(self.request_by(HTTP_AUTHORIZATION="Token xyz"))

    def test_the_browser_that_wrote_is_pinned_by_its_cookie_even_without_the_cache(self):
        response = _Response()
        replica.pin_to_primary(self.request_by(), response=response)
        cookie = response.cookies[replica.PIN_COOKIE]
        assert cookie["max-age"] == 10 and cookie["httponly"]
        request = self.request_by()
        request.COOKIES[replica.PIN_COOKIE] = cookie.value
        assert replica.is_pinned_to_primary(request)
        assert not replica.is_pinned_to_primary(self.request_by())

    def test_a_window_of_zero_pins_nobody(self, settings):
        settings.TTHC_REPLICA_STICKY_SECONDS = 0
        writer = UserFactory(username="writer")
        replica.pin_to_primary(self.request_by(writer), response=_Response())
        assert not replica.is_pinned_to_primary(self.request_by(writer))


class _Response:
    """Just enough of an HttpResponse to receive the pin cookie."""

    def __init__(self):
        from django.http import HttpResponse

        self._real = HttpResponse()
        self.cookies = self._real.cookies

    def set_signed_cookie(self, *args, **kwargs):
        self._real.set_signed_cookie(*args, **kwargs)


# --- Against a real streaming replica --------------------------------------------------------

on_the_replica = [
    pytest.mark.replica,
    pytest.mark.postgres,
    # Without a replica these tests skip (conftest.py) before they could use the alias.
    pytest.mark.django_db(transaction=True, databases=["default", "replica"] if replica.replica_configured() else None),
]


def wait_for_replica(timeout=20.0):
    """Return once the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
                if cursor.fetchone()[0]:
                    return
        except OperationalError:
            # The test database may not be on the replica yet (CREATE DATABASE still replaying).
            connections["replica"].close()
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not replay up to {target} within {timeout}s")
        time.sleep(0.05)


class replay_paused:
    """While inside, the replica receives WAL but applies none: it is behind for certain."""

    def __enter__(self):
        wait_for_replica()
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
            for _ in range(200):
                cursor.execute("SELECT pg_get_wal_replay_pause_state()")
                if cursor.fetchone()[0] == "paused":
                    return self
                time.sleep(0.05)
        raise AssertionError("the replica's replay did not pause")

    def __exit__(self, *exc):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")


def logged_in(user):
    client = APIClient()
    client.force_login(user)
    return client


def captured(client_call):
    """(response, queries on the primary, queries on the replica) of one request."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as standby,
    ):
        response = client_call()
    return response, [q["sql"] for q in primary.captured_queries], [q["sql"] for q in standby.captured_queries]


def listed_codes(response):
    assert response.status_code == 200, response.content[:500]
    return {row["code"] for row in response.json()["results"]}


NEW_DOSSIER = {
    "procedure": "1.004567",
    "channel": "online",
    "applicant_name": "Nguyễn Văn An",
    "applicant_id_number": "001085012345",
    "applicant_phone": "0912345678",
}


class TestOnAStreamingReplica:
    pytestmark = on_the_replica

    def test_the_replica_is_a_standby_that_streams_the_primarys_writes(self, unit_a):
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            assert cursor.fetchone()[0] is True
        Unit.objects.filter(pk=unit_a.pk).update(name_en="Drug Administration (renamed)")
        wait_for_replica()
        assert Unit.objects.using("replica").get(pk=unit_a.pk).name_en == "Drug Administration (renamed)"

    def test_form06_reads_its_figures_from_the_replica(self, office_staff):
        client = logged_in(office_staff)
        wait_for_replica()
        response, on_primary, on_replica = captured(lambda: client.get("/reports/form06/"))
        assert response.status_code == 200
        assert any("stats_" in sql for sql in on_replica), on_replica
        assert not any("stats_" in sql for sql in on_primary), on_primary

    def test_who_posted_reads_their_dossier_from_the_primary_and_a_colleague_not_yet(
        self, officer_a, head_a, procedure
    ):
        writer, colleague = logged_in(officer_a), logged_in(head_a)
        with replay_paused():
            created = writer.post("/api/v1/dossiers/", NEW_DOSSIER)
            assert created.status_code == 201, created.json()
            code = created.json()["code"]

            mine, on_primary, on_replica = captured(lambda: writer.get("/api/v1/dossiers/"))
            assert code in listed_codes(mine)
            assert on_primary and not on_replica

            theirs, on_primary, on_replica = captured(lambda: colleague.get("/api/v1/dossiers/"))
            assert code not in listed_codes(theirs)
            assert any("dossiers_dossier" in sql for sql in on_replica)
        wait_for_replica()
        assert code in listed_codes(colleague.get("/api/v1/dossiers/"))

    def test_a_token_that_posted_reads_the_primary(self, officer_a, procedure):
        _token, key = make_token(user=officer_a, inherit_user_scope=True)
        integration = APIClient()
        integration.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        with replay_paused():
            created = integration.post("/api/v1/dossiers/", NEW_DOSSIER)
            assert created.status_code == 201, created.json()
            listed, _on_primary, on_replica = captured(lambda: integration.get("/api/v1/dossiers/"))
            assert created.json()["code"] in listed_codes(listed)
            assert not on_replica

    def test_after_the_window_the_writer_reads_the_replica_again(self, settings, officer_a, procedure):
        settings.TTHC_REPLICA_STICKY_SECONDS = 1
        writer = logged_in(officer_a)
        assert writer.post("/api/v1/dossiers/", NEW_DOSSIER).status_code == 201
        time.sleep(2.1)
        wait_for_replica()
        _response, _on_primary, on_replica = captured(lambda: writer.get("/api/v1/dossiers/"))
        assert any("dossiers_dossier" in sql for sql in on_replica)
