"""Reads of the dashboards: a unit head's "are we on time, what is late, where do we rank", and the
ministry's comparison of its units.

Every figure of a period comes from the ``DailyStat`` rollups (``stats.selectors``), so a
dashboard costs the same at ten thousand and at ten million dossiers. Only what must be live is
read from the dossiers themselves, through the indexed ``status, appointment_date`` queryset
methods: the dossiers overdue now and due soon. Every function returns plain dataclasses; the
views only choose the unit and the period.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from dossiers.selectors import overdue_days
from stats import periods
from stats.index766 import IndexResult, index766_grouped
from stats.selectors import Coverage, Form06Row, TrendPoint, coverage, form06, monthly_trend
from units.choices import MembershipRole
from units.models import Membership, Unit
from workdays.calendar import working_days_between

# The government's target for the on-time rate ("above 90%", DESIGN.md "Statistics"); the charts
# draw it as a line and the figures are coloured against it.
ON_TIME_TARGET = Decimal(90)
# How many dossiers the overdue and due-soon lists show, and procedures the late table shows.
LIST_SIZE = 10
# The trend chart shows at least this many calendar months, ending with the period.
TREND_MONTHS = 12
ONE_DAY = datetime.timedelta(days=1)
# The emulation app's page explaining a unit's score (``emulation/urls.py``).
EMULATION_BREAKDOWN_URL = "emulation:unit"


# --- Periods --------------------------------------------------------------------------------


class Preset:
    """The periods a dashboard offers: the reporting period so far, or any range."""

    MONTH = periods.PeriodKind.MONTH.value
    QUARTER = periods.PeriodKind.QUARTER.value
    YEAR = periods.PeriodKind.YEAR.value
    CUSTOM = "custom"
    DEFAULT = MONTH
    CHOICES = [
        (MONTH, _("This month")),
        (QUARTER, _("This quarter")),
        (YEAR, _("This year")),
        (CUSTOM, _("Custom range")),
    ]


@dataclass(frozen=True)
class DashboardPeriod:
    """The days a dashboard covers, both included, and how the user chose them."""

    date_from: datetime.date
    date_to: datetime.date
    preset: str = Preset.CUSTOM
    label: str = ""
    # A preset's whole reporting period (15th to 14th, Decree 09/2019/NĐ-CP art. 12), of which
    # ``date_to`` may be only part so far; None for a custom range.
    reporting: periods.Period | None = None

    @property
    def summary(self) -> str:
        """One line saying which reporting period this is, its 15th-to-14th days and how far the
        figures go: "Reporting month 12/2026 (15/11–14/12), figures up to 29/11"."""
        if self.reporting is None:
            return f"{self.date_from:%d/%m/%Y} – {self.date_to:%d/%m/%Y}"
        full = self.reporting
        same_year = full.date_from.year == full.date_to.year
        span = (
            f"{full.date_from:%d/%m}–{full.date_to:%d/%m}"
            if same_year
            else f"{full.date_from:%d/%m/%Y}–{full.date_to:%d/%m/%Y}"
        )
        names = {
            periods.PeriodKind.MONTH: gettext("Reporting month %(number)d/%(year)d"),
            periods.PeriodKind.QUARTER: gettext("Reporting quarter %(number)d/%(year)d"),
            periods.PeriodKind.HALF: gettext("Reporting half-year %(number)d/%(year)d"),
            periods.PeriodKind.YEAR: gettext("Reporting year %(year)d"),
        }
        name = names[full.kind] % {"number": full.number, "year": full.year}
        if self.date_to >= full.date_to:
            return f"{name} ({span})"
        return gettext("%(period)s (%(span)s), figures up to %(day)s") % {
            "period": name,
            "span": span,
            "day": f"{self.date_to:%d/%m}",
        }

    @property
    def emulation_year(self) -> int:
        """The emulation year (a reporting year: 15 December to 14 December) the period ends in."""
        return periods.period_containing(self.date_to, periods.PeriodKind.YEAR).year


def preset_period(kind: str, *, today: datetime.date) -> DashboardPeriod:
    """The reporting period of ``kind`` that yesterday falls in, from its first day up to yesterday.

    Up to yesterday because the statistics of a day are computed the night after it; on the first
    day of a period (the 15th) that is the whole previous period, rather than an empty one.
    """
    yesterday = today - ONE_DAY
    current = periods.period_containing(yesterday, kind)
    return DashboardPeriod(
        date_from=current.date_from,
        date_to=min(current.date_to, yesterday),
        preset=kind,
        label=current.label,
        reporting=current,
    )


def custom_period(date_from: datetime.date, date_to: datetime.date, *, today: datetime.date) -> DashboardPeriod:
    """Any range of days; ``ValidationError`` naming ``date_from`` or ``date_to`` when it cannot be answered."""
    periods.validate_range(date_from, date_to, today=today)
    return DashboardPeriod(date_from=date_from, date_to=date_to, preset=Preset.CUSTOM)


def trend_range(period: DashboardPeriod) -> tuple[datetime.date, datetime.date]:
    """The trend covers the period's calendar months, and at least the ``TREND_MONTHS`` months ending with it."""
    month, year = period.date_to.month - (TREND_MONTHS - 1), period.date_to.year
    while month < 1:
        month, year = month + 12, year - 1
    start = max(min(period.date_from, datetime.date(year, month, 1)), periods.EARLIEST_DAY)
    return start, period.date_to


# --- Results ----------------------------------------------------------------------------------


@dataclass
class LiveItem:
    """A dossier of a live list with its working days: past the appointment date, or left before it."""

    dossier: Dossier
    working_days: int


@dataclass
class LiveList:
    """The first dossiers of a live list, ordered by appointment date, and how many there are in all."""

    items: list[LiveItem]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class EmulationSummary:
    """A unit's stored emulation result for one year: total, band, rank among the ranked units."""

    year: int
    total: Decimal | None
    band: str
    band_label: str
    rank: int | None
    ranked_units: int
    is_final: bool
    breakdown_url: str = ""


@dataclass
class IndexSummary:
    """The unit's national index (Decision 766) so far: this reporting month and this reporting
    year to the last day the statistics hold, with the year's points lost by group and the link
    to its index page."""

    month: IndexResult
    year: IndexResult
    url: str

    @property
    def groups_losing(self):
        """The year's groups that lost points, most lost first."""
        return sorted((group for group in self.year.groups if group.lost > 0), key=lambda group: -group.lost)


@dataclass
class UnitDashboard:
    """What the head of a unit sees for a period: the unit and its sub-units together."""

    unit: Unit
    period: DashboardPeriod
    figures: Form06Row
    late_procedures: list[Form06Row]
    trend_from: datetime.date
    trend: list[TrendPoint]
    overdue: LiveList
    due_soon: LiveList
    emulation: EmulationSummary | None
    coverage: Coverage
    national_index: IndexSummary | None = None

    @property
    def incomplete(self) -> bool:
        """Whether some days of the period have no statistics yet."""
        return self.coverage.incomplete


@dataclass
class UnitLine:
    """One top-level unit of the ministry dashboard: its whole subtree's figures and live overdue count."""

    unit: Unit
    figures: Form06Row
    overdue_now: int = 0

    @property
    def meets_target(self) -> bool:
        return self.figures.on_time_rate is not None and self.figures.on_time_rate >= ON_TIME_TARGET


@dataclass
class MinistryDashboard:
    """The ministry's units side by side for a period, the whole ministry's trend and today's backlog."""

    period: DashboardPeriod
    lines: list[UnitLine]
    totals: Form06Row
    trend_from: datetime.date
    trend: list[TrendPoint]
    overdue_now: int
    due_soon_now: int
    coverage: Coverage

    @property
    def units_rated(self) -> int:
        """Top-level units that resolved dossiers in the period (the others have no on-time rate)."""
        return sum(1 for line in self.lines if line.figures.on_time_rate is not None)

    @property
    def units_below_target(self) -> int:
        return sum(1 for line in self.lines if line.figures.on_time_rate is not None and not line.meets_target)

    @property
    def incomplete(self) -> bool:
        """Whether some days of the period have no statistics yet."""
        return self.coverage.incomplete


# --- Selectors --------------------------------------------------------------------------------


def home_unit(user) -> Unit | None:
    """The unit a head or officer lands on: the one they head, else the one they work in (one query)."""
    memberships = (
        Membership.objects.filter(
            user=user, unit__is_active=True, role__in=[MembershipRole.UNIT_HEAD, MembershipRole.UNIT_OFFICER]
        )
        .select_related("unit")
        .order_by("unit__path")
    )
    chosen = None
    for membership in memberships:
        if membership.role == MembershipRole.UNIT_HEAD:
            return membership.unit
        chosen = chosen or membership.unit
    return chosen


def _live_list(queryset, working_days) -> LiveList:
    """The ``LIST_SIZE`` earliest appointments of ``queryset`` and its count (two indexed queries)."""
    ordered = queryset.select_related("procedure", "unit").order_by("appointment_date", "received_at", "pk")
    items = [LiveItem(dossier=dossier, working_days=working_days(dossier)) for dossier in ordered[:LIST_SIZE]]
    return LiveList(items=items, total=queryset.count())


def unit_dashboard(*, unit: Unit, unit_ids: list[int], period: DashboardPeriod, today: datetime.date) -> UnitDashboard:
    """The dashboard of ``unit`` over ``unit_ids``: the unit and those of its sub-units the reader
    may read (all of them for its head, the ministry office and auditors; only their own unit for
    an officer). A fixed number of queries whatever the data.

    One Form 06 by procedure gives both the figures (its totals row, the same numbers as
    ``period_figures``) and the procedures with the most late dossiers. The units are named by id,
    rather than by path, so that the database reads the rollups through their (unit, day) index.
    """
    scope = {"unit_ids": unit_ids}
    rows, figures = form06(date_from=period.date_from, date_to=period.date_to, group_by="procedure", **scope)
    late = sorted((row for row in rows if row.resolved_late), key=lambda row: (-row.resolved_late, row.code))
    trend_from, trend_to = trend_range(period)
    in_scope = Dossier.objects.filter(unit_id__in=unit_ids)
    return UnitDashboard(
        unit=unit,
        period=period,
        figures=figures,
        late_procedures=late[:LIST_SIZE],
        trend_from=trend_from,
        trend=monthly_trend(date_from=trend_from, date_to=trend_to, **scope),
        overdue=_live_list(in_scope.overdue(on=today), lambda dossier: overdue_days(dossier, today)),
        due_soon=_live_list(
            in_scope.due_soon(on=today), lambda dossier: working_days_between(today, dossier.appointment_date)
        ),
        emulation=emulation_summary(unit, year=period.emulation_year),
        coverage=coverage(period.date_from, period.date_to),
        national_index=index_summary(unit, unit_ids=unit_ids, today=today),
    )


def index_summary(unit: Unit, *, unit_ids: list[int], today: datetime.date) -> IndexSummary:
    """The national index of ``unit`` over ``unit_ids`` for the reporting month and year
    (``stats.periods``) of the last day the statistics hold (``today − 1``), so far. One
    ``index766_grouped`` call: at most eight queries whatever the data."""
    last = today - ONE_DAY
    month = (periods.period_containing(last, periods.PeriodKind.MONTH).date_from, last)
    year = (periods.period_containing(last, periods.PeriodKind.YEAR).date_from, last)
    found = index766_grouped(scopes=[unit], periods=[month, year], unit_ids=unit_ids, today=today)
    query = {"period": "custom", "date_from": year[0].isoformat(), "date_to": last.isoformat(), "unit": unit.code}
    return IndexSummary(
        month=found[(unit.pk, month)],
        year=found[(unit.pk, year)],
        url=f"{reverse('reports:index766')}?{urlencode(query)}",
    )


def top_level_ancestor_ids(units: list[Unit]) -> dict[int, int]:
    """``{unit id: id of its top-level unit}`` (a child of a root), read from the materialised paths.

    A root (the ministry itself) maps to itself: its own dossiers are shown on a line of their own.
    """
    result = {}
    for unit in units:
        chain = [int(part) for part in unit.path.strip("/").split("/") if part]
        result[unit.pk] = chain[1] if len(chain) > 1 else unit.pk
    return result


def roll_up_to_top_level(rows: list[Form06Row], ancestors: dict[int, int]) -> dict[int, Form06Row]:
    """Form 06 rows of single units summed into their top-level units' subtrees."""
    rolled: dict[int, Form06Row] = defaultdict(Form06Row)
    for row in rows:
        rolled[ancestors[row.key]].add(row)
    return dict(rolled)


def _rate_order(line: UnitLine):
    rate = line.figures.on_time_rate
    return (rate is None, -(rate or 0), line.unit.path)


def ministry_dashboard(*, period: DashboardPeriod, today: datetime.date) -> MinistryDashboard:
    """Every top-level unit's subtree figures, best on-time rate first; a fixed number of queries.

    The rows of ``form06`` by unit (one per unit with activity, a few hundred at most) are summed
    in Python into their top-level units along ``Unit.path``; the dossiers are never scanned, only
    the open ones past or near their appointment date through the status/appointment index.
    """
    units = list(Unit.objects.only("pk", "code", "name_vi", "name_en", "path", "parent_id", "is_active"))
    ancestors = top_level_ancestor_ids(units)
    rows, totals = form06(date_from=period.date_from, date_to=period.date_to, group_by="unit")
    rolled = roll_up_to_top_level(rows, ancestors)
    overdue_by_top: dict[int, int] = defaultdict(int)
    # Naming the units and counting rows (not ids) lets the database count from the (unit, status,
    # appointment date) index alone, without reading the dossiers.
    overdue_by_unit = (
        Dossier.objects.overdue(on=today)
        .filter(unit_id__in=list(ancestors))
        .values("unit_id")
        .annotate(count=Count("*"))
        .order_by()
    )
    for item in overdue_by_unit:
        overdue_by_top[ancestors.get(item["unit_id"], item["unit_id"])] += item["count"]
    by_pk = {unit.pk: unit for unit in units}
    roots = {unit.pk for unit in units if unit.parent_id is None}
    shown = {
        unit.pk
        for unit in units
        if unit.parent_id in roots and (unit.is_active or unit.pk in rolled or unit.pk in overdue_by_top)
    }
    # A root's own dossiers (received by the ministry itself) get a line too, when there are any.
    shown |= {pk for pk in roots if pk in rolled or pk in overdue_by_top}
    lines = sorted(
        (
            UnitLine(unit=by_pk[pk], figures=rolled.get(pk, Form06Row()), overdue_now=overdue_by_top.get(pk, 0))
            for pk in shown
        ),
        key=_rate_order,
    )
    trend_from, trend_to = trend_range(period)
    return MinistryDashboard(
        period=period,
        lines=lines,
        totals=totals,
        trend_from=trend_from,
        trend=monthly_trend(date_from=trend_from, date_to=trend_to),
        overdue_now=sum(overdue_by_top.values()),
        due_soon_now=Dossier.objects.due_soon(on=today).count(),
        coverage=coverage(period.date_from, period.date_to),
    )


# --- Emulation --------------------------------------------------------------------------------


def emulation_summary(unit: Unit, *, year: int) -> EmulationSummary | None:
    """The unit's stored emulation result for ``year`` or, failing that, the latest year before it.

    None when the emulation app has no score for the unit (no year computed yet). Reads the
    stored results only (two queries at most); the scores are computed by the emulation app.
    """
    try:
        from emulation.choices import Band, YearStatus
        from emulation.models import UnitScore
    except ImportError:  # the emulation app is optional for the dashboards
        return None
    score = (
        UnitScore.objects.filter(unit=unit, year__year__lte=year).select_related("year").order_by("-year__year").first()
    )
    if score is None:
        return None
    ranked = UnitScore.objects.filter(year_id=score.year_id, rank__isnull=False).count()
    try:
        url = reverse(EMULATION_BREAKDOWN_URL, kwargs={"year": score.year.year, "code": unit.code})
    except NoReverseMatch:
        url = ""
    return EmulationSummary(
        year=score.year.year,
        total=score.total,
        band=score.band,
        band_label=str(Band(score.band).label) if score.band in Band.values else gettext("Not classified"),
        rank=score.rank,
        ranked_units=ranked,
        is_final=score.year.status == YearStatus.FINALISED,
        breakdown_url=url,
    )
