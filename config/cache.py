"""The Redis cache, degrading to a cache of this process alone while Redis cannot be reached.

Nothing this project keeps in the cache is the only copy of anything: the calendar's version
number (each process keeps its own calendar), the public pages' rate-limit counters and DRF's
throttle counters. So when Redis is down or unreachable a page must not fail: every operation is
answered by a small in-memory cache of the process (``LocMemCache``, at most ``LOCAL_ENTRIES``
keys), and a warning is logged at most once a minute. After an error Redis is not asked again for
``RETRY_AFTER`` seconds (a circuit breaker), so a Redis host that swallows packets costs one
connect timeout every few seconds, not one per cache call.

While Redis is down the rate limits therefore still count, each web process on its own: a client
gets at most "number of processes × the limit" (an earlier version counted nothing, so a
Redis outage lifted the limits on the public lookup). Login throttling is kept in the database
(django-axes) and does not depend on this. What was written in the process's cache during the
outage is not copied to Redis when it comes back: counters start again from Redis's values.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without asking Redis after a failure
WARN_EVERY = 60.0  # seconds between two warnings in the log
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
LOCAL_ENTRIES = 10_000  # keys the process keeps while Redis is away (LocMemCache culls beyond)


class _Breaker:
    """Remembers that Redis failed, and logs it at most once per ``WARN_EVERY`` seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self.down_until = 0.0
        self.warned_at = -WARN_EVERY

    def open(self) -> bool:
        return time.monotonic() < self.down_until

    def trip(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.down_until = now + RETRY_AFTER
            warn = now - self.warned_at >= WARN_EVERY
            if warn:
                self.warned_at = now
        if warn:
            logger.warning("Redis cache unavailable (%s: %s); answering without it", operation, error)


class DegradingRedisCacheClient(RedisCacheClient):
    """Each operation is answered by the process's own cache when Redis cannot be reached.

    The keys reaching this client are already made by ``RedisCache`` (prefix and version) and the
    timeouts are seconds (or None), which ``LocMemCache`` accepts as they are."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = _Breaker()
        self.local = LocMemCache("tthc-redis-fallback", {"OPTIONS": {"MAX_ENTRIES": LOCAL_ENTRIES}})

    def _guarded(self, operation: str, call, fallback):
        if self.breaker.open():
            return fallback()
        try:
            return call()
        except UNAVAILABLE as error:
            self.breaker.trip(operation, error)
            return fallback()

    def add(self, key, value, timeout):
        return self._guarded(
            "add",
            lambda: super(DegradingRedisCacheClient, self).add(key, value, timeout),
            lambda: self.local.add(key, value, timeout),
        )

    def get(self, key, default):
        return self._guarded(
            "get",
            lambda: super(DegradingRedisCacheClient, self).get(key, default),
            lambda: self.local.get(key, default),
        )

    def set(self, key, value, timeout):
        self._guarded(
            "set",
            lambda: super(DegradingRedisCacheClient, self).set(key, value, timeout),
            lambda: self.local.set(key, value, timeout),
        )

    def touch(self, key, timeout):
        return self._guarded(
            "touch",
            lambda: super(DegradingRedisCacheClient, self).touch(key, timeout),
            lambda: self.local.touch(key, timeout),
        )

    def delete(self, key):
        return self._guarded(
            "delete", lambda: super(DegradingRedisCacheClient, self).delete(key), lambda: self.local.delete(key)
        )

    def get_many(self, keys):
        return self._guarded(
            "get_many", lambda: super(DegradingRedisCacheClient, self).get_many(keys), lambda: self.local.get_many(keys)
        )

    def has_key(self, key):
        return self._guarded(
            "has_key", lambda: super(DegradingRedisCacheClient, self).has_key(key), lambda: self.local.has_key(key)
        )

    def incr(self, key, delta):
        # LocMemCache raises ValueError for a missing key, as Redis's client does.
        return self._guarded(
            "incr",
            lambda: super(DegradingRedisCacheClient, self).incr(key, delta),
            lambda: self.local.incr(key, delta),
        )

    def set_many(self, data, timeout):
        return self._guarded(
            "set_many",
            lambda: super(DegradingRedisCacheClient, self).set_many(data, timeout),
            lambda: self.local.set_many(data, timeout),
        )

    def delete_many(self, keys):
        self._guarded(
            "delete_many",
            lambda: super(DegradingRedisCacheClient, self).delete_many(keys),
            lambda: self.local.delete_many(keys),
        )

    def clear(self):
        return self._guarded(
            "clear", lambda: super(DegradingRedisCacheClient, self).clear(), lambda: self.local.clear() or True
        )


class DegradingRedisCache(RedisCache):
    """Django's ``RedisCache`` answering from the process's own cache while Redis is unavailable (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient
