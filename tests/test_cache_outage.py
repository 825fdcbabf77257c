"""Issue 14, item 2: a cache that cannot be reached answers as an empty cache, never raises."""

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings

from config import ratelimit
from workdays import calendar

# Nothing listens on this port (6390–6399 are kept for the fault tests' own servers).
NOBODY = {"default": {"BACKEND": "config.cache.DegradingRedisCache", "LOCATION": "redis://127.0.0.1:6398/0"}}


@override_settings(CACHES=NOBODY)
def test_every_cache_operation_answers_without_redis(caplog):
    cache.clear()  # the process's own cache may hold keys of another test
    assert cache.get("key", "default") == "default"
    cache.set("key", 1)
    assert cache.get("key") == 1
    assert cache.add("key", 1) is False
    assert cache.incr("key") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")
    assert cache.get_many(["key", "b"]) == {"key": 2}
    assert cache.delete("key") is True
    assert cache.get("key", "gone") == "gone"
    # One warning, not one per call.
    assert len([record for record in caplog.records if "Redis cache unavailable" in record.message]) == 1


@override_settings(CACHES=NOBODY)
def test_the_rate_limits_still_count_while_redis_is_away():
    # They once counted nothing during an outage: the public lookup's limit was lifted with Redis.
    cache.clear()
    assert [ratelimit.hit("lookup", "203.0.113.7", window=60) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.count("lookup", "203.0.113.7") == 3
    assert ratelimit.count("lookup", "198.51.100.1") == 0


@pytest.mark.django_db
def test_the_calendar_keeps_its_own_copy_while_the_cache_is_away():
    before = calendar.get_calendar()
    with override_settings(CACHES=NOBODY):
        calendar._checked_at = 0.0  # the next question asks the cache for the version
        assert calendar.get_calendar() is before
        assert calendar.add_working_days(datetime.date(2025, 11, 14), 1) == datetime.date(2025, 11, 17)
        calendar.invalidate_calendar()  # a change here: this process reloads, nothing raises
        assert calendar.is_working_day(datetime.date(2025, 11, 17))
