"""Per-client counters in the Django cache, for the pages anyone may use without logging in.

A counter counts one client's hits of one kind (for example wrong lookup pairs) in a fixed window
that starts with the first hit: ``cache.add`` creates it with the window as its lifetime, and
``cache.incr`` counts. Redis in production (shared by every web worker), in-process memory on a
laptop; the database is not involved, so it works the same on PostgreSQL and SQLite.

The client is the address the request came from. Behind a reverse proxy every request comes from
the proxy, so with ``TTHC_TRUST_X_FORWARDED_FOR`` the last address of ``X-Forwarded-For`` (the
one our own proxy appended; earlier ones are whatever the client claimed) is used instead.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The client's IP address as this server can trust it."""
    if settings.TTHC_TRUST_X_FORWARDED_FOR:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, client: str) -> str:
    # Hashed: an address (IPv6 included) becomes a short key valid in every cache backend.
    return f"ratelimit:{scope}:{hashlib.sha256(client.encode()).hexdigest()[:32]}"


def count(scope: str, client: str) -> int:
    """How many hits of ``scope`` the client has in its current window (0 when none)."""
    return cache.get(_key(scope, client), 0)


def hit(scope: str, client: str, *, window: int) -> int:
    """Count one hit of ``scope`` for ``client``; return the count in the window, this hit included."""
    key = _key(scope, client)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add and incr: this hit opens a new one
        cache.set(key, 1, timeout=window)
        return 1


def reset(scope: str, client: str) -> None:
    cache.delete(_key(scope, client))
