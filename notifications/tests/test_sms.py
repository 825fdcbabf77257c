"""The SMS backends: the log by default, and the HTTP gateway configured by settings."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import override_settings

from notifications.sms import HttpSmsBackend, LoggingSmsBackend, SmsError, get_sms_backend


class Gateway(BaseHTTPRequestHandler):
    """A gateway on localhost that records each request and answers with ``Gateway.status``."""

    status = 200
    received: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append(
            {"path": self.path, "authorization": self.headers.get("Authorization"), "body": json.loads(body)}
        )
        self.send_response(Gateway.status)
        self.end_headers()
        self.wfile.write(b'{"error": "quota exceeded"}' if Gateway.status >= 400 else b'{"id": "42"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.received.clear()
    Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    server.server_close()


def test_the_default_backend_logs_the_sms_with_the_number_masked(caplog):
    caplog.set_level(logging.INFO, logger="tthc.sms")
    with override_settings(TTHC_SMS_BACKEND="notifications.sms.LoggingSmsBackend"):
        backend = get_sms_backend()
    backend.send(to="0912345678", text="Hồ sơ BYT-QLD-260302-0001 đã được tiếp nhận")

    assert isinstance(backend, LoggingSmsBackend)
    assert caplog.messages == ["SMS to 0912***678: Hồ sơ BYT-QLD-260302-0001 đã được tiếp nhận"]


def test_the_gateway_gets_the_sms_as_json_with_its_token(gateway):
    with override_settings(TTHC_SMS_HTTP_URL=gateway, TTHC_SMS_HTTP_TOKEN="s3cret", TTHC_SMS_HTTP_SENDER="BOYTE"):
        HttpSmsBackend().send(to="0912345678", text="Hồ sơ đã có kết quả")

    assert Gateway.received == [
        {
            "path": "/sms",
            "authorization": "Bearer s3cret",
            "body": {"to": "0912345678", "text": "Hồ sơ đã có kết quả", "sender": "BOYTE"},
        }
    ]


def test_a_gateway_error_is_an_sms_error_with_the_answer(gateway):
    Gateway.status = 503
    with override_settings(TTHC_SMS_HTTP_URL=gateway), pytest.raises(SmsError) as raised:
        HttpSmsBackend().send(to="0912345678", text="x")

    assert str(raised.value) == 'the gateway answered 503: {"error": "quota exceeded"}'


def test_an_unreachable_gateway_is_an_sms_error():
    unreachable = override_settings(TTHC_SMS_HTTP_URL="http://127.0.0.1:9/sms", TTHC_SMS_HTTP_TIMEOUT=2)
    with unreachable, pytest.raises(SmsError, match="the gateway could not be reached"):
        HttpSmsBackend().send(to="0912345678", text="x")


def test_the_gateway_backend_needs_its_url():
    with override_settings(TTHC_SMS_HTTP_URL=""), pytest.raises(SmsError, match="TTHC_SMS_HTTP_URL is not set"):
        HttpSmsBackend()
