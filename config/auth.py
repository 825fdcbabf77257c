"""Login throttling: django-axes counts failed logins per (account, client) in the database.

After ``AXES_FAILURE_LIMIT`` wrong passwords for one username from one client address (the
address ``config.ratelimit.client_address`` trusts), that pair is refused for
``AXES_COOLOFF_TIME``, even with the right password: both on the login page and on
``POST /api/v1/auth/token/``. A right password before the limit clears the count. Other clients
(another office behind its own address) can still log in to the same account, so a guesser
cannot lock an officer out of their own work. The counts live in the database, not in Redis, so
an outage of Redis does not switch throttling off.
"""

import ipaddress
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from config.ratelimit import client_address


class ThrottledLoginBackend(AxesStandaloneBackend):
    """Axes' check before the model backend; refuses a locked (account, client) pair.

    ``authenticate`` without a request (a management command, the test client's ``login``) is
    not a client trying passwords: it is not counted here.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client address axes counts by (``AXES_CLIENT_IP_CALLABLE``): the one the rate limits
    trust, or ``None`` when the request carries none that is an IP address (a test request)."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _message(request: HttpRequest) -> tuple[str, int]:
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 15
    text = gettext("Too many wrong passwords for this account from your address. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    return text, minutes * 60


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """What a locked (account, client) pair gets: 429 with the wait, as JSON on the API and as the
    login page with the message elsewhere (``AXES_LOCKOUT_CALLABLE``)."""
    text, seconds = _message(request)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": text, "code": "throttled"}, status=429)
    else:
        username = (credentials or {}).get("username", "")
        form = AuthenticationForm(request, initial={"username": username})
        response = render(
            request,
            "registration/login.html",
            {"form": form, "lockout": text, "next": request.POST.get("next", "")},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
