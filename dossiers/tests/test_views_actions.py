"""The lifecycle forms on a dossier's page and the printables (receipt, apology letter)."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from dossiers import services
from dossiers.choices import EventKind, Outcome, Status, Timeliness
from dossiers.models import Dossier
from tests.factories import PersonFactory, TenureFactory
from tests.helpers import local
from units.templatetags.tthc import person_name

D = datetime.date
pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)  # a Monday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def in_vietnamese(message: str, **values) -> str:
    """``message`` as the page shows it in the default language (whether or not translated yet)."""
    with translation.override("vi"):
        return translation.gettext(message) % values


@pytest.fixture
def dossier(receive):
    """Received Wednesday 25/02/2026 10:00, due Wednesday 04/03: every step still open today."""
    return receive(local(2026, 2, 25, 10))


def act(client, dossier, action, **data):
    data.setdefault("version", dossier.event_count)
    return client.post(reverse("dossiers:action", args=[dossier.code, action]), data)


def snapshot(dossier) -> tuple:
    """What a refused step must leave untouched."""
    fresh = Dossier.objects.get(pk=dossier.pk)
    return fresh.event_count, fresh.status, fresh.appointment_date, fresh.updated_at, fresh.events.count()


class TestEachStep:
    def test_form_carries_the_version_the_page_was_loaded_at(self, client, officer_a, dossier):
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:action", args=[dossier.code, "end"]))
        assert response.status_code == 200
        assert '<input type="hidden" name="version" value="1"' in response.content.decode()

    def test_request_supplement(self, client, officer_a, dossier):
        client.force_login(officer_a)
        response = act(client, dossier, "request_supplement", note="Bổ sung bản sao giấy phép kinh doanh")
        assert response.status_code == 302
        assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])
        dossier.refresh_from_db()
        assert (dossier.status, dossier.supplement_count) == (Status.AWAITING_SUPPLEMENT, 1)
        event = dossier.events.last()
        assert (event.kind, event.by, event.at, event.note) == (
            EventKind.SUPPLEMENT_REQUESTED,
            officer_a,
            NOW,
            "Bổ sung bản sao giấy phép kinh doanh",
        )

    def test_step_recorded_in_the_past(self, client, officer_a, dossier):
        client.force_login(officer_a)
        # A few minutes back at most (dossiers.backdating): the officer fills the form in just after.
        with time_machine.travel(local(2026, 2, 26, 10, 4), tick=False):
            act(client, dossier, "request_supplement", note="Thiếu bản sao", at="2026-02-26T10:00")
        assert dossier.events.last().at == local(2026, 2, 26, 10)

    def test_receive_supplement_moves_the_appointment(self, client, officer_a, dossier):
        dossier = services.dossier_request_supplement(
            dossier=dossier, by=officer_a, note="Thiếu bản sao", at=local(2026, 2, 26, 10)
        )
        client.force_login(officer_a)
        act(client, dossier, "receive_supplement", note="Đã nhận đủ")
        dossier.refresh_from_db()
        # Paused on Friday 27/02 and Monday 02/03: two working days later than Wednesday 04/03.
        assert (dossier.status, dossier.appointment_date) == (Status.PROCESSING, D(2026, 3, 6))

    def test_reappoint_is_a_proposal_for_the_head(self, client, officer_a, dossier):
        """Issue 13: the head approves re-appointments; the officer's form proposes one."""
        client.force_login(officer_a)
        response = act(client, dossier, "reappoint", new_date="2026-03-10", reason="Chờ ý kiến thẩm định")
        dossier.refresh_from_db()
        assert (dossier.reappointed_date, dossier.appointment_date) == (None, D(2026, 3, 4))
        assert dossier.proposals.get().new_date == D(2026, 3, 10)
        [message] = get_messages(response.wsgi_request)
        assert "proposed" in str(message) or "đề xuất" in str(message)

    def test_end(self, client, officer_a, dossier):
        client.force_login(officer_a)
        act(client, dossier, "end", outcome=Outcome.REFUSED, note="Không đủ điều kiện")
        dossier.refresh_from_db()
        assert (dossier.status, dossier.outcome, dossier.timeliness, dossier.ended_on) == (
            Status.ENDED,
            Outcome.REFUSED,
            Timeliness.EARLY,
            D(2026, 3, 2),
        )

    def test_return_then_rate(self, client, officer_a, dossier):
        dossier = services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED)
        client.force_login(officer_a)
        act(client, dossier, "return")
        dossier.refresh_from_db()
        assert (dossier.status, dossier.returned_at) == (Status.RETURNED, NOW)
        act(client, dossier, "rate", satisfied="false", comment="Phải đi lại nhiều lần")
        dossier.refresh_from_db()
        assert dossier.satisfied is False
        assert dossier.events.last().note == "Phải đi lại nhiều lần"


class TestRefusals:
    def test_step_not_allowed_now_is_a_409_that_changes_nothing(self, client, officer_a, dossier):
        before = snapshot(dossier)
        client.force_login(officer_a)
        response = act(client, dossier, "receive_supplement")
        assert response.status_code == 409
        assert response.context["conflict"] == in_vietnamese(
            "Dossier %(code)s is not awaiting a supplement.", code=dossier.code
        )
        assert 'id="conflict"' in response.content.decode()
        assert snapshot(dossier) == before

    def test_stale_form_is_a_409_that_changes_nothing(self, client, officer_a, dossier):
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:action", args=[dossier.code, "end"]))
        loaded_version = page.context["form"]["version"].value()
        # Meanwhile a colleague asks the applicant for a supplement.
        services.dossier_request_supplement(dossier=dossier, by=officer_a, note="Thiếu bản sao")
        before = snapshot(dossier)
        response = act(client, dossier, "end", outcome=Outcome.RESOLVED, version=loaded_version)
        assert response.status_code == 409
        assert response.context["conflict"] == in_vietnamese(
            "Dossier %(code)s was changed by someone else meanwhile; reload it and try again.", code=dossier.code
        )
        assert snapshot(dossier) == before

    @pytest.mark.parametrize(
        "action, data, field, message",
        [
            (
                "reappoint",
                {"new_date": "2026-03-03", "reason": "Chờ thẩm định"},
                "new_date",
                ("The new date must be after the appointment date %(appointment)s.", {"appointment": "04/03/2026"}),
            ),
            (
                "reappoint",
                {"new_date": "2026-03-10", "reason": " "},
                "reason",
                ("Give the reason for the delay; it is printed in the apology letter.", {}),
            ),
            ("end", {"outcome": "refused", "note": ""}, "note", ("A refusal or a stop must state its reason.", {})),
            ("request_supplement", {"note": ""}, "note", ("Say what the applicant must supplement.", {})),
            ("end", {"outcome": "resolved", "at": "2026-03-02T10:00"}, "at", ("This time lies in the future.", {})),
        ],
    )
    def test_bad_input_is_a_field_error_that_changes_nothing(
        self, client, officer_a, dossier, action, data, field, message
    ):
        before = snapshot(dossier)
        client.force_login(officer_a)
        response = act(client, dossier, action, **data)
        assert response.status_code == 200
        errors = response.context["form"].errors
        msgid, values = message
        assert errors == {field: [in_vietnamese(msgid, **values)]}
        assert snapshot(dossier) == before

    def test_step_before_the_previous_one_is_a_field_error(self, client, officer_a, dossier):
        client.force_login(officer_a)
        response = act(client, dossier, "end", outcome="resolved", at="2026-02-25T09:00")
        assert list(response.context["form"].errors) == ["at"]

    def test_auditor_and_head_may_not_end_a_dossier(self, client, auditor, head_a, dossier):
        before = snapshot(dossier)
        for user in (auditor, head_a):
            client.force_login(user)
            assert client.get(reverse("dossiers:action", args=[dossier.code, "end"])).status_code == 403
            assert act(client, dossier, "end", outcome=Outcome.RESOLVED).status_code == 403
        assert snapshot(dossier) == before

    def test_head_of_the_unit_may_reappoint(self, client, head_a, dossier):
        client.force_login(head_a)
        response = act(client, dossier, "reappoint", new_date="2026-03-10", reason="Chờ ý kiến thẩm định")
        assert response.status_code == 302
        assert Dossier.objects.get(pk=dossier.pk).events.last().by == head_a

    def test_another_units_officer_gets_404(self, client, officer_b, dossier):
        client.force_login(officer_b)
        assert act(client, dossier, "end", outcome=Outcome.RESOLVED).status_code == 404
        assert client.get(reverse("dossiers:receipt", args=[dossier.code])).status_code == 404

    def test_unknown_step_is_404(self, client, officer_a, dossier):
        client.force_login(officer_a)
        assert client.get(reverse("dossiers:action", args=[dossier.code, "delete"])).status_code == 404


class TestPrintables:
    def test_receipt_gives_the_appointment_date_after_tet(self, client, officer_a, receive):
        dossier = receive(local(2026, 2, 12, 10), note="Đơn đề nghị; bản sao giấy phép")
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:receipt", args=[dossier.code]))
        page = response.content.decode()
        assert response.status_code == 200
        assert "ngày 26 tháng 02 năm 2026" in page
        assert "10 giờ 00 phút, ngày 12 tháng 02 năm 2026" in page
        for text in (dossier.code, "Nguyễn Văn An", "1.004567", "Cục Quản lý Dược", "Bộ Y tế", "bản sao giấy phép"):
            assert text in page
        assert f'<div class="name" id="receiving-officer">{person_name(officer_a)}</div>' in page
        assert 'onclick="window.print()"' in page

    def test_no_apology_letter_before_a_reappointment(self, client, officer_a, dossier):
        client.force_login(officer_a)
        assert client.get(reverse("dossiers:apology", args=[dossier.code])).status_code == 404

    def test_apology_letter_is_signed_by_the_head_on_the_day_of_the_apology(self, client, officer_a, unit_a, dossier):
        TenureFactory(
            unit=unit_a,
            person=PersonFactory(full_name="Vũ Tuấn Cường", title="Cục trưởng"),
            start_date=D(2020, 3, 1),
            end_date=D(2026, 2, 28),
        )
        TenureFactory(
            unit=unit_a,
            person=PersonFactory(full_name="Nguyễn Thành Lâm", title="Cục trưởng"),
            start_date=D(2026, 3, 1),
        )
        services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ ý kiến thẩm định của Hội đồng"
        )
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:apology", args=[dossier.code])).content.decode()
        assert '<div class="name" id="signer">Nguyễn Thành Lâm</div>' in page
        assert "Vũ Tuấn Cường" not in page
        assert "Cục trưởng" in page
        assert "Chờ ý kiến thẩm định của Hội đồng" in page
        assert "ngày 04 tháng 03 năm 2026" in page  # the appointment date the apology moves
        assert "ngày 10 tháng 03 năm 2026" in page  # the new date

    def test_back_dated_apology_is_signed_by_the_head_of_that_day(self, client, officer_a, unit_a, dossier):
        TenureFactory(unit=unit_a, person=PersonFactory(full_name="Vũ Tuấn Cường"), end_date=D(2026, 2, 28))
        TenureFactory(unit=unit_a, person=PersonFactory(full_name="Nguyễn Thành Lâm"), start_date=D(2026, 3, 1))
        services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ thẩm định", at=local(2026, 2, 27, 16)
        )
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:apology", args=[dossier.code])).content.decode()
        assert '<div class="name" id="signer">Vũ Tuấn Cường</div>' in page
