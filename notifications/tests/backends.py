"""Backends for the outbox tests: a mail server that is down, an SMS gateway that records or fails."""

import os
import smtplib
import threading
import time

from django.core.mail.backends.base import BaseEmailBackend

from notifications.sms import BaseSmsBackend, SmsError


class FailingEmailBackend(BaseEmailBackend):
    """The mail server is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class FailingSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str) -> None:
        raise SmsError("the gateway answered 503: busy")


class SlowRecordingSmsBackend(BaseSmsBackend):
    """Takes a moment per SMS and records every one, from any thread (two workers at once)."""

    sent: list[tuple[str, str]] = []
    lock = threading.Lock()

    def send(self, *, to: str, text: str) -> None:
        time.sleep(0.02)
        with self.lock:
            self.sent.append((to, text))


class FileSmsBackend(BaseSmsBackend):
    """Appends one line per SMS to the file ``TTHC_TEST_SMS_FILE`` names (real worker processes)."""

    def send(self, *, to: str, text: str) -> None:
        time.sleep(0.05)
        with open(os.environ["TTHC_TEST_SMS_FILE"], "a") as handle:
            handle.write(f"{to}\n")
