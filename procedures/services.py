"""Writes to the procedure catalogue: fields, procedures, their versions and reduction plans.

Like ``units.services``, every write validates with ``full_clean()`` (the admin's messages) and
locks the row its checks depend on: a new version locks its procedure so that two overlapping
versions submitted at the same moment cannot both be accepted.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from units.models import Unit
from units.services import lock_units, model_delete, save_validated, set_fields

from .choices import ChangeKind, CompetentLevel, OnlineService
from .models import Field, Procedure, ProcedureFlags, ProcedureVersion, ReductionPlan


def _lock_procedure(procedure: Procedure) -> Procedure:
    """Lock ``procedure``'s row until the transaction ends and return it as stored now."""
    return Procedure.objects.select_for_update().get(pk=procedure.pk)


# --- Fields ---------------------------------------------------------------------------------

FIELD_FIELDS = ("code", "name_vi", "name_en")


@transaction.atomic
def field_create(*, code: str, name_vi: str, name_en: str = "") -> Field:
    """Add a field of state management (lĩnh vực)."""
    field = Field(code=code, name_vi=name_vi, name_en=name_en)
    save_validated(field)
    return field


@transaction.atomic
def field_update(*, field: Field, data: dict[str, Any]) -> Field:
    """Rename a field or change its code."""
    set_fields(field, data, FIELD_FIELDS)
    save_validated(field)
    return field


def field_delete(*, field: Field) -> None:
    """Delete a field no procedure belongs to."""
    model_delete(instance=field)


# --- Procedures -----------------------------------------------------------------------------

PROCEDURE_FIELDS = (
    "code",
    "name_vi",
    "name_en",
    "field",
    "level",
    "unit",
    "business_related",
    *ProcedureFlags.FLAG_FIELDS,
)


@transaction.atomic
def procedure_create(
    *,
    code: str,
    name_vi: str,
    field: Field,
    unit: Unit,
    name_en: str = "",
    level: str = CompetentLevel.CENTRAL,
    business_related: bool = False,
    online_service: str = OnlineService.NONE,
    has_fee: bool = False,
    internal_procedure_issued: bool = False,
    portal_integrated: bool = False,
    paper_result: bool = True,
    for_citizens: bool = False,
    full_online_eligible: bool = False,
    payable_on_portal: bool = False,
    uses_population_data: bool = False,
) -> Procedure:
    """Add a procedure to the catalogue under its national code; its versions are added after.

    Its flags start its history (``ProcedureFlags``), valid for every day before too.
    """
    lock_units(unit)
    procedure = Procedure(
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        field=field,
        level=level,
        unit=unit,
        business_related=business_related,
        online_service=online_service,
        has_fee=has_fee,
        internal_procedure_issued=internal_procedure_issued,
        portal_integrated=portal_integrated,
        paper_result=paper_result,
        for_citizens=for_citizens,
        full_online_eligible=full_online_eligible,
        payable_on_portal=payable_on_portal,
        uses_population_data=uses_population_data,
    )
    save_validated(procedure)
    procedure_flags_record(procedures=Procedure.objects.filter(pk=procedure.pk))
    return procedure


@transaction.atomic
def procedure_update(*, procedure: Procedure, data: dict[str, Any]) -> Procedure:
    """Change a procedure's description; its processing time changes only through a new version.

    A change of its flags is recorded in their history from today (``procedure_flags_record``).
    """
    _lock_procedure(procedure)
    set_fields(procedure, data, PROCEDURE_FIELDS)
    save_validated(procedure)
    procedure_flags_record(procedures=Procedure.objects.filter(pk=procedure.pk))
    return procedure


def procedure_flags_record(*, procedures=None, on: datetime.date | None = None) -> int:
    """Bring the flags' history (``ProcedureFlags``) in line with the procedures' current flags.

    For each procedure of ``procedures`` (a queryset; default every procedure) whose flags
    (``ProcedureFlags.FLAG_FIELDS``) differ from its current history row, that row ends at ``on``
    (default today, local date) and a new one starts there; a row that itself started on ``on``
    (or later) is changed in place, so several changes on one day leave one row, and a change back
    to the values of the row before it removes it and reopens that row (two consecutive rows never
    hold the same flags). A procedure with no history gets its first row, with no ``valid_from``:
    its flags apply to every earlier day.

    Call it after any write that may change flags outside ``procedure_create``/``procedure_update``
    (the admin, bulk loads). Set-based: two reads (three when a row is changed in place) plus one
    write per kind of change, whatever the number of procedures (the catalogue, not the dossiers, is
    walked in Python). Returns the number of procedures whose history changed.
    """
    on = on or timezone.localdate()
    fields = ProcedureFlags.FLAG_FIELDS
    procedures = Procedure.objects.all() if procedures is None else procedures
    current = {row["pk"]: row for row in procedures.values("pk", *fields)}
    history = {
        row.procedure_id: row
        for row in ProcedureFlags.objects.filter(procedure_id__in=list(current), valid_to__isnull=True)
    }
    changed = {
        pk: {name: flags[name] for name in fields}
        for pk, flags in current.items()
        if pk not in history or any(getattr(history[pk], name) != flags[name] for name in fields)
    }
    # The rows a same-day change would rewrite in place, and the rows they follow (ending the day
    # they start): a change back to the latter's values merges the two instead.
    started = {pk: history[pk] for pk in changed if pk in history and _starts_on_or_after(history[pk], on)}
    before = (
        {
            (row.procedure_id, row.valid_to): row
            for row in ProcedureFlags.objects.filter(
                procedure_id__in=list(started), valid_to__in={row.valid_from for row in started.values()}
            )
        }
        if started
        else {}
    )
    in_place, removed, reopened, closed, new = [], [], [], [], []
    for pk, values in changed.items():
        row = history.get(pk)
        if row is None:  # the last row of a history is always open: none means no history yet
            new.append(ProcedureFlags(procedure_id=pk, valid_from=None, **values))
        elif pk in started:
            previous = before.get((pk, row.valid_from))
            if previous is not None and all(getattr(previous, name) == value for name, value in values.items()):
                removed.append(row.pk)
                previous.valid_to, previous.recorded_at = None, timezone.now()
                reopened.append(previous)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.recorded_at = timezone.now()
                in_place.append(row)
        else:
            row.valid_to, row.recorded_at = on, timezone.now()
            closed.append(row)
            new.append(ProcedureFlags(procedure_id=pk, valid_from=on, **values))
    with transaction.atomic():
        if removed:  # first: the row reopened becomes the procedure's one open row
            ProcedureFlags.objects.filter(pk__in=removed).delete()
            ProcedureFlags.objects.bulk_update(reopened, ["valid_to", "recorded_at"], batch_size=500)
        if in_place:
            ProcedureFlags.objects.bulk_update(in_place, [*fields, "recorded_at"], batch_size=500)
        if closed:
            ProcedureFlags.objects.bulk_update(closed, ["valid_to", "recorded_at"], batch_size=500)
        ProcedureFlags.objects.bulk_create(new, batch_size=500)
    return len(changed)


def _starts_on_or_after(row: ProcedureFlags, day: datetime.date) -> bool:
    """Whether the history row ``row`` started on ``day`` or later (a first row never did)."""
    return row.valid_from is not None and row.valid_from >= day


def procedure_delete(*, procedure: Procedure) -> None:
    """Delete a procedure entered by mistake (with its versions and plans); an abolished one gets a version."""
    model_delete(instance=procedure)


@transaction.atomic
def procedure_version_create(
    *,
    procedure: Procedure,
    decision_number: str,
    decision_date: datetime.date,
    effective_from: datetime.date,
    change_kind: str = ChangeKind.NEW,
    effective_to: datetime.date | None = None,
    processing_days: int | None = None,
    note: str = "",
    legal_basis_effective_on: datetime.date | None = None,
    published_on: datetime.date | None = None,
    components_complete: bool = False,
) -> ProcedureVersion:
    """Record an announcing decision's version of ``procedure``.

    Its publicity (national index, group 1) may be given now or recorded later
    (``procedure_version_update``).

    The procedure row is locked first, so the check that no other version overlaps these dates
    sees every version committed before ours and none can be committed alongside it.
    """
    version = ProcedureVersion(
        procedure=_lock_procedure(procedure),
        decision_number=decision_number,
        decision_date=decision_date,
        change_kind=change_kind,
        effective_from=effective_from,
        effective_to=effective_to,
        processing_days=processing_days,
        note=note,
        legal_basis_effective_on=legal_basis_effective_on,
        published_on=published_on,
        components_complete=components_complete,
    )
    save_validated(version)
    return version


VERSION_PUBLICATION_FIELDS = ("legal_basis_effective_on", "published_on", "components_complete", "note")


@transaction.atomic
def procedure_version_update(*, version: ProcedureVersion, data: dict[str, Any]) -> ProcedureVersion:
    """Record what happens to an announced version afterwards: the date its legal basis takes effect,
    its publication on the national database and whether all seven components were published
    (national index, indicators 1.1–1.3), or its note. Its dates and processing time are as announced
    and cannot change here (a ``TypeError`` for a caller that tries). Validated as in the admin:
    no publication before the decision, no complete components without a publication date."""
    _lock_procedure(version.procedure)
    set_fields(version, data, VERSION_PUBLICATION_FIELDS)
    save_validated(version)
    return version


# --- Reduction plans ------------------------------------------------------------------------

REDUCTION_PLAN_FIELDS = (
    "procedure",
    "year",
    "baseline_days",
    "target_days",
    "baseline_cost",
    "target_cost",
    "baseline_conditions",
    "target_conditions",
    "note",
)


@transaction.atomic
def reduction_plan_create(
    *,
    procedure: Procedure,
    year: int,
    baseline_days: int,
    target_days: int,
    baseline_cost: Decimal = Decimal(0),
    target_cost: Decimal = Decimal(0),
    baseline_conditions: int = 0,
    target_conditions: int = 0,
    note: str = "",
) -> ReductionPlan:
    """Record a procedure's plan for ``year`` to cut its processing time, cost and conditions."""
    plan = ReductionPlan(
        procedure=procedure,
        year=year,
        baseline_days=baseline_days,
        target_days=target_days,
        baseline_cost=baseline_cost,
        target_cost=target_cost,
        baseline_conditions=baseline_conditions,
        target_conditions=target_conditions,
        note=note,
    )
    save_validated(plan)
    return plan


@transaction.atomic
def reduction_plan_update(*, plan: ReductionPlan, data: dict[str, Any]) -> ReductionPlan:
    """Change a reduction plan's figures."""
    set_fields(plan, data, REDUCTION_PLAN_FIELDS)
    save_validated(plan)
    return plan


def reduction_plan_delete(*, plan: ReductionPlan) -> None:
    """Delete a reduction plan."""
    model_delete(instance=plan)
