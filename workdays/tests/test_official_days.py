"""The official announcements shipped as data, checked against the ``holidays`` package, and the
public page that lists the non-working days of a year with where each comes from."""

import datetime

import holidays
import pytest

from workdays import calendar as workdays
from workdays.calendar import WorkCalendar
from workdays.choices import OverrideKind, OverrideSource
from workdays.models import CalendarOverride
from workdays.official import load_official_days, read_official_days

D = datetime.date
pytestmark = pytest.mark.django_db

# The civil service's weekdays off and weekend days worked, 2024–2026, as announced (research notes
# /docs/calendar.md: each confirmed from a government or press source).
OFFICIAL_WEEKDAYS_OFF = {
    2024: [D(2024, 1, 1), *(D(2024, 2, day) for day in (8, 9, 12, 13, 14)), D(2024, 4, 18), D(2024, 4, 29),
           D(2024, 4, 30), D(2024, 5, 1), D(2024, 9, 2), D(2024, 9, 3)],
    2025: [D(2025, 1, 1), *(D(2025, 1, day) for day in (27, 28, 29, 30, 31)), D(2025, 4, 7), D(2025, 4, 30),
           D(2025, 5, 1), D(2025, 5, 2), D(2025, 9, 1), D(2025, 9, 2)],
    2026: [D(2026, 1, 1), D(2026, 1, 2), *(D(2026, 2, day) for day in (16, 17, 18, 19, 20)), D(2026, 4, 27),
           D(2026, 4, 30), D(2026, 5, 1), D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2), D(2026, 11, 24)],
}  # fmt: skip
OFFICIAL_WEEKENDS_WORKED = {2024: [D(2024, 5, 4)], 2025: [D(2025, 4, 26)], 2026: [D(2026, 1, 10), D(2026, 8, 22)]}


def special(calendar: WorkCalendar, year: int) -> tuple[list, list]:
    days = [D(year, 1, 1) + datetime.timedelta(days=offset) for offset in range(366)]
    days = [day for day in days if day.year == year]
    off = [day for day in days if day.weekday() < 5 and not calendar.is_working_day(day)]
    worked = [day for day in days if day.weekday() >= 5 and calendar.is_working_day(day)]
    return off, worked


class TestTheShippedData:
    def test_every_row_has_its_document_and_the_file_parses(self):
        days = read_official_days()
        assert len(days) == 13
        assert all(day.document and day.checked_in for day in days)
        new_year = next(day for day in days if day.date == D(2026, 1, 2))
        assert (new_year.kind, new_year.document_text) == (
            OverrideKind.DAY_OFF,
            "Công văn 12729/VPCP-KGVX ngày 25/12/2025",
        )

    def test_the_migration_loaded_them_as_official_rows(self):
        rows = dict(CalendarOverride.objects.filter(source=OverrideSource.OFFICIAL).values_list("date", "kind"))
        assert rows[D(2026, 1, 2)] == OverrideKind.DAY_OFF
        assert rows[D(2026, 1, 10)] == OverrideKind.WORKING_DAY
        assert len(rows) == 13

    @pytest.mark.parametrize("year", [2024, 2025, 2026])
    def test_the_calendar_matches_the_official_announcements(self, year):
        off, worked = special(workdays.get_calendar(), year)
        assert off == OFFICIAL_WEEKDAYS_OFF[year]
        assert worked == OFFICIAL_WEEKENDS_WORKED[year]

    def test_the_package_alone_misses_only_new_year_2026(self):
        # holidays 0.108 knows every other day of 2024–2026; it lacks the New Year 2026 swap
        # (Official letter 12729/VPCP-KGVX), which is why the product ships it as data.
        missing_off, missing_worked = [], []
        for year in (2024, 2025, 2026):
            off, worked = special(WorkCalendar(), year)
            missing_off += sorted(set(OFFICIAL_WEEKDAYS_OFF[year]) - set(off))
            missing_worked += sorted(set(OFFICIAL_WEEKENDS_WORKED[year]) - set(worked))
            assert set(off) <= set(OFFICIAL_WEEKDAYS_OFF[year])
        assert (missing_off, missing_worked) == ([D(2026, 1, 2)], [D(2026, 1, 10)])
        assert holidays.__version__ == "0.108"  # re-check the comparison when the package is upgraded

    def test_loading_again_changes_nothing_and_leaves_staff_rows_alone(self):
        staff = CalendarOverride.objects.get(date=D(2026, 1, 2))
        staff.source, staff.document = OverrideSource.STAFF, "Quyết định của Bộ"
        staff.save()
        counts = load_official_days(CalendarOverride)
        assert counts == {"created": 0, "updated": 0, "kept": 1, "unchanged": 12}
        assert CalendarOverride.objects.get(date=D(2026, 1, 2)).document == "Quyết định của Bộ"

    def test_a_corrected_release_updates_its_own_rows(self):
        CalendarOverride.objects.filter(date=D(2026, 8, 22)).update(document="old text")
        assert load_official_days(CalendarOverride)["updated"] == 1
        assert CalendarOverride.objects.get(date=D(2026, 8, 22)).document == "Thông báo 9441/TB-BNV ngày 16/10/2025"


class TestIssueCase4:
    def test_a_three_day_dossier_received_new_years_eve_is_due_7_january_2026(self):
        # Friday 2/1/2026 was a day off (swapped with Saturday 10/1): 5, 6 and 7 January.
        received = datetime.datetime(2025, 12, 31, 10, tzinfo=workdays.ZoneInfo("Asia/Ho_Chi_Minh"))
        assert workdays.add_working_days(workdays.receipt_day(received), 3) == D(2026, 1, 7)

    def test_received_on_the_swapped_friday_counts_from_monday_and_may_fall_due_on_saturday(self):
        # bokmann/business_time #196 and the notes' case 1: 2/1/2026 is a day off → R = Mon 5/1;
        # five working days later is Saturday 10/1, a working day that year.
        received = datetime.datetime(2026, 1, 2, 10, tzinfo=workdays.ZoneInfo("Asia/Ho_Chi_Minh"))
        assert workdays.receipt_day(received) == D(2026, 1, 5)
        assert workdays.add_working_days(D(2026, 1, 5), 5) == D(2026, 1, 10)

    def test_commemorative_days_that_are_not_days_off_stay_working_days(self):
        # zammad #390: a holiday feed that is too broad. 3/2 (Party founding day) is worked.
        assert workdays.is_working_day(D(2026, 2, 3))


class TestThePublicPage:
    def test_anyone_sees_the_days_and_where_each_comes_from(self, client):
        page = client.get("/calendar/2026/")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-date="2026-01-02"' in html and "Công văn 12729/VPCP-KGVX ngày 25/12/2025" in html
        assert 'data-date="2026-01-10"' in html
        # A day only the package knows: its name there.
        assert 'data-date="2026-11-24"' in html and "Ngày Văn hóa Việt Nam" in html
        assert "holidays 0.108" in html
        assert "Apply to open dossiers" not in html and "Áp dụng cho hồ sơ đang giải quyết" not in html

    def test_the_ministry_office_gets_a_link_to_apply_each_override(self, client, office_staff):
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        html = client.get("/calendar/2026/").content.decode()
        override = CalendarOverride.objects.get(date=D(2026, 1, 2))
        assert f"/dossiers/calendar-changes/{override.pk}/apply/" in html

    def test_a_year_outside_the_calendar_is_not_found(self, client):
        assert client.get("/calendar/1999/").status_code == 404
        assert client.get("/calendar/").status_code == 200
