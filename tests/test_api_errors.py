"""What the API refuses and how it says so (issue 13, items 11 and 12).

Item 11: input that used to be silently accepted is a 400 naming the field. Item 12: every error
under /api/ is JSON of one shape, ``{"detail", "code", "errors"}``, whatever raised it (DRF, the
services, Django's URL resolver, a crash), and DRF's own messages follow Accept-Language.
"""

import pytest
import time_machine
from django.test import override_settings
from rest_framework.test import APIClient

from dossiers import services
from dossiers.choices import Outcome
from tests.helpers import local

pytestmark = pytest.mark.django_db

URL = "/api/v1/dossiers/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture
def api(client_for, officer_a):
    client = client_for(officer_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def body(**overrides):
    return {"procedure": "1.004567", "channel": "online", "applicant_name": "Nguyễn Văn An", **overrides}


def assert_shape(response, status, code):
    data = response.json()
    assert response.status_code == status, data
    assert set(data) == {"detail", "code", "errors"}
    assert data["code"] == code
    assert data["detail"]
    return data


def field_errors(response):
    return assert_shape(response, 400, "invalid")["errors"]


# --- Item 11 ---------------------------------------------------------------------------------


class TestRefusedInput:
    def test_reversed_ranges(self, api, procedure):
        response = api.get(URL, {"received_from": "2025-11-10", "received_to": "2025-11-01"})
        assert list(field_errors(response)) == ["received_to"]
        response = api.get(URL, {"ended_from": "2025-11-10", "ended_to": "2025-11-01"})
        assert list(field_errors(response)) == ["ended_to"]
        response = api.get("/api/v1/feedback/", {"received_from": "2025-11-10", "received_to": "2025-11-01"})
        assert list(field_errors(response)) == ["received_to"]
        assert api.get(URL, {"received_from": "2025-11-01", "received_to": "2025-11-01"}).status_code == 200

    @pytest.mark.parametrize("size", ["0", "-5", "ten", "1.5"])
    def test_a_page_size_that_is_not_a_positive_whole_number(self, api, procedure, size):
        errors = field_errors(api.get(URL, {"page_size": size}))
        assert errors == {"page_size": ["Give a whole number from 1 to 500."]}

    def test_a_large_page_size_still_gives_pages_of_500(self, api, procedure):
        assert api.get(URL, {"page_size": "100000"}).status_code == 200

    def test_an_unknown_field_in_a_body(self, api, receive):
        dossier = receive(local(2025, 11, 10, 9))
        response = api.post(f"{URL}{dossier.code}/end/", {"outcome": "resolved", "status": "returned"})
        assert field_errors(response) == {"status": ["This field is not known here; see the API documentation."]}
        dossier.refresh_from_db()
        assert dossier.outcome == ""
        response = api.post(URL, body(priority="high"))
        assert list(field_errors(response)) == ["priority"]

    def test_a_code_of_another_unit_than_the_procedures(self, api, procedure, unit_b):
        errors = field_errors(api.post(URL, body(code="BYT-ATTP-251112-0001")))
        assert list(errors) == ["code"]

    @pytest.mark.parametrize("phone", ["not a phone", "12", "0912-abc-678", "+84 912 345 678 999 000"])
    def test_a_phone_that_is_not_a_phone(self, api, procedure, phone):
        assert list(field_errors(api.post(URL, body(applicant_phone=phone)))) == ["applicant_phone"]

    def test_a_phone_with_separators_is_kept_as_digits(self, api, procedure):
        response = api.post(URL, body(applicant_phone="+84 912.345-678"))
        assert response.status_code == 201
        assert response.json()["applicant_phone"] == "+84912345678"

    @pytest.mark.parametrize("mark", ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff"])
    def test_bidi_and_zero_width_characters_in_a_name(self, api, procedure, mark):
        errors = field_errors(api.post(URL, body(applicant_name=f"Nguyễn{mark} Văn An")))
        assert list(errors) == ["applicant_name"]
        assert f"U+{ord(mark):04X}" in errors["applicant_name"][0]

    def test_a_decomposed_name_is_stored_composed(self, api, procedure):
        decomposed = "Nguye\u0302\u0303n Va\u0306n An"  # as a Mac keyboard may send it
        response = api.post(URL, body(applicant_name=decomposed))
        assert response.status_code == 201
        assert response.json()["applicant_name"] == "Nguyễn Văn An"

    def test_a_note_of_200000_characters(self, api, receive):
        dossier = receive(local(2025, 11, 10, 9))
        response = api.post(f"{URL}{dossier.code}/request-supplement/", {"note": "x" * 200_000})
        assert field_errors(response) == {"note": ["Ensure this field has no more than 2000 characters."]}
        assert list(field_errors(api.post(URL, body(note="x" * 200_000)))) == ["note"]

    def test_a_rating_on_a_withdrawn_dossier(self, api, receive, officer_a):
        dossier = receive(local(2025, 11, 10, 9))
        services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.WITHDRAWN, note="Người nộp rút hồ sơ")
        shown = api.get(f"{URL}{dossier.code}/").json()
        assert "rate" not in shown["allowed_actions"]
        response = api.post(f"{URL}{dossier.code}/rating/", {"satisfied": True})
        assert list(field_errors(response)) == ["satisfied"]


# --- Item 12 ---------------------------------------------------------------------------------


class TestOneShape:
    def test_an_unknown_year_whether_or_not_a_route_matches(self, api):
        assert_shape(api.get("/api/v1/emulation/1999/"), 404, "not_found")
        assert_shape(api.get("/api/v1/emulation/20x5/"), 404, "not_found")
        assert_shape(api.get("/api/v1/no-such-thing/"), 404, "not_found")

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
    def test_a_body_over_the_limit_is_a_413(self, api, procedure):
        response = api.post(URL, body(note="x" * 20_000), format="json")
        assert_shape(response, 413, "too_large")

    def test_a_method_not_allowed_is_a_405(self, api, receive):
        dossier = receive(local(2025, 11, 10, 9))
        data = assert_shape(api.delete(f"{URL}{dossier.code}/"), 405, "method_not_allowed")
        assert data["detail"] == 'Method "DELETE" not allowed.'

    def test_401_403_409(self, client_for, officer_b, api, receive):
        anonymous = APIClient().get(URL, HTTP_ACCEPT_LANGUAGE="en")
        assert anonymous.status_code in (401, 403)
        assert set(anonymous.json()) == {"detail", "code", "errors"}
        dossier = receive(local(2025, 11, 10, 9))
        api.post(f"{URL}{dossier.code}/end/", {"outcome": "resolved"})
        assert_shape(api.post(f"{URL}{dossier.code}/end/", {"outcome": "resolved"}), 409, "not_allowed")
        other = client_for(officer_b).post(f"{URL}{dossier.code}/return/", {})  # B reads nothing of A's
        assert_shape(other, 404, "not_found")
        query = {"date_from": "2025-11-01", "date_to": "2025-11-10", "unit": "QLD"}
        assert_shape(client_for(officer_b).get("/api/v1/stats/form06/", query), 403, "permission_denied")

    def test_a_crash_is_a_json_500(self, api, monkeypatch):
        from units.api import views

        def crash(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(views.UnitViewSet, "list", crash)
        api.raise_request_exception = False
        assert_shape(api.get("/api/v1/units/"), 500, "server_error")

    def test_drfs_own_messages_in_vietnamese(self, client_for, officer_a, procedure):
        api = client_for(officer_a)
        response = api.post(URL, {"channel": "online"}, HTTP_ACCEPT_LANGUAGE="vi")
        errors = field_errors(response)
        assert errors["procedure"] == ["Trường này là bắt buộc."]
        response = api.delete(URL + "BYT-QLD-251110-0001/", HTTP_ACCEPT_LANGUAGE="vi")
        assert response.json()["detail"] == "Phương thức “DELETE” không được chấp nhận."
        response = api.get(URL, {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.json()["errors"] == {"page_size": ["Hãy nhập một số nguyên từ 1 đến 500."]}
