"""Sending SMS: a small backend interface, like Django's e-mail backends.

``TTHC_SMS_BACKEND`` names the class (a dotted path). Two ship with the product:

* ``notifications.sms.LoggingSmsBackend`` (the default): writes each SMS to the log, with the
  number masked; nothing leaves the server. For development and for a ministry without a gateway.
* ``notifications.sms.HttpSmsBackend``: posts each SMS as JSON to the ministry's SMS gateway
  (``TTHC_SMS_HTTP_URL``, with ``TTHC_SMS_HTTP_TOKEN`` as a bearer token and
  ``TTHC_SMS_HTTP_SENDER`` as the registered sender name); any answer but 2xx is a failure.

A backend raises ``SmsError`` (or anything else) when the SMS was not accepted; the outbox then
retries it later. ``MemorySmsBackend`` keeps SMS in a list for tests.
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("tthc.sms")


class SmsError(Exception):
    """The gateway did not accept the SMS."""


class BaseSmsBackend:
    def send(self, *, to: str, text: str) -> None:
        """Hand one SMS to the gateway; raise when it was not accepted."""
        raise NotImplementedError


def _masked(number: str) -> str:
    return f"{number[:4]}***{number[-3:]}" if len(number) > 7 else "***"


class LoggingSmsBackend(BaseSmsBackend):
    """Writes the SMS to the ``tthc.sms`` log instead of sending it."""

    def send(self, *, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", _masked(to), text)


class MemorySmsBackend(BaseSmsBackend):
    """Keeps every SMS in ``MemorySmsBackend.outbox`` (tests)."""

    outbox: list[dict] = []

    def send(self, *, to: str, text: str) -> None:
        self.outbox.append({"to": to, "text": text})


class HttpSmsBackend(BaseSmsBackend):
    """POSTs ``{"to", "text", "sender"}`` as JSON to the gateway at ``TTHC_SMS_HTTP_URL``."""

    def __init__(self):
        self.url = settings.TTHC_SMS_HTTP_URL
        if not self.url:
            raise SmsError("TTHC_SMS_HTTP_URL is not set")
        self.token = settings.TTHC_SMS_HTTP_TOKEN
        self.sender = settings.TTHC_SMS_HTTP_SENDER
        self.timeout = settings.TTHC_SMS_HTTP_TIMEOUT

    def send(self, *, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text, "sender": self.sender}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(200).decode(errors="replace")
            raise SmsError(f"the gateway answered {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"the gateway could not be reached: {error}") from None
        if not 200 <= status < 300:
            raise SmsError(f"the gateway answered {status}")


def get_sms_backend() -> BaseSmsBackend:
    """An instance of the backend ``TTHC_SMS_BACKEND`` names."""
    return import_string(settings.TTHC_SMS_BACKEND)()
