"""The arithmetic of a score: the threshold rule, scaling, bands, ranks, tenure length."""

import datetime
from decimal import Decimal

import pytest

from emulation.choices import Band
from emulation.scoring import add_months, band_for, competition_ranks, covers_months, points_for, scaled_total

D = datetime.date
BANDS = {"outstanding_min": Decimal(90), "good_min": Decimal(70), "completed_min": Decimal(50)}


class TestThresholdRule:
    def test_a_rate_above_its_target_gets_full_points(self):
        assert points_for(Decimal("95"), target=Decimal("90"), max_points=Decimal("40")) == Decimal("40")

    def test_a_rate_exactly_at_its_target_gets_full_points(self):
        assert points_for(Decimal("90"), target=Decimal("90"), max_points=Decimal("40")) == Decimal("40")

    def test_81_percent_against_90_gets_90_percent_of_the_points(self):
        assert points_for(Decimal("81"), target=Decimal("90"), max_points=Decimal("40")) == Decimal("36.00")

    def test_points_are_rounded_half_up_to_two_decimals(self):
        # 50 × 60 / 90 = 33.333…; 66.67 × 20 / 90 = 14.8155… → 14.82
        assert points_for(Decimal("50"), target=Decimal("90"), max_points=Decimal("60")) == Decimal("33.33")
        assert points_for(Decimal("66.67"), target=Decimal("90"), max_points=Decimal("20")) == Decimal("14.82")

    def test_zero_rate_gets_zero_points(self):
        assert points_for(Decimal("0"), target=Decimal("50"), max_points=Decimal("10")) == Decimal("0.00")


class TestTotal:
    def test_all_criteria_applicable_total_is_the_sum(self):
        assert scaled_total([(Decimal("36"), Decimal("40")), (Decimal("50"), Decimal("60"))]) == (
            Decimal("86"),
            Decimal("100"),
            Decimal("86.00"),
        )

    def test_a_criterion_without_data_is_left_out_and_the_rest_scaled_to_100(self):
        # 36 of 40 applicable points → 90.00; the 60-point criterion had nothing to measure.
        assert scaled_total([(Decimal("36"), Decimal("40")), (None, Decimal("60"))]) == (
            Decimal("36"),
            Decimal("40"),
            Decimal("90.00"),
        )

    def test_nothing_applicable_means_no_total(self):
        assert scaled_total([(None, Decimal("100"))]) == (Decimal(0), Decimal(0), None)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("100", Band.OUTSTANDING),
        ("90", Band.OUTSTANDING),
        ("89.99", Band.GOOD),
        ("70", Band.GOOD),
        ("69.99", Band.COMPLETED),
        ("50", Band.COMPLETED),
        ("49.99", Band.NOT_COMPLETED),
        ("0", Band.NOT_COMPLETED),
    ],
)
def test_bands_start_at_their_thresholds(total, band):
    assert band_for(Decimal(total), **BANDS) == band


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    ranks = competition_ranks({"A": Decimal("90"), "B": Decimal("80"), "C": Decimal("80"), "D": Decimal("50")})
    assert ranks == {"A": 1, "B": 2, "C": 2, "D": 4}


class TestTenureLength:
    def test_add_months_keeps_the_day_or_takes_the_last_of_a_shorter_month(self):
        assert add_months(D(2025, 12, 15), 6) == D(2026, 6, 15)
        assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
        assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)

    def test_first_of_january_to_thirtieth_of_june_is_six_months(self):
        assert covers_months(D(2026, 1, 1), D(2026, 6, 30), 6) is True
        assert covers_months(D(2026, 1, 1), D(2026, 6, 29), 6) is False

    def test_four_months_are_not_six(self):
        assert covers_months(D(2026, 3, 1), D(2026, 6, 30), 6) is False

    def test_july_to_the_fourteenth_of_december_is_not_six_months(self):
        assert covers_months(D(2026, 7, 1), D(2026, 12, 14), 6) is False

    def test_a_zero_minimum_classifies_any_tenure(self):
        assert covers_months(D(2026, 7, 1), D(2026, 7, 1), 0) is True
