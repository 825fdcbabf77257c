"""The change feed: oldest change first, a cursor that never skips nor repeats a change, the portal's
status codes, readers limited to their units, and, on PostgreSQL, concurrent writers whose
transactions commit out of order."""

import threading

import pytest
import time_machine

from dossiers import services
from dossiers.feed import Cursor, changes_page
from dossiers.models import Dossier
from dossiers.sync import sync_batch
from tests.factories import UserFactory, make_token
from tests.helpers import local
from units.access import FULL_ACCESS
from units.models import ApiToken

URL = "/api/v1/sync/dossiers/changes/"


def record(code, **overrides):
    values = {
        "code": code,
        "procedure": "1.004567",
        "channel": "online",
        "applicant_name": "Nguyễn Văn An",
        "applicant_phone": "0912345678",
        "received_at": "2025-11-03T10:00:00+07:00",
    }
    values.update(overrides)
    return values


def _token_options(**extra) -> dict:
    fields = {f.name for f in ApiToken._meta.get_fields()}
    options = {"all_units": True, "source_system": "mcdt-byt", **extra}
    if "scopes" in fields:
        options["scopes"] = ["dossiers:read", "sync"]
    else:
        options["can_write"] = True
    return options


@pytest.mark.django_db(transaction=True)
class TestFeed:
    """Transactional: each write commits on its own, as the feed's readers see writes in production."""

    @pytest.fixture(autouse=True)
    def _now(self):
        with time_machine.travel(local(2025, 11, 12, 9), tick=False):
            yield

    @pytest.fixture
    def api(self, api_client, procedure):
        _token, key = make_token(user=UserFactory(username="mcdt"), name="feed", **_token_options())
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
        return api_client

    def drain(self, api, cursor="", limit=2):
        seen = []
        while True:
            page = api.get(URL, {"cursor": cursor, "limit": limit}).json()
            seen += [(item["code"], item["version"]) for item in page["results"]]
            if not page["results"]:
                return seen, cursor
            cursor = page["next_cursor"]

    def test_changes_come_oldest_first_page_by_page_and_resume_from_the_cursor(self, api, officer_a):
        user = UserFactory(username="sender")
        sync_batch([record("A"), record("B"), record("C")], source="mcdt-byt", by=user)

        seen, cursor = self.drain(api)
        assert sorted(seen) == [("A", 1), ("B", 1), ("C", 1)]

        services.dossier_request_supplement(dossier=Dossier.objects.get(code="B"), by=officer_a, note="Thiếu bản sao")
        again, cursor = self.drain(api, cursor)
        assert again == [("B", 2)]
        assert self.drain(api, cursor)[0] == []

    def test_a_record_carries_the_sync_model_and_the_portal_status(self, api):
        sync_batch(
            [record("E", supplements=[{"requested_at": "2025-11-05T09:00:00+07:00", "note": "Bản sao"}], status=5)],
            source="mcdt-byt",
            by=UserFactory(username="sender"),
        )

        item = api.get(URL).json()["results"][0]

        assert (item["code"], item["status"], item["KenhThucHien"], item["procedure"]) == ("E", 5, 2, "1.004567")
        assert item["supplements"] == [
            {"requested_at": "2025-11-05T09:00:00+07:00", "note": "Bản sao", "received_at": None}
        ]
        assert item["appointment_date"] == "2025-11-10" and item["source_system"] == "mcdt-byt"

    def test_what_the_feed_returns_can_be_synchronised_back_unchanged(self, api):
        sync_batch([record("R")], source="mcdt-byt", by=UserFactory(username="sender"))
        item = api.get(URL).json()["results"][0]

        report = sync_batch([item], source="mcdt-byt", by=UserFactory(username="sender2"))

        assert report.results[0].outcome == "unchanged"

    def test_a_reader_sees_only_its_units_with_personal_data_masked(self, api_client, procedure, unit_b, head_a):
        sync_batch([record("H")], source="mcdt-byt", by=UserFactory(username="sender"))
        api_client.force_login(head_a)

        items = api_client.get(URL).json()["results"]
        assert [item["code"] for item in items] == ["H"]
        assert items[0]["applicant_phone"] != "0912345678"

        _token, key = make_token(
            user=UserFactory(username="b"), name="b", units=[unit_b], **_token_options(all_units=False)
        )
        api_client.logout()
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert api_client.get(URL).json()["results"] == []

    @pytest.mark.parametrize("cursor", ["x", "1-", "-1-2", "1-2-3", "9" * 30])
    def test_a_malformed_cursor_is_a_400(self, api, cursor):
        response = api.get(URL, {"cursor": cursor})

        assert response.status_code == 400 and "cursor" in response.json()["errors"]

    def test_pages_cost_a_fixed_number_of_queries(self, api, django_assert_max_num_queries):
        sync_batch([record(f"Q{n}") for n in range(30)], source="mcdt-byt", by=UserFactory(username="sender"))

        with django_assert_max_num_queries(8):
            assert api.get(URL, {"limit": 30}).json()["count"] == 30


FAILURES: list[BaseException] = []


def _sync_in_thread(codes, *, hold: threading.Event | None = None, started: threading.Event | None = None):
    """Run one bulk sync in its own connection; if ``hold`` is given, keep its transaction open until set."""
    from django.db import connection, transaction

    try:
        user = UserFactory(username=f"writer-{codes[0]}")
        with transaction.atomic():
            report = sync_batch([record(code) for code in codes], source="mcdt-byt", by=user)
            assert report.counts()["created"] == len(codes), [result.errors for result in report.results]
            if started is not None:
                started.set()
            if hold is not None:
                hold.wait(20)
    except BaseException as error:  # reported by the test, not lost in the thread
        FAILURES.append(error)
        raise
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestConcurrentWriters:
    @pytest.fixture(autouse=True)
    def _no_failures(self):
        FAILURES.clear()
        # Received ten days before "now", for every thread (time_machine travels process-wide).
        with time_machine.travel(local(2025, 11, 12, 9), tick=False):
            yield
        assert FAILURES == []

    def read_all(self, cursor):
        seen = []
        while True:
            dossiers, cursor = changes_page(access=FULL_ACCESS, cursor=cursor, limit=3)
            if not dossiers:
                return seen, cursor
            seen += [(dossier.code, dossier.event_count) for dossier in dossiers]

    def test_a_transaction_that_commits_after_a_younger_one_is_not_skipped(self, procedure):
        hold, started = threading.Event(), threading.Event()
        # The older transaction writes first (smaller ids and transaction id) and commits last.
        older = threading.Thread(
            target=_sync_in_thread, args=(["OLD-1", "OLD-2"],), kwargs={"hold": hold, "started": started}
        )
        older.start()
        assert started.wait(20)
        younger = threading.Thread(target=_sync_in_thread, args=(["NEW-1"],))
        younger.start()
        younger.join(20)

        seen, cursor = self.read_all(Cursor(0, 0))
        # The younger one has committed, but a reader may not pass the older one still in progress.
        assert seen == []
        hold.set()
        older.join(20)

        later, _cursor = self.read_all(cursor)
        assert sorted(later) == [("NEW-1", 1), ("OLD-1", 1), ("OLD-2", 1)]

    def test_many_writers_and_a_reader_see_every_change_once(self, procedure):
        seen, cursor = [], Cursor(0, 0)
        writers = [
            threading.Thread(target=_sync_in_thread, args=([f"W{writer}-{n}" for n in range(5)],))
            for writer in range(6)
        ]
        for writer in writers:
            writer.start()
        while any(writer.is_alive() for writer in writers):
            page, cursor = self.read_all(cursor)
            seen += page
        for writer in writers:
            writer.join(30)
        page, cursor = self.read_all(cursor)
        seen += page

        assert len(seen) == len(set(seen)) == 30
        assert set(seen) == set(Dossier.objects.values_list("code", "event_count"))
