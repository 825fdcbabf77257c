"""Calendar changes reach dossiers only on purpose (DESIGN.md, lifecycle 6 and 8; issue 10, case 3)."""

import datetime

import pytest
import time_machine

from dossiers import services
from dossiers.choices import EventKind, Outcome, Timeliness
from dossiers.models import Dossier, DossierEvent
from stats import rollups
from stats.models import DailyStat
from tests.helpers import act, local
from workdays.choices import OverrideKind
from workdays.models import CalendarOverride

D = datetime.date
pytestmark = pytest.mark.django_db


def add_day_off(day, at, document="Công văn 999/VPCP-KGVX"):
    with time_machine.travel(at, tick=False):
        return CalendarOverride.objects.create(date=day, kind=OverrideKind.DAY_OFF, document=document)


def apply(override, by, at):
    with time_machine.travel(at, tick=False):
        return services.dossiers_recalculate_deadlines(override=override, by=by)


class TestIssueCase3:
    def test_a_day_off_added_later_moves_no_date_until_it_is_applied(self, receive, officer_a, office_staff):
        # Two identical dossiers received Mon 3/11/2025 10:00, both due Mon 10/11; a third ends on time.
        a, b, c = (receive(local(2025, 11, 3, 10)) for _ in range(3))
        c = act(services.dossier_end, dossier=c, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 10, 16))
        assert c.timeliness == Timeliness.ON_TIME
        with time_machine.travel(local(2025, 11, 11, 1), tick=False):
            rollups.stats_nightly()
        # Staff add a day off on Wed 5/11; B then gets an unrelated event (a supplement requested
        # and received the same day), C is returned and rated.
        override = add_day_off(D(2025, 11, 5), local(2025, 11, 11, 8))
        b = act(services.dossier_request_supplement, dossier=b, by=officer_a, note="Bản sao", at=local(2025, 11, 11, 9))
        b = act(services.dossier_receive_supplement, dossier=b, by=officer_a, at=local(2025, 11, 11, 10))
        c = act(services.dossier_return, dossier=c, by=officer_a, at=local(2025, 11, 11, 11))
        c = act(services.dossier_rate, dossier=c, by=officer_a, satisfied=True, at=local(2025, 11, 11, 11, 5))
        a.refresh_from_db()
        assert (a.appointment_date, b.appointment_date) == (D(2025, 11, 10), D(2025, 11, 10))
        assert c.timeliness == Timeliness.ON_TIME
        tenth = DailyStat.objects.get(day=D(2025, 11, 10))
        assert (tenth.ended_on_time, tenth.open_within_deadline, tenth.open_overdue) == (1, 2, 0)

        # The ministry office applies the day off: A and B move to Tue 11/11, each with an event; C
        # has ended and never changes.
        report = apply(override, office_staff, local(2025, 11, 11, 12))
        assert sorted(item.dossier.pk for item in report.moved) == sorted([a.pk, b.pk])
        a.refresh_from_db()
        b.refresh_from_db()
        c.refresh_from_db()
        assert (a.appointment_date, b.appointment_date, c.timeliness) == (
            D(2025, 11, 11),
            D(2025, 11, 11),
            Timeliness.ON_TIME,
        )
        event = a.events.get(kind=EventKind.DEADLINE_RECALCULATED)
        assert (event.by, event.on, event.note) == (
            office_staff,
            D(2025, 11, 11),
            "Deadline recalculated after Công văn 999/VPCP-KGVX",
        )
        assert (event.data["previous_appointment_date"], event.data["appointment_date"]) == ("2025-11-10", "2025-11-11")
        override.refresh_from_db()
        assert (override.applied_by, override.applied_count) == (office_staff, 2)
        # The change counts from the day it was applied: 10/11 keeps its figures, C stays on time
        # there, and A and B are within deadline at the end of 11/11.
        with time_machine.travel(local(2025, 11, 12, 1), tick=False):
            rollups.stats_nightly()
        tenth = DailyStat.objects.get(day=D(2025, 11, 10))
        assert (tenth.ended_on_time, tenth.ended_early, tenth.open_within_deadline) == (1, 0, 2)
        eleventh = DailyStat.objects.get(day=D(2025, 11, 11))
        assert (eleventh.open_within_deadline, eleventh.open_overdue) == (2, 0)

    def test_replaying_never_moves_a_date_because_the_calendar_changed(self, receive):
        dossier = receive(local(2025, 11, 3, 10))
        add_day_off(D(2025, 11, 5), local(2025, 11, 4, 8))
        from dossiers.deadlines import derive_state

        replayed = derive_state(dossier.events.order_by("sequence"), processing_days=5)
        assert replayed.appointment_date == D(2025, 11, 10)


class TestApplying:
    def test_applying_twice_moves_nothing_the_second_time(self, receive, office_staff):
        dossier = receive(local(2025, 11, 3, 10))
        override = add_day_off(D(2025, 11, 5), local(2025, 11, 4, 8))
        assert len(apply(override, office_staff, local(2025, 11, 4, 9)).moved) == 1
        again = apply(override, office_staff, local(2025, 11, 4, 10))
        assert (len(again.moved), again.unchanged) == (0, 1)
        assert DossierEvent.objects.filter(dossier=dossier, kind=EventKind.DEADLINE_RECALCULATED).count() == 1

    def test_a_dossier_whose_counting_does_not_cross_the_day_gets_no_event(self, receive, office_staff):
        before = receive(local(2025, 10, 27, 10))  # due Mon 3/11, ends before 5/11
        after = receive(local(2025, 11, 6, 10))  # counted from 6/11
        override = add_day_off(D(2025, 11, 5), local(2025, 11, 6, 11))
        report = apply(override, office_staff, local(2025, 11, 6, 12))
        assert (report.moved, report.kept, report.unchanged) == ([], [], 0)
        assert not DossierEvent.objects.filter(kind=EventKind.DEADLINE_RECALCULATED).exists()
        assert {before.pk, after.pk} == set(Dossier.objects.values_list("pk", flat=True))

    def test_an_earlier_date_is_never_given_a_printed_appointment_is_kept(self, receive, office_staff):
        # The notes' case 7: received Tue 6/1/2026 under a calendar without the New Year swap, it was
        # due Tue 13/1. Saturday 10/1 then becomes a working day: counting again gives Mon 12/1.
        CalendarOverride.objects.filter(date__in=[D(2026, 1, 2), D(2026, 1, 10)]).delete()
        dossier = receive(local(2026, 1, 6, 10))
        assert dossier.appointment_date == D(2026, 1, 13)
        with time_machine.travel(local(2026, 1, 7, 8), tick=False):
            saturday = CalendarOverride.objects.create(
                date=D(2026, 1, 10), kind=OverrideKind.WORKING_DAY, document="Công văn 12729/VPCP-KGVX"
            )
        report = apply(saturday, office_staff, local(2026, 1, 7, 9))
        assert ([item.recounted for item in report.kept], report.moved) == ([D(2026, 1, 12)], [])
        dossier.refresh_from_db()
        assert dossier.appointment_date == D(2026, 1, 13)

    def test_a_reappointed_date_and_its_apology_letter_do_not_move(self, receive, officer_a, office_staff):
        # apluslms/a-plus #1137: an extension stored relative to the deadline moved with it.
        dossier = receive(local(2025, 11, 3, 10))
        dossier = act(
            services.dossier_reappoint,
            dossier=dossier,
            by=officer_a,
            new_date=D(2025, 11, 17),
            reason="Chờ ý kiến hội đồng",
            at=local(2025, 11, 4, 9),
        )
        override = add_day_off(D(2025, 11, 6), local(2025, 11, 5, 8))
        apply(override, office_staff, local(2025, 11, 5, 9))
        dossier.refresh_from_db()
        assert (dossier.appointment_date, dossier.reappointed_date) == (D(2025, 11, 11), D(2025, 11, 17))

    def test_the_preview_writes_nothing(self, receive, office_staff):
        dossier = receive(local(2025, 11, 3, 10))
        override = add_day_off(D(2025, 11, 5), local(2025, 11, 4, 8))
        with time_machine.travel(local(2025, 11, 4, 9), tick=False):
            report = services.dossiers_recalculate_deadlines(override=override, by=office_staff, dry_run=True)
        assert [(item.previous, item.recounted) for item in report.moved] == [(D(2025, 11, 10), D(2025, 11, 11))]
        dossier.refresh_from_db()
        assert (dossier.appointment_date, dossier.event_count) == (D(2025, 11, 10), 1)
        override.refresh_from_db()
        assert override.applied_at is None


class TestThePage:
    def test_the_ministry_office_sees_how_many_will_move_then_applies(self, client, receive, office_staff):
        receive(local(2025, 11, 3, 10))
        receive(local(2025, 11, 4, 10))
        override = add_day_off(D(2025, 11, 5), local(2025, 11, 4, 11))
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        url = f"/dossiers/calendar-changes/{override.pk}/apply/"
        with time_machine.travel(local(2025, 11, 4, 12), tick=False):
            page = client.get(url)
            assert page.status_code == 200
            assert "<strong>2</strong> dossiers get a later appointment date" in page.content.decode()
            assert not DossierEvent.objects.filter(kind=EventKind.DEADLINE_RECALCULATED).exists()
            response = client.post(url)
        assert response.status_code == 302
        assert response["Location"] == "/calendar/2025/"
        assert DossierEvent.objects.filter(kind=EventKind.DEADLINE_RECALCULATED).count() == 2

    @pytest.mark.parametrize("who", ["officer_a", "head_a", "auditor"])
    def test_others_may_not(self, client, who, request):
        override = CalendarOverride.objects.get(date=D(2026, 1, 2))
        client.force_login(request.getfixturevalue(who))
        assert client.get(f"/dossiers/calendar-changes/{override.pk}/apply/").status_code == 403
        assert client.post(f"/dossiers/calendar-changes/{override.pk}/apply/").status_code == 403

    def test_the_admin_action_leads_to_the_page(self, client, office_staff):
        office_staff.is_staff = office_staff.is_superuser = True
        office_staff.save()
        client.force_login(office_staff)
        override = CalendarOverride.objects.get(date=D(2026, 1, 2))
        response = client.post(
            "/admin/workdays/calendaroverride/",
            {"action": "apply_to_open_dossiers", "_selected_action": [override.pk]},
        )
        assert response.status_code == 302
        assert response["Location"] == f"/dossiers/calendar-changes/{override.pk}/apply/"
