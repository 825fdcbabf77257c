"""Reads from a streaming replica: which requests may, and the principal who just wrote may not.

With ``DATABASE_REPLICA_URL`` set (settings ``DATABASES["replica"]``), the reports (Form 06, the
index 766, the statistics runs), the dashboards, the home page and the API's GET requests read from
the ``replica`` alias; every write, every other request, Celery tasks and commands use ``default``
(the primary). Without the variable neither the router nor the middleware is installed, and the
project has one database as before.

A physical replica lags the primary by the time it takes to replay the WAL (milliseconds on a
quiet LAN, seconds under a bulk load). So that a user never misses what they have just written,
any non-safe request (POST, PUT, PATCH, DELETE) pins its principal to the primary for
``TTHC_REPLICA_STICKY_SECONDS`` (10 s by default), in two places:

* a cache key per principal — the user, and the API token when the request carried one — so an
  integration that keeps no cookies reads its own writes too, from any web process (the cache is
  Redis in production);
* a signed cookie for the browser that wrote, so that a browser is still pinned when the cache
  is down (``config.cache.DegradingRedisCache`` then answers "nothing cached").

Some tables are always read on the primary whatever the request (``PRIMARY_ONLY_APPS`` and
``PRIMARY_ONLY_MODELS``): sessions, users and permissions, login throttling, API tokens (a revoked
token must stop working at once). A read inside a transaction on the primary stays there, and an
object's related rows are read where the object came from.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# URL namespaces whose GET pages read from the replica, and single URL names (``home``).
REPLICA_NAMESPACES = frozenset({"reports", "dashboards"})
REPLICA_URL_NAMES = frozenset({"home"})
# API namespaces end with this; every GET of theirs reads from the replica except the ones below.
API_NAMESPACE_SUFFIX = "-api"
# The change feed promises never to pass a transaction still in progress on the primary; it is
# read where the transactions are.
PRIMARY_ONLY_URL_NAMES = frozenset({"dossiers-api:sync-dossier-changes"})

PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "contenttypes", "admin", "axes"})
PRIMARY_ONLY_MODELS = frozenset({"units.apitoken"})

PIN_COOKIE = "tthc_primary"
_PIN_SALT = "config.replica.pin"
_PIN_CACHE_PREFIX = "tthc:primary:"

# The alias reads go to during this request: None (the primary) unless the middleware chose the replica.
_reads_on: ContextVar[str | None] = ContextVar("tthc_reads_on", default=None)


def replica_configured() -> bool:
    """True when settings name a ``replica`` database (``DATABASE_REPLICA_URL`` was set)."""
    return REPLICA_DB_ALIAS in settings.DATABASES


def reads_on() -> str:
    """The alias this request's reads go to: ``"replica"`` or ``"default"``."""
    return _reads_on.get() or DEFAULT_DB_ALIAS


def sticky_seconds() -> int:
    """How long (seconds) a principal who wrote keeps reading the primary."""
    return settings.TTHC_REPLICA_STICKY_SECONDS


class PrimaryReplicaRouter:
    """Django database router: writes to ``default``; reads to the alias the middleware chose.

    ``db_for_read`` answers ``replica`` only during a request the middleware sent there, and even
    then not for primary-only models, not inside a transaction on the primary, and not for the
    relations of an object read from the primary. Migrations run on the primary only (a
    physical replica replays them).
    """

    def db_for_read(self, model, **hints):
        alias = _reads_on.get()
        if alias is None:
            return DEFAULT_DB_ALIAS
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        if model._meta.app_label in PRIMARY_ONLY_APPS or model._meta.label_lower in PRIMARY_ONLY_MODELS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows: an object read on one may point to one read on the other.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def request_reads_replica(request) -> bool:
    """Whether this request's view may read the replica: a safe method on a reporting page, a
    dashboard, the home page or an API endpoint (bar the change feed). Needs ``resolver_match``."""
    match = getattr(request, "resolver_match", None)
    if request.method not in SAFE_METHODS or match is None:
        return False
    if match.view_name in PRIMARY_ONLY_URL_NAMES:
        return False
    namespace = match.namespace or ""
    return (
        namespace in REPLICA_NAMESPACES
        or match.view_name in REPLICA_URL_NAMES
        or namespace.split(":")[-1].endswith(API_NAMESPACE_SUFFIX)
    )


def _token_principal(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    keyword, _, key = header.partition(" ")
    if keyword != "Token" or not key.strip():
        return None
    # The key itself is a secret: only a digest of it names the principal in the cache.
    return "token:" + hashlib.sha256(key.strip().encode()).hexdigest()[:32]


def _principals(request) -> list[str]:
    """The cache names of who made the request: its API token and its authenticated user."""
    names = []
    token = _token_principal(request)
    if token:
        names.append(token)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        names.append(f"user:{user.pk}")
    return names


def pin_to_primary(request, response) -> None:
    """After a non-safe request: its principals read the primary for the sticky window."""
    seconds = sticky_seconds()
    if seconds <= 0:
        return
    for name in _principals(request):
        cache.set(_PIN_CACHE_PREFIX + name, 1, timeout=seconds)
    response.set_signed_cookie(
        PIN_COOKIE,
        "1",
        salt=_PIN_SALT,
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def is_pinned_to_primary(request) -> bool:
    """Whether the request's browser or principal wrote within the sticky window."""
    seconds = sticky_seconds()
    if seconds <= 0:
        return False
    if request.get_signed_cookie(PIN_COOKIE, default=None, salt=_PIN_SALT, max_age=seconds):
        return True
    names = _principals(request)
    return bool(names) and bool(cache.get_many([_PIN_CACHE_PREFIX + name for name in names]))


class ReplicaReadsMiddleware:
    """Sends a request's reads to the replica when ``request_reads_replica`` allows it and its
    principal has not written within the sticky window; pins the principal after a write.

    Placed after ``AuthenticationMiddleware`` (it needs ``request.user``). Django leaves it out
    when no replica is configured (``MiddlewareNotUsed``); ``enabled = False`` (the test suite's
    switch for the tests that are not about the replica) makes it pass through.
    """

    enabled = True

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed("no DATABASE_REPLICA_URL: every read is on the primary")
        self.get_response = get_response

    def __call__(self, request):
        if not type(self).enabled:
            return self.get_response(request)
        token = _reads_on.set(None)
        try:
            response = self.get_response(request)
        finally:
            _reads_on.reset(token)
        if request.method not in SAFE_METHODS:
            pin_to_primary(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if type(self).enabled and request_reads_replica(request) and not is_pinned_to_primary(request):
            _reads_on.set(REPLICA_DB_ALIAS)
        return None
