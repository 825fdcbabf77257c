"""The outbox: a message exists if and only if its event does, is sent after the commit, survives a
mail server or a broker that is down, is retried with backoff until it fails for staff to retry,
and is never sent twice, even by two workers at once."""

import datetime
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test import override_settings
from kombu.exceptions import OperationalError

from config.celery_app import app as celery_app
from dossiers import services
from dossiers.choices import Outcome
from dossiers.services import Applicant
from notifications import services as outbox
from notifications.choices import MessageChannel, MessageStatus
from notifications.models import Message
from notifications.services import Recipient, message_enqueue
from notifications.sms import MemorySmsBackend
from notifications.tasks import deliver_due_messages, deliver_message
from tests.celery_worker import real_worker
from tests.helpers import local

from .backends import SlowRecordingSmsBackend

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)  # a Monday
MINUTE = datetime.timedelta(minutes=1)
APPLICANT = Applicant(name="Nguyễn Văn An", email="an.nguyen@example.vn", phone="0912345678")
FAILING_MAIL = "notifications.tests.backends.FailingEmailBackend"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _test_templates(settings):
    """``templates/messages/test_hello/`` of this folder: a message kind for the tests alone."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], Path(__file__).parent / "templates"]}
    ]


@pytest.fixture(autouse=True)
def sms_outbox():
    MemorySmsBackend.outbox.clear()
    yield MemorySmsBackend.outbox
    MemorySmsBackend.outbox.clear()


def statuses() -> list[tuple[str, str, int]]:
    return list(Message.objects.order_by("channel").values_list("channel", "status", "attempts"))


class TestWrittenWithTheEvent:
    def test_receiving_a_dossier_writes_an_email_and_an_sms_in_vietnamese(self, receive):
        dossier = receive(local(2026, 3, 2, 8), applicant=APPLICANT)

        email, sms = Message.objects.order_by("channel")
        assert (email.kind, email.channel, email.recipient, email.language, email.reference, email.unit) == (
            "dossier_received",
            MessageChannel.EMAIL,
            "an.nguyen@example.vn",
            "vi",
            dossier.code,
            dossier.unit,
        )
        assert email.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
        assert email.body.startswith("Kính gửi Ông/Bà Nguyễn Văn An,\n\n")
        assert "hẹn trả kết quả ngày 09/03/2026" in email.body
        assert f"/lookup/?code={dossier.code}&key={dossier.lookup_code}" in email.body
        assert (sms.channel, sms.recipient) == (MessageChannel.SMS, "0912345678")
        assert sms.body == (
            f"Hồ sơ {dossier.code} đã được tiếp nhận, hẹn trả 09/03/2026. Tra cứu: "
            f"http://localhost:8000/lookup/?code={dossier.code}&key={dossier.lookup_code}"
        )
        assert statuses() == [("email", "pending", 0), ("sms", "pending", 0)]

    def test_no_message_without_an_address_or_a_phone(self, receive):
        receive(local(2026, 3, 2, 8), applicant=Applicant(name="Nguyễn Văn An"))

        assert Message.objects.count() == 0

    def test_no_event_no_message(self, receive):
        # Given a receipt whose transaction is rolled back after the event was written
        with pytest.raises(RuntimeError), transaction.atomic():
            receive(local(2026, 3, 2, 8), applicant=APPLICANT)
            raise RuntimeError("the request failed later")

        # Then neither the dossier nor its messages exist
        assert Message.objects.count() == 0

    def test_each_step_that_concerns_the_applicant_writes_its_message(self, receive, officer_a):
        dossier = receive(local(2026, 2, 23, 10), applicant=Applicant(name="An", email="an@example.vn"))
        services.dossier_request_supplement(dossier=dossier, by=officer_a, note="Bản sao CCCD", at=local(2026, 2, 24))
        services.dossier_receive_supplement(dossier=dossier, by=officer_a, at=local(2026, 2, 25))
        services.dossier_reappoint(
            dossier=dossier,
            by=officer_a,
            new_date=datetime.date(2026, 3, 9),
            reason="Chờ thẩm định",
            at=local(2026, 2, 26),
        )
        services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2026, 2, 27))

        assert list(Message.objects.order_by("id").values_list("kind", "subject")) == [
            ("dossier_received", f"Hồ sơ {dossier.code} đã được tiếp nhận"),
            ("dossier_supplement_requested", f"Hồ sơ {dossier.code}: đề nghị bổ sung hồ sơ"),
            ("dossier_reappointed", f"Hồ sơ {dossier.code}: hẹn lại ngày trả kết quả 09/03/2026"),
            ("dossier_ended", f"Hồ sơ {dossier.code}: đã có kết quả"),
        ]
        assert "Bản sao CCCD" in Message.objects.get(kind="dossier_supplement_requested").body
        assert "Lý do: Chờ thẩm định" in Message.objects.get(kind="dossier_reappointed").body

    def test_a_message_in_english(self):
        [message] = message_enqueue(
            kind="test_hello",
            recipients=[Recipient(email="a@example.vn", language="en")],
            context={"name": "An <script>"},
        )

        # plain text stays as typed; the HTML alternative shows it as text
        assert (message.language, message.subject, message.body) == (
            "en",
            "Hello An <script>",
            "Hello An <script>, welcome.\n",
        )
        assert message.body_html == "<p>Hello An &lt;script&gt;, welcome.</p>\n"

    def test_the_same_deduplication_key_writes_once(self):
        for _ in range(2):
            message_enqueue(
                kind="test_hello",
                recipients=[Recipient(email="a@example.vn")],
                context={"name": "An"},
                dedup_key="digest:2026-03-02:user:1",
            )

        assert Message.objects.count() == 1


class TestSending:
    def test_after_the_commit_the_messages_are_sent(self, receive, sms_outbox, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            dossier = receive(local(2026, 3, 2, 8), applicant=APPLICANT)

        assert [(email.subject, email.to) for email in mail.outbox] == [
            (f"Hồ sơ {dossier.code} đã được tiếp nhận", ["an.nguyen@example.vn"])
        ]
        assert [sms["to"] for sms in sms_outbox] == ["0912345678"]
        assert statuses() == [("email", "sent", 1), ("sms", "sent", 1)]
        assert Message.objects.filter(sent_at=NOW).count() == 2

    def test_a_sent_message_is_not_sent_again(self, receive):
        receive(local(2026, 3, 2, 8), applicant=APPLICANT)
        message = Message.objects.get(channel=MessageChannel.EMAIL)

        assert outbox.message_deliver(message_id=message.pk) == MessageStatus.SENT
        assert outbox.message_deliver(message_id=message.pk) == MessageStatus.SENT
        assert deliver_due_messages() == {"sent": 1}  # the SMS, not the e-mail again
        assert len(mail.outbox) == 1

    def test_a_claim_holds_until_its_lease_runs_out(self, receive, _now):
        receive(local(2026, 3, 2, 8), applicant=Applicant(name="An", email="an@example.vn"))

        # Given a worker that claimed the message and died before sending it
        assert len(outbox.message_claim_due()) == 1
        # Then nobody else claims it while the lease runs
        assert outbox.message_claim_due() == []
        _now.shift(outbox.CLAIM_LEASE - MINUTE)
        assert deliver_due_messages() == {}
        # and after it, the sweep sends it
        _now.shift(2 * MINUTE)
        assert deliver_due_messages() == {"sent": 1}
        assert statuses() == [("email", "sent", 2)]


class TestFailures:
    @override_settings(EMAIL_BACKEND=FAILING_MAIL)
    def test_a_mail_server_that_is_down_never_breaks_the_officers_step(
        self, client, officer_a, procedure, django_capture_on_commit_callbacks
    ):
        client.force_login(officer_a)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/dossiers/new/",
                {
                    "procedure": procedure.pk,
                    "channel": "in_person",
                    "applicant_kind": "person",
                    "applicant_name": "Nguyễn Văn An",
                    "applicant_email": "an.nguyen@example.vn",
                    "fee_amount": "0",
                },
            )

        assert response.status_code == 302
        message = Message.objects.get()
        assert (message.status, message.attempts, message.next_attempt_at) == (MessageStatus.PENDING, 1, NOW + MINUTE)
        assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    @override_settings(EMAIL_BACKEND=FAILING_MAIL, TTHC_NOTIFY_MAX_ATTEMPTS=3)
    def test_after_the_last_attempt_the_message_fails_and_staff_send_it_again(self, receive, _now):
        receive(local(2026, 3, 2, 8), applicant=Applicant(name="An", email="an@example.vn"))
        message = Message.objects.get()
        results = []
        for _ in range(3):
            _now.move_to(message.next_attempt_at)
            results.append(deliver_due_messages())
            message.refresh_from_db()

        assert results == [{"pending": 1}, {"pending": 1}, {"failed": 1}]
        assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
        _now.shift(datetime.timedelta(days=1))
        assert deliver_due_messages() == {}  # a failed message waits for staff

        # When staff send it again and the mail server is back
        outbox.message_retry(message=message)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            assert deliver_due_messages() == {"sent": 1}
        assert len(mail.outbox) == 1
        assert statuses() == [("email", "sent", 1)]

    @override_settings(EMAIL_BACKEND=FAILING_MAIL)
    def test_the_waits_grow_1_5_15_60_180_minutes(self, receive, _now):
        receive(local(2026, 3, 2, 8), applicant=Applicant(name="An", email="an@example.vn"))
        message = Message.objects.get()
        waits = []
        for _ in range(5):
            start = message.next_attempt_at
            _now.move_to(start)
            deliver_due_messages()
            message.refresh_from_db()
            waits.append(int((message.next_attempt_at - start).total_seconds() // 60))

        assert waits == [1, 5, 15, 60, 180]
        assert message.status == MessageStatus.PENDING  # 6 attempts by default

    def test_with_the_broker_down_the_step_succeeds_and_the_sweep_sends_later(
        self, receive, django_capture_on_commit_callbacks, caplog
    ):
        with (
            mock.patch(
                "notifications.tasks.deliver_message.delay",
                side_effect=OperationalError("Error 111 connecting to redis"),
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            dossier = receive(local(2026, 3, 2, 8), applicant=APPLICANT)

        assert dossier.pk is not None
        assert statuses() == [("email", "pending", 0), ("sms", "pending", 0)]
        assert "could not be queued now; the next sweep will send it" in caplog.text

        # When Redis is back, beat's sweep sends them
        assert deliver_due_messages() == {"sent": 2}
        assert len(mail.outbox) == 1

    def test_a_failing_sms_gateway_leaves_the_email_alone(self, receive):
        with override_settings(TTHC_SMS_BACKEND="notifications.tests.backends.FailingSmsBackend"):
            receive(local(2026, 3, 2, 8), applicant=APPLICANT)
            assert deliver_due_messages() == {"sent": 1, "pending": 1}

        assert statuses() == [("email", "sent", 1), ("sms", "pending", 1)]
        assert Message.objects.get(channel="sms").last_error == "SmsError: the gateway answered 503: busy"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(TTHC_SMS_BACKEND="notifications.tests.backends.SlowRecordingSmsBackend")
def test_two_workers_sweeping_at_once_send_each_message_exactly_once():
    # Given 120 SMS due (more than two sweep batches)
    SlowRecordingSmsBackend.sent.clear()
    with mock.patch("notifications.services.dispatch"):  # not queued: left for the sweeps
        for number in range(120):
            message_enqueue(kind="test_hello", recipients=[Recipient(phone=f"09{number:08d}")], context={"name": "An"})
    assert Message.objects.filter(status=MessageStatus.PENDING).count() == 120

    # When two workers sweep at the same moment, each with its own database connection
    results, errors = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            start.wait()
            results.append(deliver_due_messages())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then every message was sent once, by one of them, and both did some of the work
    assert errors == []
    sent_to = [to for to, _text in SlowRecordingSmsBackend.sent]
    assert len(sent_to) == 120 == len(set(sent_to))
    assert sum(result["sent"] for result in results) == 120
    assert all(result["sent"] > 0 for result in results)
    assert Message.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 120


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_real_workers_given_every_task_twice_send_each_message_once(tmp_path):
    # Given 30 SMS in the outbox, and two Celery workers sharing one queue, each SMS logged to a file
    sent_file = tmp_path / "sms.txt"
    sent_file.touch()
    with mock.patch("notifications.services.dispatch"):
        messages = [
            message_enqueue(kind="test_hello", recipients=[Recipient(phone=f"09{number:08d}")], context={"name": "An"})[
                0
            ]
            for number in range(30)
        ]
    env = {"TTHC_SMS_BACKEND": "notifications.tests.backends.FileSmsBackend", "TTHC_TEST_SMS_FILE": str(sent_file)}
    queue = f"test-outbox-{messages[0].pk}"
    with real_worker(queue=queue, env=env) as first, real_worker(queue=queue, env=env):
        # When every delivery task is sent twice (a redelivery, a retry racing the sweep)
        for message in messages * 2:
            deliver_message.apply_async(args=[message.pk], queue=queue)
        first.wait_for(lambda: Message.objects.filter(status=MessageStatus.SENT).count() == 30)
        # and the duplicate tasks have been taken off the queue too (each worker holds at most one)
        with celery_app.connection_for_write() as connection_:
            first.wait_for(lambda: connection_.default_channel.client.llen(queue) == 0)
        time.sleep(2)

    # Then each SMS went out exactly once
    lines = sent_file.read_text().split()
    assert len(lines) == 30 == len(set(lines))
    assert Message.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 30
