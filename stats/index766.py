"""The national index (Decision 766/QĐ-TTg): every indicator, group and the total out of 100.

This is the one place the index is computed (DESIGN.md, "The national index"; the choices are
written down in ``docs/index766.md``). For a unit and its sub-units (or every unit a principal
may read) and any date range, ``index766`` reads:

* the dossier rollups (``DailyStat``): flows summed over the range, stocks on its last day;
* the feedback rollups (``FeedbackDailyStat``) summed over the range;
* the catalogue as it stood on the range's last day (``procedures.ProcedureVersion`` and the flags'
  history ``procedures.ProcedureFlags``) for the indicators that count procedures, and the versions
  announced in the range for group 1.

A fixed number of queries (at most eight) whatever the number of dossiers (``bench/index766.py``;
figures in ``docs/performance.md``).

Each indicator is a rate ``numerator / denominator`` in percent, rounded to two decimals. With a
target it earns its full points at or above the target, otherwise ``rate × points / target``; an
indicator without a target earns ``rate × points / 100``. Points are rounded to two decimals. An
indicator is:

* **computed**;
* **not applicable** when its denominator is 0 (the public rule); the year's configuration says
  what it contributes (``NotApplicableRule``: left out, full points or none);
* **not available** when the product does not record its inputs (2.2's durations, 4.2b's
  electronic certified copies); it is reported with the reason and always left out.

The total is ``100 × points earned / maximum of the indicators counted``, so that an index whose
inputs are partly missing is still on 100 and says on how many points (``counted_maximum``) it
rests.
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossiers.choices import Channel, Outcome, Timeliness
from procedures.choices import ChangeKind, OnlineService
from procedures.models import ProcedureFlags, ProcedureVersion
from units.models import Unit
from workdays.calendar import add_working_days

from . import periods
from .choices import NotApplicableRule
from .models import DailyStat, FeedbackDailyStat, Index766Config

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Group:
    code: str
    name: str


GROUPS = (
    Group("1", _("Publicity and transparency")),
    Group("2", _("Progress of resolution")),
    Group("3", _("Online public services")),
    Group("3P", _("Online payment")),
    Group("4", _("Digitisation")),
    Group("5", _("Satisfaction")),
)


@dataclass(frozen=True)
class Indicator:
    """An indicator's defaults: maximum points and target (percent, or None for no target)."""

    code: str
    group: str
    name: str
    points: Decimal
    target: Decimal | None = None


def _d(value) -> Decimal:
    return Decimal(str(value))


# DESIGN.md's defaults (points add up to 100). Group 3's split (4 + 4 + 4) is our choice.
INDICATORS = (
    Indicator("1.1", "1", _("Procedures announced on time"), _d(6)),
    Indicator("1.2", "1", _("Procedures published on the national database on time"), _d(4)),
    Indicator("1.3", "1", _("Procedures published with all seven components"), _d(2)),
    Indicator("1.4", "1", _("Dossiers synced to the national portal"), _d(6)),
    Indicator("2.1", "2", _("Dossiers ended on time or open within deadline"), _d(20)),
    Indicator("2.2", "2", _("Average processing time per procedure (no points)"), _d(0)),
    Indicator("3.1", "3", _("Procedures offered online"), _d(4), _d(80)),
    Indicator("3.2", "3", _("Online services that received dossiers"), _d(4)),
    Indicator("3.3", "3", _("Dossiers received online"), _d(4), _d(50)),
    Indicator("3.5a", "3P", _("Fee-bearing procedures payable on the national portal"), _d(2), _d(80)),
    Indicator("3.5b", "3P", _("Fee-bearing procedures with online payments made"), _d(2), _d(80)),
    Indicator("3.6", "3P", _("Dossiers paid online"), _d(6)),
    Indicator("4.1", "4", _("Dossiers with an electronic result"), _d(6)),
    Indicator("4.2a", "4", _("Dossiers digitised"), _d(4), _d(80)),
    Indicator("4.2b", "4", _("Electronic certified copies"), _d(2)),
    Indicator("4.3", "4", _("Dossiers reusing digitised data"), _d(2), _d(80)),
    Indicator("4.4", "4", _("Digitised dossiers linked to the citizen's data store"), _d(4)),
    Indicator("4.5a", "4", _("Population data: dossiers"), _d(2)),
    Indicator("4.5b", "4", _("Population data: procedures"), _d(2)),
    Indicator("5.1", "5", _("Feedback received (tracked, no points)"), _d(0)),
    Indicator("5.2", "5", _("Feedback handled on time"), _d(6)),
    Indicator("5.3", "5", _("Satisfaction with feedback handling"), _d(6)),
    Indicator("5.4", "5", _("Dossiers without delay, feedback or dislike"), _d(6), _d(90)),
)
INDICATOR_CODES = tuple(indicator.code for indicator in INDICATORS)
assert sum(indicator.points for indicator in INDICATORS) == HUNDRED, "the default points add up to 100"

# Why an indicator cannot be computed yet (its inputs are not recorded by the product).
NOT_RECORDED = {
    # Said for users; why it is so (the rollups cannot sum working days set-based): docs/index766.md.
    "2.2": _("Not computed yet: the system does not yet store each dossier's actual processing time."),
    "4.2b": _("Electronic certified copies are not recorded."),
}


# --- Configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class Configuration:
    """A year's points, targets and rules (``Index766Config`` over the defaults)."""

    year: int
    points: dict[str, Decimal]
    targets: dict[str, Decimal | None]
    not_applicable_rule: str = NotApplicableRule.EXCLUDE
    paper_result_assumed: bool = False


def override_errors(overrides) -> list[str]:
    """The problems of an ``Index766Config.overrides`` value (empty when it is valid)."""
    if not isinstance(overrides, dict):
        return [str(_("Give an object keyed by indicator code."))]
    errors = []
    for code, change in overrides.items():
        if code not in INDICATOR_CODES:
            errors.append(str(_("Unknown indicator %(code)s.") % {"code": code}))
            continue
        if not isinstance(change, dict) or set(change) - {"points", "target"}:
            errors.append(str(_("Indicator %(code)s: give only points and target.") % {"code": code}))
            continue
        points, target = change.get("points"), change.get("target", 1)
        if "points" in change and (not isinstance(points, int | float) or points < 0):
            errors.append(str(_("Indicator %(code)s: points must be a number of at least 0.") % {"code": code}))
        if target is not None and (not isinstance(target, int | float) or not 0 < target <= 100):
            errors.append(
                str(_("Indicator %(code)s: the target is a percentage above 0, at most 100.") % {"code": code})
            )
    return errors


def configuration(year: int) -> Configuration:
    """The configuration of ``year``: the ministry office's ``Index766Config`` or the defaults. One query."""
    points = {indicator.code: indicator.points for indicator in INDICATORS}
    targets = {indicator.code: indicator.target for indicator in INDICATORS}
    row = Index766Config.objects.filter(year=year).first()
    if row is None:
        return Configuration(year=year, points=points, targets=targets)
    for code, change in (row.overrides or {}).items():
        if code not in points:
            continue
        if "points" in change:
            points[code] = _d(change["points"])
        if "target" in change:
            targets[code] = None if change["target"] is None else _d(change["target"])
    return Configuration(
        year=year,
        points=points,
        targets=targets,
        not_applicable_rule=row.not_applicable_rule,
        paper_result_assumed=row.paper_result_assumed,
    )


# --- Results --------------------------------------------------------------------------------

COMPUTED, NOT_APPLICABLE, NOT_AVAILABLE = "computed", "not_applicable", "not_available"


@dataclass
class IndicatorResult:
    """One indicator over the period. ``rate`` and ``points`` are None unless ``status`` is computed
    (or, for points, not applicable under a rule that gives it full or no points)."""

    code: str
    group: str
    name: str
    maximum: Decimal
    target: Decimal | None
    numerator: int | None = None
    denominator: int | None = None
    rate: Decimal | None = None
    points: Decimal | None = None
    status: str = COMPUTED
    reason: str = ""
    counted: bool = True

    @property
    def lost(self) -> Decimal | None:
        """Points lost on a counted indicator (maximum − points)."""
        return self.maximum - self.points if self.counted and self.points is not None else None


@dataclass
class GroupResult:
    code: str
    name: str
    maximum: Decimal
    indicators: list[IndicatorResult] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        """Points earned on the counted indicators."""
        return sum((item.points for item in self.indicators if item.counted and item.points is not None), Decimal(0))

    @property
    def counted_maximum(self) -> Decimal:
        return sum((item.maximum for item in self.indicators if item.counted), Decimal(0))

    @property
    def lost(self) -> Decimal:
        """Points lost on the counted indicators (counted maximum − points)."""
        return self.counted_maximum - self.points


@dataclass
class IndexResult:
    date_from: datetime.date
    date_to: datetime.date
    unit: Unit | None
    configuration: Configuration
    groups: list[GroupResult]
    counts: dict = field(default_factory=dict)  # the ``counts()`` it was scored from

    @property
    def points(self) -> Decimal:
        return sum((group.points for group in self.groups), Decimal(0))

    @property
    def counted_maximum(self) -> Decimal:
        """The maximum of the indicators the total rests on (100 when every indicator is counted)."""
        return sum((group.counted_maximum for group in self.groups), Decimal(0))

    @property
    def total(self) -> Decimal | None:
        """The index on 100: points earned over the counted maximum; None when nothing is counted."""
        if not self.counted_maximum:
            return None
        return _round(self.points * HUNDRED / self.counted_maximum)

    def indicator(self, code: str) -> IndicatorResult:
        return next(item for group in self.groups for item in group.indicators if item.code == code)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate_points(rate: Decimal, maximum: Decimal, target: Decimal | None) -> Decimal:
    """The threshold rule: full points at or above the target, else ``rate × maximum / target``
    (``target`` None: ``rate × maximum / 100``). Rates in percent; two decimals."""
    bar = target if target is not None else HUNDRED
    if rate >= bar:
        return _round(maximum)
    return _round(rate * maximum / bar)


# --- The counts the index reads ---------------------------------------------------------------
#
# Every count the scoring reads is a key of the ``counts`` dict, defined here once and computed
# by ``grouped_counts`` (``counts`` is its one-scope, one-period case). To add a count:
#   * a ``DailyStat`` column summed over the period: add its name to ``DOSSIER_FLOWS``;
#   * a ``DailyStat`` column read on the period's last day (a stock): add it to ``DOSSIER_STOCKS``;
#   * a sum of columns or a filtered sum: add an aggregate to ``_flow_aggregates()``;
#   * a ``FeedbackDailyStat`` column: nothing to do, every ``COUNT_FIELDS`` name is read as
#     ``feedback_<name>``;
#   * a sum over the received dossiers that depends on their procedure's flags on the period's
#     last day: add its key to ``PROCEDURE_FLOW_KEYS`` and add it in ``grouped_counts`` (6.);
#   * a catalogue count (procedures in force on the period's last day, with the flags that held
#     then): add its key to ``CATALOGUE_KEYS`` and count it in ``_catalogue_counts()``;
#   * a count of the versions announced in the period: ``ANNOUNCEMENT_KEYS``,
#     ``_announcement_counts()``;
# then read the key in ``score()``. The query count does not change.

DOSSIER_FLOWS = (
    "received_online",
    "received_in_person",
    "received_postal",
    "paid_online",
    "ended_early",
    "ended_on_time",
    "ended_late",
    "ended_resolved",
    "resolved_e_result",
    "received_online_e_result",
    "received_digitised",
    "rated_unsatisfied",
    "received_synced",
    "received_data_reused",
    "received_digitised_data_store",
    "received_online_vneid",
)
_DOSSIER_FLOWS = DOSSIER_FLOWS  # the former name
DOSSIER_STOCKS = ("open_within_deadline", "open_overdue")
# ``online_counted``: online receipts of procedures without a paper result plus online receipts
# with an electronic result of those with one (3.3); ``fee_received``: receipts of fee-bearing
# procedures (3.6). Flags as they held on the period's last day.
PROCEDURE_FLOW_KEYS = ("online_counted", "fee_received")
CATALOGUE_KEYS = (
    "procedures",
    "online_procedures",
    "online_procedures_counted",
    "online_procedures_used",
    "fee_procedures",
    "fee_procedures_paid",
    "fee_procedures_payable",
    "citizen_procedures",
    "citizen_procedures_population",
)
ANNOUNCEMENT_KEYS = (
    "announcements",
    "announcements_on_time",
    "publications_due",
    "publications_on_time",
    "publications",
    "publications_complete",
)
# The flags of a procedure that has no history (written past the catalogue's services): the
# model's defaults, i.e. nothing recorded.
DEFAULT_FLAGS = {
    "online_service": OnlineService.NONE,
    "has_fee": False,
    "internal_procedure_issued": False,
    "portal_integrated": False,
    "paper_result": True,
    "for_citizens": False,
    "full_online_eligible": False,
    "payable_on_portal": False,
    "uses_population_data": False,
}
# Decision 766 as DVCQG documents it (DESIGN.md): an announcing decision dated at least this many
# working days before the legal basis takes effect (1.1), published on the national database within
# this many working days of the decision (1.2). A ministry's figures (provinces: 5 and 5).
ANNOUNCE_WORKING_DAYS = 20
PUBLISH_WORKING_DAYS = 10


def _flow_aggregates() -> dict:
    """The summed ``DailyStat`` counts, keyed ``sum_<key>`` (Django refuses an aggregate named
    like a column it reads)."""
    return {f"sum_{name}": Sum(name) for name in DOSSIER_FLOWS}


def _offered_online(flags: dict) -> bool:
    return flags["online_service"] != OnlineService.NONE


def _counts_for_31(flags: dict) -> bool:
    """3.1: a procedure eligible for full online service counts only when offered fully; any other
    when offered online, partly or fully (**choice**, docs/index766.md)."""
    if flags["full_online_eligible"]:
        return flags["online_service"] == OnlineService.FULL
    return _offered_online(flags)


def _catalogue_counts(in_force, flags_on_day: dict[int, dict], online_used: set, paid_used: set) -> dict[str, int]:
    """The catalogue counts of one scope and period.

    ``in_force``: ids of the scope's procedures in force on the period's last day; ``flags_on_day``:
    ``{procedure id: flags}`` as they held that day (``ProcedureFlags``); ``online_used`` /
    ``paid_used``: ids of the procedures with online receipts / online payments in the period and
    the scope's units."""
    flags = {pk: flags_on_day.get(pk, DEFAULT_FLAGS) for pk in in_force}
    online = {pk for pk, item in flags.items() if _offered_online(item)}
    fee = {pk for pk, item in flags.items() if item["has_fee"]}
    citizens = {pk for pk, item in flags.items() if item["for_citizens"]}
    return {
        "procedures": len(flags),
        "online_procedures": len(online),
        "online_procedures_counted": sum(1 for item in flags.values() if _counts_for_31(item)),
        "online_procedures_used": len(online & online_used),
        "fee_procedures": len(fee),
        "fee_procedures_paid": len(fee & paid_used),
        "fee_procedures_payable": sum(1 for pk in fee if flags[pk]["payable_on_portal"]),
        "citizen_procedures": len(citizens),
        "citizen_procedures_population": sum(1 for pk in citizens if flags[pk]["uses_population_data"]),
    }


@dataclass(frozen=True)
class Announcement:
    """A version's announcement as group 1 judges it (``None``: not recorded, or not yet due)."""

    path: str
    decided: datetime.date
    announced_on_time: bool | None  # 1.1; None when the legal basis's date is not recorded
    published_on_time: bool | None  # 1.2; None while unpublished and its deadline is still ahead
    published_complete: bool | None  # 1.3; None while unpublished


def _announcement(row, today: datetime.date) -> Announcement:
    """One version row of ``grouped_counts`` (4.) judged for indicators 1.1–1.3 (working days
    from ``workdays.calendar``, the same calendar as the dossiers' deadlines)."""
    _pk, path, _kind, _start, _stop, decided, basis, published, complete = row
    announced = None if basis is None else add_working_days(decided, ANNOUNCE_WORKING_DAYS) <= basis
    deadline = add_working_days(decided, PUBLISH_WORKING_DAYS)
    # Unpublished: late once the deadline has passed, not yet due before.
    overdue = False if deadline < today else None
    on_time = published <= deadline if published is not None else overdue
    return Announcement(
        path=path,
        decided=decided,
        announced_on_time=announced,
        published_on_time=on_time,
        published_complete=None if published is None else complete,
    )


def _announcement_counts(items) -> dict[str, int]:
    """Group 1's counts over the versions announced in the period (``Announcement``)."""
    values = dict.fromkeys(ANNOUNCEMENT_KEYS, 0)
    for item in items:
        if item.announced_on_time is not None:
            values["announcements"] += 1
            values["announcements_on_time"] += item.announced_on_time
        if item.published_on_time is not None:
            values["publications_due"] += 1
            values["publications_on_time"] += item.published_on_time
        if item.published_complete is not None:
            values["publications"] += 1
            values["publications_complete"] += item.published_complete
    return values


Period = tuple[datetime.date, datetime.date]


@dataclass(frozen=True)
class OwnDossiers:
    """A scope of ``grouped_counts``: the dossiers, feedback and procedures of ``unit`` itself,
    without those of its sub-units (a unit's own line among the sub-units it is ranked with)."""

    unit: Unit

    @property
    def path(self) -> str:
        return self.unit.path


def _key(unit):
    if isinstance(unit, OwnDossiers):
        return ("own", unit.unit.pk)
    return None if unit is None else unit.pk


def _covering_paths(scopes) -> list[str] | None:
    """The fewest path prefixes covering ``scopes`` (None when a scope is "every unit")."""
    if any(scope is None for scope in scopes):
        return None
    paths = sorted({scope.path for scope in scopes})
    kept: list[str] = []
    for path in paths:
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return kept


def _unit_paths(*, paths, unit_ids) -> dict[int, str]:
    """``{unit id: path}`` of the units under ``paths`` (None: every unit) and in ``unit_ids``
    (None: no limit). One query on the unit table."""
    units = Unit.objects.all()
    if paths is not None:
        condition = Q()
        for path in paths:
            condition |= Q(path__startswith=path)
        units = units.filter(condition)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    return dict(units.values_list("pk", "path"))


def _limit(queryset, ids, *, field="unit_id"):
    """``queryset`` limited to the units ``ids`` (None: every unit), named by their ids.

    A literal list of ids, rather than a condition on the joined unit's path or a subquery on the
    unit table: with it the planner estimates each unit's rows from the column's statistics and
    reads them through an index on the unit, so a unit's figures cost its own rollup rows. With
    the path it scanned the whole period's partition and joined every row to the units (5,000,000
    dossiers: 0.2 s for one unit of 85); a subquery was not reliably planned as an index read
    either (docs/performance.md, "One unit's index reads its own rollups").
    """
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def grouped_counts(
    *, scopes, periods: list[Period], unit_ids=None, today: datetime.date | None = None
) -> dict[tuple, dict[str, int | None]]:
    """The counts of every scope in ``scopes`` for every period in ``periods``, in a fixed
    number of queries whatever the number of scopes, periods or dossiers.

    ``scopes``: units (each with its sub-units, by the unit tree's path; they may overlap, e.g. a
    unit and its parent), ``OwnDossiers(unit)`` for a unit without its sub-units, or None for every
    unit; ``periods``: ``(date_from, date_to)`` pairs, which may overlap (a month and its year);
    ``unit_ids`` limits every scope to those units (a principal's read scope). Returns ``{(unit id
    or None, (date_from, date_to)): counts}`` with the keys of ``counts()`` (an ``OwnDossiers``
    scope is keyed ``("own", unit id)``). The catalogue is read as it stood on each period's last
    day (``procedures.ProcedureFlags``); the versions announced in a period are judged against
    ``today`` (a publication whose deadline is still ahead is not yet due).

    The days are cut into segments at every period's first day and the day after its last, so that
    each period is a run of whole segments. Queries: three for the rollups (dossier flows and
    feedback grouped by unit and segment, stocks grouped by unit and day), one for the catalogue
    versions (in force on a period's last day, or announced in a period), one for the flags' history
    on those days and one for the receipts and payments per procedure, unit and segment. Before
    them, one query reads the units in scope (their ids and paths): the rollups are read by unit id,
    through an index on the unit, and grouped by unit id, never joined to the unit table (see
    ``_limit``); seven queries in all. The database groups; the sums per period and scope are made
    here over those rows (units × procedures × segments), never over dossiers.
    """
    today = today or timezone.localdate()
    periods = list(dict.fromkeys(tuple(period) for period in periods))
    scopes = list(scopes)
    if not scopes or not periods:
        return {}
    paths = _covering_paths(scopes)
    # 0. The units in scope: their ids limit the rollups, their paths place them in the scopes.
    path_of = _unit_paths(paths=paths, unit_ids=unit_ids)
    ids = None if paths is None and unit_ids is None else list(path_of)
    first, last = min(start for start, _end in periods), max(end for _start, end in periods)
    ends = sorted({end for _start, end in periods})

    def rows_in(path: str, scope) -> bool:
        if isinstance(scope, OwnDossiers):
            return path == scope.path
        return scope is None or path.startswith(scope.path)

    cuts = sorted({start for start, _end in periods} | {end + ONE_DAY for _start, end in periods})
    segments = list(zip(cuts, cuts[1:], strict=False))  # [start, next start)
    segment = Case(
        *(When(day__lt=stop, then=Value(number)) for number, (_start, stop) in enumerate(segments)),
        output_field=IntegerField(),
    )
    # The periods each segment belongs to.
    periods_of: dict[int, list[int]] = {index: [] for index in range(len(segments))}
    for number, (start, end) in enumerate(periods):
        for index, (segment_start, segment_stop) in enumerate(segments):
            if segment_start >= start and segment_stop <= end + ONE_DAY:
                periods_of[index].append(number)

    # 1. Dossier flows, by unit and segment.
    flows = _limit(DailyStat.objects.filter(day__gte=first, day__lte=last), ids)
    flow_rows = list(
        flows.annotate(segment=segment).values("unit_id", "segment").annotate(**_flow_aggregates()).order_by()
    )
    # 2. Stocks on each period's last day, by unit and day.
    stock_rows = list(
        _limit(DailyStat.objects.filter(day__in=ends), ids)
        .values("unit_id", "day")
        .annotate(**{f"sum_{name}": Sum(name) for name in DOSSIER_STOCKS})
        .order_by()
    )
    # 3. Feedback, by unit and segment.
    feedback_rows = list(
        _limit(FeedbackDailyStat.objects.filter(day__gte=first, day__lte=last), ids)
        .annotate(segment=segment)
        .values("unit_id", "segment")
        .annotate(**{f"feedback_{name}": Sum(name) for name in FeedbackDailyStat.COUNT_FIELDS})
        .order_by()
    )
    flow_keys = [key.removeprefix("sum_") for key in _flow_aggregates()]
    feedback_keys = [f"feedback_{name}" for name in FeedbackDailyStat.COUNT_FIELDS]

    # 4. The catalogue's versions: in force on some period's last day, or announced in a period.
    version_rows = [
        (procedure_id, path_of[unit_id], *rest)
        for procedure_id, unit_id, *rest in _limit(
            ProcedureVersion.objects.filter(
                (
                    Q(effective_from__lte=ends[-1])
                    & (Q(effective_to__isnull=True) | Q(effective_to__gte=ends[0]))
                    & ~Q(change_kind=ChangeKind.ABOLISHED)
                )
                | Q(decision_date__gte=first, decision_date__lte=last)
            ),
            ids,
            field="procedure__unit_id",
        ).values_list(
            "procedure_id",
            "procedure__unit_id",
            "change_kind",
            "effective_from",
            "effective_to",
            "decision_date",
            "legal_basis_effective_on",
            "published_on",
            "components_complete",
        )
        if unit_id in path_of
    ]
    # 5. The flags' history on those days, for every procedure (a dossier's unit is the one it
    #    was received by, which may no longer be its procedure's).
    flag_rows = list(
        ProcedureFlags.objects.filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=ends[-1]))
            & (Q(valid_to__isnull=True) | Q(valid_to__gt=ends[0]))
        ).values_list("procedure_id", "valid_from", "valid_to", *ProcedureFlags.FLAG_FIELDS)
    )
    flags_on: dict[datetime.date, dict[int, dict]] = {end: {} for end in ends}
    for procedure_id, valid_from, valid_to, *values in flag_rows:
        for end in ends:
            if (valid_from is None or valid_from <= end) and (valid_to is None or valid_to > end):
                flags_on[end][procedure_id] = dict(zip(ProcedureFlags.FLAG_FIELDS, values, strict=True))
    # 6. Receipts and payments per procedure, by unit and segment: the counts that depend on a
    #    procedure's flags on the period's last day (3.3, 3.6) and the procedures used (3.2, 3.5b).
    procedure_rows = list(
        flows.filter(Q(received_online__gt=0) | Q(received_in_person__gt=0) | Q(received_postal__gt=0))
        .annotate(segment=segment)
        .values("unit_id", "procedure_id", "segment")
        .annotate(
            online=Sum("received_online"),
            online_e_result=Sum("received_online_e_result"),
            paid=Sum("paid_online"),
            received=Sum(F("received_online") + F("received_in_person") + F("received_postal")),
        )
        .order_by()
    )

    # Per period, the counts of each unit (by path): units × periods rows at most.
    per_unit: dict[int, dict[str, dict[str, int]]] = {number: {} for number in range(len(periods))}
    blank = dict.fromkeys([*flow_keys, *DOSSIER_STOCKS, *feedback_keys, *PROCEDURE_FLOW_KEYS], 0)
    # Per period and unit, the procedures with online receipts and with online payments.
    used: dict[int, dict[str, tuple[set, set]]] = {number: {} for number in range(len(periods))}

    def add(number: int, path: str, key: str, value) -> None:
        row = per_unit[number].setdefault(path, dict(blank))
        row[key] += value or 0

    def placed(rows):
        """The rows with their unit's path, without those of a unit no longer in the unit table
        (the rollups' unit has no foreign-key constraint; the join to the units dropped them)."""
        for row in rows:
            path = path_of.get(row["unit_id"])
            if path is not None:
                yield path, row

    for path, row in placed(flow_rows):
        for number in periods_of[row["segment"]]:
            for key in flow_keys:
                add(number, path, key, row[f"sum_{key}"])
    for path, row in placed(stock_rows):
        for number, (_start, end) in enumerate(periods):
            if end == row["day"]:
                for key in DOSSIER_STOCKS:
                    add(number, path, key, row[f"sum_{key}"])
    for path, row in placed(feedback_rows):
        for number in periods_of[row["segment"]]:
            for key in feedback_keys:
                add(number, path, key, row[key])
    for path, row in placed(procedure_rows):
        online, online_e_result = row["online"] or 0, row["online_e_result"] or 0
        for number in periods_of[row["segment"]]:
            flags = flags_on[periods[number][1]].get(row["procedure_id"], DEFAULT_FLAGS)
            add(number, path, "online_counted", online_e_result if flags["paper_result"] else online)
            if flags["has_fee"]:
                add(number, path, "fee_received", row["received"])
            online_used, paid_used = used[number].setdefault(path, (set(), set()))
            if online:
                online_used.add(row["procedure_id"])
            if row["paid"]:
                paid_used.add(row["procedure_id"])
    # (The working-day calendar is this process's cached copy: at most one query to load it.)
    announcements = [_announcement(row, today) for row in version_rows if first <= row[5] <= last]

    result = {}
    for scope in scopes:
        for number, period in enumerate(periods):
            values = dict(blank)
            for path, row in per_unit[number].items():
                if rows_in(path, scope):
                    for key, value in row.items():
                        values[key] += value
            online_used, paid_used = set(), set()
            for path, (online, paid) in used[number].items():
                if rows_in(path, scope):
                    online_used |= online
                    paid_used |= paid
            end = period[1]
            in_force = {
                pk
                for pk, path, kind, start, stop, *_rest in version_rows
                if kind != ChangeKind.ABOLISHED
                and start <= end
                and (stop is None or stop >= end)
                and rows_in(path, scope)
            }
            values.update(_catalogue_counts(in_force, flags_on[end], online_used, paid_used))
            values.update(
                _announcement_counts(
                    item for item in announcements if period[0] <= item.decided <= end and rows_in(item.path, scope)
                )
            )
            result[(_key(scope), period)] = values
    return result


def counts(
    *, date_from: datetime.date, date_to: datetime.date, unit: Unit | None = None, unit_ids=None, today=None
) -> dict[str, int | None]:
    """Every count the index reads for the scope and period, from the rollups and the catalogue.

    Keys: the dossier flows of ``DOSSIER_FLOWS`` summed over the range; ``open_within_deadline``/
    ``open_overdue`` at the end of ``date_to``; the feedback counts of ``FeedbackDailyStat``
    (``feedback_<name>``); ``PROCEDURE_FLOW_KEYS`` (receipts by their procedure's flags on
    ``date_to``); the catalogue counts of ``CATALOGUE_KEYS`` (procedures in force on ``date_to``,
    with the flags that held then); the group 1 counts of ``ANNOUNCEMENT_KEYS`` (versions whose
    decision is dated in the range, publications judged against ``today``). All integers. At most
    seven queries (``grouped_counts``).
    """
    period = (date_from, date_to)
    found = grouped_counts(scopes=[unit], periods=[period], unit_ids=unit_ids, today=today)
    return found[(_key(unit), period)]


# --- Scoring --------------------------------------------------------------------------------


def index766(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    unit: Unit | None = None,
    unit_ids=None,
    today: datetime.date | None = None,
) -> IndexResult:
    """The national index of ``unit`` and its sub-units (None: every unit; ``unit_ids`` limits it
    to the units a principal may read) over ``[date_from, date_to]``, under the configuration of
    ``date_to``'s year. A fixed number of queries (at most eight): ``configuration`` and ``counts``
    then ``score``."""
    config = configuration(date_to.year)
    c = counts(date_from=date_from, date_to=date_to, unit=unit, unit_ids=unit_ids, today=today)
    return score(c, config, date_from=date_from, date_to=date_to, unit=unit)


def index766_grouped(
    *, scopes, periods: list[Period], unit_ids=None, today: datetime.date | None = None
) -> dict[tuple, IndexResult]:
    """The index of every scope for every period (see ``grouped_counts`` for the arguments and
    the query count, plus one query per distinct year of the periods' last days for the
    configuration). Returns ``{(unit id or None, (date_from, date_to)): IndexResult}``."""
    scopes = list(scopes)
    found = grouped_counts(scopes=scopes, periods=periods, unit_ids=unit_ids, today=today)
    configs = {year: configuration(year) for year in sorted({end.year for _start, end in periods})}
    by_key = {_key(scope): scope.unit if isinstance(scope, OwnDossiers) else scope for scope in scopes}
    return {
        (key, period): score(values, configs[period[1].year], date_from=period[0], date_to=period[1], unit=by_key[key])
        for (key, period), values in found.items()
    }


def month_periods(date_from: datetime.date, date_to: datetime.date) -> list[Period]:
    """The calendar months of ``[date_from, date_to]``, the first and last clipped to the range."""
    periods = []
    start = date_from
    while start <= date_to:
        following = (start.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        periods.append((start, min(following - ONE_DAY, date_to)))
        start = following
    return periods


@functools.lru_cache(maxsize=8)
def _texts(language: str | None) -> dict[tuple[str, str], str]:
    """The names and reasons the results carry, translated once per language (``score`` runs for
    every scope and period of a table: translating each text each time cost more than the sums)."""
    texts = {(group.code, "group"): str(group.name) for group in GROUPS}
    texts |= {(spec.code, "name"): str(spec.name) for spec in INDICATORS}
    texts |= {(code, "reason"): str(reason) for code, reason in NOT_RECORDED.items()}
    texts["tracked", ""] = str(_("Tracked only: feedback by class earns no points."))
    texts["nothing", ""] = str(_("Nothing to divide: the denominator is 0 in this period."))
    return texts


def score(
    c: dict[str, int | None],
    config: Configuration,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    unit: Unit | None = None,
) -> IndexResult:
    """The index from a ``counts()`` dict under ``config``: every indicator's numerator,
    denominator, rate, points and status, by group. Pure: no query. Formulas, sources and our
    choices: docs/index766.md."""
    received = c["received_online"] + c["received_in_person"] + c["received_postal"]
    ended = c["ended_early"] + c["ended_on_time"] + c["ended_late"]
    open_total = c["open_within_deadline"] + c["open_overdue"]
    processed = ended + open_total
    # 3.3: every procedure taken to have a paper result (the year's configuration), or the
    # catalogue's ``paper_result`` as it stood on the period's last day.
    online_counted = c["received_online_e_result"] if config.paper_result_assumed else c["online_counted"]
    feedback_handled = c["feedback_handled_on_time"] + c["feedback_handled_late"]
    late = c["ended_late"] + c["open_overdue"]
    feedback_or_dislike = c["rated_unsatisfied"] + c["feedback_received_about_dossier"]

    fractions: dict[str, tuple[int, int]] = {
        "1.1": (c["announcements_on_time"], c["announcements"]),
        "1.2": (c["publications_on_time"], c["publications_due"]),
        "1.3": (c["publications_complete"], c["publications"]),
        "1.4": (c["received_synced"], received),
        "2.1": (c["ended_early"] + c["ended_on_time"] + c["open_within_deadline"], processed),
        "3.1": (c["online_procedures_counted"], c["procedures"]),
        "3.2": (c["online_procedures_used"], c["online_procedures"]),
        "3.3": (online_counted, received),
        "3.5a": (c["fee_procedures_payable"], c["fee_procedures"]),
        "3.5b": (c["fee_procedures_paid"], c["fee_procedures"]),
        "3.6": (c["paid_online"], c["fee_received"]),
        "4.1": (c["resolved_e_result"], c["ended_resolved"]),
        "4.2a": (c["received_digitised"], received),
        "4.3": (c["received_data_reused"], received),
        "4.4": (c["received_digitised_data_store"], c["received_digitised"]),
        "4.5a": (c["received_online_vneid"], c["received_online"]),
        "4.5b": (c["citizen_procedures_population"], c["citizen_procedures"]),
        "5.2": (c["feedback_handled_on_time"], feedback_handled),
    }
    texts = _texts(get_language())
    groups = {group.code: GroupResult(group.code, texts[group.code, "group"], Decimal(0)) for group in GROUPS}
    for spec in INDICATORS:
        result = IndicatorResult(
            code=spec.code,
            group=spec.group,
            name=texts[spec.code, "name"],
            maximum=config.points[spec.code],
            target=config.targets[spec.code],
        )
        if spec.code == "5.4":
            _rate_54(result, processed, late, feedback_or_dislike, config)
        elif spec.code == "5.3":
            # Handled items, less those handled late, disliked or repeated (each counted in the
            # period on its own day, not de-duplicated), floored at 0.
            result.denominator = feedback_handled
            result.numerator = max(
                feedback_handled - c["feedback_handled_late"] - c["feedback_disliked"] - c["feedback_received_repeat"],
                0,
            )
            _score(result, config)
        elif spec.code == "5.1":
            result.numerator = c["feedback_received"]
            result.status, result.counted = NOT_APPLICABLE, False
            result.reason = texts["tracked", ""]
        elif spec.code in fractions:
            result.numerator, result.denominator = fractions[spec.code]
            _score(result, config)
        else:
            result.status, result.counted, result.reason = NOT_AVAILABLE, False, texts[spec.code, "reason"]
        group = groups[spec.group]
        group.maximum += result.maximum
        group.indicators.append(result)
    return IndexResult(
        date_from=date_from,
        date_to=date_to,
        unit=unit,
        configuration=config,
        groups=list(groups.values()),
        counts=dict(c),
    )


def _score(result: IndicatorResult, config: Configuration) -> None:
    """Rate and points of a plain ``numerator / denominator`` indicator, or the not-applicable rule."""
    if not result.denominator:
        _not_applicable(result, config)
        return
    result.rate = _round(Decimal(result.numerator) * HUNDRED / Decimal(result.denominator))
    result.points = rate_points(result.rate, result.maximum, result.target)


def _not_applicable(result: IndicatorResult, config: Configuration) -> None:
    result.status = NOT_APPLICABLE
    result.reason = _texts(get_language())["nothing", ""]
    if config.not_applicable_rule == NotApplicableRule.FULL:
        result.points = result.maximum
    elif config.not_applicable_rule == NotApplicableRule.ZERO:
        result.points = Decimal(0)
    else:
        result.counted = False


def _rate_54(result: IndicatorResult, processed: int, late: int, disliked: int, config: Configuration) -> None:
    """5.4 = 100% − (late rate + feedback-or-dislike rate), both over the dossiers of 2.1.

    ``numerator`` is what is left of the denominator after removing the late dossiers and the
    dossiers with feedback or a "not satisfied" rating (counted, not de-duplicated); the rate is
    floored at 0."""
    result.denominator = processed
    if not processed:
        _not_applicable(result, config)
        return
    late_rate = _round(Decimal(late) * HUNDRED / processed)
    disliked_rate = _round(Decimal(disliked) * HUNDRED / processed)
    result.numerator = max(processed - late - disliked, 0)
    result.rate = max(HUNDRED - late_rate - disliked_rate, Decimal(0))
    result.points = rate_points(result.rate, result.maximum, result.target)


# --- Drill-downs: the lists filtered as the index counts ----------------------------------------

DOSSIERS, PROCEDURES, FEEDBACK = "dossiers", "procedures", "feedback"
LIST_URL_NAMES = {DOSSIERS: "dossiers:list", PROCEDURES: "procedures:list", FEEDBACK: "feedback:list"}


@dataclass(frozen=True)
class Drilldown:
    """A link from a numerator or denominator to the list of what it counts.

    ``part`` is "numerator" or "denominator"; ``target`` the list (``DOSSIERS``, ``PROCEDURES``
    or ``FEEDBACK``, whose URL names are ``LIST_URL_NAMES``); ``params`` the list's filters (a
    list value repeats the parameter). A link whose list shows exactly the counted set has
    ``exact`` True; a part of a sum, or a wider set, says so in its label. Where no list can
    filter on a count (e.g. procedures that received an online dossier), there is no link rather
    than a wrong one.
    """

    part: str
    label: str
    params: dict
    target: str = DOSSIERS
    exact: bool = False


def drilldowns(index: IndexResult, *, every_unit: bool = True) -> dict[str, list[Drilldown]]:
    """The list links behind each indicator that has them, keyed by indicator code.

    ``every_unit`` False: the index without a unit covers only the units the reader may read;
    the catalogue list is not limited that way, so its links are left out then. Links are given
    only for an indicator with figures (computed or not applicable), never for one not available.
    """
    scope = {"subtree": index.unit.code} if index.unit is not None else {}
    first, last = index.date_from.isoformat(), index.date_to.isoformat()
    received = {**scope, "received_from": first, "received_to": last}
    ended = {**scope, "ended_from": first, "ended_to": last}
    open_at_end = {**scope, "open_on": last}
    overdue_at_end = {**scope, "overdue_on": last}
    rated = {**scope, "rated_from": first, "rated_to": last}
    in_force = {**scope, "in_force_on": last}
    online = [OnlineService.PARTIAL, OnlineService.FULL]
    handled = {**scope, "handled_from": first, "handled_to": last}
    numerator, denominator = "numerator", "denominator"
    processed = [
        Drilldown(denominator, str(_("Ended in the period")), ended),
        Drilldown(denominator, str(_("In progress at the end of the period")), open_at_end),
    ]
    online_counted = {**received, "channel": [Channel.ONLINE]}
    if index.configuration.paper_result_assumed:
        online_counted["result_electronic"] = "true"
        online_label, online_exact = _("Received online and counted"), True
    else:
        # Which online dossiers count depends on each procedure's paper result: the list cannot say.
        online_label = _("Received online (a wider set: with a paper result, only electronic results count)")
        online_exact = False
    # The catalogue list and the dossier list filter on the flags as they are now; for a period
    # that ended before yesterday the index reads them as they stood then (the flags' history).
    flags_now = index.date_to >= timezone.localdate() - ONE_DAY
    as_now = "" if flags_now else str(_(" (flags as they are now)"))
    links = {
        "2.1": [
            Drilldown(
                numerator,
                str(_("Ended early or on time")),
                {**ended, "timeliness": [Timeliness.EARLY, Timeliness.ON_TIME]},
            ),
            Drilldown(numerator, str(_("In progress at the end, all (overdue ones are listed below)")), open_at_end),
            Drilldown(numerator, str(_("Overdue at the end (not counted)")), overdue_at_end),
            *processed,
        ],
        "3.3": [
            Drilldown(numerator, str(online_label), online_counted, exact=online_exact),
            Drilldown(denominator, str(_("Received in the period")), received, exact=True),
        ],
        "3.6": [
            Drilldown(numerator, str(_("Paid online")), {**received, "fee_paid_online": "true"}, exact=True),
            Drilldown(
                denominator,
                str(_("Received, fee-bearing procedures")) + as_now,
                {**received, "has_fee": "true"},
                exact=flags_now,
            ),
        ],
        "4.1": [
            Drilldown(
                numerator,
                str(_("Resolved with an electronic result")),
                {**ended, "outcome": [Outcome.RESOLVED], "result_electronic": "true"},
                exact=True,
            ),
            Drilldown(
                denominator, str(_("Resolved in the period")), {**ended, "outcome": [Outcome.RESOLVED]}, exact=True
            ),
        ],
        "4.2a": [
            Drilldown(
                numerator,
                str(_("Received with documents digitised")),
                {**received, "documents_digitised": "true"},
                exact=True,
            ),
            Drilldown(denominator, str(_("Received in the period")), received, exact=True),
        ],
        "5.1": [
            Drilldown(
                numerator,
                str(_("Feedback received in the period")),
                {**scope, "received_from": first, "received_to": last},
                FEEDBACK,
                exact=True,
            )
        ],
        "5.2": [
            Drilldown(numerator, str(_("Handled on time")), {**handled, "handling": "on_time"}, FEEDBACK, exact=True),
            Drilldown(denominator, str(_("Handled in the period")), handled, FEEDBACK, exact=True),
        ],
        "5.4": [
            Drilldown(numerator, str(_("Ended late (subtracted)")), {**ended, "timeliness": [Timeliness.LATE]}),
            Drilldown(numerator, str(_("Overdue at the end (subtracted)")), overdue_at_end),
            Drilldown(numerator, str(_("Rated “not satisfied” (subtracted)")), {**rated, "satisfied": "false"}),
            Drilldown(
                numerator,
                str(_("Feedback about a dossier (subtracted)")),
                {**scope, "received_from": first, "received_to": last, "about_dossier": "true"},
                FEEDBACK,
            ),
            *processed,
        ],
    }
    if index.unit is not None or every_unit:
        online_now = {**in_force, "online_service": online}
        links["3.1"] = [
            # A wider set when some procedures are eligible for full online service (those count only fully).
            Drilldown(
                numerator,
                str(_("Online, in force (a wider set: one eligible for full online service counts only fully)"))
                + as_now,
                online_now,
                PROCEDURES,
            ),
            Drilldown(denominator, str(_("In force at the end of the period")), in_force, PROCEDURES, True),
        ]
        links["3.2"] = [Drilldown(denominator, str(_("Online, in force")) + as_now, online_now, PROCEDURES, flags_now)]
        links["3.5b"] = [
            Drilldown(
                denominator,
                str(_("Fee-bearing, in force")) + as_now,
                {**in_force, "has_fee": "true"},
                PROCEDURES,
                flags_now,
            )
        ]
    shown = {item.code for group in index.groups for item in group.indicators if item.status != NOT_AVAILABLE}
    return {code: found for code, found in links.items() if code in shown}


# --- The ministry-wide table: units ranked by total, with their months -------------------------


def ranked_units(units: list[Unit], parent: Unit | None) -> tuple[Unit | None, list[Unit]]:
    """The scope of the table and the units it ranks, from ``units`` (those the reader may read,
    in tree order).

    With a ``parent``: the parent and its direct sub-units the reader may read. Without: the
    readable units whose parent is not readable (the top of the reader's tree); when that is a
    single unit, it becomes the scope and its direct sub-units are ranked (the ministry office
    sees the ministry's departments, a head their unit's divisions). A unit without readable
    sub-units is ranked alone."""
    if parent is None:
        ids = {unit.pk for unit in units}
        tops = [unit for unit in units if unit.parent_id not in ids]
        if len(tops) != 1:
            return None, tops
        parent = tops[0]
    children = [unit for unit in units if unit.parent_id == parent.pk]
    return parent, children or [parent]


@dataclass
class RankedLine:
    """One unit of the table: its rank (ties share it; None without a total), the index of the
    period and the totals of the months (None where nothing was counted). ``own``: the line of
    the table's scope itself, its own dossiers without its sub-units' (``ranking``)."""

    unit: Unit
    rank: int | None
    index: IndexResult
    months: list[Decimal | None]
    own: bool = False


@dataclass
class Ranking:
    """The table: the scope's own index, the ranked lines and the months of the trend."""

    scope: Unit | None
    whole: IndexResult
    lines: list[RankedLine]
    months: list[Period]

    @property
    def month_labels(self) -> list[str]:
        """Each month of the trend named as the reporting periods name it: the month of
        15/10–14/11/2026 is "11/2026" (``stats.periods``), as on the period selector and the
        dashboards, not by the calendar month it starts in."""
        found = (periods.period_containing(start, periods.PeriodKind.MONTH) for start, _end in self.months)
        return [f"{month.number:02d}/{month.year}" for month in found]

    @property
    def month_columns(self) -> list[tuple[str, datetime.date, datetime.date]]:
        """``(label, first day, last day)`` of each month of the trend, for the table's header."""
        return [(label, start, end) for label, (start, end) in zip(self.month_labels, self.months, strict=True)]

    @property
    def year(self) -> int:
        """The reporting year of the trend (15/12 of the year before to 14/12)."""
        return periods.period_containing(self.whole.date_to, periods.PeriodKind.YEAR).year


def trend_months(date_to: datetime.date, *, today: datetime.date) -> list[Period]:
    """The months of the trend: the reporting months (15th to 14th, ``stats.periods``) of the
    reporting year ``date_to`` falls in, up to the last day the rollups hold (``today − 1``),
    the last one cut there."""
    last = today - ONE_DAY
    year = periods.period_containing(date_to, periods.PeriodKind.YEAR).year
    return [
        (month.date_from, min(month.date_to, last))
        for month in periods.periods_of_year(year, periods.PeriodKind.MONTH)
        if month.date_from <= last
    ]


def ranking(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    units: list[Unit],
    parent: Unit | None = None,
    unit_ids=None,
    today: datetime.date | None = None,
) -> Ranking:
    """The ministry-wide table of the national index (issue 12, item 3): the units of
    ``ranked_units(units, parent)`` by total over ``[date_from, date_to]`` (highest first, ties
    share a rank, units without a total last), each with its group points and the totals of the
    months of ``trend_months``. When the ranked units are the scope's sub-units, the scope's own
    dossiers (received by the scope itself, not by a sub-unit) are ranked among them as a line of
    their own (``own``) when they count in the period or a month of the trend: a head of a unit
    whose divisions hold no dossiers saw only dashes, and the unit's own figures only inside the
    whole scope's. ``unit_ids`` limits every figure to the units the reader may read.
    A fixed number of queries whatever the number of units or months (one ``index766_grouped``:
    at most eight, nine when the period and its trend straddle two years' configurations)."""
    today = today or timezone.localdate()
    scope, ranked = ranked_units(units, parent)
    period = (date_from, date_to)
    own = [OwnDossiers(scope)] if scope is not None and scope not in ranked else []
    scopes = [scope, *[unit for unit in ranked if unit != scope], *own]
    months = trend_months(date_to, today=today)
    found = index766_grouped(scopes=scopes, periods=[period, *months], unit_ids=unit_ids, today=today)
    lines = [
        RankedLine(
            unit=unit,
            rank=None,
            index=found[(_key(unit), period)],
            months=[found[(_key(unit), month)].total for month in months],
        )
        for unit in ranked
    ] + [
        RankedLine(
            unit=item.unit,
            rank=None,
            index=found[(_key(item), period)],
            months=[found[(_key(item), month)].total for month in months],
            own=True,
        )
        for item in own
        if found[(_key(item), period)].total is not None
        or any(found[(_key(item), month)].total is not None for month in months)
    ]
    lines.sort(key=lambda line: (line.index.total is None, -(line.index.total or 0), line.unit.path))
    previous, rank = None, 0
    for position, line in enumerate(lines, 1):
        if line.index.total is None:
            break
        if line.index.total != previous:
            rank, previous = position, line.index.total
        line.rank = rank
    return Ranking(scope=scope, whole=found[(_key(scope), period)], lines=lines, months=months)


# --- What-if: what it takes to reach full points on 2.1 and 3.3 ---------------------------------

ALREADY_FULL, NEEDED, IMPOSSIBLE, NOTHING_YET = "already_full", "needed", "impossible", "nothing_yet"


@dataclass(frozen=True)
class WhatIf:
    """What it takes for one indicator to earn its full points by the end of the period.

    ``status``: ``ALREADY_FULL`` (nothing more is needed, even if every open dossier ended late,
    for 2.1), ``NEEDED`` (``needed`` more: open dossiers that must end on time for 2.1, online
    receipts for 3.3), ``IMPOSSIBLE`` (not reachable: for 2.1, even if every dossier open within
    its deadline ended on time; for 3.3, a 100% bar with an offline receipt already counted), or
    ``NOTHING_YET`` (the denominator is 0). ``bar`` is the rate that earns the full points (the
    target, or 100%); ``available`` the open dossiers that can still end on time (2.1 only).
    When 2.1 is ``IMPOSSIBLE``, ``late`` is the dossiers already lost to it (ended late or open
    overdue) and ``best`` the highest rate still reachable, in %, rounded down to 0.01."""

    code: str
    status: str
    bar: Decimal
    needed: int = 0
    available: int | None = None
    late: int = 0
    best: Decimal | None = None


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def what_if(index: IndexResult) -> dict[str, WhatIf]:
    """For 2.1 and 3.3 (issue 12, item 5), what the unit must still do this period to earn their
    full points, assuming nothing else changes (no new receipts for 2.1; for 3.3, each new receipt
    is an online one counted by the index). Pure: reads ``index.counts`` and its configuration.

    * 2.1 = (ended early or on time + open within deadline) / (ended + open). An open dossier keeps
      2.1's numerator only by ending on time (or staying within its deadline); an overdue one never
      can. With ``bar`` the target (100% without one), the numerator needed is
      ``⌈bar × denominator / 100⌉``; the open dossiers that must end on time are that minus the
      dossiers ended early or on time: none needed → ``ALREADY_FULL``; more than those open within
      deadline → ``IMPOSSIBLE``.
    * 3.3 = counted online receipts / receipts. ``x`` more counted online receipts reach the bar
      when ``(n + x) / (d + x) ≥ bar / 100``, i.e. ``x = ⌈(bar × d − 100 × n) / (100 − bar)⌉``;
      with a bar of 100% that is reachable only when every receipt already counts. With no
      receipt yet, one is enough.

    The threshold rule (DESIGN.md, "The national index") gives the full points at the bar."""
    c = index.counts
    targets = index.configuration.targets
    result = {}

    bar = targets.get("2.1") or HUNDRED
    ended_well = c["ended_early"] + c["ended_on_time"]
    denominator = ended_well + c["ended_late"] + c["open_within_deadline"] + c["open_overdue"]
    if not denominator:
        result["2.1"] = WhatIf("2.1", NOTHING_YET, bar, available=0)
    else:
        required = _ceil_div(int(bar * 100) * denominator, 10000)  # bar has two decimals at most
        needed = required - ended_well
        if needed <= 0:
            result["2.1"] = WhatIf("2.1", ALREADY_FULL, bar, available=c["open_within_deadline"])
        elif needed > c["open_within_deadline"]:
            # Saying "N must end on time" would count dossiers that already ended late or are
            # overdue, which no longer can: say how many are lost and the best rate left instead.
            reachable = ended_well + c["open_within_deadline"]
            best = (Decimal(reachable * 100) / denominator).quantize(CENT, rounding=ROUND_DOWN)
            late = c["ended_late"] + c["open_overdue"]
            result["2.1"] = WhatIf("2.1", IMPOSSIBLE, bar, needed, c["open_within_deadline"], late=late, best=best)
        else:
            result["2.1"] = WhatIf("2.1", NEEDED, bar, needed, c["open_within_deadline"])

    bar = targets.get("3.3") or HUNDRED
    received = c["received_online"] + c["received_in_person"] + c["received_postal"]
    counted = c["received_online_e_result"] if index.configuration.paper_result_assumed else c["online_counted"]
    if not received:
        result["3.3"] = WhatIf("3.3", NOTHING_YET, bar, needed=1)
    elif counted * 100 >= bar * received:
        result["3.3"] = WhatIf("3.3", ALREADY_FULL, bar)
    elif bar >= HUNDRED:
        result["3.3"] = WhatIf("3.3", IMPOSSIBLE, bar)
    else:
        scaled = int(bar * 100)
        needed = _ceil_div(scaled * received - 10000 * counted, 10000 - scaled)
        result["3.3"] = WhatIf("3.3", NEEDED, bar, needed)
    return result
