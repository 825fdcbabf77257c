"""Reads of the procedure catalogue that other apps and screens reuse."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from .models import Procedure, ProcedureVersion, ReductionPlan


def version_in_force(*, procedure: Procedure, on: datetime.date) -> ProcedureVersion | None:
    """The version of ``procedure`` in force on ``on`` (possibly an abolishing one), or None."""
    return procedure.versions.in_force_on(on).order_by("-effective_from").first()


@dataclass(frozen=True)
class ReductionSummary:
    """Ministry-wide cut of processing time, compliance cost and business conditions, in percent."""

    procedures: int
    baseline_days: int
    target_days: int
    baseline_cost: Decimal
    target_cost: Decimal
    baseline_conditions: int
    target_conditions: int

    @staticmethod
    def _cut(baseline, target) -> float | None:
        if not baseline:
            return None
        return round(float(baseline - target) * 100 / float(baseline), 2)

    @property
    def days_cut_percent(self) -> float | None:
        return self._cut(self.baseline_days, self.target_days)

    @property
    def cost_cut_percent(self) -> float | None:
        return self._cut(self.baseline_cost, self.target_cost)

    @property
    def conditions_cut_percent(self) -> float | None:
        return self._cut(self.baseline_conditions, self.target_conditions)


def reduction_summary(*, year: int | None = None, plans=None) -> ReductionSummary:
    """Totals of the reduction plans (of ``year``, or the given queryset) in one aggregate query.

    The percentage is the cut of the summed baselines, as the ministry reports it (e.g. 21.38% of
    processing time): large procedures weigh more than small ones.
    """
    if plans is None:
        plans = ReductionPlan.objects.all()
    if year is not None:
        plans = plans.filter(year=year)
    totals = plans.aggregate(
        procedures=Count("procedure", distinct=True),
        baseline_days=Sum("baseline_days"),
        target_days=Sum("target_days"),
        baseline_cost=Sum("baseline_cost"),
        target_cost=Sum("target_cost"),
        baseline_conditions=Sum("baseline_conditions"),
        target_conditions=Sum("target_conditions"),
    )
    return ReductionSummary(
        procedures=totals["procedures"] or 0,
        baseline_days=totals["baseline_days"] or 0,
        target_days=totals["target_days"] or 0,
        baseline_cost=totals["baseline_cost"] or Decimal(0),
        target_cost=totals["target_cost"] or Decimal(0),
        baseline_conditions=totals["baseline_conditions"] or 0,
        target_conditions=totals["target_conditions"] or 0,
    )
