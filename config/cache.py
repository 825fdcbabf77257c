"""The Redis cache, degrading to an empty cache while Redis cannot be reached.

Nothing this project keeps in the cache is the only copy of anything: the calendar's version
number (each process keeps its own calendar), the public pages' rate-limit counters and DRF's
throttle counters. So when Redis is down or unreachable a page must not fail: every read answers
"not in the cache" (the default), every write is dropped, ``add`` says it added nothing, and a
warning is logged at most once a minute. After an error Redis is not asked again for
``RETRY_AFTER`` seconds (a circuit breaker), so a Redis host that swallows packets costs one
connect timeout every few seconds, not one per cache call.

While Redis is down the rate limits count nothing (they fail open): refusing every citizen's
lookup because the counter store is away would be worse. Login throttling is kept in the
database (django-axes) and does not depend on this.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without asking Redis after a failure
WARN_EVERY = 60.0  # seconds between two warnings in the log
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


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
    """Each operation answers as on an empty cache when Redis cannot be reached."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaker = _Breaker()

    def _guarded(self, operation: str, call, fallback):
        if self.breaker.open():
            return fallback()
        try:
            return call()
        except UNAVAILABLE as error:
            self.breaker.trip(operation, error)
            return fallback()

    def add(self, key, value, timeout):
        return self._guarded("add", lambda: super(DegradingRedisCacheClient, self).add(key, value, timeout), bool)

    def get(self, key, default):
        return self._guarded("get", lambda: super(DegradingRedisCacheClient, self).get(key, default), lambda: default)

    def set(self, key, value, timeout):
        self._guarded("set", lambda: super(DegradingRedisCacheClient, self).set(key, value, timeout), lambda: None)

    def touch(self, key, timeout):
        return self._guarded("touch", lambda: super(DegradingRedisCacheClient, self).touch(key, timeout), bool)

    def delete(self, key):
        return self._guarded("delete", lambda: super(DegradingRedisCacheClient, self).delete(key), bool)

    def get_many(self, keys):
        return self._guarded("get_many", lambda: super(DegradingRedisCacheClient, self).get_many(keys), dict)

    def has_key(self, key):
        return self._guarded("has_key", lambda: super(DegradingRedisCacheClient, self).has_key(key), bool)

    def incr(self, key, delta):
        def missing():
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._guarded("incr", lambda: super(DegradingRedisCacheClient, self).incr(key, delta), missing)

    def set_many(self, data, timeout):
        self._guarded("set_many", lambda: super(DegradingRedisCacheClient, self).set_many(data, timeout), list)

    def delete_many(self, keys):
        self._guarded("delete_many", lambda: super(DegradingRedisCacheClient, self).delete_many(keys), list)

    def clear(self):
        return self._guarded("clear", lambda: super(DegradingRedisCacheClient, self).clear(), bool)


class DegradingRedisCache(RedisCache):
    """Django's ``RedisCache`` answering as an empty cache while Redis is unavailable (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient
