"""/api/schema/ and /api/docs/: every operation summarised and described, in English (issue 13 item 13)."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db
VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]")


@pytest.fixture
def schema(client, office_staff):
    client.force_login(office_staff)
    response = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [name for name, operation in operations(schema) if not operation.get("summary")]
    undescribed = [name for name, operation in operations(schema) if not operation.get("description")]
    assert missing == []
    assert undescribed == []
    summaries = dict(operations(schema))
    assert summaries["GET /api/v1/dossiers/"]["summary"] == "List dossiers"
    assert summaries["POST /api/v1/dossiers/{code}/reappoint/"]["summary"]


def test_the_schema_is_english_even_for_a_vietnamese_client(schema):
    text = yaml.safe_dump(schema, allow_unicode=True)
    # Vietnamese appears only in the examples' data (names, reasons), never in the prose.
    prose = [
        (name, operation.get("summary", ""), operation.get("description", "")) for name, operation in operations(schema)
    ]
    assert [entry for entry in prose if VIETNAMESE.search(entry[1] + entry[2])] == []
    assert "Authenticate with" in text


def test_the_receive_operation_has_request_and_response_examples(schema):
    operation = schema["paths"]["/api/v1/dossiers/"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["examples"]
    assert operation["responses"]["201"]["content"]["application/json"]["examples"]
    assert operation["responses"]["400"]["content"]["application/json"]["examples"]
