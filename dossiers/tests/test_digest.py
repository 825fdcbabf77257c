"""The officers' morning digest at 07:00 on working days: each officer their unit's overdue and
due-soon dossiers, each head their subtree's; nobody with nothing to report; never twice a day."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from dossiers import services
from dossiers.tasks import send_morning_digest
from notifications.models import Message
from notifications.services import messages_deliver_due
from tests.factories import ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local
from workdays.choices import OverrideKind
from workdays.models import CalendarOverride

pytestmark = pytest.mark.django_db

MONDAY_7AM = local(2026, 3, 9, 7, 0)


@pytest.fixture
def cast(officer_a, head_a, officer_b):
    officer_a.email, head_a.email, officer_b.email = (
        "canbo.qld@moh.gov.vn",
        "truong.qld@moh.gov.vn",
        "canbo.attp@moh.gov.vn",
    )
    for user in (officer_a, head_a, officer_b):
        user.save()
    return officer_a, head_a, officer_b


@pytest.fixture
def watched(receive, unit_a1, officer_a):
    """In unit A: one dossier overdue on Monday 9 March 2026, one due that day, one due later;
    in its division A1: one overdue. Nothing in unit B."""
    with time_machine.travel(local(2026, 3, 6, 12), tick=False):
        overdue = receive(local(2026, 3, 2, 10), days=3)  # due Thursday 5 March
        due_today = receive(local(2026, 3, 2, 10))  # due Monday 9 March
        later = receive(local(2026, 3, 5, 10))  # due Thursday 12 March: 3 working days on the 9th
        division = services.dossier_receive(
            procedure=ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a1), processing_days=3).procedure,
            channel="online",
            applicant=services.Applicant(name="Lê Văn Cường"),
            received_at=local(2026, 3, 2, 11),
            by=officer_a,
        )
    assert (overdue.appointment_date, due_today.appointment_date, later.appointment_date) == (
        datetime.date(2026, 3, 5),
        datetime.date(2026, 3, 9),
        datetime.date(2026, 3, 12),
    )
    return {"overdue": overdue, "due_today": due_today, "later": later, "division": division}


def digests() -> dict[str, Message]:
    return {message.recipient: message for message in Message.objects.filter(kind="officer_digest")}


def test_at_seven_on_a_working_day_each_officer_and_head_gets_their_units_dossiers(cast, watched):
    with time_machine.travel(MONDAY_7AM, tick=False):
        result = send_morning_digest()

    assert result == {"day": "2026-03-09", "messages": 2}
    sent = digests()
    assert sorted(sent) == ["canbo.qld@moh.gov.vn", "truong.qld@moh.gov.vn"]  # nothing for unit B's officer
    officer, head = sent["canbo.qld@moh.gov.vn"], sent["truong.qld@moh.gov.vn"]
    assert officer.subject == "Hồ sơ ngày 09/03/2026: 1 quá hạn, 1 sắp đến hạn"
    assert head.subject == "Hồ sơ ngày 09/03/2026: 2 quá hạn, 1 sắp đến hạn"
    assert watched["overdue"].code in officer.body and watched["due_today"].code in officer.body
    assert watched["later"].code not in officer.body
    assert watched["division"].code not in officer.body and watched["division"].code in head.body
    assert "Quá hạn: 1 hồ sơ" in officer.body and "hẹn trả 05/03/2026" in officer.body
    assert "/dossiers/?overdue=true" in officer.body
    assert f"<td>{watched['division'].code}</td>" in head.body_html
    assert (officer.channel, officer.reference) == ("email", "digest 2026-03-09")


def test_a_second_run_the_same_day_sends_nothing_more(cast, watched):
    with time_machine.travel(MONDAY_7AM, tick=False):
        send_morning_digest()
        assert send_morning_digest()["messages"] == 0
        messages_deliver_due()

    assert sorted(email.to[0] for email in mail.outbox) == ["canbo.qld@moh.gov.vn", "truong.qld@moh.gov.vn"]
    assert Message.objects.filter(kind="officer_digest").count() == 2


@pytest.mark.parametrize("day", ["2026-03-14", "2026-03-15", "2026-04-30"])  # Saturday, Sunday, a holiday
def test_no_digest_on_a_day_off(cast, watched, day):
    with time_machine.travel(local(*map(int, day.split("-")), 7), tick=False):
        assert send_morning_digest() == {"day": day, "messages": 0}

    assert Message.objects.filter(kind="officer_digest").count() == 0


def test_a_swapped_working_saturday_gets_its_digest(cast, watched):
    CalendarOverride.objects.create(
        date=datetime.date(2026, 3, 14), kind=OverrideKind.WORKING_DAY, document="Test 1/TB"
    )

    with time_machine.travel(local(2026, 3, 14, 7), tick=False):
        assert send_morning_digest()["messages"] == 2


def test_nothing_due_nothing_sent(cast):
    with time_machine.travel(MONDAY_7AM, tick=False):
        assert send_morning_digest()["messages"] == 0

    assert Message.objects.count() == 0


def test_no_email_address_no_digest(cast, watched):
    officer_a, head_a, _ = cast
    head_a.email = ""
    head_a.save()

    with time_machine.travel(MONDAY_7AM, tick=False):
        send_morning_digest()

    assert list(digests()) == ["canbo.qld@moh.gov.vn"]


def test_the_schedule_runs_it_at_seven_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["officers-morning-digest"]

    assert entry["task"] == "dossiers.tasks.send_morning_digest"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert entry["schedule"].day_of_week == set(range(7))


def test_the_task_runs_through_celery(cast, watched):
    with time_machine.travel(MONDAY_7AM, tick=False):
        result = send_morning_digest.delay("2026-03-09")

    assert result.get() == {"day": "2026-03-09", "messages": 2}
