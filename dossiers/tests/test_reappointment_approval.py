"""Re-appointment approval (issue 13 item 5): the officer proposes, the head approves or declines,
and the apology letter is signed by the head who approved. The deadline (at least one working day
before the appointment date) applies to the proposal."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dossiers import services
from dossiers.choices import EventKind, ProposalStatus
from dossiers.models import ReappointmentProposal
from tests.factories import PersonFactory, TenureFactory
from tests.helpers import local

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(receive):
    """Received Wednesday 25/02/2026 10:00, due Wednesday 04/03; the last day to re-appoint is 03/03."""
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        return receive(local(2026, 2, 25, 10))


@pytest.fixture
def heads(unit_a, head_a):
    """Hoàng Văn Hải (the login head_a) heads unit A; an earlier head's tenure ended in 2024."""
    head_a.first_name, head_a.last_name = "Hải", "Hoàng Văn"
    head_a.save()
    TenureFactory(
        person=PersonFactory(full_name="Lê Văn Cũ"), unit=unit_a, start_date=D(2020, 1, 1), end_date=D(2024, 12, 31)
    )
    return TenureFactory(person=PersonFactory(full_name="x", user=head_a), unit=unit_a, start_date=D(2025, 1, 1))


def propose(client, dossier, **data):
    data.setdefault("version", dossier.event_count)
    return client.post(reverse("dossiers:action", args=[dossier.code, "reappoint"]), data)


def decide(client, dossier, proposal, decision):
    return client.post(reverse("dossiers:proposal-decision", args=[dossier.code, proposal.pk, decision]))


def test_the_officer_proposes_the_head_approves_and_signs(client, officer_a, head_a, heads, dossier):
    with time_machine.travel(local(2026, 3, 3, 9), tick=False):  # the last day to propose
        client.force_login(officer_a)
        response = propose(client, dossier, new_date="2026-03-10", reason="Chờ ý kiến thẩm định")
        assert response.status_code == 302
        proposal = ReappointmentProposal.objects.get()
        assert proposal.status == ProposalStatus.PENDING
        dossier.refresh_from_db()
        assert dossier.reappointed_date is None  # nothing changes before the head decides
        page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
        assert 'id="proposal"' in page and 'id="approve-proposal"' not in page
        assert decide(client, dossier, proposal, "approve").status_code == 403  # not the officer's

    with time_machine.travel(local(2026, 3, 4, 8), tick=False):  # past the deadline: judged on the proposal
        client.force_login(head_a)
        assert 'id="approve-proposal"' in client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
        assert decide(client, dossier, proposal, "approve").status_code == 302
        response = client.get(reverse("dossiers:apology", args=[dossier.code]))
    dossier.refresh_from_db()
    assert dossier.reappointed_date == D(2026, 3, 10)
    event = dossier.events.get(kind=EventKind.REAPPOINTED)
    assert (event.by, event.data["proposed_by"], event.at) == (head_a, "officer_a", proposal.proposed_at)
    assert response.status_code == 200, response
    letter = response.content.decode()
    assert "Hoàng Văn Hải" in letter and "Lê Văn Cũ" not in letter


def test_an_approval_later_than_the_tolerance_is_marked_as_entered_at_the_proposals_time(officer_a, head_a, dossier):
    with time_machine.travel(local(2026, 3, 3, 9), tick=False):
        proposal = services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
    with time_machine.travel(local(2026, 3, 4, 8), tick=False):  # the next morning
        approved = services.reappointment_approve(proposal=proposal, by=head_a)
    event = approved.events.get(kind=EventKind.REAPPOINTED)
    late = event.data["late_entry"]
    assert (event.at, event.recorded_at) == (local(2026, 3, 3, 9), local(2026, 3, 4, 8))
    assert late["origin"] == "proposal"
    assert datetime.datetime.fromisoformat(late["recorded_at"]) == local(2026, 3, 4, 8)
    assert "03/03/2026 09:00" in late["reason"] and "04/03/2026 08:00" in late["reason"]
    assert approved.backdated is True


def test_an_approval_within_minutes_is_not_marked(officer_a, head_a, dossier):
    with time_machine.travel(local(2026, 3, 3, 9), tick=False):
        proposal = services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
    with time_machine.travel(local(2026, 3, 3, 9, 2), tick=False):
        approved = services.reappointment_approve(proposal=proposal, by=head_a)
    assert "late_entry" not in approved.events.get(kind=EventKind.REAPPOINTED).data
    assert approved.backdated is False


def test_a_proposal_inside_a_submitted_period_is_approved_by_the_ministry_office_only(
    officer_a, head_a, office_staff, dossier
):
    from django.core.exceptions import ValidationError

    from dossiers.models import ClosedPeriod

    with time_machine.travel(local(2026, 3, 3, 9), tick=False):
        proposal = services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
    ClosedPeriod.objects.create(label="Tháng 3 năm 2026", date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    with time_machine.travel(local(2026, 4, 6, 9), tick=False):
        with pytest.raises(ValidationError) as refused:
            services.reappointment_approve(proposal=proposal, by=head_a)
        assert "Tháng 3 năm 2026" in refused.value.message_dict["at"][0]
        approved = services.reappointment_approve(proposal=proposal, by=office_staff)
    late = approved.events.get(kind=EventKind.REAPPOINTED).data["late_entry"]
    assert (late["origin"], late["closed_period"]) == ("proposal", "Tháng 3 năm 2026")


def test_the_head_declines_and_nothing_changes(client, officer_a, head_a, heads, dossier):
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        proposal = services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
        client.force_login(head_a)
        assert decide(client, dossier, proposal, "decline").status_code == 302
    proposal.refresh_from_db()
    dossier.refresh_from_db()
    assert (proposal.status, proposal.decided_by, dossier.reappointed_date) == (ProposalStatus.DECLINED, head_a, None)


def test_the_heads_who_may_decide_are_emailed(officer_a, head_a, heads, unit_a, unit_a1, dossier):
    from notifications.models import Message
    from tests.factories import MembershipFactory, UserFactory
    from units.choices import MembershipRole

    head_a.email = "hai@byt.gov.vn"
    head_a.save()
    # The head of a sub-unit may not decide for unit A; nor may a head without an e-mail address.
    MembershipFactory(
        user=UserFactory(username="head_a1", email="a1@byt.gov.vn"), unit=unit_a1, role=MembershipRole.UNIT_HEAD
    )
    MembershipFactory(user=UserFactory(username="head_x", email=""), unit=unit_a, role=MembershipRole.UNIT_HEAD)
    officer_a.first_name, officer_a.last_name = "An", "Nguyễn Văn"
    officer_a.save()
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ thẩm định")
    message = Message.objects.get(kind="reappointment_proposed")
    assert message.recipient == "hai@byt.gov.vn"
    assert message.subject == f"Đề nghị gia hạn chờ anh/chị phê duyệt: hồ sơ {dossier.code}, ngày hẹn mới 10/03/2026"
    assert "Nguyễn Văn An" in message.body and "04/03/2026" in message.body and "Chờ thẩm định" in message.body
    assert f"/dossiers/{dossier.code}/" in message.body


def test_a_proposal_after_the_deadline_is_refused(client, officer_a, dossier):
    with time_machine.travel(local(2026, 3, 4, 9), tick=False):
        client.force_login(officer_a)
        response = propose(client, dossier, new_date="2026-03-10", reason="Muộn")
    assert response.status_code in (200, 409)
    assert ReappointmentProposal.objects.count() == 0


def test_one_proposal_at_a_time(officer_a, dossier):
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
        with pytest.raises(services.ConflictError):
            services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 11), reason="Chờ")


# --- The same flow through the API: an integrating one-stop system proposes, the head decides --


def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_through_the_api_the_officer_proposes_and_only_the_head_decides(officer_a, head_a, heads, dossier):
    base = f"/api/v1/dossiers/{dossier.code}"
    with time_machine.travel(local(2026, 3, 3, 9), tick=False):
        answer = api(officer_a).post(
            f"{base}/reappoint/", {"new_date": "2026-03-10", "reason": "Chờ ý kiến thẩm định"}, format="json"
        )
        assert answer.status_code == 202, answer.json()
        proposal_id = answer.json()["id"]
        listed = api(officer_a).get(f"{base}/proposals/").json()
        assert [(row["id"], row["status"], row["proposed_by"]) for row in listed] == [
            (proposal_id, "pending", "officer_a")
        ]
        refused = api(officer_a).post(f"{base}/proposals/{proposal_id}/approve/", {}, format="json")
        assert refused.status_code == 403
        assert api(officer_a).post(f"{base}/proposals/999999/approve/", {}, format="json").status_code == 403

    with time_machine.travel(local(2026, 3, 4, 8), tick=False):
        approved = api(head_a).post(f"{base}/proposals/{proposal_id}/approve/", {}, format="json")
        assert approved.status_code == 200, approved.json()
        assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "head_a")
        again = api(head_a).post(f"{base}/proposals/{proposal_id}/decline/", {}, format="json")
        assert again.status_code == 409
        assert again.json()["code"] == "decided"
        assert api(head_a).post(f"{base}/proposals/999999/approve/", {}, format="json").status_code == 404
    dossier.refresh_from_db()
    assert dossier.reappointed_date == D(2026, 3, 10)


def test_through_the_api_the_head_declines_with_a_note(officer_a, head_a, heads, dossier):
    with time_machine.travel(local(2026, 3, 2, 9), tick=False):
        proposal = services.reappointment_propose(dossier=dossier, by=officer_a, new_date=D(2026, 3, 10), reason="Chờ")
        answer = api(head_a).post(
            f"/api/v1/dossiers/{dossier.code}/proposals/{proposal.pk}/decline/",
            {"note": "Đủ thời gian xử lý"},
            format="json",
        )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["status"], answer.json()["decision_note"]) == ("declined", "Đủ thời gian xử lý")
    dossier.refresh_from_db()
    assert dossier.reappointed_date is None
