"""Reporting periods of the official statistics, and the rules every report date range obeys.

Decree 09/2019/NĐ-CP (art. 12) sets the cut-off of periodic reports, which Circular
01/2020/TT-VPCP follows for the administrative-procedure reports: a period runs from the 15th
of the month before it to the 14th of its closing month, both included.

* month N: 15th of month N - 1 to 14th of month N (January: 15 December of the year before);
* quarter Q: 15th of the month before the quarter to the 14th of its last month (Q1: 15 December
  of the year before to 14 March);
* six months: 15 December of the year before to 14 June, and 15 June to 14 December;
* year: 15 December of the year before to 14 December.

So a period carries the number of the year it closes in: "quarter 1 of 2026" starts in 2025.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The oldest day a report may start on: enough for any history the ministry imports, and it keeps
# "the day before the period" (where the carried-over stock is read) a valid date.
EARLIEST_DAY = datetime.date(2000, 1, 1)
# A longer range is almost always a typing slip (2205 for 2025) and would sum decades of rollups.
MAX_RANGE_YEARS = 5
CUT_OFF_DAY = 15  # a period starts on this day of the month before and ends the day before it


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    HALF = "half", _("Six months")
    YEAR = "year", _("Year")


# How many periods of each kind a year has, and how many months each spans.
PERIODS_PER_YEAR = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}
MONTHS_PER_PERIOD = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    """One reporting period: its kind, the year it closes in, its number within that year, its days."""

    kind: str
    year: int
    number: int
    date_from: datetime.date
    date_to: datetime.date

    @property
    def official_label(self) -> str:
        """The period as the official form names it, always in Vietnamese ("Quý IV năm 2025")."""
        if self.kind == PeriodKind.MONTH:
            return f"Tháng {self.number} năm {self.year}"
        if self.kind == PeriodKind.QUARTER:
            return f"Quý {_ROMAN[self.number]} năm {self.year}"
        if self.kind == PeriodKind.HALF:
            return f"6 tháng {'đầu' if self.number == 1 else 'cuối'} năm {self.year}"
        return f"Năm {self.year}"

    @property
    def label(self) -> str:
        """The period in the interface language."""
        if self.kind == PeriodKind.MONTH:
            return gettext("Month %(number)d of %(year)d") % {"number": self.number, "year": self.year}
        if self.kind == PeriodKind.QUARTER:
            return gettext("Quarter %(number)d of %(year)d") % {"number": self.number, "year": self.year}
        if self.kind == PeriodKind.HALF:
            return gettext("Half %(number)d of %(year)d") % {"number": self.number, "year": self.year}
        return gettext("Year %(year)d") % {"year": self.year}


def _month_start(year: int, month: int) -> datetime.date:
    """The first day of a period closing in ``month`` of ``year`` and spanning back from it."""
    if month == 1:
        return datetime.date(year - 1, 12, CUT_OFF_DAY)
    return datetime.date(year, month - 1, CUT_OFF_DAY)


def period(kind: str, year: int, number: int = 1) -> Period:
    """The ``number``-th period of ``kind`` closing in ``year`` (month 1–12, quarter 1–4, half 1–2).

    Raises ``ValidationError`` naming ``kind``, ``year`` or ``number`` when one is out of range.
    """
    if kind not in PERIODS_PER_YEAR:
        raise ValidationError({"period": gettext("Unknown period; use month, quarter, half or year.")})
    if not isinstance(year, int) or not EARLIEST_DAY.year < year <= 9999:
        raise ValidationError(
            {"year": gettext("Choose a year from %(first)d to 9999.") % {"first": EARLIEST_DAY.year + 1}}
        )
    count = PERIODS_PER_YEAR[kind]
    if kind == PeriodKind.YEAR and number in (None, 0):
        number = 1
    if not isinstance(number, int) or not 1 <= number <= count:
        raise ValidationError(
            {"number": gettext("Choose a number from 1 to %(count)d for this kind of period.") % {"count": count}}
        )
    months = MONTHS_PER_PERIOD[kind]
    last_month = number * months
    first_month = last_month - months + 1
    return Period(
        kind=kind,
        year=year,
        number=number,
        date_from=_month_start(year, first_month),
        date_to=datetime.date(year, last_month, CUT_OFF_DAY - 1),
    )


def periods_of_year(year: int, kind: str | None = None) -> list[Period]:
    """Every period closing in ``year`` (of one kind, or of all kinds: months, quarters, halves, year)."""
    kinds = [kind] if kind else list(PERIODS_PER_YEAR)
    return [period(each, year, number) for each in kinds for number in range(1, PERIODS_PER_YEAR[each] + 1)]


def period_containing(day: datetime.date, kind: str) -> Period:
    """The period of ``kind`` that ``day`` falls in (16 December belongs to next year's periods)."""
    year, month = day.year, day.month
    if day.day >= CUT_OFF_DAY:
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return period(kind, year, (month - 1) // MONTHS_PER_PERIOD[kind] + 1)


def latest_ended(kind: str, *, today: datetime.date) -> Period:
    """The most recent period of ``kind`` whose last day is before ``today``."""
    current = period_containing(today, kind)
    return period_containing(current.date_from - datetime.timedelta(days=1), kind)


def last_day_held(today: datetime.date) -> datetime.date:
    """The last day the statistics hold on ``today``: yesterday (the nightly run computes a day
    once it has ended). A report on the period under way stops there."""
    return today - datetime.timedelta(days=1)


def is_under_way(last_day: datetime.date, *, today: datetime.date) -> bool:
    """Whether a period whose own last day is ``last_day`` is still running on ``today``: it has
    days not yet over (``last_day >= today``).

    Pass the period's own end, not the range a report shows: the period under way is reported
    cut at yesterday (``last_day_held``), and a period whose last day was yesterday has ended
    (as ``latest_ended`` says) although its range ends on the same day. Only a running period can
    still change, so only it gets the index's what-if. A custom range cannot reach today, so it
    is never under way.
    """
    return last_day >= today


def add_years(day: datetime.date, years: int) -> datetime.date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _range_messages(recompute: bool) -> dict[str, str]:
    """The refusals of ``validate_range``, worded for a report or for a recomputation of the statistics."""
    if recompute:
        return {
            "earliest": gettext("Statistics are computed from %(day)s on."),
            "future": gettext("%(day)s lies in the future: statistics can be recomputed up to today (%(today)s)."),
            "too_long": gettext("Recompute less than %(years)d years at once; shorten the range."),
        }
    return {
        "earliest": gettext("Reports start on %(day)s at the earliest."),
        "future": gettext("%(day)s lies in the future: a report can end today (%(today)s) at the latest."),
        "too_long": gettext("A report covers less than %(years)d years; shorten the range."),
    }


def validate_range(
    date_from: datetime.date, date_to: datetime.date, *, today: datetime.date, recompute: bool = False
) -> None:
    """Refuse a report range that cannot be answered; errors name ``date_from`` or ``date_to``.

    The range includes both days. It may not end after ``today`` (the figures of the future do
    not exist), start before ``EARLIEST_DAY``, end before it starts, or span ``MAX_RANGE_YEARS``
    years or more. ``recompute``: the range is one whose statistics are to be computed again
    (the runs page), and the messages say so rather than speak of a report.
    """
    messages = _range_messages(recompute)
    errors = {}
    if date_from < EARLIEST_DAY:
        errors["date_from"] = messages["earliest"] % {"day": EARLIEST_DAY.strftime("%d/%m/%Y")}
    if date_to > today:
        errors["date_to"] = messages["future"] % {
            "day": date_to.strftime("%d/%m/%Y"),
            "today": today.strftime("%d/%m/%Y"),
        }
    elif date_to < date_from:
        errors["date_to"] = gettext("The end date is before the start date.")
    elif date_to >= add_years(date_from, MAX_RANGE_YEARS):
        errors["date_to"] = messages["too_long"] % {"years": MAX_RANGE_YEARS}
    if errors:
        raise ValidationError(errors)
