"""Web pages of the organisation: the unit tree (the home page is in ``dashboards``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.views.generic import ListView

from .access import access_for_request
from .choices import UnitKind
from .models import Membership, Tenure, Unit

# Siblings are listed as the ministry lists its units: office, inspectorate, departments (Vụ),
# administrations (Cục), centres, then anything else; by code within a kind.
_KIND_ORDER = [
    UnitKind.MINISTRY,
    UnitKind.OFFICE,
    UnitKind.INSPECTORATE,
    UnitKind.DEPARTMENT,
    UnitKind.ADMINISTRATION,
    UnitKind.CENTRE,
    UnitKind.OTHER,
]


class CatalogueReaderMixin(LoginRequiredMixin):
    """Catalogue pages: for logged-in users with a role in some unit, as the API's ``CatalogueAccess``."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def can_edit_in_admin(self) -> bool:
        """Edit links lead to the admin, which only ministry office staff with an admin login may open."""
        return self.request.user.is_staff and access_for_request(self.request).can_write_catalogue


class UnitTreeView(CatalogueReaderMixin, ListView):
    """Every unit in tree order with its kind, current head and procedure count (three queries)."""

    template_name = "units/unit_tree.html"
    context_object_name = "units"

    def get_queryset(self):
        current_heads = Tenure.objects.heads().active_on(timezone.localdate()).select_related("person")
        return (
            Unit.objects.annotate(procedure_count=Count("procedures"))
            .prefetch_related(Prefetch("tenures", queryset=current_heads, to_attr="current_heads"))
            .order_by("path")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["units"] = _in_tree_order(context["units"])
        context["my_unit_ids"] = set(
            Membership.objects.filter(user=self.request.user).values_list("unit_id", flat=True)
        )
        context["can_edit"] = self.can_edit_in_admin()
        return context


def _in_tree_order(units) -> list[Unit]:
    """``units`` depth first, each unit followed by its sub-units in the ministry's order."""
    children: dict[int | None, list[Unit]] = {}
    known_ids = {unit.pk for unit in units}
    for unit in units:
        # A unit whose parent is not in the list is shown as a root rather than lost.
        parent_id = unit.parent_id if unit.parent_id in known_ids else None
        children.setdefault(parent_id, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda unit: (_KIND_ORDER.index(unit.kind) if unit.kind in _KIND_ORDER else 99, unit.code))
    ordered: list[Unit] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        unit = stack.pop()
        ordered.append(unit)
        stack.extend(reversed(children.get(unit.pk, [])))
    return ordered
