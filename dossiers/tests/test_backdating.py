"""Times in the past: who may give them, how they are marked, and submitted periods.

Issue 14, item 7: an officer ended a dossier seven weeks overdue with ``at`` set just after its
previous step, and it became early. Issue 10, item 5: receiving or acting with a time on or before
the end of a submitted reporting period needs a reason and is marked; backdating a receipt beyond
``TTHC_RECEIPT_BACKDATE_DAYS`` is refused on the web form, allowed through the API with the mark.
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from dossiers import services
from dossiers.backdating import Origin
from dossiers.choices import Channel, Outcome, Timeliness
from dossiers.models import ClosedPeriod, Dossier
from tests.factories import make_token
from tests.helpers import local

pytestmark = pytest.mark.django_db

RECEIVED = local(2025, 9, 8, 9)  # Monday; 5 working days: due 15/09/2025
NOW = local(2025, 11, 3, 10)  # seven weeks after the appointment date


@pytest.fixture
def overdue(receive):
    """A dossier received 08/09/2025, due 15/09/2025, still open on 03/11/2025 (seven weeks overdue)."""
    with time_machine.travel(RECEIVED, tick=False):
        dossier = receive(RECEIVED)
    assert dossier.appointment_date == datetime.date(2025, 9, 15)
    return dossier


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def token_client(user, *, source: str = "", monkeypatch=None):
    """An API client with a token of ``user``; ``source`` marks the token as a source system's."""
    token, key = make_token(user=user, all_units=True, scopes=["dossiers:read", "dossiers:write"])
    if source:
        # The flag on the token is issue 16's ``ApiToken.source_system``; read through one function.
        monkeypatch.setattr("dossiers.api.views.source_system_of", lambda request: source)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def end_url(dossier):
    return f"/api/v1/dossiers/{dossier.code}/end/"


class TestAStepDatedInThePast:
    def test_an_officer_s_token_cannot_end_a_dossier_just_after_its_previous_step(self, overdue, officer_a):
        response = token_client(officer_a).post(
            end_url(overdue), {"outcome": "resolved", "at": "2025-09-08T09:30:00+07:00"}, format="json"
        )
        assert response.status_code == 400
        assert "at most 5 minutes" in response.json()["errors"]["at"][0]
        overdue.refresh_from_db()
        assert (overdue.status, overdue.backdated) == ("processing", False)

    def test_the_web_form_refuses_it_too(self, client, overdue, officer_a):
        client.force_login(officer_a)
        response = client.post(
            f"/dossiers/{overdue.code}/actions/end/",
            {"outcome": "resolved", "at": "2025-09-08T09:30", "version": overdue.event_count},
        )
        assert response.status_code == 200  # the form again, with the message under the field
        assert "5" in response.context["form"].errors["at"][0]
        assert Dossier.objects.get(pk=overdue.pk).status == "processing"

    def test_a_few_minutes_back_is_still_now(self, overdue, officer_a):
        response = token_client(officer_a).post(
            end_url(overdue), {"outcome": "resolved", "at": "2025-11-03T09:57:00+07:00"}, format="json"
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["timeliness"], body["backdated"]) == (Timeliness.LATE, False)

    def test_the_tolerance_is_a_setting(self, overdue, officer_a, settings):
        settings.TTHC_PAST_TOLERANCE_MINUTES = 1
        response = token_client(officer_a).post(
            end_url(overdue), {"outcome": "resolved", "at": "2025-11-03T09:57:00+07:00"}, format="json"
        )
        assert response.status_code == 400
        assert "at most 1 minutes" in response.json()["errors"]["at"][0]

    def test_a_source_system_s_token_gives_its_own_time_and_it_is_marked(self, overdue, officer_a, monkeypatch):
        response = token_client(officer_a, source="mcdt-byt", monkeypatch=monkeypatch).post(
            end_url(overdue), {"outcome": "resolved", "at": "2025-09-08T09:30:00+07:00"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["backdated"] is True
        ended = overdue.events.get(kind="ended")
        assert ended.data["late_entry"] == {
            "recorded_at": NOW.astimezone(datetime.UTC).isoformat(),
            "origin": "source",
            "source": "mcdt-byt",
            "reason": "",
            "closed_period": "",
        }

    def test_the_dossier_page_shows_the_mark(self, client, overdue, officer_a):
        services.dossier_end(
            dossier=overdue, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 9, 10), origin=Origin.SOURCE
        )
        client.force_login(officer_a)
        html = client.get(f"/dossiers/{overdue.code}/").content.decode()
        assert "Nhập muộn" in html  # the badge, in the default language


class TestClosedPeriods:
    @pytest.fixture
    def closed(self):
        return ClosedPeriod.objects.create(
            label="Tháng 10 năm 2025", date_from=datetime.date(2025, 9, 15), date_to=datetime.date(2025, 10, 14)
        )

    def test_a_source_step_in_a_submitted_period_needs_the_ministry_office(self, closed, overdue, officer_a):
        with pytest.raises(ValidationError) as error:
            services.dossier_end(
                dossier=overdue,
                by=officer_a,
                outcome=Outcome.RESOLVED,
                at=local(2025, 10, 1),
                origin=Origin.SOURCE,
                source="mcdt-byt",
                backdate_reason="Đồng bộ chậm",
            )
        assert "Tháng 10 năm 2025" in error.value.message_dict["at"][0]

    def test_and_a_reason(self, closed, overdue, office_staff):
        with pytest.raises(ValidationError) as error:
            services.dossier_end(
                dossier=overdue, by=office_staff, outcome=Outcome.RESOLVED, at=local(2025, 10, 1), origin=Origin.SOURCE
            )
        assert "Tháng 10 năm 2025" in error.value.message_dict["backdate_reason"][0]
        dossier = services.dossier_end(
            dossier=overdue,
            by=office_staff,
            outcome=Outcome.RESOLVED,
            at=local(2025, 10, 1),
            origin=Origin.SOURCE,
            source="mcdt-byt",
            backdate_reason="Cổng một cửa đồng bộ chậm",
        )
        assert dossier.backdated is True
        late = dossier.events.get(kind="ended").data["late_entry"]
        assert (late["closed_period"], late["reason"]) == ("Tháng 10 năm 2025", "Cổng một cửa đồng bộ chậm")

    def test_a_step_after_the_period_needs_nothing_more(self, closed, overdue, officer_a):
        dossier = services.dossier_end(
            dossier=overdue, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 10, 20), origin=Origin.SOURCE
        )
        assert dossier.events.get(kind="ended").data["late_entry"]["closed_period"] == ""


class TestReceipts:
    def receive_on_the_web(self, client, procedure, officer_a, received_at, **extra):
        client.force_login(officer_a)
        return client.post(
            "/dossiers/new/",
            {
                "procedure": procedure.pk,
                "channel": Channel.IN_PERSON,
                "applicant_kind": "person",
                "applicant_name": "Nguyễn Văn An",
                "received_at": received_at,
                "fee_amount": "0",
                **extra,
            },
        )

    def test_the_web_form_refuses_a_receipt_more_than_30_days_back(self, client, procedure, officer_a):
        response = self.receive_on_the_web(client, procedure, officer_a, "2025-09-26T09:00")
        assert response.status_code == 200  # the form again, with the message under the field
        assert "30" in response.context["form"].errors["received_at"][0]
        assert not Dossier.objects.exists()

    def test_within_30_days_it_is_received_and_marked(self, client, procedure, officer_a):
        response = self.receive_on_the_web(client, procedure, officer_a, "2025-10-20T09:00")
        assert response.status_code == 302
        dossier = Dossier.objects.get()
        assert dossier.backdated is True
        assert dossier.events.get().data["late_entry"]["origin"] == "desk"

    def test_the_limit_is_a_setting(self, client, procedure, officer_a, settings):
        settings.TTHC_RECEIPT_BACKDATE_DAYS = 5
        response = self.receive_on_the_web(client, procedure, officer_a, "2025-10-20T09:00")
        assert "5" in response.context["form"].errors["received_at"][0]

    def test_the_api_accepts_two_years_back_with_the_mark(self, procedure, officer_a):
        response = token_client(officer_a).post(
            "/api/v1/dossiers/",
            {
                "procedure": procedure.code,
                "channel": "online",
                "applicant_name": "Nguyễn Văn An",
                "received_at": "2023-10-27T09:00:00+07:00",
            },
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["backdated"] is True

    def test_a_receipt_now_is_not_marked(self, procedure, officer_a):
        dossier = services.dossier_receive(
            procedure=procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="An"),
            by=officer_a,
            origin=Origin.DESK,
        )
        assert dossier.backdated is False
        assert "late_entry" not in dossier.events.get().data
