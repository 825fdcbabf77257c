"""One receipt through ``POST /api/v1/dossiers/`` costs at most 8 SQL statements (issue 16).

Counted as a request outside any test transaction sees them (``transaction=True``: no savepoint
of the test's own), once the token was used in the last minute and the calendar is cached, as in
steady use: the token, the procedure with its unit and field, its version with the ministry's
code, the day's counter (one upsert), the dossier, its receipt event, its interval.
"""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers.models import Dossier, DossierCodeCounter
from tests.factories import UserFactory, make_token
from tests.helpers import local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(api_client, procedure):
    options = {"all_units": True, "scopes": ["dossiers:read", "dossiers:write"], "source_system": "mcdt"}
    _token, key = make_token(user=UserFactory(username="mcdt"), name="one-stop", **options)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return api_client


def receive(api, **extra):
    body = {"procedure": "1.004567", "channel": "online", "applicant_name": "Nguyễn Văn An", **extra}
    return api.post("/api/v1/dossiers/", body, format="json")


def test_a_receipt_costs_at_most_eight_statements_and_answers_what_it_wrote(api):
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        assert receive(api).status_code == 201  # the token's use and the calendar, once
        with CaptureQueriesContext(connection) as queries:
            response = receive(api)
    assert response.status_code == 201, response.content
    assert len(queries) <= 8, "\n".join(query["sql"][:120] for query in queries)
    assert not [query for query in queries if "SAVEPOINT" in query["sql"]]
    body = response.json()
    stored = Dossier.objects.select_related("procedure", "unit", "field").get(code=body["code"])
    assert body["code"] == "BYT-QLD-251112-0002"
    assert response["Location"].endswith(f"/api/v1/dossiers/{stored.code}/")
    assert (body["procedure"], body["unit"], body["field"]) == (
        stored.procedure.code,
        stored.unit.code,
        stored.field.code,
    )
    assert (body["appointment_date"], body["version"], body["status"]) == ("2025-11-19", 1, "processing")
    assert body["allowed_actions"] == ["end", "request_supplement", "reappoint"]
    assert DossierCodeCounter.objects.get().last_number == 2


def test_a_number_taken_by_a_pushed_dossier_is_skipped_without_a_savepoint(api):
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        first = receive(api).json()["code"]
        # A dossier pushed earlier with the number the counter gives next.
        Dossier.objects.filter(code=first).update(code="BYT-QLD-251112-0002")
        DossierCodeCounter.objects.update(last_number=1)
        response = receive(api)
        assert response.status_code == 201, response.content
        assert response.json()["code"] == "BYT-QLD-251112-0003"
        repeated = receive(api, code="HCM-2511-0001")
        assert repeated.status_code == 201
        again = receive(api, code="HCM-2511-0001")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_code"
    assert Dossier.objects.count() == 3
