"""Reporting periods: 15th of the month before to the 14th of the closing month (Decree 09/2019/NĐ-CP)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from stats import periods
from stats.periods import PeriodKind, add_years, latest_ended, period, period_containing, periods_of_year

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)


def span(kind, year, number=1):
    found = period(kind, year, number)
    return found.date_from, found.date_to


class TestPresets:
    @pytest.mark.parametrize(
        ("number", "expected"),
        [
            (1, (D(2024, 12, 15), D(2025, 1, 14))),
            (2, (D(2025, 1, 15), D(2025, 2, 14))),
            (3, (D(2025, 2, 15), D(2025, 3, 14))),
            (11, (D(2025, 10, 15), D(2025, 11, 14))),
            (12, (D(2025, 11, 15), D(2025, 12, 14))),
        ],
    )
    def test_a_month_runs_from_the_15th_of_the_month_before_to_the_14th(self, number, expected):
        assert span(PeriodKind.MONTH, 2025, number) == expected

    @pytest.mark.parametrize(
        ("number", "expected"),
        [
            (1, (D(2025, 12, 15), D(2026, 3, 14))),
            (2, (D(2026, 3, 15), D(2026, 6, 14))),
            (3, (D(2026, 6, 15), D(2026, 9, 14))),
            (4, (D(2026, 9, 15), D(2026, 12, 14))),
        ],
    )
    def test_quarter_1_starts_in_the_previous_december(self, number, expected):
        assert span(PeriodKind.QUARTER, 2026, number) == expected

    def test_six_months_and_year(self):
        assert span(PeriodKind.HALF, 2026, 1) == (D(2025, 12, 15), D(2026, 6, 14))
        assert span(PeriodKind.HALF, 2026, 2) == (D(2026, 6, 15), D(2026, 12, 14))
        assert span(PeriodKind.YEAR, 2026) == (D(2025, 12, 15), D(2026, 12, 14))

    def test_february_of_a_leap_year(self):
        assert span(PeriodKind.MONTH, 2024, 3) == (D(2024, 2, 15), D(2024, 3, 14))

    @pytest.mark.parametrize("kind", list(PeriodKind))
    def test_the_periods_of_a_kind_tile_the_year_without_gap_or_overlap(self, kind):
        found = periods_of_year(2025, kind)
        assert len(found) == periods.PERIODS_PER_YEAR[kind]
        assert found[0].date_from == D(2024, 12, 15)
        assert found[-1].date_to == D(2025, 12, 14)
        for before, after in zip(found, found[1:], strict=False):
            assert after.date_from == before.date_to + ONE_DAY
        # …and the next year's first period starts the day after this year's last.
        assert periods_of_year(2026, kind)[0].date_from == found[-1].date_to + ONE_DAY

    def test_all_periods_of_a_year(self):
        found = periods_of_year(2025)
        assert [(item.kind, item.number) for item in found][:2] == [("month", 1), ("month", 2)]
        assert len(found) == 12 + 4 + 2 + 1
        assert found[-1] == period(PeriodKind.YEAR, 2025)

    def test_official_and_interface_labels(self):
        assert period(PeriodKind.MONTH, 2025, 11).official_label == "Tháng 11 năm 2025"
        assert period(PeriodKind.QUARTER, 2025, 4).official_label == "Quý IV năm 2025"
        assert period(PeriodKind.HALF, 2025, 1).official_label == "6 tháng đầu năm 2025"
        assert period(PeriodKind.HALF, 2025, 2).official_label == "6 tháng cuối năm 2025"
        assert period(PeriodKind.YEAR, 2025).official_label == "Năm 2025"
        from django.utils import translation

        with translation.override("en"):
            assert period(PeriodKind.QUARTER, 2025, 1).label == "Quarter 1 of 2025"
            assert period(PeriodKind.YEAR, 2025).label == "Year 2025"

    @pytest.mark.parametrize(
        ("kind", "number", "field"),
        [
            ("month", 0, "number"),
            ("month", 13, "number"),
            ("month", None, "number"),
            ("quarter", 5, "number"),
            ("half", 3, "number"),
            ("year", 2, "number"),
            ("week", 1, "period"),
        ],
    )
    def test_a_number_out_of_range_is_refused_naming_the_field(self, kind, number, field):
        with pytest.raises(ValidationError) as caught:
            period(kind, 2025, number)
        assert list(caught.value.message_dict) == [field]

    @pytest.mark.parametrize("year", [1999, 2000, 10000, -5])
    def test_a_year_out_of_range_is_refused(self, year):
        with pytest.raises(ValidationError) as caught:
            period(PeriodKind.MONTH, year, 1)
        [message] = caught.value.message_dict["year"]
        assert "2001" in message and "9999" in message


class TestPeriodContaining:
    @pytest.mark.parametrize(
        ("day", "kind", "expected"),
        [
            (D(2025, 11, 14), "month", ("month", 2025, 11)),
            (D(2025, 11, 15), "month", ("month", 2025, 12)),
            (D(2025, 12, 14), "month", ("month", 2025, 12)),
            (D(2025, 12, 15), "month", ("month", 2026, 1)),
            (D(2025, 12, 31), "month", ("month", 2026, 1)),
            (D(2026, 1, 1), "quarter", ("quarter", 2026, 1)),
            (D(2025, 12, 15), "quarter", ("quarter", 2026, 1)),
            (D(2025, 12, 14), "quarter", ("quarter", 2025, 4)),
            (D(2026, 3, 14), "quarter", ("quarter", 2026, 1)),
            (D(2026, 3, 15), "quarter", ("quarter", 2026, 2)),
            (D(2026, 6, 14), "half", ("half", 2026, 1)),
            (D(2026, 6, 15), "half", ("half", 2026, 2)),
            (D(2025, 12, 20), "year", ("year", 2026, 1)),
            (D(2025, 12, 14), "year", ("year", 2025, 1)),
        ],
    )
    def test_boundaries(self, day, kind, expected):
        found = period_containing(day, kind)
        assert (found.kind, found.year, found.number) == expected
        assert found.date_from <= day <= found.date_to

    def test_every_day_of_two_years_is_in_exactly_its_period(self):
        day = D(2024, 12, 1)
        while day <= D(2026, 12, 31):
            for kind in PeriodKind:
                found = period_containing(day, kind)
                assert found.date_from <= day <= found.date_to
            day += ONE_DAY

    @pytest.mark.parametrize(
        ("today", "kind", "expected"),
        [
            (D(2025, 11, 25), "month", (D(2025, 10, 15), D(2025, 11, 14))),
            (D(2025, 11, 14), "month", (D(2025, 9, 15), D(2025, 10, 14))),
            (D(2025, 11, 15), "month", (D(2025, 10, 15), D(2025, 11, 14))),
            (D(2026, 1, 5), "quarter", (D(2025, 9, 15), D(2025, 12, 14))),
            (D(2026, 1, 5), "year", (D(2024, 12, 15), D(2025, 12, 14))),
        ],
    )
    def test_latest_ended_period_ends_before_today(self, today, kind, expected):
        found = latest_ended(kind, today=today)
        assert (found.date_from, found.date_to) == expected


class TestUnderWay:
    TODAY = D(2026, 4, 20)

    def test_the_statistics_hold_up_to_yesterday(self):
        assert periods.last_day_held(self.TODAY) == D(2026, 4, 19)
        assert periods.last_day_held(D(2026, 1, 1)) == D(2025, 12, 31)

    def test_a_period_with_days_left_is_under_way(self):
        # Month 5 of 2026 (15/04 to 14/05) on 20/04, which the index reports up to 19/04.
        assert periods.is_under_way(period(PeriodKind.MONTH, 2026, 5).date_to, today=self.TODAY) is True
        assert periods.is_under_way(self.TODAY, today=self.TODAY) is True

    def test_a_period_that_ended_yesterday_is_over(self):
        # Its range ends on the last day the statistics hold, as the cut period under way's does,
        # but nothing in it can change any more (latest_ended calls it ended).
        assert periods.is_under_way(D(2026, 4, 19), today=self.TODAY) is False
        assert periods.is_under_way(period(PeriodKind.MONTH, 2026, 4).date_to, today=self.TODAY) is False


class TestValidateRange:
    TODAY = D(2025, 11, 25)

    def errors(self, date_from, date_to):
        with pytest.raises(ValidationError) as caught:
            periods.validate_range(date_from, date_to, today=self.TODAY)
        return caught.value.message_dict

    def test_a_range_up_to_today_is_accepted(self):
        periods.validate_range(D(2025, 1, 1), self.TODAY, today=self.TODAY)
        periods.validate_range(self.TODAY, self.TODAY, today=self.TODAY)

    def test_reversed(self):
        assert list(self.errors(D(2025, 11, 2), D(2025, 11, 1))) == ["date_to"]

    def test_future(self):
        assert list(self.errors(D(2025, 11, 1), D(2025, 11, 26))) == ["date_to"]

    def test_a_recomputation_is_refused_in_its_own_words(self):
        with pytest.raises(ValidationError) as caught:
            periods.validate_range(D(2025, 11, 1), D(2025, 11, 26), today=self.TODAY, recompute=True)
        assert caught.value.message_dict == {
            "date_to": ["26/11/2025 lies in the future: statistics can be recomputed up to today (25/11/2025)."]
        }

    def test_future_is_reported_before_reversed(self):
        assert "26/11/2025" in self.errors(D(2025, 11, 30), D(2025, 11, 26))["date_to"][0]

    def test_five_years_or_more_is_too_long(self):
        periods.validate_range(D(2020, 11, 26), D(2025, 11, 25), today=self.TODAY)  # 5 years less a day
        assert list(self.errors(D(2020, 11, 25), D(2025, 11, 25))) == ["date_to"]

    def test_before_the_earliest_day(self):
        assert list(self.errors(D(1999, 12, 31), D(2000, 1, 5))) == ["date_from"]

    def test_add_years_on_29_february(self):
        assert add_years(D(2024, 2, 29), 5) == D(2029, 2, 28)
        assert add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
