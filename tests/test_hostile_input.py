"""Hostile input answers 400 or 404 on every page and endpoint, never a 500 (issue 14, item 3).

Every URL pattern of the project is walked: each of its parameters is filled with a value that
holds a NUL byte, and each path is also asked with a NUL in its query string. PostgreSQL cannot
compare text holding NUL, so before the middleware these lookups raised inside the driver.
"""

import json

import pytest

from tests.urlwalk import all_paths

pytestmark = pytest.mark.django_db


def _all_paths(value: str) -> list[str]:
    return all_paths(value)


def test_the_walk_covers_the_pages_and_endpoints_the_issue_named():
    paths = _all_paths("X%00Y")
    for expected in (
        "/api/v1/dossiers/X%00Y/",
        "/dossiers/X%00Y/",
        "/dashboards/units/X%00Y/",
        "/api/v1/units/X%00Y/",
        "/dossiers/X%00Y/receipt/",
    ):
        assert expected in paths
    assert len(paths) > 40


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_byte_in_any_path_parameter_is_a_400_for_staff(client, office_staff, method):
    client.force_login(office_staff)
    failures = {}
    for path in [each for each in _all_paths("BYT%00QLD") if "%00" in each]:
        status = getattr(client, method)(path).status_code
        if status not in (400, 404, 405):
            failures[path] = status
    assert failures == {}


def test_a_nul_byte_in_a_filter_is_a_400_on_every_page_and_endpoint(client, office_staff):
    client.force_login(office_staff)
    failures = {}
    for path in _all_paths("QLD"):
        for query in ("?unit=Q%00", "?q=%00", "?x%00=1"):
            response = client.get(path + query)
            if response.status_code != 400:
                failures[path + query] = response.status_code
    assert failures == {}


def test_the_api_says_why_in_json_and_the_pages_in_a_page(client, office_staff):
    client.force_login(office_staff)
    api = client.get("/api/v1/dossiers/?unit=Q%00", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 400
    assert api.json()["detail"] == "The address contains a NUL character."
    page = client.get("/dashboards/units/Q%00/")
    assert page.status_code == 400
    assert "Yêu cầu không hợp lệ" in page.content.decode()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_deep_to_the_token_endpoint_is_a_400(api_client, depth):
    response = api_client.post(
        "/api/v1/auth/token/", _nested(depth), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON nested more than 32 levels deep is refused."


def test_json_nested_deep_inside_an_object_is_a_400_on_a_write_endpoint(client, office_staff):
    client.force_login(office_staff)
    body = '{"procedure": "1.004567", "note": ' + _nested(50) + "}"
    response = client.post("/api/v1/dossiers/", body, content_type="application/json")
    assert response.status_code == 400


def test_json_of_ordinary_depth_still_parses(api_client):
    response = api_client.post(
        "/api/v1/auth/token/",
        json.dumps({"username": "nobody", "password": "wrong", "name": {"a": [[[1]]]}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "detail" not in response.json() or "nested" not in response.json()["detail"]
