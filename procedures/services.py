"""Writes to the procedure catalogue: fields, procedures, their versions and reduction plans.

Like ``units.services``, every write validates with ``full_clean()`` (the admin's messages) and
locks the row its checks depend on: a new version locks its procedure so that two overlapping
versions submitted at the same moment cannot both be accepted.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from units.models import Unit
from units.services import lock_units, model_delete, save_validated, set_fields

from .choices import ChangeKind, CompetentLevel, OnlineService
from .models import Field, Procedure, ProcedureVersion, ReductionPlan


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
    "online_service",
    "has_fee",
    "internal_procedure_issued",
    "portal_integrated",
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
) -> Procedure:
    """Add a procedure to the catalogue under its national code; its versions are added after."""
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
    )
    save_validated(procedure)
    return procedure


@transaction.atomic
def procedure_update(*, procedure: Procedure, data: dict[str, Any]) -> Procedure:
    """Change a procedure's description; its processing time changes only through a new version."""
    _lock_procedure(procedure)
    set_fields(procedure, data, PROCEDURE_FIELDS)
    save_validated(procedure)
    return procedure


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
) -> ProcedureVersion:
    """Record an announcing decision's version of ``procedure``.

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
    )
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
