"""The arithmetic of a score, free of the database: points, totals, bands, ranks, tenure length.

Rules (docs/emulation.md):

* threshold rule of the national index: full points when the rate reaches its target, otherwise
  rate × points / target, rounded half up to two decimals;
* a criterion with nothing to measure (no dossiers resolved, no ratings, ...) is not applicable:
  the total is the points of the applicable criteria scaled to 100 over their maximum points;
* equal totals share a rank and the next rank skips (1, 2, 2, 4);
* a tenure counts as at least N months when its last day reaches the day before the same date
  N months after its first day (1 January – 30 June is six months).
"""

import calendar
import datetime
from collections.abc import Hashable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from .choices import BAND_ORDER, Band

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def points_for(value: Decimal, *, target: Decimal, max_points: Decimal) -> Decimal:
    """Points of a rate against its target: all of them at or above the target, else in proportion."""
    if value >= target:
        return max_points
    return (value * max_points / target).quantize(CENT, rounding=ROUND_HALF_UP)


def scaled_total(lines: Iterable[tuple[Decimal | None, Decimal]]) -> tuple[Decimal, Decimal, Decimal | None]:
    """``(points, applicable maximum, total)`` from ``(points or None when not applicable, maximum)`` pairs.

    The total is out of 100 whatever criteria did not apply; None when none applied.
    """
    points = Decimal(0)
    applicable_max = Decimal(0)
    for line_points, max_points in lines:
        if line_points is None:
            continue
        points += line_points
        applicable_max += max_points
    if not applicable_max:
        return points, applicable_max, None
    return points, applicable_max, (points * HUNDRED / applicable_max).quantize(CENT, rounding=ROUND_HALF_UP)


def band_for(total: Decimal, *, outstanding_min: Decimal, good_min: Decimal, completed_min: Decimal) -> str:
    """The band a total falls in; each threshold is the lowest total of its band."""
    if total >= outstanding_min:
        return Band.OUTSTANDING
    if total >= good_min:
        return Band.GOOD
    if total >= completed_min:
        return Band.COMPLETED
    return Band.NOT_COMPLETED


def competition_ranks(totals: dict[Hashable, Decimal]) -> dict[Hashable, int]:
    """``{key: rank}``, highest total first; equal totals share a rank and the next one skips."""
    ordered = sorted(totals.values(), reverse=True)
    first_position = {}
    for position, total in enumerate(ordered, 1):
        first_position.setdefault(total, position)
    return {key: first_position[total] for key, total in totals.items()}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def covers_months(first_day: datetime.date, last_day: datetime.date, months: int) -> bool:
    """Whether the days from ``first_day`` to ``last_day`` (both included) make at least ``months`` months."""
    return last_day >= add_months(first_day, months) - datetime.timedelta(days=1)


def band_meeting_conditions(
    band_by_points: str, *, behind_share: Decimal | None, max_behind: dict[str, Decimal | None]
) -> str:
    """The best band, at or below ``band_by_points``, whose condition on dossiers behind schedule holds.

    ``max_behind`` gives each band's highest share (percent) of dossiers behind schedule, None for
    no condition; with nothing to measure (``behind_share`` None) every condition holds. "Not
    completed" has no condition. Decree 335/2025 for organisations: outstanding and good need
    every task on time, completed allows at most 20% behind (defaults, DESIGN.md).
    """
    start = BAND_ORDER.index(band_by_points)
    for band in BAND_ORDER[start:]:
        limit = max_behind.get(band)
        if band == Band.NOT_COMPLETED or limit is None or behind_share is None or behind_share <= limit:
            return band
    return Band.NOT_COMPLETED


def mean_total(totals: Iterable[Decimal | None]) -> Decimal | None:
    """The mean of the totals that exist (periods with something to score), two decimals; None if none."""
    present = [total for total in totals if total is not None]
    if not present:
        return None
    return (sum(present, Decimal(0)) / len(present)).quantize(CENT, rounding=ROUND_HALF_UP)


def deducted_percent(done: int, assigned: int, deductions: int, deduction_percent: Decimal) -> Decimal | None:
    """``done`` over ``assigned`` in percent, after taking ``deduction_percent`` of one item's points
    for each of ``deductions`` (never below 0); None when nothing was assigned.

    Decree 335/2025: quality loses 25% of a product's quality points for each major error, and
    timeliness 25% of its timeliness points for each delay.
    """
    if not assigned:
        return None
    kept = max(Decimal(done) - Decimal(deductions) * deduction_percent / HUNDRED, Decimal(0))
    return (kept * HUNDRED / Decimal(assigned)).quantize(CENT, rounding=ROUND_HALF_UP)


# Decree 335/2025 (DESIGN.md): a head's "unit's results" count 100% when every civil servant under
# them is at least "completed", 50% when any is "not completed".
UNIT_RESULTS_ALL_COMPLETED = Decimal(100)
UNIT_RESULTS_SOME_NOT_COMPLETED = Decimal(50)


def unit_results_percent(not_completed_counts: Iterable[int]) -> Decimal | None:
    """The unit's-results percentage from the staff ratings recorded for a window; None if none recorded."""
    counts = list(not_completed_counts)
    if not counts:
        return None
    return UNIT_RESULTS_SOME_NOT_COMPLETED if any(counts) else UNIT_RESULTS_ALL_COMPLETED


def percent_points(value: Decimal, max_points: Decimal) -> Decimal:
    """Points worth ``value`` percent of ``max_points``, two decimals (a component of the task results)."""
    return (value * max_points / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def split_points(total: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """``total`` shared by ``weights`` (percent, adding up to 100), two decimals, the last share taking
    the rounding so the parts add up to ``total`` exactly; weights of 0 get no share."""
    codes = [code for code, weight in weights.items() if weight]
    result, remaining = {}, total
    for index, code in enumerate(codes):
        if index == len(codes) - 1:
            result[code] = remaining
        else:
            result[code] = (total * weights[code] / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
            remaining -= result[code]
    return result


def quota_allows(good: int, quota_percent: Decimal) -> int:
    """How many "outstanding" ratings the quota allows beside ``good`` "good" ones (rounded down).

    Decree 335/2025: outstanding may not exceed 20% of good in the same agency and group.
    """
    return int(Decimal(good) * quota_percent / HUNDRED)
