"""Web pages of the procedure catalogue: the filtered list and one procedure's history."""

from django.db.models import Prefetch
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from units.models import Unit
from units.views import CatalogueReaderMixin

from .choices import CompetentLevel
from .filtersets import ProcedureFilterSet
from .models import Field, Procedure, ProcedureVersion
from .selectors import ReductionSummary, version_in_force


class ProcedureListView(CatalogueReaderMixin, FilterView):
    """The catalogue, filtered with the API's filters (``?field=pharmacy&q=...``), 50 a page.

    The number of queries is the same whatever the page holds: field and unit come joined, and
    the versions in force today in one prefetch.
    """

    filterset_class = ProcedureFilterSet
    template_name = "procedures/procedure_list.html"
    context_object_name = "procedures"
    paginate_by = 50

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if kwargs["data"] is not None:
            # The form's "All fields" / "Any" options submit an empty value, which means no filter
            # here; the API's multiple-choice filters would reject it as an unknown code.
            data = kwargs["data"].copy()
            for name in list(data):
                values = [value for value in data.getlist(name) if value.strip()]
                if values:
                    data.setlist(name, values)
                else:
                    del data[name]
            kwargs["data"] = data
        return kwargs

    def get_queryset(self):
        in_force_today = ProcedureVersion.objects.in_force_on(timezone.localdate()).order_by("-effective_from")
        return Procedure.objects.select_related("field", "unit").prefetch_related(
            Prefetch("versions", queryset=in_force_today, to_attr="versions_in_force")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        context.update(
            fields=Field.objects.order_by("name_vi"),
            units=Unit.objects.order_by("path"),
            level_choices=CompetentLevel.choices,
            # The form shows one value per filter (the API accepts several: ?field=a&field=b).
            selected={name: query.get(name, "") for name in ("q", "field", "unit", "level", "online_service")},
            selected_business_related=query.get("business_related", ""),
            is_filtered=any(query.get(name) for name in ProcedureFilterSet.base_filters),
        )
        return context


class ProcedureDetailView(CatalogueReaderMixin, DetailView):
    """A procedure's attributes, every version announced for it and its reduction plans."""

    template_name = "procedures/procedure_detail.html"
    context_object_name = "procedure"
    slug_field = "code"
    slug_url_kwarg = "code"
    queryset = Procedure.objects.select_related("field", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        procedure = self.object
        plans = list(procedure.reduction_plans.order_by("-year"))
        context.update(
            today=timezone.localdate(),
            current_version=version_in_force(procedure=procedure, on=timezone.localdate()),
            versions=procedure.versions.order_by("-effective_from"),
            plans=[(plan, _plan_cuts(plan)) for plan in plans],
            can_edit=self.can_edit_in_admin(),
        )
        return context


def _plan_cuts(plan) -> ReductionSummary:
    """One plan's figures as a summary, for its percentage cuts (no query)."""
    return ReductionSummary(
        procedures=1,
        baseline_days=plan.baseline_days,
        target_days=plan.target_days,
        baseline_cost=plan.baseline_cost,
        target_cost=plan.target_cost,
        baseline_conditions=plan.baseline_conditions,
        target_conditions=plan.target_conditions,
    )
