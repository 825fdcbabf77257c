"""Every API endpoint × every token scope → the right status (issue 13, item 1).

An integration's token may use an endpoint only with the scope the endpoint names; reading the
catalogue needs none. A token with the scope gets the endpoint's own answer (a list, a 400 for
the empty body, a 404 for an unknown code); without it, a 403 before anything is read or written.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.test import APIClient

from tests.factories import UserFactory, make_token
from units.api.permissions import TokenScopes
from units.choices import TokenScope

pytestmark = pytest.mark.django_db

ANY = None  # no scope needed: any token of the unit may
R = TokenScope
NO_SUCH_DOSSIER = "BYT-QLD-251103-0042"
PERIOD = "date_from=2025-01-01&date_to=2025-01-31"

# (method, path, body, scope needed, status with the scope)
ENDPOINTS = [
    ("get", "/api/v1/units/", None, ANY, 200),
    ("post", "/api/v1/units/", {}, R.CATALOGUE_WRITE, 400),
    ("patch", "/api/v1/units/QLD/", {"name_vi": "Cục Quản lý Dược"}, R.CATALOGUE_WRITE, 200),
    ("get", "/api/v1/tenures/", None, ANY, 200),
    ("post", "/api/v1/tenures/", {}, R.CATALOGUE_WRITE, 400),
    ("get", "/api/v1/fields/", None, ANY, 200),
    ("post", "/api/v1/fields/", {}, R.CATALOGUE_WRITE, 400),
    ("get", "/api/v1/procedures/", None, ANY, 200),
    ("patch", "/api/v1/procedures/1.004567/", {}, R.CATALOGUE_WRITE, 200),
    ("get", "/api/v1/procedures/1.004567/versions/", None, ANY, 200),
    ("post", "/api/v1/procedures/1.004567/versions/", {}, R.CATALOGUE_WRITE, 400),
    ("get", "/api/v1/reduction-plans/", None, ANY, 200),
    ("post", "/api/v1/reduction-plans/", {}, R.CATALOGUE_WRITE, 400),
    ("get", "/api/v1/dossiers/", None, R.DOSSIERS_READ, 200),
    ("get", f"/api/v1/dossiers/{NO_SUCH_DOSSIER}/", None, R.DOSSIERS_READ, 404),
    ("get", f"/api/v1/dossiers/{NO_SUCH_DOSSIER}/events/", None, R.DOSSIERS_READ, 404),
    ("post", "/api/v1/dossiers/", {}, R.DOSSIERS_WRITE, 400),
    ("post", f"/api/v1/dossiers/{NO_SUCH_DOSSIER}/end/", {}, R.DOSSIERS_WRITE, 404),
    ("get", f"/api/v1/dossiers/{NO_SUCH_DOSSIER}/proposals/", None, R.DOSSIERS_READ, 404),
    ("post", f"/api/v1/dossiers/{NO_SUCH_DOSSIER}/proposals/1/approve/", {}, R.DOSSIERS_WRITE, 404),
    ("get", "/api/v1/feedback/", None, R.FEEDBACK_READ, 200),
    ("post", "/api/v1/feedback/", {}, R.FEEDBACK_WRITE, 400),
    ("get", "/api/v1/messages/", None, R.MESSAGES_READ, 200),
    ("post", "/api/v1/messages/999/retry/", {}, R.MESSAGES_WRITE, 404),
    ("get", f"/api/v1/stats/form06/?{PERIOD}", None, R.STATS_READ, 200),
    ("get", f"/api/v1/stats/rates/?{PERIOD}", None, R.STATS_READ, 200),
    ("get", f"/api/v1/stats/feedback/?{PERIOD}", None, R.STATS_READ, 200),
    ("get", f"/api/v1/stats/index766/?{PERIOD}", None, R.STATS_READ, 200),
    ("get", "/api/v1/emulation/", None, R.EMULATION_READ, 200),
    ("get", "/api/v1/emulation/2025/units/", None, R.EMULATION_READ, 404),
    ("get", "/api/v1/emulation/2025/leaders/", None, R.EMULATION_READ, 404),
    ("post", "/api/v1/sync/dossiers/", {}, R.SYNC, 400),
    ("get", "/api/v1/sync/dossiers/changes/", None, R.SYNC, 200),
]
SCOPES = [None, *TokenScope.values]  # None: a token with no scope at all


@pytest.fixture
def catalogue(unit_a, procedure):
    return procedure


def call(key, method, path, body):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return getattr(client, method)(path, body, format="json") if body is not None else client.get(path)


@pytest.mark.parametrize(("method", "path", "body", "needed", "ok"), ENDPOINTS, ids=lambda v: str(v)[:40])
def test_each_scope_gets_the_right_status(catalogue, method, path, body, needed, ok):
    user = UserFactory(username="integration")
    answers, wanted = {}, {}
    for scope in SCOPES:
        _token, key = make_token(
            user=user, name=f"only {scope}", all_units=True, scopes=[scope] if scope else [], source_system="portal"
        )
        answers[scope] = call(key, method, path, body).status_code
        wanted[scope] = ok if needed is None or scope == needed else 403
    assert answers == wanted


def test_the_portal_token_cannot_touch_the_catalogue(catalogue, unit_a):
    """The issue's four requests with the demo portal's scopes (dossiers and sync)."""
    _token, key = make_token(
        user=UserFactory(username="congdvc"), all_units=True, scopes=["dossiers:read", "dossiers:write", "sync"]
    )
    assert call(key, "patch", "/api/v1/units/QLD/", {"name_vi": "Bị đổi tên"}).status_code == 403
    assert call(key, "post", "/api/v1/fields/", {"code": "x", "name_vi": "X", "name_en": "X"}).status_code == 403
    assert call(key, "patch", "/api/v1/procedures/1.004567/", {"name_vi": "Bị đổi"}).status_code == 403
    assert call(key, "post", "/api/v1/tenures/", {}).status_code == 403
    response = call(key, "get", "/api/v1/stats/form06/?" + PERIOD, None)
    assert response.status_code == 403
    assert "stats:read" in response.json()["detail"]
    unit_a.refresh_from_db()
    assert unit_a.name_vi == "Cục Quản lý Dược"
    assert call(key, "get", "/api/v1/dossiers/", None).status_code == 200


def test_a_unit_scoped_catalogue_token_writes_its_own_units_procedures_only(catalogue, unit_b):
    _token, key = make_token(
        user=UserFactory(username="qld-system"), units=[catalogue.unit], scopes=["catalogue:write"]
    )
    assert call(key, "patch", "/api/v1/procedures/1.004567/", {"name_en": "Licence"}).status_code == 200
    assert call(key, "patch", "/api/v1/units/QLD/", {"name_en": "Drugs"}).status_code == 403  # units: office only


def test_a_token_with_its_users_rights_is_not_limited_by_scopes(catalogue, officer_a):
    _token, key = make_token(user=officer_a, inherit_user_scope=True)
    assert call(key, "get", "/api/v1/dossiers/", None).status_code == 200
    assert call(key, "patch", "/api/v1/units/QLD/", {"name_en": "Drugs"}).status_code == 403  # an officer's rights


def test_every_endpoint_names_its_scopes_and_is_in_the_matrix():
    """A new endpoint must say which scope it needs, and the matrix above must try it."""
    tried = {resolve(path.split("?")[0]).func.cls for _method, path, *_rest in ENDPOINTS}
    unnamed, untried = [], []
    for route, view in _api_views():
        if view.__name__ == "APIRootView":  # the routers' index of links: refused to scoped tokens
            continue
        if TokenScopes not in view.permission_classes or not hasattr(view, "token_scopes"):
            unnamed.append(route)
        if view not in tried:
            untried.append(route)
    assert unnamed == []
    assert untried == []


def _api_views():
    """``(route, view class)`` of every endpoint under /api/v1/ but the password-for-token exchange."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                view = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
                if route.startswith("api/v1/") and not route.startswith("api/v1/auth/") and view is not None:
                    yield route, view

    yield from walk(get_resolver().url_patterns)
