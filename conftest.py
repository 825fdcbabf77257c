"""Fixtures shared by the whole suite: the cast of users and the service requirements."""

import os

import pytest
from django.db import connection

# CI sets this: a test that needs PostgreSQL, Redis or a browser must run there, never skip.
REQUIRE_SERVICES = os.environ.get("TTHC_REQUIRE_SERVICES", "") == "1"


def _skip_or_fail(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (TTHC_REQUIRE_SERVICES=1: this test must run here)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_requirements(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if request.node.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        _skip_or_fail("needs Redis and a Celery worker: set REDIS_URL=redis://...")


@pytest.fixture(autouse=True)
def _fresh_calendar():
    """Each test starts from the calendar as the database holds it."""
    from dossiers.workdays import invalidate_calendar

    invalidate_calendar()
    yield
    invalidate_calendar()
