"""Writes of the emulation app: years and their schemes, manual points, computation, finalisation.

Every service takes the year by its number, locks the year's row and refuses (``ConflictError``,
409) to change a finalised year: its scores, scheme and manual points are frozen until it is
reopened with a recorded reason. Bad input raises ``ValidationError`` naming the field, with
nothing written. Changes of manual points, of the scheme, finalisation and reopening are written
to the year's audit trail with their before and after.
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.exceptions import ConflictError
from config.numbers import number_text
from procedures.models import Procedure
from stats.index766 import IndexResult, index766_grouped
from stats.models import DailyStat
from stats.periods import PeriodKind, periods_of_year
from stats.selectors import Form06Row, form06
from units.models import Tenure, Unit

from . import scoring, selectors
from .choices import (
    AssessmentStatus,
    AuditAction,
    Band,
    DisqualifierKind,
    HeadMethod,
    LineStatus,
    TimelinessRule,
    YearRule,
    YearStatus,
)
from .metrics import CATALOGUE_METRICS, INDEX_METRICS, METRICS, CatalogueCounts, behind_schedule
from .models import (
    AuditEntry,
    Criterion,
    CriterionScore,
    Disqualifier,
    EmulationYear,
    EvidenceFile,
    HeadAssessment,
    LeaderScore,
    ManualScore,
    PeriodScore,
    QuotaException,
    SelfAssessment,
    SelfAssessmentLine,
    StaffRating,
    UnitScore,
)

logger = logging.getLogger(__name__)
ONE_DAY = datetime.timedelta(days=1)
CRITERION_FIELDS = ("code", "name_vi", "name_en", "max_points", "metric", "target")
REQUIRED_TOTAL = Decimal(100)
BEHIND_FIELDS = ("outstanding_max_behind", "good_max_behind", "completed_max_behind")
# Settings of a year that ``scheme_update`` keeps unless given (None is a value: "no condition").
KEEP = object()


# --- Helpers --------------------------------------------------------------------------------


def _locked_year(year: int) -> EmulationYear:
    record = EmulationYear.objects.select_for_update().filter(year=year).first()
    if record is None:
        raise ValidationError(
            {"year": _("There is no scoring scheme for %(year)s yet; create the year first.") % {"year": year}}
        )
    return record


def _refuse_if_finalised(record: EmulationYear, what: str) -> None:
    if record.is_finalised:
        raise ConflictError(
            _("Year %(year)s is finalised: %(what)s. Reopen it first, stating why.")
            % {"year": record.year, "what": what},
            code="finalised",
        )


def _date_text(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _scheme_snapshot(record: EmulationYear, criteria: list[Criterion]) -> dict:
    """The scheme as the audit trail keeps it."""
    return {
        "outstanding_min": _decimal_text(record.outstanding_min),
        "good_min": _decimal_text(record.good_min),
        "completed_min": _decimal_text(record.completed_min),
        "min_tenure_months": record.min_tenure_months,
        **{name: _decimal_text(getattr(record, name)) for name in BEHIND_FIELDS},
        "year_rule": record.year_rule,
        "criteria": [
            {
                "code": criterion.code,
                "name_vi": criterion.name_vi,
                "max_points": _decimal_text(criterion.max_points),
                "metric": criterion.metric,
                "target": _decimal_text(criterion.target),
            }
            for criterion in criteria
        ],
    }


def _audit(record: EmulationYear, action: str, *, by, before=None, after=None, unit=None, criterion_code="", reason=""):
    AuditEntry.objects.create(
        year=record,
        action=action,
        by=by,
        unit=unit,
        criterion_code=criterion_code,
        before=before or {},
        after=after or {},
        reason=reason,
    )


def scheme_check(record: EmulationYear, criteria: list[Criterion]) -> None:
    """Refuse a scheme that cannot score: an invalid criterion, repeated codes, or a sum other than 100."""
    messages = []
    seen = set()
    for criterion in criteria:
        try:
            criterion.full_clean(exclude=["year"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field_messages in error.message_dict.values():
                messages += [f"{criterion.code}: {message}" for message in field_messages]
        if criterion.code in seen:
            messages.append(_("Code %(code)s is used by two criteria.") % {"code": criterion.code})
        seen.add(criterion.code)
    total = sum((criterion.max_points or Decimal(0) for criterion in criteria), Decimal(0))
    if total != REQUIRED_TOTAL:
        messages.append(
            _("The criteria of %(year)s add up to %(sum)s points; they must add up to exactly 100.")
            % {"year": record.year, "sum": number_text(total)}
        )
    if messages:
        raise ValidationError({"criteria": messages})


# --- Years and schemes ----------------------------------------------------------------------


@transaction.atomic
def emulation_year_create(*, year: int, by=None) -> EmulationYear:
    """Open a year with the default bands (90 / 70 / 50) and minimum tenure (6 months), and no criteria."""
    if EmulationYear.objects.filter(year=year).exists():
        raise ValidationError({"year": _("Year %(year)s already exists.") % {"year": year}})
    record = EmulationYear(year=year)
    record.full_clean()
    record.save()
    _audit(record, AuditAction.CREATED, by=by, after=_scheme_snapshot(record, []))
    return record


@transaction.atomic
def scheme_copy(*, from_year: int, to_year: int, by=None) -> EmulationYear:
    """Start ``to_year`` as a copy of ``from_year``'s scheme: criteria, bands, minimum tenure, how
    the year builds on its periods, the band conditions and how heads are scored (the mapping and
    the quota included).

    ``to_year`` is created when missing; an existing one must be a draft without criteria.
    Manual points and results are not copied.
    """
    source = EmulationYear.objects.filter(year=from_year).first()
    if source is None:
        raise ValidationError({"from_year": _("There is no scheme for %(year)s to copy.") % {"year": from_year}})
    if from_year == to_year:
        raise ValidationError({"to_year": _("Choose another year than the one copied.")})
    record = EmulationYear.objects.select_for_update().filter(year=to_year).first()
    created = record is None
    if created:
        record = EmulationYear(year=to_year)
    else:
        _refuse_if_finalised(record, _("its scoring scheme can no longer be changed"))
        if record.criteria.exists():
            raise ValidationError(
                {"to_year": _("Year %(year)s already has criteria; edit them instead.") % {"year": to_year}}
            )
    before = None if created else _scheme_snapshot(record, [])
    copied = ("outstanding_min", "good_min", "completed_min", "min_tenure_months", "year_rule", *BEHIND_FIELDS)
    for name in (*copied, *HEAD_SETTINGS):
        setattr(record, name, getattr(source, name))
    record.full_clean()
    record.inputs_revision += 1
    record.save()
    criteria = [
        Criterion(
            year=record, position=criterion.position, **{name: getattr(criterion, name) for name in CRITERION_FIELDS}
        )
        for criterion in source.criteria.order_by("position", "pk")
    ]
    Criterion.objects.bulk_create(criteria)
    after = {**_scheme_snapshot(record, criteria), "copied_from": from_year}
    _audit(record, AuditAction.CREATED if created else AuditAction.SCHEME_CHANGED, by=by, before=before, after=after)
    return record


@dataclass(frozen=True)
class CriterionInput:
    """One criterion as the scheme editor sends it; ``id`` for an existing one, None for a new one."""

    code: str
    name_vi: str
    max_points: Decimal
    metric: str = ""
    target: Decimal | None = None
    name_en: str = ""
    id: int | None = None


@transaction.atomic
def scheme_update(
    *,
    year: int,
    criteria: list[CriterionInput],
    outstanding_min: Decimal,
    good_min: Decimal,
    completed_min: Decimal,
    min_tenure_months: int,
    by=None,
    year_rule=KEEP,
    outstanding_max_behind=KEEP,
    good_max_behind=KEEP,
    completed_max_behind=KEEP,
) -> EmulationYear:
    """Replace a draft year's scheme: criteria in the given order, band thresholds, minimum tenure,
    and, when given, how the year builds on its periods and the band conditions (the highest share
    of dossiers behind schedule, in percent, each band allows; None for no condition).

    Criteria left out are deleted with their manual points; all criteria must add up to 100.
    Results already computed stay until the next computation, marked out of date.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its scoring scheme can no longer be changed"))
    existing = {criterion.pk: criterion for criterion in record.criteria.all()}
    before = _scheme_snapshot(record, sorted(existing.values(), key=lambda item: (item.position, item.pk)))
    record.outstanding_min, record.good_min, record.completed_min = outstanding_min, good_min, completed_min
    record.min_tenure_months = min_tenure_months
    optional = {
        "year_rule": year_rule,
        "outstanding_max_behind": outstanding_max_behind,
        "good_max_behind": good_max_behind,
        "completed_max_behind": completed_max_behind,
    }
    for name, value in optional.items():
        if value is not KEEP:
            setattr(record, name, value)
    errors: dict[str, list[str]] = {}
    try:
        record.full_clean()
    except ValidationError as error:
        errors.update(error.message_dict)
    updated = []
    for position, data in enumerate(criteria, 1):
        if data.id is not None and data.id not in existing:
            raise ValidationError({"criteria": _("Criterion %(id)s is not part of this year.") % {"id": data.id}})
        criterion = existing.get(data.id) or Criterion(year=record)
        criterion.position = position
        for name in CRITERION_FIELDS:
            value = getattr(data, name)
            setattr(criterion, name, value.strip() if isinstance(value, str) else value)
        updated.append(criterion)
    try:
        scheme_check(record, updated)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    kept = {criterion.pk for criterion in updated if criterion.pk}
    Criterion.objects.filter(year=record).exclude(pk__in=kept).delete()
    Criterion.objects.bulk_update([c for c in updated if c.pk], ["position", *CRITERION_FIELDS])
    Criterion.objects.bulk_create([c for c in updated if not c.pk])
    after = _scheme_snapshot(record, updated)
    if after != before:
        record.inputs_revision += 1
        _audit(record, AuditAction.SCHEME_CHANGED, by=by, before=before, after=after)
    record.save()
    return record


# --- Manual points --------------------------------------------------------------------------


def scorable_units():
    """Active units below the ministry that resolve at least one procedure, themselves or below."""
    procedure_paths = set(Procedure.objects.values_list("unit__path", flat=True).distinct())
    candidates = Unit.objects.active().filter(parent__isnull=False).order_by("path")
    return [unit for unit in candidates if any(path.startswith(unit.path) for path in procedure_paths)]


@transaction.atomic
def manual_score_set(*, year: int, unit: Unit, criterion: Criterion, points: Decimal, evidence: str, by) -> ManualScore:
    """Give ``unit`` ``points`` (0 to the criterion's maximum) on a manual criterion, with the evidence."""
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its manual points can no longer be changed"))
    if not unit.is_active or unit.parent_id is None:
        raise ValidationError({"unit": _("Unit %(code)s is not scored.") % {"code": unit.code}})
    score = ManualScore.objects.select_for_update().filter(criterion=criterion, unit=unit).first()
    before = {"points": _decimal_text(score.points), "evidence": score.evidence} if score else {}
    if score is None:
        score = ManualScore(year=record, unit=unit, criterion=criterion)
    score.points = points
    score.evidence = (evidence or "").strip()
    score.full_clean(exclude=["by", "at"])
    after = {"points": _decimal_text(score.points), "evidence": score.evidence}
    if after == before:
        return score
    score.by, score.at = by, timezone.now()
    score.save()
    record.inputs_revision += 1
    record.save(update_fields=["inputs_revision"])
    _audit(
        record,
        AuditAction.MANUAL_SCORE,
        by=by,
        unit=unit,
        criterion_code=criterion.code,
        before=before,
        after=after,
    )
    return score


# --- Computation ----------------------------------------------------------------------------


class _Catalogue:
    """Procedures in force per unit on a day, summed over subtrees on demand (one query per day)."""

    def __init__(self, units: list[Unit]):
        self.units = units
        self.by_day: dict[datetime.date, dict[int, CatalogueCounts]] = {}

    def for_subtree(self, unit: Unit, day: datetime.date) -> CatalogueCounts:
        if day not in self.by_day:
            in_force = Procedure.objects.in_force_on(day).values("pk")
            rows = (
                Procedure.objects.filter(pk__in=in_force)
                .values("unit_id")
                .annotate(
                    total=Count("pk"),
                    internal=Count("pk", filter=Q(internal_procedure_issued=True)),
                    portal=Count("pk", filter=Q(portal_integrated=True)),
                )
            )
            self.by_day[day] = {
                row["unit_id"]: CatalogueCounts(row["total"], row["internal"], row["portal"]) for row in rows
            }
        counts = self.by_day[day]
        members = [each.pk for each in self.units if each.path.startswith(unit.path)]
        return CatalogueCounts(
            procedures=sum(counts[pk].procedures for pk in members if pk in counts),
            internal_procedure_issued=sum(counts[pk].internal_procedure_issued for pk in members if pk in counts),
            portal_integrated=sum(counts[pk].portal_integrated for pk in members if pk in counts),
        )


class _Index:
    """The national index (``stats.index766``) of every scored unit for each window asked: one
    ``index766_grouped`` call (at most eight queries) per distinct window, whatever the number of
    units; a unit outside ``units`` (none today) costs a call of its own."""

    def __init__(self, units: list[Unit], *, today: datetime.date):
        self.units = units
        self.today = today
        self.by_window: dict[tuple[datetime.date, datetime.date], dict] = {}

    def for_unit(self, unit: Unit, date_from: datetime.date, date_to: datetime.date) -> IndexResult:
        window = (date_from, date_to)
        found = self.by_window.setdefault(window, {})
        if (unit.pk, window) not in found:
            scopes = self.units if not found and any(each.pk == unit.pk for each in self.units) else [unit]
            found.update(index766_grouped(scopes=scopes, periods=[window], today=self.today))
        return found[(unit.pk, window)]


def _lines(
    criteria: list[Criterion],
    figures: Form06Row,
    catalogue: CatalogueCounts,
    manual: dict[int, ManualScore],
    index: IndexResult | None = None,
) -> list[CriterionScore]:
    """The breakdown of one score (unsaved rows), one per criterion of the scheme."""
    lines = []
    for criterion in criteria:
        line = CriterionScore(
            position=criterion.position,
            code=criterion.code,
            name_vi=criterion.name_vi,
            name_en=criterion.name_en,
            metric=criterion.metric,
            max_points=criterion.max_points,
            target=criterion.target,
        )
        if criterion.is_manual:
            entered = manual.get(criterion.pk)
            if entered is None:
                # Not entered yet: no points, but still counted, so missing evidence never raises a total.
                line.status, line.points = LineStatus.MANUAL_MISSING, Decimal(0)
            else:
                line.status, line.points, line.evidence = LineStatus.MANUAL, entered.points, entered.evidence
        else:
            value, line.numerator, line.denominator = METRICS[criterion.metric].rate(figures, catalogue, index)
            if value is None:
                line.status = LineStatus.NOT_APPLICABLE
            else:
                line.status, line.value = LineStatus.COMPUTED, value
                line.points = scoring.points_for(value, target=criterion.target, max_points=criterion.max_points)
        lines.append(line)
    return lines


class _Figures:
    """Form 06 figures per unit for each window asked, summed over subtrees on demand.

    One ``form06`` call (four queries) per distinct window, whatever the number of units, so the
    months, quarters, year and tenure windows of every unit cost a fixed number of queries per
    window; a subtree's figures are the sum of its units' rows, as ``period_figures(subtree=)``.
    """

    def __init__(self, units: list[Unit]):
        self.units = units
        self.by_window: dict[tuple[datetime.date, datetime.date], dict[int, Form06Row]] = {}

    def for_subtree(self, unit: Unit, date_from: datetime.date, date_to: datetime.date) -> Form06Row:
        key = (date_from, date_to)
        if key not in self.by_window:
            rows, _totals = form06(date_from=date_from, date_to=date_to, group_by="unit")
            self.by_window[key] = {row.key: row for row in rows}
        rows = self.by_window[key]
        total = Form06Row()
        for each in self.units:
            if each.pk in rows and each.path.startswith(unit.path):
                total.add(rows[each.pk])
        return total


def _classify(score, record: EmulationYear, figures: Form06Row, *, conditions: bool = True) -> None:
    """Band of ``score.total`` by the thresholds, then (for organisations) lowered until the band's
    condition on dossiers behind schedule holds."""
    score.behind_share = behind_schedule(figures)[0]
    if score.total is None:
        score.band = score.band_by_points = ""
        return
    score.band_by_points = scoring.band_for(score.total, **record.band_thresholds())
    score.band = score.band_by_points
    if conditions:
        score.band = scoring.band_meeting_conditions(
            score.band_by_points, behind_share=score.behind_share, max_behind=record.band_conditions()
        )


def _fill_total(
    score, lines: list[CriterionScore], record: EmulationYear, figures: Form06Row, *, conditions: bool = True
) -> None:
    score.points, score.applicable_max, score.total = scoring.scaled_total(
        (line.points, line.max_points) for line in lines
    )
    _classify(score, record, figures, conditions=conditions)


def _score_scope(
    *,
    unit: Unit,
    date_from: datetime.date,
    date_to: datetime.date,
    criteria: list[Criterion],
    figures: _Figures,
    catalogue: _Catalogue,
    manual: dict[int, ManualScore],
    needs_statistics: bool,
    needs_catalogue: bool,
    index: _Index | None = None,
    needs_index: bool = False,
) -> tuple[list[CriterionScore], Form06Row]:
    """The breakdown of one scope and window, and the figures it rests on."""
    # The figures are read even for a scheme without statistics metrics: the band conditions need them.
    row = figures.for_subtree(unit, date_from, date_to)
    counts = catalogue.for_subtree(unit, date_to) if needs_catalogue else CatalogueCounts()
    national = index.for_unit(unit, date_from, date_to) if needs_index and index is not None else None
    return _lines(criteria, row, counts, manual, national), row


def _unit_window(start, end, *, unit: Unit, manual: dict, scope: dict):
    return _score_scope(unit=unit, date_from=start, date_to=end, manual=manual, **scope)


def _head_window(
    start, end, *, record: EmulationYear, unit: Unit, figures: _Figures, assessment, ratings: list[StaffRating]
):
    """A head's lines under Decree 335/2025 over [start, end]: the unit's dossiers, the staff
    ratings recorded for periods overlapping the window, the points judged by hand."""
    row = figures.for_subtree(unit, start, end)
    overlapping = [rating for rating in ratings if rating.period.date_from <= end and rating.period.date_to >= start]
    return _head_lines(record, row, assessment, overlapping), row


def _line_json(line: CriterionScore) -> dict:
    return {
        "code": line.code,
        "status": line.status,
        "max_points": _decimal_text(line.max_points),
        "value": _decimal_text(line.value),
        "numerator": line.numerator,
        "denominator": line.denominator,
        "points": _decimal_text(line.points),
    }


def _period_scores(
    *, record: EmulationYear, unit: Unit, tenure, window_start, window_end, score_window, conditions: bool = True
) -> list[PeriodScore]:
    """The score of every month and quarter of the year that overlaps [window_start, window_end],
    each over its days within that window (a running period up to the last day scored).

    ``score_window(start, end)`` gives the breakdown lines of a window and the figures they rest on.
    """
    result = []
    for each in periods_of_year(record.year, PeriodKind.MONTH) + periods_of_year(record.year, PeriodKind.QUARTER):
        start, end = max(each.date_from, window_start), min(each.date_to, window_end)
        if start > end:
            continue
        lines, row = score_window(start, end)
        score = PeriodScore(
            year=record,
            unit=unit,
            tenure=tenure,
            kind=each.kind,
            number=each.number,
            window_start=start,
            window_end=end,
            lines=[_line_json(line) for line in lines],
        )
        _fill_total(score, lines, record, row, conditions=conditions)
        result.append(score)
    return result


def _apply_year_rule(
    score, periods: list[PeriodScore], record: EmulationYear, figures: Form06Row, *, conditions: bool = True
) -> None:
    """Under a "mean of the periods" rule the year's total is the mean of those periods' totals
    (Decree 335/2025, art. 19), classified like any total, with the year's dossiers for the conditions."""
    kind = record.builds_on_periods
    if not kind:
        return
    score.total = scoring.mean_total(each.total for each in periods if each.kind == kind)
    _classify(score, record, figures, conditions=conditions)


def _disqualify(score, decisions: list[tuple[datetime.date, str]]) -> None:
    """ "Not completed" whatever the points when a decision applies (Decree 335/2025), citing it.

    A year's score takes every decision of the year; a period's only those dated up to its end.
    """
    cited = [citation for day, citation in decisions if not isinstance(score, PeriodScore) or day <= score.window_end]
    if not cited:
        return
    score.band_reason = "; ".join(cited)
    if score.band:
        score.band = Band.NOT_COMPLETED


def _disqualifiers(record: EmulationYear) -> tuple[dict, dict]:
    """``({unit id: decisions against the unit}, {"tenure": {...}, "unit": {...}})`` as ``(date,
    citation)`` pairs; a corruption or waste finding in a unit counts against the unit's heads."""
    by_unit: dict[int, list] = {}
    by_unit_heads: dict[int, list] = {}
    by_tenure: dict[int, list] = {}
    for item in Disqualifier.objects.filter(year=record).order_by("decision_date", "pk"):
        entry = (item.decision_date, item.citation)
        if item.kind == DisqualifierKind.CORRUPTION_WASTE:
            by_unit_heads.setdefault(item.unit_id, []).append(entry)
        elif item.tenure_id:
            by_tenure.setdefault(item.tenure_id, []).append(entry)
        else:
            by_unit.setdefault(item.unit_id, []).append(entry)
    return by_unit, {"tenure": by_tenure, "unit": by_unit_heads}


def _rank(scores: list, eligible) -> None:
    """Competition ranks (1, 2, 2, 4) among the ``eligible`` scores; the others get no rank."""
    ranks = scoring.competition_ranks({index: score.total for index, score in enumerate(scores) if eligible(score)})
    for index, score in enumerate(scores):
        score.rank = ranks.get(index)


@transaction.atomic
def emulation_compute(*, year: int, by=None, today: datetime.date | None = None) -> EmulationYear:
    """Score every unit that resolves procedures, and every head's tenure in the year; store the results.

    Units are active units below the ministry with at least one procedure in their subtree; a
    unit's score covers its sub-units. A year still running is scored up to yesterday. The
    previous results of the year are replaced in one transaction.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its scores can no longer be recomputed"))
    criteria = list(record.criteria.order_by("position", "pk"))
    scheme_check(record, criteria)
    today = today or timezone.localdate()
    date_from = record.period.date_from
    date_to = min(record.period.date_to, today - ONE_DAY)
    if date_to < date_from or not DailyStat.objects.filter(day__gte=date_from, day__lte=date_to).exists():
        raise ValidationError(
            {
                "year": _(
                    "There are no statistics for %(year)s (%(start)s – %(end)s): compute the daily statistics "
                    "first, then the scores."
                )
                % {
                    "year": record.year,
                    "start": record.period.date_from.strftime("%d/%m/%Y"),
                    "end": record.period.date_to.strftime("%d/%m/%Y"),
                }
            }
        )
    metrics = {criterion.metric for criterion in criteria if criterion.metric}
    all_units = list(Unit.objects.only("pk", "path"))
    scope = {
        "criteria": criteria,
        "figures": _Figures(all_units),
        "catalogue": _Catalogue(all_units),
        "needs_statistics": bool(metrics - CATALOGUE_METRICS),
        "needs_catalogue": bool(metrics & CATALOGUE_METRICS),
        "needs_index": bool(metrics & INDEX_METRICS),
    }
    manual: dict[int, dict[int, ManualScore]] = {}
    for entered in ManualScore.objects.filter(criterion__year=record):
        manual.setdefault(entered.unit_id, {})[entered.criterion_id] = entered

    against_units, against_heads = _disqualifiers(record)
    decree = record.head_method == HeadMethod.DECREE_335
    assessments = (
        {item.tenure_id: item for item in HeadAssessment.objects.filter(year=record).select_related("by")}
        if decree
        else {}
    )
    ratings: dict[int, list[StaffRating]] = {}
    if decree:
        for rating in StaffRating.objects.filter(year=record).select_related("year").order_by("kind", "number"):
            ratings.setdefault(rating.unit_id, []).append(rating)

    units = scorable_units()
    scope["index"] = _Index(units, today=today)
    unit_scores: list[tuple[UnitScore, list[CriterionScore]]] = []
    period_scores: list[PeriodScore] = []
    for unit in units:
        score = UnitScore(year=record, unit=unit, window_start=date_from, window_end=date_to)
        unit_manual = manual.get(unit.pk, {})
        lines, row = _score_scope(unit=unit, date_from=date_from, date_to=date_to, manual=unit_manual, **scope)
        _fill_total(score, lines, record, row)
        periods = _period_scores(
            record=record,
            unit=unit,
            tenure=None,
            window_start=date_from,
            window_end=date_to,
            score_window=partial(_unit_window, unit=unit, manual=unit_manual, scope=scope),
        )
        _apply_year_rule(score, periods, record, row)
        for each in [score, *periods]:
            _disqualify(each, against_units.get(unit.pk, []))
        period_scores += periods
        unit_scores.append((score, lines))

    by_unit = {unit.pk: unit for unit in units}
    tenures = (
        Tenure.objects.heads()
        .filter(unit__in=list(by_unit))
        .overlapping(date_from, date_to)
        .order_by("unit__path", "start_date")
    )
    leader_scores: list[tuple[LeaderScore, list[CriterionScore]]] = []
    for tenure in tenures:
        unit = by_unit[tenure.unit_id]
        window_start = max(tenure.start_date, date_from)
        window_end = min(tenure.end_date or date_to, date_to)
        score = LeaderScore(
            year=record,
            unit=unit,
            tenure=tenure,
            window_start=window_start,
            window_end=window_end,
            classified=scoring.covers_months(window_start, window_end, record.min_tenure_months),
        )
        # Manual criteria score the unit's work of the year; its heads carry the unit's points.
        if decree:
            score_window = partial(
                _head_window,
                record=record,
                unit=unit,
                figures=scope["figures"],
                assessment=assessments.get(tenure.pk),
                ratings=ratings.get(unit.pk, []),
            )
        else:
            score_window = partial(_unit_window, unit=unit, manual=manual.get(unit.pk, {}), scope=scope)
        lines, row = score_window(window_start, window_end)
        _fill_total(score, lines, record, row, conditions=not decree)
        periods = _period_scores(
            record=record,
            unit=unit,
            tenure=tenure,
            window_start=window_start,
            window_end=window_end,
            score_window=score_window,
            conditions=not decree,
        )
        _apply_year_rule(score, periods, record, row, conditions=not decree)
        decisions = against_heads["tenure"].get(tenure.pk, []) + against_heads["unit"].get(unit.pk, [])
        for each in [score, *periods]:
            _disqualify(each, decisions)
        period_scores += periods
        if not score.classified:
            score.band = score.band_by_points = ""
        leader_scores.append((score, lines))

    _rank([score for score, _lines_ in unit_scores], lambda score: score.total is not None)
    _rank([score for score, _lines_ in leader_scores], lambda score: score.classified and score.total is not None)

    CriterionScore.objects.filter(year=record).delete()
    PeriodScore.objects.filter(year=record).delete()
    LeaderScore.objects.filter(year=record).delete()
    UnitScore.objects.filter(year=record).delete()
    UnitScore.objects.bulk_create([score for score, _lines_ in unit_scores])
    LeaderScore.objects.bulk_create([score for score, _lines_ in leader_scores])
    all_lines = []
    for score, lines in unit_scores:
        for line in lines:
            line.year, line.unit_score = record, score
        all_lines += lines
    for score, lines in leader_scores:
        for line in lines:
            line.year, line.leader_score = record, score
        all_lines += lines
    CriterionScore.objects.bulk_create(all_lines)
    PeriodScore.objects.bulk_create(period_scores)

    record.computed_at, record.computed_by, record.scored_to = timezone.now(), by, date_to
    record.computed_revision = record.inputs_revision
    record.save(update_fields=["computed_at", "computed_by", "scored_to", "computed_revision"])
    return record


def emulation_recompute_drafts(*, today: datetime.date | None = None) -> dict:
    """Recompute every draft year that has begun (the nightly run); a year that cannot be scored
    (no statistics, a scheme that does not add up) is skipped with its reason, the others still run."""
    today = today or timezone.localdate()
    computed, skipped = [], {}
    for record in EmulationYear.objects.filter(status=YearStatus.DRAFT).order_by("year"):
        if record.period.date_from >= today:
            continue
        try:
            emulation_compute(year=record.year, today=today)
        except (ValidationError, ConflictError) as error:
            reason = "; ".join(error.messages) if isinstance(error, ValidationError) else error.message
            logger.info("Emulation year %s not recomputed: %s", record.year, reason)
            skipped[record.year] = reason
        else:
            computed.append(record.year)
    return {"computed": computed, "skipped": skipped}


# --- Heads on 100 points (Decree 335/2025) ---------------------------------------------------

# The lines of a head's score under Decree 335/2025: code → (name in Vietnamese, in English).
HEAD_LINES = {
    "general": ("Tiêu chí chung", "General criteria"),
    "quantity": ("Kết quả thực hiện nhiệm vụ: số lượng", "Task results: quantity"),
    "quality": ("Kết quả thực hiện nhiệm vụ: chất lượng", "Task results: quality"),
    "timeliness": ("Kết quả thực hiện nhiệm vụ: tiến độ", "Task results: timeliness"),
    "unit-results": ("Kết quả hoạt động của đơn vị", "The unit's results"),
    "organisation": ("Năng lực tổ chức triển khai thực hiện nhiệm vụ", "Organisation of the unit's work"),
}


def _head_line(position: int, code: str, max_points: Decimal, metric: str = "") -> CriterionScore:
    name_vi, name_en = HEAD_LINES[code]
    return CriterionScore(
        position=position, code=code, name_vi=name_vi, name_en=name_en, metric=metric, max_points=max_points
    )


def _scored_by(assessment: HeadAssessment) -> str:
    """Who judged a head's points and when, as the record keeps it (Vietnamese)."""
    who = (assessment.by.get_full_name() or assessment.by.get_username()) if assessment.by else "—"
    return f"Người chấm: {who}, {timezone.localtime(assessment.at):%d/%m/%Y %H:%M}"


def _set_percent(line: CriterionScore, value: Decimal | None) -> None:
    if value is None:
        line.status = LineStatus.NOT_APPLICABLE
    else:
        line.status, line.value = LineStatus.COMPUTED, value
        line.points = scoring.percent_points(value, line.max_points)


def _timeliness_line(record: EmulationYear, row: Form06Row, position: int, max_points: Decimal) -> CriterionScore:
    """A head's timeliness by the year's rule: the chosen rate, its mean with the progress rate
    (DESIGN.md's default), or Decree 335/2025's deduction per delay (each dossier resolved late or
    in progress overdue is one delay costing ``delay_deduction`` % of one dossier's points)."""
    if record.timeliness_rule == TimelinessRule.DELAYS:
        line = _head_line(position, "timeliness", max_points)
        assigned = row.resolved_total + row.open_overdue
        delays = row.resolved_late + row.open_overdue
        line.numerator, line.denominator = assigned, assigned
        _set_percent(line, scoring.deducted_percent(assigned, assigned, delays, record.delay_deduction))
        line.evidence = (
            f"{assigned} hồ sơ phải hoàn thành trong kỳ; {delays} lần chậm tiến độ "
            f"({row.resolved_late} giải quyết quá hạn, {row.open_overdue} đang quá hạn), "
            f"mỗi lần trừ {record.delay_deduction:.0f}% điểm tiến độ của hồ sơ đó"
        )
        return line
    line = _head_line(position, "timeliness", max_points, record.timeliness_metric)
    value, line.numerator, line.denominator = METRICS[record.timeliness_metric].rate(row, CatalogueCounts())
    if record.timeliness_rule == TimelinessRule.WITH_PROGRESS and record.timeliness_metric != "progress_rate":
        progress = METRICS["progress_rate"].rate(row, CatalogueCounts())[0]
        with translation.override("vi"):  # the record's language, whatever the reader's
            label = str(METRICS[record.timeliness_metric].label).lower()
        line.evidence = (
            f"Trung bình của {label} "
            f"({'—' if value is None else f'{value:.2f}%'}) và tỷ lệ tiến độ "
            f"({'—' if progress is None else f'{progress:.2f}%'})"
        )
        value = scoring.mean_total([value, progress])
    _set_percent(line, value)
    return line


def _head_lines(
    record: EmulationYear, row: Form06Row, assessment: HeadAssessment | None, ratings: list[StaffRating]
) -> list[CriterionScore]:
    """A head's breakdown under Decree 335/2025: general criteria by hand, then the task results
    (quantity, quality, timeliness from the unit's dossiers by the year's mapping, the unit's results
    from its staff ratings, the organisation of work by hand), each a share of the task points."""
    general = _head_line(0, "general", record.general_max)
    if assessment is None or assessment.general_points is None:
        general.status, general.points = LineStatus.MANUAL_MISSING, Decimal(0)
    else:
        general.status, general.points = LineStatus.MANUAL, assessment.general_points
        general.evidence = f"{assessment.general_evidence}\n{_scored_by(assessment)}"
    lines = [general]
    maxima = scoring.split_points(REQUIRED_TOTAL - record.general_max, record.task_weights())
    for position, (code, max_points) in enumerate(maxima.items(), 1):
        if code == "quantity":
            line = _head_line(position, code, max_points, record.quantity_metric)
            value, line.numerator, line.denominator = METRICS[record.quantity_metric].rate(row, CatalogueCounts())
            _set_percent(line, value)
        elif code == "timeliness":
            line = _timeliness_line(record, row, position, max_points)
        elif code == "quality":
            line = _head_line(position, code, max_points)
            reappointments = row.reappointments if record.quality_counts_reappointments else 0
            unsatisfied = row.rated_unsatisfied if record.quality_counts_unsatisfied else 0
            errors = reappointments + unsatisfied
            line.numerator = line.denominator = row.resolved_total
            _set_percent(
                line, scoring.deducted_percent(row.resolved_total, row.resolved_total, errors, record.error_deduction)
            )
            line.evidence = (
                f"{row.resolved_total} hồ sơ đã giải quyết; {errors} sai sót lớn "
                f"({reappointments} lần xin lỗi, hẹn lại; {unsatisfied} đánh giá không hài lòng), "
                f"mỗi sai sót trừ {record.error_deduction:.0f}% điểm chất lượng của hồ sơ đó"
            )
        elif code == "unit-results":
            line = _head_line(position, code, max_points)
            value = scoring.unit_results_percent(rating.not_completed for rating in ratings)
            if value is None:
                line.status, line.points = LineStatus.MANUAL_MISSING, Decimal(0)
            else:
                _set_percent(line, value)
                line.evidence = "; ".join(
                    f"{rating.document_number} ngày {rating.document_date:%d/%m/%Y}: "
                    f"{rating.not_completed}/{rating.rated} không hoàn thành nhiệm vụ"
                    for rating in ratings
                )
        else:
            line = _head_line(position, code, max_points)
            if assessment is None or assessment.organisation_percent is None:
                line.status, line.points = LineStatus.MANUAL_MISSING, Decimal(0)
            else:
                line.status, line.value = LineStatus.MANUAL, assessment.organisation_percent
                line.points = scoring.percent_points(assessment.organisation_percent, max_points)
                line.evidence = f"{assessment.organisation_evidence}\n{_scored_by(assessment)}"
        lines.append(line)
    return lines


# --- Lifecycle ------------------------------------------------------------------------------


@transaction.atomic
def emulation_finalise(*, year: int, by, today: datetime.date | None = None) -> EmulationYear:
    """Freeze a year's scores once the year is over and its scores are up to date."""
    record = _locked_year(year)
    if record.is_finalised:
        raise ConflictError(_("Year %(year)s is already finalised.") % {"year": record.year}, code="finalised")
    today = today or timezone.localdate()
    period_end = record.period.date_to
    if today <= period_end:
        raise ConflictError(
            _("Year %(year)s runs until %(end)s; it can be finalised from %(next)s.")
            % {
                "year": record.year,
                "end": period_end.strftime("%d/%m/%Y"),
                "next": (period_end + ONE_DAY).strftime("%d/%m/%Y"),
            },
            code="not_over",
        )
    if record.computed_at is None or record.scored_to != period_end:
        raise ConflictError(
            _("Compute the scores of %(year)s over the whole year before finalising them.") % {"year": record.year},
            code="not_computed",
        )
    if record.is_stale:
        raise ConflictError(
            _("The scheme or manual points changed after the last computation; recompute before finalising."),
            code="stale",
        )
    if not record.council_decision_number or record.council_decision_date is None:
        raise ConflictError(
            _("Record the emulation council's decision (number and date) before finalising %(year)s.")
            % {"year": record.year},
            code="no_council",
        )
    breaches = selectors.quota_breaches(record)
    if breaches:
        raise ConflictError(_quota_message(record, breaches), code="quota")
    record.status, record.finalised_at, record.finalised_by = YearStatus.FINALISED, timezone.now(), by
    record.save(update_fields=["status", "finalised_at", "finalised_by"])
    _audit(
        record,
        AuditAction.FINALISED,
        by=by,
        before={"status": YearStatus.DRAFT},
        after={
            "status": YearStatus.FINALISED,
            "computed_at": record.computed_at.isoformat(),
            "units": UnitScore.objects.filter(year=record).count(),
            "leaders": LeaderScore.objects.filter(year=record).count(),
        },
    )
    return record


def _quota_message(record: EmulationYear, breaches) -> str:
    parts = []
    for breach in breaches:
        names = ", ".join(
            f"{score.tenure.person.full_name} ({score.unit.code}, {score.total:.2f})" for score in breach.outstanding
        )
        parts.append(
            _(
                "%(agency)s, %(group)s: %(outstanding)s heads rated “outstanding” for %(good)s rated “good”; "
                "at most %(allowed)s may be (%(quota)s%%), so %(move)s of them would have to move: %(names)s."
            )
            % {
                "agency": breach.agency.code if breach.agency else "—",
                "group": breach.group_label,
                "outstanding": len(breach.outstanding),
                "good": breach.good,
                "allowed": breach.allowed,
                "quota": f"{record.quota_percent:.0f}",
                "move": breach.to_move,
                "names": names,
            }
        )
    return " ".join(
        [
            _("The quota of “outstanding” is exceeded (Decree 335/2025)."),
            *parts,
            _("Review their points, or record an exception for an organisation with outstanding achievements."),
        ]
    )


@transaction.atomic
def council_decision_record(*, year: int, number: str, date: datetime.date, by) -> EmulationYear:
    """Record the emulation council's decision on a draft year's results (number, date); audited.

    Finalising needs it. Raises ``ValidationError`` naming ``number`` or ``date``, or
    ``ConflictError`` on a finalised year.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its council decision can no longer be changed"))
    number = (number or "").strip()
    errors = {}
    if not number:
        errors["number"] = _("Give the number of the council's decision.")
    if date is None:
        errors["date"] = _("Give the date of the council's decision.")
    elif date < record.period.date_from:
        errors["date"] = _("The decision cannot come before the year it decides on.")
    if errors:
        raise ValidationError(errors)
    before = {"number": record.council_decision_number, "date": _date_text(record.council_decision_date)}
    record.council_decision_number, record.council_decision_date = number, date
    record.save(update_fields=["council_decision_number", "council_decision_date"])
    _audit(record, AuditAction.COUNCIL, by=by, before=before, after={"number": number, "date": _date_text(date)})
    return record


@transaction.atomic
def quota_exception_record(
    *, year: int, agency: Unit, group: str, decision_number: str, decision_date: datetime.date, reason: str, by
) -> QuotaException:
    """Lift the "outstanding" quota for an agency (and a group, or all its groups) on the strength
    of a decision recognising an organisation's outstanding achievements (Decree 335/2025); audited.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its quota exceptions can no longer be changed"))
    item = QuotaException(
        year=record,
        agency=agency,
        group=group or "",
        decision_number=(decision_number or "").strip(),
        decision_date=decision_date,
        reason=(reason or "").strip(),
        by=by,
    )
    errors = {}
    if not item.decision_number:
        errors["decision_number"] = _("Give the number of the decision.")
    if decision_date is None:
        errors["decision_date"] = _("Give the date of the decision.")
    if not item.reason:
        errors["reason"] = _("Say which outstanding achievements justify the exception.")
    if errors:
        raise ValidationError(errors)
    item.full_clean(exclude=["by", "year", "agency"])
    item.save()
    _audit(
        record,
        AuditAction.QUOTA_EXCEPTION,
        by=by,
        unit=agency,
        after={
            "group": item.group,
            "decision": f"{item.decision_number} ({decision_date:%d/%m/%Y})",
            "reason": item.reason,
        },
    )
    return item


@transaction.atomic
def emulation_reopen(*, year: int, by, reason: str) -> EmulationYear:
    """Make a finalised year a draft again, for a correction; the reason is required and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the year is reopened.")})
    record = _locked_year(year)
    if not record.is_finalised:
        raise ConflictError(_("Year %(year)s is not finalised.") % {"year": record.year}, code="not_finalised")
    record.status = YearStatus.DRAFT
    # The council decided on the results as they were; corrected results need a new decision.
    council = {"council_decision": record.council_decision_number}
    record.council_decision_number, record.council_decision_date = "", None
    record.save(update_fields=["status", "council_decision_number", "council_decision_date"])
    _audit(
        record,
        AuditAction.REOPENED,
        by=by,
        before={"status": YearStatus.FINALISED, "finalised_at": record.finalised_at.isoformat(), **council},
        after={"status": YearStatus.DRAFT},
        reason=reason,
    )
    return record


# --- Demo data ------------------------------------------------------------------------------

DEMO_CRITERIA = (
    # code, name (vi), name (en), points, metric, target
    ("on-time", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time rate", 40, "on_time_rate", 90),
    ("progress", "Tỷ lệ tiến độ giải quyết hồ sơ", "Progress rate", 20, "progress_rate", 90),
    ("online", "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Online submission rate", 10, "online_rate", 50),
    ("satisfaction", "Mức độ hài lòng của người dân, doanh nghiệp", "Satisfaction", 10, "satisfaction_rate", 85),
    (
        "internal-procedures",
        "Tỷ lệ TTHC được ban hành quy trình nội bộ",
        "Procedures with an internal procedure issued",
        5,
        "internal_procedure_share",
        100,
    ),
    (
        "portal-integration",
        "Tỷ lệ TTHC được tích hợp trên Cổng Dịch vụ công quốc gia",
        "Procedures integrated with the National Public Service Portal",
        5,
        "portal_integration_share",
        100,
    ),
    ("reform-initiatives", "Sáng kiến, giải pháp cải cách TTHC", "Reform initiatives", 10, "", None),
)
# From 2026 the demo scheme also scores the national index (Decision 766): ten of the on-time
# rate's forty points go to the index's total, full at 80 of 100.
INDEX766_FROM = 2026
DEMO_CRITERIA_INDEX766 = (
    ("on-time", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time rate", 30, "on_time_rate", 90),
    *DEMO_CRITERIA[1:-1],
    (
        "index766",
        "Bộ chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg)",
        "National index (Decision 766)",
        10,
        "index766_total",
        80,
    ),
    DEMO_CRITERIA[-1],
)


@transaction.atomic
def emulation_seed_demo_scheme(*, year: int) -> EmulationYear:
    """A sensible default scheme for ``year`` (seed_demo); a year that already has criteria is left as is."""
    record = EmulationYear.objects.select_for_update().filter(year=year).first()
    if record is None:
        record = emulation_year_create(year=year)
    if record.criteria.exists():
        return record
    under_decree = year >= DECREE_335_FROM
    record = scheme_update(
        year=year,
        criteria=[
            CriterionInput(
                code=code,
                name_vi=name_vi,
                name_en=name_en,
                max_points=Decimal(points),
                metric=metric,
                target=None if target is None else Decimal(target),
            )
            for code, name_vi, name_en, points, metric, target in (
                DEMO_CRITERIA_INDEX766 if year >= INDEX766_FROM else DEMO_CRITERIA
            )
        ],
        outstanding_min=record.outstanding_min,
        good_min=record.good_min,
        completed_min=record.completed_min,
        min_tenure_months=record.min_tenure_months,
        year_rule=YearRule.MONTH_MEAN if under_decree else YearRule.WHOLE_YEAR,
    )
    if under_decree:
        record = head_settings_update(year=year, head_method=HeadMethod.DECREE_335)
        _seed_demo_heads(record)
    return record


# Decree 335/2025/NĐ-CP is in force from 1 January 2026: the demo scores 2026 on, by it.
DECREE_335_FROM = 2026
DEMO_EVIDENCE = "Dữ liệu minh hoạ (demo)"


def _seed_demo_heads(record: EmulationYear) -> None:
    """Illustrative inputs of the heads of a demo year under the decree: points by hand for every
    head, and a staff rating of the year for every scored unit (one "not completed" in every third)."""
    period = record.period
    for tenure in Tenure.objects.heads().overlapping(period.date_from, period.date_to).select_related("unit"):
        head_assessment_set(
            year=record.year,
            tenure=tenure,
            general_points=Decimal(27),
            general_evidence=DEMO_EVIDENCE,
            organisation_percent=Decimal(90),
            organisation_evidence=DEMO_EVIDENCE,
            by=None,
        )
    for index, unit in enumerate(scorable_units()):
        staff_rating_record(
            year=record.year,
            unit=unit,
            kind=PeriodKind.YEAR,
            number=1,
            outstanding=1,
            good=6,
            completed=2,
            not_completed=1 if index % 3 == 2 else 0,
            document_number=f"{index + 1}/QĐ-{unit.code} (minh hoạ)",
            document_date=period.date_to,
            by=None,
        )


# --- Heads, staff ratings, disqualifiers, quota exceptions (Decree 335/2025) ----------------------


def _changed(record: EmulationYear) -> None:
    record.inputs_revision += 1
    record.save(update_fields=["inputs_revision"])


def _head_of_year(record: EmulationYear, tenure: Tenure) -> None:
    if (
        tenure.role != "head"
        or not Tenure.objects.heads()
        .filter(pk=tenure.pk)
        .overlapping(record.period.date_from, record.period.date_to)
        .exists()
    ):
        raise ValidationError({"tenure": _("This tenure is not a head's tenure in %(year)s.") % {"year": record.year}})


@transaction.atomic
def head_assessment_set(
    *,
    year: int,
    tenure: Tenure,
    general_points: Decimal | None,
    general_evidence: str,
    organisation_percent: Decimal | None,
    organisation_evidence: str,
    by,
) -> HeadAssessment:
    """The points of a head judged by hand: general criteria (0 to the year's general maximum) and
    the organisation of the unit's work (0–100%), each with the evidence it rests on; audited.

    Raises ``ValidationError`` naming the field (points out of range, evidence missing), or
    ``ConflictError`` on a finalised year.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its heads' points can no longer be changed"))
    _head_of_year(record, tenure)
    errors = {}
    general_evidence, organisation_evidence = (general_evidence or "").strip(), (organisation_evidence or "").strip()
    if general_points is not None:
        if not Decimal(0) <= general_points <= record.general_max:
            errors["general_points"] = _("From 0 to %(max)s points.") % {"max": record.general_max}
        if not general_evidence:
            errors["general_evidence"] = _("Say what the points rest on.")
    if organisation_percent is not None:
        if not Decimal(0) <= organisation_percent <= Decimal(100):
            errors["organisation_percent"] = _("A percentage from 0 to 100.")
        if not organisation_evidence:
            errors["organisation_evidence"] = _("Say what the percentage rests on.")
    if errors:
        raise ValidationError(errors)
    item = HeadAssessment.objects.select_for_update().filter(year=record, tenure=tenure).first()
    fields = ("general_points", "general_evidence", "organisation_percent", "organisation_evidence")

    def snapshot(obj):
        if obj is None:
            return {}
        return {name: _decimal_text(v) if isinstance(v := getattr(obj, name), Decimal) else v for name in fields}

    before = snapshot(item)
    item = item or HeadAssessment(year=record, tenure=tenure)
    item.general_points, item.general_evidence = general_points, general_evidence
    item.organisation_percent, item.organisation_evidence = organisation_percent, organisation_evidence
    after = snapshot(item)
    if after == before:
        return item
    item.by, item.at = by, timezone.now()
    item.save()
    _changed(record)
    _audit(record, AuditAction.HEAD_ASSESSMENT, by=by, unit=tenure.unit, before=before, after=after)
    return item


@transaction.atomic
def staff_rating_record(
    *,
    year: int,
    unit: Unit,
    kind: str,
    number: int,
    outstanding: int,
    good: int,
    completed: int,
    not_completed: int,
    document_number: str,
    document_date: datetime.date,
    by,
) -> StaffRating:
    """Record (or correct) how many of ``unit``'s civil servants were rated in each band for a
    month, quarter or the year, with the approving document; audited.

    Raises ``ValidationError`` (a period outside 1–12 / 1–4, negative counts, no one rated, no
    document) or ``ConflictError`` on a finalised year.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its staff ratings can no longer be changed"))
    errors = {}
    if kind not in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.YEAR):
        errors["kind"] = _("Choose a month, a quarter or the year.")
    else:
        try:
            periods_of_year(record.year, kind)[(number or 1) - 1]
        except IndexError:
            errors["number"] = _("No such period in the year.")
    counts = {"outstanding": outstanding, "good": good, "completed": completed, "not_completed": not_completed}
    for name, value in counts.items():
        if value is None or value < 0:
            errors[name] = _("A count from 0 up.")
    if not errors and not sum(counts.values()):
        errors["outstanding"] = _("Nobody is rated: enter the counts of the approving document.")
    document_number = (document_number or "").strip()
    if not document_number:
        errors["document_number"] = _("Give the number of the approving document.")
    if document_date is None:
        errors["document_date"] = _("Give the date of the approving document.")
    if errors:
        raise ValidationError(errors)
    number = number or 1
    item = StaffRating.objects.select_for_update().filter(year=record, unit=unit, kind=kind, number=number).first()
    before = (
        {**{name: getattr(item, name) for name in counts}, "document": item.document_number} if item is not None else {}
    )
    item = item or StaffRating(year=record, unit=unit, kind=kind, number=number)
    for name, value in counts.items():
        setattr(item, name, value)
    item.document_number, item.document_date, item.by, item.at = document_number, document_date, by, timezone.now()
    item.save()
    _changed(record)
    _audit(
        record,
        AuditAction.STAFF_RATING,
        by=by,
        unit=unit,
        before=before,
        after={**counts, "document": document_number, "period": f"{kind} {number}"},
    )
    return item


@transaction.atomic
def disqualifier_record(
    *,
    year: int,
    kind: str,
    unit: Unit,
    decision_number: str,
    decision_date: datetime.date,
    tenure: Tenure | None = None,
    summary: str = "",
    by,
) -> Disqualifier:
    """Record a decision that forces "not completed": a disciplinary sanction against a head
    (``tenure``) or the unit, or a corruption or waste finding in the unit (against its heads).

    Raises ``ValidationError`` (no decision number or date, a date outside the year, a head of
    another unit) or ``ConflictError`` on a finalised year.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its decisions can no longer be changed"))
    errors = {}
    if kind not in DisqualifierKind.values:
        errors["kind"] = _("Choose a disciplinary sanction or a corruption or waste finding.")
    decision_number = (decision_number or "").strip()
    if not decision_number:
        errors["decision_number"] = _("Give the number of the decision.")
    if decision_date is None:
        errors["decision_date"] = _("Give the date of the decision.")
    elif not record.period.date_from <= decision_date <= record.period.date_to:
        errors["decision_date"] = _("The decision must fall within %(year)s (%(start)s – %(end)s).") % {
            "year": record.year,
            "start": record.period.date_from.strftime("%d/%m/%Y"),
            "end": record.period.date_to.strftime("%d/%m/%Y"),
        }
    if tenure is not None and tenure.unit_id != unit.pk:
        errors["tenure"] = _("This head does not head the unit chosen.")
    if errors:
        raise ValidationError(errors)
    item = Disqualifier.objects.create(
        year=record,
        kind=kind,
        unit=unit,
        tenure=tenure,
        decision_number=decision_number,
        decision_date=decision_date,
        summary=(summary or "").strip(),
        by=by,
    )
    _changed(record)
    _audit(
        record,
        AuditAction.DISQUALIFIER,
        by=by,
        unit=unit,
        after={"kind": kind, "decision": item.citation, "tenure": tenure.pk if tenure else None},
    )
    return item


HEAD_SETTINGS = (
    "head_method",
    "general_max",
    "weight_quantity",
    "weight_quality",
    "weight_timeliness",
    "weight_unit_results",
    "weight_organisation",
    "quantity_metric",
    "timeliness_metric",
    "timeliness_rule",
    "delay_deduction",
    "quality_counts_reappointments",
    "quality_counts_unsatisfied",
    "error_deduction",
    "quota_percent",
)


@transaction.atomic
def head_settings_update(*, year: int, by=None, **settings) -> EmulationYear:
    """Change how a draft year scores its heads: the method, the general maximum, the weights of
    the task results (adding up to 100%), the mapping of the dossier figures onto quantity, quality
    and timeliness, the deduction per major error and the quota; audited as a scheme change.

    Raises ``ValidationError`` naming the field, or ``ConflictError`` on a finalised year.
    """
    unknown = set(settings) - set(HEAD_SETTINGS)
    if unknown:
        raise ValidationError({"year": _("Unknown settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}})
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its scoring scheme can no longer be changed"))

    def snapshot():
        return {
            name: _decimal_text(value) if isinstance(value := getattr(record, name), Decimal) else value
            for name in HEAD_SETTINGS
        }

    before = snapshot()
    for name, value in settings.items():
        setattr(record, name, value)
    record.full_clean()
    after = snapshot()
    if after != before:
        record.inputs_revision += 1
        record.save()
        _audit(record, AuditAction.SCHEME_CHANGED, by=by, before=before, after=after)
    return record


# --- Self-assessment → review (the unit, then the ministry office) ---------------------------------

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Claim:
    """The points a unit claims on one manual criterion, with the evidence."""

    criterion: Criterion
    points: Decimal | None
    evidence: str


def _assessment(record: EmulationYear, unit: Unit, *, lock: bool = True) -> SelfAssessment:
    if unit.parent_id is None or not unit.is_active:
        raise ValidationError({"unit": _("Unit %(code)s is not scored.") % {"code": unit.code}})
    queryset = SelfAssessment.objects.select_for_update() if lock else SelfAssessment.objects
    item = queryset.filter(year=record, unit=unit).first()
    return item or SelfAssessment.objects.create(year=record, unit=unit)


def _refuse_unless_draft(item: SelfAssessment) -> None:
    if item.status != AssessmentStatus.DRAFT:
        raise ConflictError(
            _("The self-assessment of %(unit)s is already %(status)s; it can no longer be changed.")
            % {"unit": item.unit.code, "status": AssessmentStatus(item.status).label.lower()},
            code="submitted",
        )


@transaction.atomic
def self_assessment_save(*, year: int, unit: Unit, claims: list[Claim], comments: str, by) -> SelfAssessment:
    """Save a unit's draft self-assessment: points (0 to each criterion's maximum) with evidence on
    the year's manual criteria, and comments. A claim without points removes that line.

    Raises ``ValidationError`` with ``points_<code>`` / ``evidence_<code>`` fields, or
    ``ConflictError`` once submitted or on a finalised year.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its self-assessments can no longer be changed"))
    item = _assessment(record, unit)
    _refuse_unless_draft(item)
    errors = {}
    for claim in claims:
        if claim.criterion.year_id != record.pk or not claim.criterion.is_manual:
            errors[f"points_{claim.criterion.code}"] = _("This criterion is not scored by hand in %(year)s.") % {
                "year": record.year
            }
        elif claim.points is not None:
            if not Decimal(0) <= claim.points <= claim.criterion.max_points:
                errors[f"points_{claim.criterion.code}"] = _("From 0 to %(max)s points.") % {
                    "max": claim.criterion.max_points
                }
            if not (claim.evidence or "").strip():
                errors[f"evidence_{claim.criterion.code}"] = _("Say what the points rest on.")
    if errors:
        raise ValidationError(errors)
    existing = {line.criterion_id: line for line in item.lines.all()}
    for claim in claims:
        line = existing.get(claim.criterion.pk)
        if claim.points is None:
            if line is not None:
                line.delete()
            continue
        line = line or SelfAssessmentLine(assessment=item, criterion=claim.criterion)
        line.claimed_points, line.evidence = claim.points, claim.evidence.strip()
        line.save()
    item.comments = (comments or "").strip()
    item.save(update_fields=["comments"])
    return item


@transaction.atomic
def evidence_file_add(*, year: int, unit: Unit, name: str, content: bytes, by) -> EvidenceFile:
    """Attach a file (PDF, image, Word or Excel, at most 5 MB) to a unit's draft self-assessment."""
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its self-assessments can no longer be changed"))
    item = _assessment(record, unit)
    _refuse_unless_draft(item)
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        raise ValidationError({"file": _("Attach a PDF, an image, a Word or an Excel file.")})
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"file": _("A file may be at most 5 MB.")})
    return EvidenceFile.objects.create(
        assessment=item, name=name, content_type=EVIDENCE_TYPES[extension], size=len(content), data=content, by=by
    )


@transaction.atomic
def self_assessment_submit(*, year: int, unit: Unit, by) -> SelfAssessment:
    """Submit a unit's self-assessment to the ministry office; every manual criterion needs its
    points and evidence. Audited. Raises ``ValidationError`` naming the missing criteria, or
    ``ConflictError`` when already submitted or the year is finalised."""
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its self-assessments can no longer be changed"))
    item = _assessment(record, unit)
    _refuse_unless_draft(item)
    lines = {line.criterion_id: line for line in item.lines.select_related("criterion")}
    missing = [criterion.code for criterion in record.criteria.filter(metric="") if criterion.pk not in lines]
    if missing:
        raise ValidationError(
            {
                "criteria": _("Give points and evidence on every criterion first: %(codes)s.")
                % {"codes": ", ".join(missing)}
            }
        )
    item.status, item.submitted_by, item.submitted_at = AssessmentStatus.SUBMITTED, by, timezone.now()
    item.save(update_fields=["status", "submitted_by", "submitted_at"])
    _audit(
        record,
        AuditAction.SELF_ASSESSMENT,
        by=by,
        unit=unit,
        after={
            "lines": {line.criterion.code: _decimal_text(line.claimed_points) for line in lines.values()},
            "files": item.files.count(),
            "comments": item.comments,
        },
    )
    return item


@transaction.atomic
def self_assessment_write(
    *,
    year: int,
    unit: Unit,
    claims: list[Claim],
    comments: str,
    by,
    file: tuple[str, bytes] | None = None,
    submit: bool = False,
) -> SelfAssessment:
    """What the unit's page sends in one go: save the draft, attach a file (``(name, content)``),
    and submit when asked; all or nothing. A file's refusal is reported on the ``file`` field."""
    item = self_assessment_save(year=year, unit=unit, claims=claims, comments=comments, by=by)
    if file is not None:
        evidence_file_add(year=year, unit=unit, name=file[0], content=file[1], by=by)
    if submit:
        item = self_assessment_submit(year=year, unit=unit, by=by)
    return item


@dataclass(frozen=True)
class ReviewDecision:
    """The points the office keeps on one line, and why when they differ from the claim."""

    criterion: Criterion
    points: Decimal
    reason: str = ""


@transaction.atomic
def self_assessment_review(*, year: int, unit: Unit, decisions: list[ReviewDecision], by) -> SelfAssessment:
    """The ministry office reviews a submitted self-assessment: it keeps or adjusts each line's
    points (an adjustment needs its reason), and the kept points become the unit's manual points
    with the unit's evidence (and the reason). Audited with the claimed and kept points.

    Raises ``ValidationError`` with ``points_<code>`` / ``reason_<code>`` fields, or
    ``ConflictError`` when the self-assessment is not submitted or the year is finalised.
    """
    record = _locked_year(year)
    _refuse_if_finalised(record, _("its self-assessments can no longer be reviewed"))
    item = _assessment(record, unit)
    if item.status != AssessmentStatus.SUBMITTED:
        raise ConflictError(
            _("The self-assessment of %(unit)s is not waiting for a review.") % {"unit": unit.code},
            code="not_submitted",
        )
    lines = {line.criterion_id: line for line in item.lines.select_related("criterion")}
    errors = {}
    chosen = {decision.criterion.pk: decision for decision in decisions}
    for criterion_id, line in lines.items():
        decision = chosen.get(criterion_id)
        code = line.criterion.code
        if decision is None or decision.points is None:
            errors[f"points_{code}"] = _("Keep or adjust the points.")
            continue
        if not Decimal(0) <= decision.points <= line.criterion.max_points:
            errors[f"points_{code}"] = _("From 0 to %(max)s points.") % {"max": line.criterion.max_points}
        elif decision.points != line.claimed_points and not (decision.reason or "").strip():
            errors[f"reason_{code}"] = _("Say why the points differ from the %(points)s claimed.") % {
                "points": line.claimed_points
            }
    if errors:
        raise ValidationError(errors)
    before, after, reasons = {}, {}, {}
    for criterion_id, line in lines.items():
        decision = chosen[criterion_id]
        line.reviewed_points = decision.points
        line.adjustment_reason = (decision.reason or "").strip() if decision.points != line.claimed_points else ""
        line.save(update_fields=["reviewed_points", "adjustment_reason"])
        evidence = line.evidence
        if line.adjustment_reason:
            # Kept in Vietnamese, the language of the record, whatever the reviewer's interface.
            evidence += f"\nĐiều chỉnh từ {line.claimed_points} điểm: {line.adjustment_reason}"
        manual_score_set(
            year=year, unit=unit, criterion=line.criterion, points=decision.points, evidence=evidence, by=by
        )
        code = line.criterion.code
        before[code], after[code] = _decimal_text(line.claimed_points), _decimal_text(decision.points)
        if line.adjustment_reason:
            reasons[code] = line.adjustment_reason
    item.status, item.reviewed_by, item.reviewed_at = AssessmentStatus.REVIEWED, by, timezone.now()
    item.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _audit(
        record,
        AuditAction.REVIEW,
        by=by,
        unit=unit,
        before={"claimed": before},
        after={"kept": after},
        reason="; ".join(f"{code}: {reason}" for code, reason in reasons.items()),
    )
    return item
