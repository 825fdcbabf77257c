"""The OpenAPI schema of the units and catalogue endpoints is clean; the docs need no CDN."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_schema_of_units_and_catalogue_generates_without_warnings():
    # Only this endpoints: other apps' schema is their own tests' business.
    patterns = [path("api/v1/", include("units.api.urls")), path("api/v1/", include("procedures.api.urls"))]
    GENERATOR_STATS.reset()

    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    validate_schema(schema)
    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}
    assert sorted(schema["paths"]) == [
        "/api/v1/auth/token/",
        "/api/v1/fields/",
        "/api/v1/fields/{code}/",
        "/api/v1/procedures/",
        "/api/v1/procedures/{code}/",
        "/api/v1/procedures/{code}/flags/",
        "/api/v1/procedures/{procedure_code}/versions/",
        "/api/v1/procedures/{procedure_code}/versions/{id}/",
        "/api/v1/reduction-plans/",
        "/api/v1/reduction-plans/summary/",
        "/api/v1/reduction-plans/{id}/",
        "/api/v1/tenures/",
        "/api/v1/tenures/{id}/",
        "/api/v1/units/",
        "/api/v1/units/{code}/",
    ]


def test_swagger_ui_is_served_from_our_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn." not in page
    assert "unpkg" not in page
