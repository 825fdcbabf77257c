"""Reads of the emulation results for the pages, the API and the Excel file, scoped by ``units.access``.

Who sees what (docs/emulation.md):

* the ministry office, auditors and all-units tokens: every ranking and every breakdown;
* a unit head: the whole ranking (totals, bands, ranks), the breakdown of their unit and sub-units;
* an officer or a unit-scoped token: the scores and breakdowns of the units they may read.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.numbers import number_text
from stats.periods import PeriodKind
from units.access import Access
from units.choices import UnitKind
from units.models import Unit

from . import scoring
from .choices import BAND_ORDER, AssessmentStatus, AuditAction, Band, YearRule, YearStatus
from .metrics import METRICS, Window
from .models import (
    AuditEntry,
    CriterionScore,
    Disqualifier,
    EmulationYear,
    HeadAssessment,
    LeaderScore,
    PeriodScore,
    QuotaException,
    StaffRating,
    UnitScore,
)


def sees_whole_ranking(access: Access) -> bool:
    """Whether the principal sees every unit's total, band and rank (not only their own)."""
    return access.read_all or bool(access.approve_unit_ids)


def may_read_breakdown(access: Access, unit_id: int) -> bool:
    """Whether the principal may see how a score of ``unit_id`` was made up (its criteria and dossiers)."""
    return access.can_read_unit(unit_id)


def may_manage(access: Access) -> bool:
    """Schemes, manual points, computation, finalisation: the ministry office."""
    return access.is_ministry_office


def _ranked(queryset):
    return queryset.order_by(F("rank").asc(nulls_last=True), "unit__path", "pk")


def unit_ranking(year: EmulationYear, access: Access):
    """The year's unit scores the principal may see, best first, with their units (one query)."""
    scores = UnitScore.objects.filter(year=year).select_related("unit")
    if not sees_whole_ranking(access):
        scores = access.readable(scores)
    return _ranked(scores)


def leader_ranking(year: EmulationYear, access: Access):
    """The year's leader scores the principal may see: classified ones by rank, then the others."""
    scores = LeaderScore.objects.filter(year=year).select_related("unit", "tenure__person")
    if not sees_whole_ranking(access):
        scores = access.readable(scores)
    return scores.order_by(
        F("rank").asc(nulls_last=True), "-classified", F("total").desc(nulls_last=True), "unit__path", "window_start"
    )


def period_scores(score: UnitScore | LeaderScore) -> dict[str, list[PeriodScore]]:
    """``{"month": [...], "quarter": [...]}``: the periods of a unit's or a head's score, in order (one query)."""
    scores = PeriodScore.objects.filter(year_id=score.year_id, unit_id=score.unit_id).select_related("year")
    if isinstance(score, LeaderScore):
        scores = scores.filter(tenure_id=score.tenure_id)
    else:
        scores = scores.filter(tenure__isnull=True)
    result: dict[str, list[PeriodScore]] = {"month": [], "quarter": []}
    for each in scores.order_by("kind", "number"):
        result.setdefault(each.kind, []).append(each)
    return result


def unscored_units(year: EmulationYear):
    """Active units without a score in the computed year: the ministry itself and units resolving no procedure."""
    scored = UnitScore.objects.filter(year=year).values("unit_id")
    return Unit.objects.active().exclude(pk__in=scored).order_by("path")


def band_explanation(score, year: EmulationYear) -> str:
    """Why a score's band is below the one its points reach, in words; "" when it is not.

    Either a recorded disqualifier (the decision is cited, ``score.band_reason``) or the band
    condition on dossiers behind schedule (Decree 335/2025; thresholds of the year).
    """
    if score.band_reason:
        return score.band_reason
    if not score.band or score.band == score.band_by_points or not score.band_by_points:
        return ""
    limits = year.band_conditions()
    skipped = BAND_ORDER[BAND_ORDER.index(score.band_by_points) : BAND_ORDER.index(score.band)]
    allowed = "; ".join(
        gettext("“%(band)s” allows at most %(limit)s%%")
        % {"band": Band(band).label, "limit": number_text(limits[band])}
        for band in skipped
    )
    return gettext("%(behind)s%% of the dossiers were behind schedule: %(allowed)s. The band is “%(result)s”.") % {
        "behind": number_text(score.behind_share),
        "allowed": allowed,
        "result": Band(score.band).label,
    }


@dataclass
class QuotaBreach:
    """A group where "outstanding" heads exceed the quota: who is rated what, and how many may stay."""

    agency: Unit
    group: str
    good: int
    allowed: int
    outstanding: list[LeaderScore]

    @property
    def group_label(self) -> str:
        return str(UnitKind(self.group).label) if self.group in UnitKind.values else self.group

    @property
    def to_move(self) -> int:
        return len(self.outstanding) - self.allowed


def quota_breaches(year: EmulationYear) -> list[QuotaBreach]:
    """Groups (agency = the parent unit, group = the unit kind) where the classified heads rated
    "outstanding" exceed ``year.quota_percent`` of those rated "good", without a recorded exception.

    Decree 335/2025: "outstanding" may not exceed 20% of "good" in the same agency and group of
    similar duties, except for an organisation with outstanding achievements. Two queries.
    """
    scores = (
        LeaderScore.objects.filter(year=year, classified=True, band__in=[Band.OUTSTANDING, Band.GOOD])
        .select_related("unit__parent", "tenure__person")
        .order_by("unit__path", "window_start")
    )
    groups: dict[tuple, dict] = {}
    for score in scores:
        key = (score.unit.parent_id, score.unit.kind)
        group = groups.setdefault(key, {"agency": score.unit.parent, "good": 0, "outstanding": []})
        if score.band == Band.GOOD:
            group["good"] += 1
        else:
            group["outstanding"].append(score)
    excepted = set(QuotaException.objects.filter(year=year).values_list("agency_id", "group"))
    result = []
    for (agency_id, kind), group in groups.items():
        if (agency_id, kind) in excepted or (agency_id, "") in excepted:
            continue
        allowed = scoring.quota_allows(group["good"], year.quota_percent)
        if len(group["outstanding"]) > allowed:
            result.append(QuotaBreach(group["agency"], kind, group["good"], allowed, group["outstanding"]))
    return result


def year_steps(year: EmulationYear) -> dict[str, int]:
    """How far the year's self-assessments went: ``{"units", "submitted", "reviewed"}`` (one query)."""
    counts = year.self_assessments.aggregate(
        submitted=Count("pk", filter=Q(status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.REVIEWED])),
        reviewed=Count("pk", filter=Q(status=AssessmentStatus.REVIEWED)),
    )
    return {"units": UnitScore.objects.filter(year=year).count(), **counts}


def years_with_reopening():
    """Years newest first, each with ``reopened_at`` and ``reopen_reason`` of its last reopening
    (None if never reopened), read from the audit trail in the same query."""
    reopenings = AuditEntry.objects.filter(year=OuterRef("pk"), action=AuditAction.REOPENED).order_by("-at", "-pk")
    return EmulationYear.objects.annotate(
        reopened_at=Subquery(reopenings.values("at")[:1]),
        reopen_reason=Subquery(reopenings.values("reason")[:1]),
    ).order_by("-year")


def audit_trail(year: EmulationYear):
    return AuditEntry.objects.filter(year=year).select_related("by", "unit").order_by("-at", "-pk")


@dataclass
class BreakdownLine:
    """One criterion of a score as the breakdown shows it, with the links to what lies behind it."""

    line: CriterionScore
    links: list[tuple[Promise, str]]
    formula: Promise | str


def breakdown(score: UnitScore | LeaderScore) -> list[BreakdownLine]:
    """The criteria of a score with the links to the dossiers (or procedures) behind each value (two queries)."""
    subtree_codes = tuple(Unit.objects.subtree(score.unit).order_by("path").values_list("code", flat=True))
    window = Window(
        unit_code=score.unit.code, subtree_codes=subtree_codes, date_from=score.window_start, date_to=score.window_end
    )
    result = []
    for line in score.lines.order_by("position", "pk"):
        metric = METRICS.get(line.metric)
        result.append(
            BreakdownLine(
                line=line,
                links=metric.links(window) if metric else [],
                formula=metric.formula if metric else "",
            )
        )
    return result


_SETTING_LABELS = {
    "outstanding_min": _("lowest total for “outstanding”"),
    "good_min": _("lowest total for “good”"),
    "completed_min": _("lowest total for “completed”"),
    "min_tenure_months": _("minimum tenure (months)"),
    "year_rule": _("how the year builds on its periods"),
    "outstanding_max_behind": _("most dossiers behind schedule for “outstanding” (%)"),
    "good_max_behind": _("most dossiers behind schedule for “good” (%)"),
    "completed_max_behind": _("most dossiers behind schedule for “completed” (%)"),
}


# The model whose fields the keys of a recorded entry name, by action, and the keys stored under
# another name than their field's: the audit trail shows the field's verbose name, never the key.
_RECORDED_MODELS = {
    AuditAction.HEAD_ASSESSMENT: HeadAssessment,
    AuditAction.STAFF_RATING: StaffRating,
    AuditAction.DISQUALIFIER: Disqualifier,
    AuditAction.QUOTA_EXCEPTION: QuotaException,
}
_RECORDED_FIELDS = {"document": "document_number", "period": "kind"}


def _model_field(name: str, model=EmulationYear):
    """The field ``name`` of ``model`` (an audited key), or None (a field removed since the entry was written)."""
    try:
        return model._meta.get_field(_RECORDED_FIELDS.get(name, name))
    except FieldDoesNotExist:
        return None


def _field_label(name: str, model=EmulationYear) -> str:
    """The verbose name of a setting of the year (or a field of ``model``), for the audit trail."""
    field = _model_field(name, model)
    return capfirst(str(field.verbose_name)) if field is not None else name


def _criterion_text(criterion: dict) -> str:
    """A criterion of an audited scheme in words: its name (not its code), points and target in the
    interface language's number format ("Tỷ lệ … (40,00 điểm, Tỷ lệ đúng hạn, mục tiêu 90,00%)")."""
    metric = METRICS.get(criterion.get("metric") or "")
    values = {
        "name": criterion.get("name_vi") or criterion["code"],
        "points": number_text(criterion["max_points"]),
        "kind": str(metric.label) if metric else gettext("by hand"),
    }
    if criterion.get("target"):
        return gettext("%(name)s (%(points)s points, %(kind)s, target %(target)s%%)") % {
            **values,
            "target": number_text(criterion["target"]),
        }
    return gettext("%(name)s (%(points)s points, %(kind)s)") % values


_RECORDED_LABELS = {
    "number": _("decision number"),
    "date": _("decision date"),
    "decision": _("decision"),
    "note": _("note"),
    "reason": _("reason"),
}


def _recorded_label(key: str, model=None) -> str:
    """A recorded field's name in words (the council's "number" → "Số quyết định"; a staff
    rating's "outstanding" → "Hoàn thành xuất sắc nhiệm vụ"), from ``model``'s
    verbose names first (the model the entry's action records)."""
    if model is not None and _model_field(key, model) is not None:
        return _field_label(key, model)
    label = _RECORDED_LABELS.get(key)
    return capfirst(str(label)) if label else _field_label(key)


def _recorded_position(key: str, model=None) -> tuple[int, int]:
    """Where a recorded key's line goes: in the order of ``model``'s fields, then of
    ``_RECORDED_LABELS``. (PostgreSQL's jsonb keeps a dict's keys sorted by length, not as written.)"""
    field = _model_field(key, model) if model is not None else None
    if field is not None:
        return 0, model._meta.fields.index(field)
    labels = list(_RECORDED_LABELS)
    return (1, labels.index(key)) if key in labels else (2, 0)


def criterion_names(year: EmulationYear) -> dict[str, str]:
    """``{criterion code: name in the interface language}`` of ``year``'s scheme (one query)."""
    return {criterion.code: str(criterion.name) for criterion in year.criteria.all()}


_RECORDED = (
    AuditAction.HEAD_ASSESSMENT,
    AuditAction.STAFF_RATING,
    AuditAction.DISQUALIFIER,
    AuditAction.QUOTA_EXCEPTION,
    AuditAction.COUNCIL,
)


def _value_text(key: str, value, model=None) -> str:
    """A recorded value in words: a choice by its label (``model``'s field ``key``), a number or
    date in the interface language's format, nothing as a dash (never "None", never a slug);
    ``model`` None: a setting of the year."""
    if value is None or value == "":
        return "—"
    if key == "year_rule":
        return str(YearRule(value).label) if value in YearRule.values else str(value)
    if key == "period" and isinstance(value, str) and model is StaffRating:
        # Stored as "<kind> <number>" ("month 3"): "Tháng 3", "Quý 2", "Năm".
        kind, _space, number = value.partition(" ")
        if kind in PeriodKind.values:
            label = capfirst(str(PeriodKind(kind).label))
            return label if kind == PeriodKind.YEAR or not number else f"{label} {number}"
    field = _model_field(key, model or EmulationYear)
    if field is not None and field.choices and isinstance(value, str):
        labels = {str(choice): label for choice, label in field.flatchoices}
        if value in labels:
            return str(labels[value])
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key == "min_tenure_months" or isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            pass
        # Points are stored as text ("8.50"); anything else (a decision number) stays as written.
        return number_text(Decimal(value)) if re.fullmatch(r"-?\d+(\.\d+)?", value) else value
    try:
        return number_text(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


def audit_changes(entry: AuditEntry, names: dict[str, str] | None = None) -> list[str]:
    """What an audit entry changed, line by line, in words (before → after).

    ``names`` maps criterion codes to their names (``criterion_names``), so that self-assessment
    and review lines name the criterion rather than its code.
    """
    names = names or {}
    before, after = entry.before or {}, entry.after or {}
    lines = []
    if entry.action == AuditAction.MANUAL_SCORE:
        old, new = before.get("points"), after.get("points")
        lines.append(f"{gettext('Points')}: {number_text(old) if old else '—'} → {number_text(new) if new else '—'}")
        if before.get("evidence") != after.get("evidence"):
            lines.append(f"{gettext('Evidence')}: {after.get('evidence') or '—'}")
        return lines
    if entry.action == AuditAction.SELF_ASSESSMENT:
        return [
            f"{names.get(code, code)}: {_value_text(code, points)}" for code, points in after.get("lines", {}).items()
        ]
    if entry.action == AuditAction.REVIEW:
        claimed = before.get("claimed", {})
        return [
            f"{names.get(code, code)}: {_value_text(code, claimed.get(code))} → {_value_text(code, points)}"
            for code, points in after.get("kept", {}).items()
        ]
    if entry.action in _RECORDED:
        model = _RECORDED_MODELS.get(entry.action)
        return [
            f"{_recorded_label(key, model)}: {_value_text(key, before[key], model)} → {_value_text(key, value, model)}"
            if key in before and before[key] != value
            else f"{_recorded_label(key, model)}: {_value_text(key, value, model)}"
            for key, value in sorted(after.items(), key=lambda item: _recorded_position(item[0], model))
        ]
    if entry.action in (AuditAction.CREATED, AuditAction.SCHEME_CHANGED):
        if after.get("copied_from"):
            lines.append(gettext("Copied from the scheme of %(year)s.") % {"year": after["copied_from"]})
        for key, label in _SETTING_LABELS.items():
            if before and before.get(key) != after.get(key):
                old, new = before.get(key), after.get(key)
                lines.append(f"{capfirst(str(label))}: {_value_text(key, old)} → {_value_text(key, new)}")
        for key in sorted(set(after) - set(_SETTING_LABELS) - {"criteria", "copied_from"}):
            if before and before.get(key) != after.get(key):
                old, new = before.get(key), after.get(key)
                lines.append(f"{_field_label(key)}: {_value_text(key, old)} → {_value_text(key, new)}")
        old = {item["code"]: item for item in before.get("criteria", [])}
        new = {item["code"]: item for item in after.get("criteria", [])}
        for code, item in new.items():
            if code not in old:
                lines.append(f"+ {_criterion_text(item)}")
            elif old[code] != item:
                lines.append(f"{_criterion_text(old[code])} → {_criterion_text(item)}")
        lines += [f"− {_criterion_text(item)}" for code, item in old.items() if code not in new]
        return lines
    return [f"{gettext('Status')}: {_status(before.get('status'))} → {_status(after.get('status'))}"]


def _status(value) -> str:
    return str(YearStatus(value).label) if value in YearStatus.values else "—"


def own_scores(user) -> list[tuple[LeaderScore, list[PeriodScore]]]:
    """The head scores of the person the user is (``Person.user``), newest year first, each with its
    months in order (two queries)."""
    scores = list(
        LeaderScore.objects.filter(tenure__person__user=user)
        .select_related("year", "unit", "tenure__person")
        .order_by("-year__year", "window_start")
    )
    months: dict[tuple[int, int], list[PeriodScore]] = {}
    for item in (
        PeriodScore.objects.filter(tenure__in=[score.tenure_id for score in scores], kind="month")
        .select_related("year")
        .order_by("number")
    ):
        months.setdefault((item.year_id, item.tenure_id), []).append(item)
    return [(score, months.get((score.year_id, score.tenure_id), [])) for score in scores]


def months_of(year: EmulationYear, tenure_ids: list[int]) -> dict[int, list[PeriodScore]]:
    """``{tenure id: its month scores in order}`` for the heads given (one query)."""
    result: dict[int, list[PeriodScore]] = {}
    for item in PeriodScore.objects.filter(year=year, tenure_id__in=tenure_ids, kind="month").order_by("number"):
        result.setdefault(item.tenure_id, []).append(item)
    return result
