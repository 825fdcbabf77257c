"""The bulk synchronisation endpoint as a one-stop system uses it: every record outcome, repeated and
out-of-order deliveries, the portal's codes both ways, ownership by source system, and a fixed
number of statements per batch.

"Now" is Wednesday 12 November 2025, 09:00 in Hanoi.
"""

import datetime

import pytest
import time_machine

from dossiers import services
from dossiers.choices import Channel, EventKind, Outcome, Status, Timeliness
from dossiers.models import Dossier, DossierEvent, StateInterval
from dossiers.sync import MAX_RECORDS, parse_when, portal_status, sync_batch
from tests.factories import UserFactory, make_token
from tests.helpers import local
from units.models import ApiToken
from workdays.calendar import out_of_range_message

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/dossiers/"
D = datetime.date


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


def _token_options(source: str, **extra) -> dict:
    fields = {f.name for f in ApiToken._meta.get_fields()}
    options = {"all_units": True, "source_system": source, **extra}
    if "scopes" in fields:
        options["scopes"] = ["dossiers:read", "sync"]
    else:
        options["can_write"] = True
    return options


@pytest.fixture
def sync_user():
    return UserFactory(username="mcdt")


@pytest.fixture
def api(api_client, sync_user, procedure):
    _token, key = make_token(user=sync_user, name="one-stop", **_token_options("mcdt-byt"))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def portal_record(code="HCM-2511-0001", **overrides):
    """A dossier in the portal's vocabulary: received Mon 3 Nov 10:00, 5 working days → due Mon 10 Nov."""
    record = {
        "MaHoSo": code,
        "MaTTHC": "1.004567",
        "KenhThucHien": "2",
        "ChuHoSo": "Nguyễn Văn An",
        "LoaiDoiTuong": "1",
        "SoDienThoaiChuHoSo": "0912345678",
        "TrangThaiHoSo": "4",
        "NgayTiepNhan": "20251103100000",
        "DuocThanhToanTrucTuyen": "1",
    }
    record.update(overrides)
    return record


def ended_record(code="HCM-2511-0001", **overrides):
    """Supplement asked Wed 5 Nov, arrived Thu 6 Nov (due moves a day to Tue 11 Nov), ended Fri 7 Nov."""
    values = {
        "TrangThaiHoSo": "9",
        "DanhSachHoSoBoSung": [
            {"NgayBoSung": "20251105090000", "NgayTiepNhanBoSung": "20251106090000", "NoiDungBoSung": "Bản sao CCCD"}
        ],
        "NgayKetThucXuLy": "20251107150000",
    }
    return portal_record(code, **{**values, **overrides})


def post(api, records):
    return api.post(URL, records, format="json")


def outcomes(response):
    return [result["outcome"] for result in response.json()["results"]]


class TestCreated:
    def test_a_portal_record_becomes_a_dossier_with_each_step_at_its_own_time(self, api):
        response = post(api, [ended_record()])

        assert response.status_code == 200, response.content
        result = response.json()["results"][0]
        assert result["outcome"] == "created" and result["status"] == 201
        assert result["TrangThaiHoSo"] == 9
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        assert dossier.channel == Channel.ONLINE
        assert dossier.fee_paid_online is True
        assert dossier.source_system == "mcdt-byt"
        assert dossier.synced_at == local(2025, 11, 12, 9)
        # The supplement paused one working day: due Tue 11 Nov; ended Fri 7 Nov → early.
        assert dossier.appointment_date == D(2025, 11, 11)
        assert dossier.status == Status.ENDED and dossier.outcome == Outcome.RESOLVED
        assert dossier.timeliness == Timeliness.EARLY
        events = list(dossier.events.order_by("sequence"))
        assert [(event.kind, event.on) for event in events] == [
            (EventKind.RECEIVED, D(2025, 11, 3)),
            (EventKind.SUPPLEMENT_REQUESTED, D(2025, 11, 5)),
            (EventKind.SUPPLEMENT_RECEIVED, D(2025, 11, 6)),
            (EventKind.ENDED, D(2025, 11, 7)),
        ]
        # Each event records the dates it fixed, as those received here do.
        assert events[0].data["appointment_date"] == "2025-11-10"
        assert events[2].data["appointment_date"] == "2025-11-11"

    def test_our_own_field_names_work_too(self, api):
        record = {
            "code": "HCM-2511-0002",
            "procedure": "1.004567",
            "channel": "in_person",
            "applicant_name": "Công ty TNHH Minh Long",
            "applicant_kind": "organisation",
            "received_at": "2025-11-03T16:30:00+07:00",
            "reappointments": [
                {"at": "2025-11-05T10:00:00+07:00", "new_date": "2025-11-14", "reason": "Chờ thẩm định"}
            ],
            "status": 4,
        }
        response = post(api, [record])

        assert outcomes(response) == ["created"], response.json()
        dossier = Dossier.objects.get(code="HCM-2511-0002")
        # Received after the 15:00 cut-off: counted from Tue 4 Nov, due Tue 11 Nov.
        assert dossier.appointment_date == D(2025, 11, 11)
        assert dossier.reappointed_date == D(2025, 11, 14)
        assert dossier.status == Status.PROCESSING

    def test_intervals_are_written_for_the_past_days_statistics(self, api):
        post(api, [ended_record()])

        dossier = Dossier.objects.get(code="HCM-2511-0001")
        rows = list(StateInterval.objects.filter(dossier=dossier).values_list("starts_on", "ends_on"))
        assert rows[0][0] == D(2025, 11, 3) and rows[-1][1] == D(2025, 11, 7)


class TestRepeatedAndOutOfOrder:
    def test_the_same_record_twice_is_unchanged_and_writes_nothing(self, api):
        post(api, [ended_record()])
        events = DossierEvent.objects.count()

        response = post(api, [ended_record()])

        assert outcomes(response) == ["unchanged"]
        assert DossierEvent.objects.count() == events

    def test_a_newer_snapshot_appends_the_missing_steps(self, api):
        post(api, [portal_record()])

        response = post(api, [ended_record()])

        assert outcomes(response) == ["updated"]
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        assert dossier.event_count == 4 and dossier.timeliness == Timeliness.EARLY

    def test_an_older_snapshot_after_a_newer_one_is_stale(self, api):
        post(api, [ended_record()])
        before = Dossier.objects.values().get(code="HCM-2511-0001")

        response = post(api, [portal_record()])

        assert outcomes(response) == ["stale"]
        assert Dossier.objects.values().get(code="HCM-2511-0001") == before

    def test_an_earlier_snapshot_time_is_stale_even_with_the_same_steps(self, api):
        post(api, [portal_record(snapshot_at="2025-11-10T08:00:00+07:00", ChuHoSo="Nguyễn Văn Bình")])

        response = post(api, [portal_record(snapshot_at="2025-11-09T08:00:00+07:00")])

        assert outcomes(response) == ["stale"]
        assert Dossier.objects.get(code="HCM-2511-0001").applicant_name == "Nguyễn Văn Bình"

    def test_a_corrected_phone_number_updates_the_dossier_without_a_step(self, api):
        post(api, [portal_record()])

        response = post(api, [portal_record(SoDienThoaiChuHoSo="0987654321")])

        assert outcomes(response) == ["updated"]
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        assert dossier.applicant_phone == "0987654321" and dossier.event_count == 1


class TestRejected:
    def test_one_bad_record_never_fails_the_others(self, api):
        response = post(
            api,
            [
                portal_record("A-1"),
                portal_record("A-2", MaTTHC="9.999999"),
                portal_record("A-3", NgayTiepNhan="31/02/2025 10:00"),
                portal_record("A-4"),
            ],
        )

        assert response.status_code == 200
        assert outcomes(response) == ["created", "rejected", "rejected", "created"]
        results = response.json()["results"]
        assert (
            results[1]["status"] == 400
            and "No procedure has the national code 9.999999." in results[1]["errors"]["procedure"]
        )
        assert "received_at" in results[2]["errors"]
        assert set(Dossier.objects.values_list("code", flat=True)) == {"A-1", "A-4"}

    def test_an_end_before_the_last_step_rejects_the_record_and_writes_nothing(self, api):
        post(api, [portal_record(DanhSachHoSoBoSung=[{"NgayBoSung": "20251105090000"}], TrangThaiHoSo="5")])
        events = DossierEvent.objects.count()

        response = post(
            api,
            [
                portal_record(
                    DanhSachHoSoBoSung=[{"NgayBoSung": "20251105090000"}],
                    TrangThaiHoSo="9",
                    NgayKetThucXuLy="20251104090000",
                )
            ],
        )

        result = response.json()["results"][0]
        assert result["outcome"] == "rejected"
        assert "ended_at" in result["errors"] or "supplements[0].requested_at" in result["errors"]
        assert DossierEvent.objects.count() == events

    def test_a_status_that_skips_to_returned_without_an_end_is_rejected(self, api):
        response = post(api, [portal_record(TrangThaiHoSo="10", NgayTra="20251107100000")])

        result = response.json()["results"][0]
        assert result["outcome"] == "rejected"
        assert "Status 10 (result returned) needs the end of processing" in result["errors"]["status"][0]
        assert not Dossier.objects.exists()

    def test_status_10_with_dates_out_of_range_names_only_the_dates(self, api):
        # The end and the return were sent, in 2099: each is refused for its year, and the status
        # is not also said to lack them (that told the sender to add columns it had filled in).
        response = post(
            api, [portal_record(TrangThaiHoSo="10", NgayKetThucXuLy="20990107150000", NgayTra="20990110090000")]
        )

        errors = response.json()["results"][0]["errors"]
        assert len(errors["ended_at"]) == 1 and "2098" in errors["ended_at"][0]
        assert errors["returned_at"] == errors["ended_at"]
        assert "status" not in errors

    def test_a_day_out_of_range_or_unreadable_is_told_so_with_the_value_as_sent(self, api):
        # NgayHenTra in 2099 is a date: it was refused as "“20990111” is not a date; use
        # 2025-11-10 or 10/11/2025", the value cut to 8 digits and the reason left out.
        response = post(
            api,
            [
                portal_record("HCM-2511-0001", NgayHenTra="20990111170000"),
                portal_record("HCM-2511-0002", NgayHenTra="20251399170000"),
            ],
        )

        first, second = (result["errors"]["appointment_date"] for result in response.json()["results"])
        assert first == [out_of_range_message()]
        assert "“20251399170000”" in second[0]

    def test_a_status_that_does_not_match_the_steps_is_rejected(self, api):
        response = post(api, [portal_record(TrangThaiHoSo="5")])

        assert response.json()["results"][0]["errors"]["status"]

    def test_a_step_the_lifecycle_does_not_allow_is_rejected(self, api):
        # A second arrival of a supplement never requested twice.
        record = portal_record(
            DanhSachHoSoBoSung=[{"NgayTiepNhanBoSung": "20251106090000"}],
        )
        result = post(api, [record]).json()["results"][0]

        assert result["outcome"] == "rejected"
        assert result["errors"]["supplements[0].received_at"] == ["Dossier HCM-2511-0001 is not awaiting a supplement."]

    def test_a_supplement_arriving_before_its_request_is_refused_on_the_request(self, api):
        record = portal_record(
            DanhSachHoSoBoSung=[
                {"NgayBoSung": "20251106090000", "NgayTiepNhanBoSung": "20251105090000", "NoiDungBoSung": "CCCD"}
            ],
        )
        result = post(api, [record]).json()["results"][0]

        assert result["outcome"] == "rejected"
        assert result["errors"] == {
            "supplements[0].requested_at": [
                "This request is dated after the supplement arrived (05/11/2025 09:00); a request comes before it."
            ]
        }
        assert not Dossier.objects.exists()

    def test_a_time_in_the_future_is_rejected(self, api):
        result = post(api, [portal_record(NgayTiepNhan="20251113100000")]).json()["results"][0]

        assert result["errors"]["received_at"] == ["This time lies in the future."]

    def test_an_iso_time_without_offset_is_rejected(self, api):
        result = post(api, [portal_record(NgayTiepNhan="2025-11-03T10:00:00")]).json()["results"][0]

        assert "time zone" in result["errors"]["received_at"][0]

    def test_never_received_statuses_are_not_tracked(self, api):
        result = post(api, [portal_record(TrangThaiHoSo="3")]).json()["results"][0]

        assert result["outcome"] == "rejected" and result["errors"]["status"]


class TestOwnership:
    def test_a_token_of_another_system_cannot_change_the_dossier(self, api, api_client, sync_user):
        post(api, [portal_record()])
        _token, key = make_token(user=sync_user, name="other", **_token_options("dvc-tinh"))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

        response = post(api_client, [ended_record(), portal_record("OTHER-1")])

        results = response.json()["results"]
        assert results[0]["outcome"] == "rejected" and results[0]["status"] == 403
        assert results[1]["outcome"] == "created"
        assert Dossier.objects.get(code="HCM-2511-0001").event_count == 1

    def test_a_dossier_received_here_belongs_to_no_sync_source(self, api, receive):
        dossier = receive(local(2025, 11, 3, 10))

        result = post(api, [portal_record(dossier.code)]).json()["results"][0]

        assert result["status"] == 403
        # It said "was not sent by mcdt-byt; only its own system may change it", as if another system owned it.
        assert result["errors"]["code"] == [
            f"Dossier {dossier.code} was received in TTHC Tracker itself (at the one-stop desk), not sent by a "
            "system; it can only be changed there."
        ]

    def test_a_token_scoped_to_another_unit_gets_403_per_record(self, api_client, sync_user, unit_b, procedure):
        _token, key = make_token(user=sync_user, name="b", units=[unit_b], **_token_options("mcdt", all_units=False))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

        result = post(api_client, [portal_record()]).json()["results"][0]

        assert result["status"] == 403 and not Dossier.objects.exists()

    def test_a_token_without_a_source_system_cannot_sync(self, api_client, sync_user, procedure):
        _token, key = make_token(user=sync_user, name="plain", **_token_options(""))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

        assert post(api_client, [portal_record()]).status_code == 403

    def test_an_officer_session_cannot_sync(self, client_for, officer_a):
        assert post(client_for(officer_a), [portal_record()]).status_code == 403


class TestBadBatches:
    def test_not_a_list(self, api):
        response = post(api, {"MaHoSo": "X"})

        assert response.status_code == 400 and response.json()["errors"]["records"]

    def test_over_the_limit(self, api):
        response = post(api, [portal_record(f"C-{n}") for n in range(MAX_RECORDS + 1)])

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "records": ["At most 1,000 dossiers per request; this one has 1,001. Send them in several requests."]
        }
        assert not Dossier.objects.exists()

    def test_over_the_limit_in_vietnamese(self, api_client, sync_user, procedure):
        _token, key = make_token(user=sync_user, name="one-stop", **_token_options("mcdt-byt"))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="vi")

        response = post(api_client, [portal_record(f"C-{n}") for n in range(MAX_RECORDS + 1)])

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "records": ["Mỗi lần gửi tối đa 1.000 hồ sơ; lần này có 1.001. Hãy chia thành nhiều lần gửi."]
        }

    @pytest.mark.parametrize(
        ("language", "detail"),
        [
            ("vi", "Nội dung gửi lên không phải JSON hợp lệ: lỗi ở dòng 2, cột 24."),
            ("en", "The body is not valid JSON: the error is at line 2, column 24."),
        ],
    )
    def test_a_body_that_is_not_json_is_refused_in_the_readers_language(
        self, api_client, sync_user, procedure, language, detail
    ):
        # DRF said "JSON parse error - Expecting ',' delimiter: …" in English whatever the language.
        body = '[{"MaHoSo": "X-1",\n  "TrangThaiHoSo": "2" "NgayTiepNhan": ""}]'  # a comma missing
        _token, key = make_token(user=sync_user, name="vi", **_token_options("mcdt-byt"))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE=language)
        response = api_client.post(URL, body, content_type="application/json")

        assert response.status_code == 400
        assert (response.json()["code"], response.json()["detail"]) == ("parse_error", detail)
        assert not Dossier.objects.exists()

    def test_a_body_that_is_not_utf_8_says_which_byte(self, api_client, sync_user, procedure):
        body = b'[{"MaHoSo": "H\xf4 s\xf5"}]'  # "Hô sõ" in Windows-1258
        _token, key = make_token(user=sync_user, name="vi", **_token_options("mcdt-byt"))
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="vi")
        response = api_client.post(URL, body, content_type="application/json")

        assert response.status_code == 400
        assert response.json()["detail"] == "Nội dung gửi lên không phải văn bản UTF-8: không đọc được byte thứ 15."

    def test_a_date_past_the_last_dated_year_is_refused_as_the_api_and_import_word_it(self, api):
        from dossiers.tests.test_api import RANGE

        result = post(api, [portal_record(NgayTiepNhan="20990105100000")]).json()["results"][0]

        assert result["outcome"] == "rejected" and result["errors"]["received_at"] == [RANGE]

    def test_duplicate_codes_name_the_records(self, api):
        response = post(api, [portal_record("X-1"), portal_record("X-2"), portal_record("X-1")])

        assert response.status_code == 400
        assert "records 0 and 2 both have code X-1" in response.json()["errors"]["records"][0]
        assert not Dossier.objects.exists()

    def test_records_wrapped_in_an_object_are_accepted(self, api):
        assert outcomes(post(api, {"records": [portal_record()]})) == ["created"]


class TestCodes:
    @pytest.mark.parametrize(
        ("status", "outcome", "code"),
        [
            (Status.PROCESSING, "", 4),
            (Status.AWAITING_SUPPLEMENT, "", 5),
            (Status.ENDED, Outcome.RESOLVED, 9),
            (Status.ENDED, Outcome.REFUSED, 9),
            (Status.ENDED, Outcome.STOPPED, 8),
            (Status.ENDED, Outcome.WITHDRAWN, 7),
            (Status.RETURNED, Outcome.RESOLVED, 10),
        ],
    )
    def test_our_status_as_the_portal_code(self, status, outcome, code):
        assert portal_status(status=status, outcome=outcome) == code

    @pytest.mark.parametrize(
        ("code", "outcome"), [("7", Outcome.WITHDRAWN), ("8", Outcome.STOPPED), ("9", Outcome.RESOLVED)]
    )
    def test_the_portal_end_codes_become_our_outcomes(self, api, code, outcome):
        post(api, [portal_record(TrangThaiHoSo=code, NgayKetThucXuLy="20251107150000")])

        assert Dossier.objects.get().outcome == outcome

    def test_a_returned_dossier_round_trips(self, api):
        post(api, [ended_record(TrangThaiHoSo="10", NgayTra="20251110100000")])

        dossier = Dossier.objects.get()
        assert dossier.status == Status.RETURNED
        assert portal_status(status=dossier.status, outcome=dossier.outcome) == 10

    @pytest.mark.parametrize("channel", ["1", "2", "3"])
    def test_channels(self, api, channel):
        post(api, [portal_record(KenhThucHien=channel)])

        assert Dossier.objects.get().channel == {"1": "in_person", "2": "online", "3": "postal"}[channel]

    def test_portal_times_are_hanoi_local_time(self):
        assert parse_when("20251103100000") == local(2025, 11, 3, 10)


@pytest.mark.postgres
class TestStatements:
    """On PostgreSQL (SQLite splits big statements by its parameter limit)."""

    def test_a_batch_costs_the_same_statements_whatever_its_size(self, api, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as small:
            post(api, [ended_record(f"S-{n}") for n in range(2)])
        with django_assert_max_num_queries(len(small)):
            response = post(api, [ended_record(f"L-{n}") for n in range(40)])
        assert response.json()["counts"]["created"] == 40

    def test_updates_cost_the_same_statements_whatever_their_number(self, api, django_assert_max_num_queries):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        post(api, [portal_record(f"S-{n}") for n in range(2)] + [portal_record(f"L-{n}") for n in range(40)])
        with CaptureQueriesContext(connection) as small:
            post(api, [ended_record(f"S-{n}") for n in range(2)])
        with django_assert_max_num_queries(len(small)):
            response = post(api, [ended_record(f"L-{n}") for n in range(40)])
        assert response.json()["counts"]["updated"] == 40


class TestPastDays:
    def test_the_nightly_run_recomputes_the_days_a_late_record_changed(self, api, procedure):
        from stats.models import DailyStat
        from stats.rollups import stats_nightly

        stats_nightly(today=D(2025, 11, 12))
        assert not DailyStat.objects.filter(day=D(2025, 11, 3), received_online__gt=0).exists()

        post(api, [portal_record()])
        stats_nightly(today=D(2025, 11, 12))

        day = DailyStat.objects.get(day=D(2025, 11, 3), procedure=procedure)
        assert day.received_online == 1
        # Still open and within its deadline at the end of Fri 7 Nov, overdue at the end of Tue 11 Nov.
        assert DailyStat.objects.get(day=D(2025, 11, 7), procedure=procedure).open_within_deadline == 1
        assert DailyStat.objects.get(day=D(2025, 11, 11), procedure=procedure).open_overdue == 1


class TestMarkedAsEnteredLate:
    """A source system may send any past time (its own system recorded it), and every such time
    is marked on the dossier, as for the services (dossiers.backdating; issue 10 item 5)."""

    def test_past_times_from_a_source_are_kept_and_marked(self, api):
        assert outcomes(post(api, [portal_record()])) == ["created"]
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        receipt = dossier.events.get(sequence=1)
        assert dossier.backdated is True
        assert receipt.at == local(2025, 11, 3, 10)  # kept as the source recorded it
        assert (receipt.data["late_entry"]["origin"], receipt.data["late_entry"]["source"]) == ("source", "mcdt-byt")

    def test_steps_added_by_an_update_are_marked_too(self, api):
        post(api, [portal_record()])
        Dossier.objects.filter(code="HCM-2511-0001").update(backdated=False)
        assert outcomes(post(api, [ended_record()])) == ["updated"]
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        assert dossier.backdated is True
        ended = dossier.events.order_by("-sequence").first()
        assert ended.data["late_entry"]["origin"] == "source"

    def test_a_time_within_minutes_is_not_marked(self, api):
        with time_machine.travel(local(2025, 11, 3, 10, 2), tick=False):
            assert outcomes(post(api, [portal_record()])) == ["created"]
        dossier = Dossier.objects.get(code="HCM-2511-0001")
        assert dossier.backdated is False
        assert "late_entry" not in dossier.events.get(sequence=1).data


class TestService:
    def test_the_service_can_be_called_without_the_api(self, procedure, sync_user):
        report = sync_batch([portal_record()], source="import", by=sync_user)

        assert report.counts()["created"] == 1

    def test_a_dossier_from_sync_then_steps_taken_here_make_the_sync_stale(self, procedure, sync_user, officer_a):
        sync_batch([portal_record()], source="mcdt-byt", by=sync_user)
        dossier = Dossier.objects.get()
        services.dossier_request_supplement(dossier=dossier, by=officer_a, note="Thiếu bản sao")

        report = sync_batch([portal_record()], source="mcdt-byt", by=sync_user)

        assert report.results[0].outcome == "stale"


class TestDocumentedExample:
    """docs/sync.md shows a request and its response; they are the real ones."""

    def test_the_documented_request_gives_the_documented_response(self, api):
        import json
        from pathlib import Path

        from django.conf import settings

        docs = Path(settings.BASE_DIR) / "docs"
        request = json.loads((docs / "samples" / "sync-request.json").read_text())
        expected = json.loads((docs / "samples" / "sync-response.json").read_text())

        assert post(api, request).json() == expected
        page = (docs / "sync.md").read_text()
        blocks = [json.loads(block.split("\n", 1)[1]) for block in page.split("```")[1::2] if block.startswith("json")]
        assert request in blocks and expected in blocks


class TestNothingHalfWritten:
    def test_a_database_failure_mid_batch_leaves_nothing_of_the_batch(self, procedure, sync_user, monkeypatch):
        from django.db import OperationalError

        from dossiers import sync

        sync_batch([portal_record("KEEP-1")], source="mcdt-byt", by=sync_user)
        real_update = sync._update
        calls = []

        def drop_connection(*args, **kwargs):
            calls.append(1)
            raise OperationalError("server closed the connection unexpectedly")

        # The new dossiers and their events are written; then the connection drops on the update.
        monkeypatch.setattr(sync, "_update", drop_connection)
        with pytest.raises(OperationalError):
            sync_batch(
                [ended_record("KEEP-1"), portal_record("NEW-1"), portal_record("NEW-2")],
                source="mcdt-byt",
                by=sync_user,
            )
        monkeypatch.setattr(sync, "_update", real_update)

        assert calls == [1]
        assert sorted(Dossier.objects.values_list("code", flat=True)) == ["KEEP-1"]
        assert Dossier.objects.get().event_count == 1 and DossierEvent.objects.count() == 1

        # Sent again once the database is back, the batch applies whole.
        report = sync_batch(
            [ended_record("KEEP-1"), portal_record("NEW-1"), portal_record("NEW-2")], source="mcdt-byt", by=sync_user
        )
        assert [result.outcome for result in report.results] == ["updated", "created", "created"]


class TestScopes:
    def test_a_token_with_scopes_but_not_sync_may_not_synchronise(self, api_client, sync_user, procedure):
        if "scopes" not in {f.name for f in ApiToken._meta.get_fields()}:
            pytest.skip("token scopes arrive with issue 13")
        _token, key = make_token(
            user=sync_user, name="reader", all_units=True, source_system="mcdt-byt", scopes=["dossiers:read"]
        )
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")

        assert post(api_client, [portal_record()]).status_code == 403
        assert api_client.get("/api/v1/sync/dossiers/changes/").status_code == 403
