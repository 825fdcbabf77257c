"""The working-day calendar against the worked examples of DESIGN.md and the foundation issue."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from workdays import calendar as workdays
from workdays.choices import OverrideKind
from workdays.models import CalendarOverride

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
D = datetime.date


def received(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=HCM)


def due(received_at, processing_days):
    """The appointment date of a dossier: N working days after the day it counts as received."""
    return workdays.add_working_days(workdays.receipt_day(received_at), processing_days)


pytestmark = pytest.mark.django_db


class TestWorkedExamples:
    def test_received_monday_morning_is_due_next_monday(self):
        assert due(received(2025, 11, 3, 10), 5) == D(2025, 11, 10)

    def test_received_monday_after_cutoff_counts_from_tuesday(self):
        assert workdays.receipt_day(received(2025, 11, 3, 16)) == D(2025, 11, 4)
        assert due(received(2025, 11, 3, 16), 5) == D(2025, 11, 11)

    def test_cutoff_is_inclusive_at_1500_and_not_at_1459(self):
        assert workdays.receipt_day(received(2025, 11, 3, 14, 59)) == D(2025, 11, 3)
        assert workdays.receipt_day(received(2025, 11, 3, 15, 0)) == D(2025, 11, 4)

    def test_cutoff_is_read_in_local_time_not_utc(self):
        # 07:30 UTC is 14:30 in Hanoi: before the cut-off, so the same day.
        at = datetime.datetime(2025, 11, 3, 7, 30, tzinfo=datetime.UTC)
        assert workdays.receipt_day(at) == D(2025, 11, 3)
        # 08:00 UTC is 15:00 in Hanoi: the next working day.
        assert workdays.receipt_day(at.replace(hour=8, minute=0)) == D(2025, 11, 4)

    def test_received_saturday_counts_from_monday(self):
        assert workdays.receipt_day(received(2025, 11, 8, 9)) == D(2025, 11, 10)
        assert due(received(2025, 11, 8, 9), 5) == D(2025, 11, 17)

    def test_tet_2026_dossier_received_thursday_12_february_is_due_26_february(self):
        assert due(received(2026, 2, 12, 10), 5) == D(2026, 2, 26)

    def test_friday_before_tet_2026_is_due_after_the_holiday(self):
        # Fri 13 Feb counts as received; Mon 16 – Fri 20 Feb are Tết; five days end Fri 27 Feb.
        assert due(received(2026, 2, 13, 9), 5) == D(2026, 2, 27)

    def test_tet_2026_days_are_not_working_days(self):
        for day in range(16, 21):
            assert not workdays.is_working_day(D(2026, 2, day))
        assert workdays.is_working_day(D(2026, 2, 13))
        assert workdays.is_working_day(D(2026, 2, 23))

    def test_national_day_2025_includes_the_day_before(self):
        # 2 September 2025 is a Tuesday; the extra day is Monday 1 September.
        assert not workdays.is_working_day(D(2025, 9, 1))
        assert not workdays.is_working_day(D(2025, 9, 2))
        assert due(received(2025, 8, 29, 10), 1) == D(2025, 9, 3)

    def test_swapped_saturday_4_may_2024_is_a_working_day(self):
        assert workdays.is_working_day(D(2024, 5, 4))
        # …in exchange for Monday 29 April 2024.
        assert not workdays.is_working_day(D(2024, 4, 29))
        # Received Friday 26 April 2024, 1 day: Mon 29 Apr off, Tue 30 Apr and Wed 1 May holidays,
        # Thu 2 May is the first working day after it.
        assert due(received(2024, 4, 26, 10), 1) == D(2024, 5, 2)
        # Received Friday 3 May: Saturday 4 May counts.
        assert due(received(2024, 5, 3, 10), 1) == D(2024, 5, 4)


class TestCounting:
    def test_working_days_between_excludes_start_and_includes_end(self):
        # Requested Tuesday, arrived Thursday: two days (DESIGN.md, supplement example).
        assert workdays.working_days_between(D(2025, 11, 4), D(2025, 11, 6)) == 2
        assert workdays.working_days_between(D(2025, 11, 6), D(2025, 11, 6)) == 0
        assert workdays.working_days_between(D(2025, 11, 6), D(2025, 11, 4)) == -2

    def test_working_days_between_skips_tet(self):
        assert workdays.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1

    def test_negative_counts_go_backwards(self):
        assert workdays.add_working_days(D(2025, 11, 10), -1) == D(2025, 11, 7)
        assert workdays.add_working_days(D(2026, 2, 23), -1) == D(2026, 2, 13)

    def test_zero_gives_the_day_or_the_next_working_day(self):
        assert workdays.add_working_days(D(2025, 11, 7), 0) == D(2025, 11, 7)
        assert workdays.add_working_days(D(2025, 11, 8), 0) == D(2025, 11, 10)

    def test_dates_outside_the_calendar_are_refused_clearly(self):
        with pytest.raises(workdays.OutOfCalendarRange, match="1999-12-31"):
            workdays.is_working_day(D(1999, 12, 31))


class TestOverrides:
    def test_an_extra_day_off_moves_deadlines_at_once(self):
        assert due(received(2025, 11, 3, 10), 5) == D(2025, 11, 10)
        CalendarOverride.objects.create(date=D(2025, 11, 5), kind=OverrideKind.DAY_OFF, document="TB 1/VPCP")
        assert not workdays.is_working_day(D(2025, 11, 5))
        assert due(received(2025, 11, 3, 10), 5) == D(2025, 11, 11)

    def test_an_extra_working_saturday_counts(self):
        CalendarOverride.objects.create(date=D(2025, 11, 8), kind=OverrideKind.WORKING_DAY, document="TB 2/VPCP")
        assert workdays.is_working_day(D(2025, 11, 8))
        assert due(received(2025, 11, 7, 10), 1) == D(2025, 11, 8)

    def test_deleting_an_override_restores_the_law(self):
        override = CalendarOverride.objects.create(date=D(2025, 11, 5), kind=OverrideKind.DAY_OFF, document="x")
        override.delete()
        assert workdays.is_working_day(D(2025, 11, 5))

    def test_an_override_can_make_a_holiday_a_working_day(self):
        CalendarOverride.objects.create(date=D(2027, 2, 10), kind=OverrideKind.WORKING_DAY, document="x")
        assert workdays.is_working_day(D(2027, 2, 10))
