"""The staff page of messages and its API: scoped by unit, personal data for those who process the
unit's dossiers, and a retry of failed messages."""

import pytest
import time_machine

from dossiers.services import Applicant
from notifications.choices import MessageStatus
from notifications.models import Message
from tests.helpers import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def messages_of_a(receive):
    """The two messages of a dossier of unit A: its e-mail failed for good, its SMS was sent."""
    dossier = receive(
        local(2026, 3, 2, 8), applicant=Applicant(name="An", email="an.nguyen@example.vn", phone="0912345678")
    )
    Message.objects.filter(channel="email").update(
        status=MessageStatus.FAILED, attempts=6, last_error="SMTPServerDisconnected: gone"
    )
    Message.objects.filter(channel="sms").update(status=MessageStatus.SENT, attempts=1, sent_at=NOW)
    return dossier, Message.objects.get(channel="email"), Message.objects.get(channel="sms")


def page(client, user, url="/notifications/"):
    client.force_login(user)
    return client.get(url)


def test_the_officer_sees_their_units_messages_with_addresses_and_text(client, officer_a, messages_of_a):
    dossier, email, sms = messages_of_a

    response = page(client, officer_a)

    assert [(message.pk, message.recipient_shown, message.may_retry) for message in response.context["outbox"]] == [
        (sms.pk, "0912345678", False),
        (email.pk, "an.nguyen@example.vn", True),
    ]
    detail = page(client, officer_a, f"/notifications/{email.pk}/").content.decode()
    assert 'id="message-body"' in detail and "Kính gửi Ông/Bà An," in detail
    assert "SMTPServerDisconnected: gone" in detail


def test_the_head_and_the_auditor_see_masked_addresses_and_no_text(client, head_a, auditor, messages_of_a):
    _, email, _ = messages_of_a
    for user in (head_a, auditor):
        response = page(client, user)

        assert sorted(message.recipient_shown for message in response.context["outbox"]) == [
            "0912***678",
            "a***@***.vn",
        ]
        detail = page(client, user, f"/notifications/{email.pk}/").content.decode()
        assert 'id="message-body"' not in detail
        assert "Kính gửi" not in detail


def test_the_addressee_reads_their_own_message(client, head_a, messages_of_a):
    # A head could not read the re-appointment proposal e-mailed to them (found by a new user).
    _, email, _ = messages_of_a
    head_a.email = "AN.NGUYEN@example.vn"  # the test's message is addressed to this person
    head_a.save()

    listed = page(client, head_a).context["outbox"]
    detail = page(client, head_a, f"/notifications/{email.pk}/").content.decode()

    assert sorted(message.recipient_shown for message in listed) == ["0912***678", "an.nguyen@example.vn"]
    assert 'id="message-body"' in detail


def test_another_units_officer_sees_nothing(client, officer_b, messages_of_a):
    _, email, _ = messages_of_a

    assert list(page(client, officer_b).context["outbox"]) == []
    assert page(client, officer_b, f"/notifications/{email.pk}/").status_code == 404


def test_filters(client, officer_a, messages_of_a):
    dossier, email, sms = messages_of_a

    assert [m.pk for m in page(client, officer_a, "/notifications/?status=failed").context["outbox"]] == [email.pk]
    assert [m.pk for m in page(client, officer_a, "/notifications/?channel=sms").context["outbox"]] == [sms.pk]
    assert len(page(client, officer_a, f"/notifications/?q={dossier.code}").context["outbox"]) == 2
    assert len(page(client, officer_a, "/notifications/?q=BYT-ATTP").context["outbox"]) == 0


def test_the_officer_sends_a_failed_message_again(client, officer_a, messages_of_a, django_capture_on_commit_callbacks):
    _, email, _ = messages_of_a
    client.force_login(officer_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/{email.pk}/retry/")

    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.status, email.attempts) == (MessageStatus.SENT, 1)


def test_a_head_may_not_retry_and_a_sent_message_is_not_retried(client, officer_a, head_a, messages_of_a):
    _, email, sms = messages_of_a
    client.force_login(head_a)
    assert client.post(f"/notifications/{email.pk}/retry/").status_code == 403

    client.force_login(officer_a)
    response = client.post(f"/notifications/{sms.pk}/retry/", follow=True)

    assert "Chỉ gửi lại được thông báo đã gửi không thành công." in response.content.decode()
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (MessageStatus.SENT, 1)


def test_the_page_needs_a_login(client):
    assert client.get("/notifications/").status_code == 302


def test_the_api_lists_and_retries(client_for, officer_a, head_a, messages_of_a):
    _, email, sms = messages_of_a

    listed = client_for(head_a).get("/api/v1/messages/").json()["results"]
    assert [(row["recipient"], row["body"], row["status"]) for row in listed] == [
        ("0912***678", "", "sent"),
        ("a***@***.vn", "", "failed"),
    ]
    assert client_for(head_a).post(f"/api/v1/messages/{email.pk}/retry/").status_code == 403
    conflict = client_for(officer_a).post(f"/api/v1/messages/{sms.pk}/retry/", HTTP_ACCEPT_LANGUAGE="en")
    assert (conflict.status_code, conflict.json()["detail"]) == (409, "Only a failed message can be sent again.")
    retried = client_for(officer_a).post(f"/api/v1/messages/{email.pk}/retry/")
    assert (retried.status_code, retried.json()["status"], retried.json()["attempts"]) == (200, "pending", 0)
