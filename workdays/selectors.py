"""Reads of the working-day calendar for people: which days of a year are not ordinary, and why."""

import datetime
import functools
from dataclasses import dataclass

import holidays

from .calendar import get_calendar
from .choices import OverrideKind
from .models import CalendarOverride

PACKAGE = f"holidays {holidays.__version__}"
LANGUAGES = {"vi": "vi", "en": "en_US"}


@dataclass(frozen=True)
class SpecialDay:
    """A weekday on which state agencies do not work, or a weekend day on which they do."""

    date: datetime.date
    kind: str  # OverrideKind: a day off or a working day
    reason: str  # the holiday's name in the package, or the override's note
    package_name: str  # what the ``holidays`` package calls the day ("" when it does not list it)
    override: CalendarOverride | None  # the row that decides the day, when one does

    @property
    def source(self) -> str:
        """``official``/``staff`` for an override, ``package`` for the ``holidays`` package."""
        return self.override.source if self.override is not None else "package"


@functools.cache
def _package_names(year: int, language: str) -> dict[datetime.date, str]:
    names = holidays.country_holidays("VN", years=year, language=language)
    return dict(names.items())


def special_days(year: int, *, language: str = "vi") -> list[SpecialDay]:
    """Every day of ``year`` that is not an ordinary Monday–Friday working day or weekend day off.

    Two queries at most (the calendar snapshot, the year's overrides); the day-by-day walk is over
    the 365 days of one year only.
    """
    calendar = get_calendar()
    overrides = {row.date: row for row in CalendarOverride.objects.filter(date__year=year).select_related("applied_by")}
    names = _package_names(year, LANGUAGES.get(language, "vi"))
    days = []
    day = datetime.date(year, 1, 1)
    while day.year == year:
        weekday = day.weekday() < 5
        working = calendar.is_working_day(day)
        if weekday != working:
            override = overrides.get(day)
            package_name = names.get(day, "")
            reason = override.note if override is not None and override.note else package_name
            kind = OverrideKind.DAY_OFF if weekday else OverrideKind.WORKING_DAY
            days.append(SpecialDay(date=day, kind=kind, reason=reason, package_name=package_name, override=override))
        day += datetime.timedelta(days=1)
    return days


def overrides_without_effect(year: int) -> list[CalendarOverride]:
    """Overrides of ``year`` that change nothing (a "day off" on a Sunday, a "working day" on a Tuesday)."""
    return [
        row
        for row in CalendarOverride.objects.filter(date__year=year).order_by("date")
        if (row.kind == OverrideKind.DAY_OFF) == (row.date.weekday() >= 5)
    ]
