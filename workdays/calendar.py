"""The working-day calendar deadlines are counted on.

State agencies work Monday to Friday, less the public holidays of the Labour Code (lunar Tết and
Hùng Kings' day included) and the days the government swaps each year: the ``holidays`` package
knows these, and ``CalendarOverride`` rows entered by staff win over it.

Bulk work (a nightly run over a million dossiers) must not loop over days, so the calendar is
precomputed once per process as the sorted list of the ordinals of every working day in
2000–2099; each question is then a binary search. The cache is dropped when an override changes:
at once in the process that changed it, and in every other process (web workers, Celery) within
``VERSION_CHECK_SECONDS`` through a version number in the shared Django cache. While that cache
is unavailable each process goes on with its own copy (``config.cache`` answers "unknown").
"""

import datetime
import functools
import threading
import time
from bisect import bisect_left, bisect_right
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

FIRST_YEAR = 2000
LAST_YEAR = 2099
# The last year a dossier's dates (receipt, steps, a new appointment date) may lie in: a deadline
# counted from a date runs on into the next year, which the calendar must still cover. Every door
# (API, sync, import, pages) checks dates against FIRST_YEAR–LAST_DATED_YEAR and says so with
# ``out_of_range_message``.
LAST_DATED_YEAR = LAST_YEAR - 1
VERSION_CACHE_KEY = "tthc:workdays:version"
VERSION_CHECK_SECONDS = 1.0


class OutOfCalendarRange(ValueError):
    """A date outside the years the calendar covers."""


def in_dated_range(day: datetime.date) -> bool:
    """Whether a dossier's date may lie on ``day`` (FIRST_YEAR to LAST_DATED_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_DATED_YEAR


def out_of_range_message() -> str:
    """What a person is told about a dossier's date outside FIRST_YEAR–LAST_DATED_YEAR, with why."""
    return _(
        "Dates must lie between %(first)s and %(last)s: the working-day calendar ends with %(calendar)s, "
        "and a deadline counted from a date may end in the next year."
    ) % {"first": FIRST_YEAR, "last": LAST_DATED_YEAR, "calendar": LAST_YEAR}


@functools.cache
def _base_working_ordinals() -> list[int]:
    """Ordinals of the working days by law and the ``holidays`` package, without overrides.

    Computed once per process (about a quarter of a second for the whole century).
    """
    public_holidays = holidays.country_holidays("VN", years=range(FIRST_YEAR, LAST_YEAR + 1))
    # Saturdays the government made working days in exchange for a day off (e.g. 4 May 2024).
    weekend_workdays = set(getattr(public_holidays, "weekend_workdays", ()))
    first = datetime.date(FIRST_YEAR, 1, 1).toordinal()
    last = datetime.date(LAST_YEAR, 12, 31).toordinal()
    working = []
    for ordinal in range(first, last + 1):
        day = datetime.date.fromordinal(ordinal)
        if (day.weekday() < 5 and day not in public_holidays) or day in weekend_workdays:
            working.append(ordinal)
    return working


class WorkCalendar:
    """An immutable snapshot of the working days; hold on to one for bulk work."""

    def __init__(self, overrides: dict[datetime.date, str] | None = None):
        from .choices import OverrideKind

        ordinals = _base_working_ordinals()
        if overrides:
            working = set(ordinals)
            for day, kind in overrides.items():
                if kind == OverrideKind.WORKING_DAY:
                    working.add(day.toordinal())
                elif kind == OverrideKind.DAY_OFF:
                    working.discard(day.toordinal())
            ordinals = sorted(working)
        self._ordinals = ordinals
        self._first = datetime.date(FIRST_YEAR, 1, 1).toordinal()
        self._last = datetime.date(LAST_YEAR, 12, 31).toordinal()

    def _check(self, day: datetime.date) -> int:
        ordinal = day.toordinal()
        if not self._first <= ordinal <= self._last:
            raise OutOfCalendarRange(
                f"{day.isoformat()} is outside the working-day calendar ({FIRST_YEAR}–{LAST_YEAR})."
            )
        return ordinal

    def is_working_day(self, day: datetime.date) -> bool:
        ordinal = self._check(day)
        index = bisect_left(self._ordinals, ordinal)
        return index < len(self._ordinals) and self._ordinals[index] == ordinal

    def add_working_days(self, day: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``day`` (``day`` itself is not counted, Civil Code art. 147).

        A negative ``n`` counts backwards: -1 is the last working day before ``day``. ``n=0``
        returns ``day`` itself when it is a working day, else the next working day.
        """
        ordinal = self._check(day)
        if n > 0:
            index = bisect_right(self._ordinals, ordinal) + n - 1
        elif n < 0:
            index = bisect_left(self._ordinals, ordinal) + n
        else:
            index = bisect_left(self._ordinals, ordinal)
        if not 0 <= index < len(self._ordinals):
            raise OutOfCalendarRange(
                f"{n} working days from {day.isoformat()} leaves the calendar ({FIRST_YEAR}–{LAST_YEAR})."
            )
        return datetime.date.fromordinal(self._ordinals[index])

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        return bisect_right(self._ordinals, self._check(end)) - bisect_right(self._ordinals, self._check(start))

    def working_days_in(self, start: datetime.date, end: datetime.date) -> list[datetime.date]:
        """Every working day from ``start`` to ``end``, both included."""
        low = bisect_left(self._ordinals, self._check(start))
        high = bisect_right(self._ordinals, self._check(end))
        return [datetime.date.fromordinal(ordinal) for ordinal in self._ordinals[low:high]]

    def receipt_day(self, received_at: datetime.datetime) -> datetime.date:
        """The working day a dossier counts as received on.

        Received at or after the cut-off hour, or on a non-working day, it counts as received on
        the next working day (DESIGN.md, "Dossier lifecycle", step 1).
        """
        local = received_at.astimezone(ZoneInfo(settings.TIME_ZONE)) if received_at.tzinfo else received_at
        day = local.date()
        cutoff_hour, cutoff_minute = settings.TTHC_RECEIPT_CUTOFF
        if (local.hour, local.minute) >= (cutoff_hour, cutoff_minute) or not self.is_working_day(day):
            return self.add_working_days(day, 1)
        return day


_lock = threading.Lock()
_calendar: WorkCalendar | None = None
_calendar_version = None
_checked_at = 0.0


def _shared_version():
    """The calendar's version in the shared cache; ``None`` when unknown (absent, or the cache is down)."""
    return cache.get(VERSION_CACHE_KEY)


def _load() -> WorkCalendar:
    from .models import CalendarOverride

    return WorkCalendar(dict(CalendarOverride.objects.values_list("date", "kind")))


def get_calendar() -> WorkCalendar:
    """The current calendar snapshot, rebuilt only when an override changed."""
    global _calendar, _calendar_version, _checked_at
    now = time.monotonic()
    if _calendar is not None and now - _checked_at < VERSION_CHECK_SECONDS:
        return _calendar
    version = _shared_version()
    with _lock:
        # An unknown version (Redis down or emptied) keeps this process's copy. A change made while
        # the cache is down reaches the other processes at the next change or at their restart.
        if _calendar is None or (version is not None and version != _calendar_version):
            _calendar = _load()
            _calendar_version = version
        _checked_at = now
        return _calendar


def _bump_shared_version():
    try:
        cache.incr(VERSION_CACHE_KEY)
    except ValueError:
        cache.set(VERSION_CACHE_KEY, 1, timeout=None)


def invalidate_calendar() -> None:
    """Drop the cached calendar here now, and in every process once the change is committed."""
    global _calendar
    with _lock:
        _calendar = None
    _bump_shared_version()
    # Inside a transaction, other processes could rebuild from the old rows before the commit:
    # bump again once it is committed.
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump_shared_version)


def is_working_day(day: datetime.date) -> bool:
    return get_calendar().is_working_day(day)


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    return get_calendar().add_working_days(day, n)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return get_calendar().working_days_between(start, end)


def receipt_day(received_at: datetime.datetime) -> datetime.date:
    return get_calendar().receipt_day(received_at)
