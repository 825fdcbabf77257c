"""Dashboard pages: a unit's (for its head, its officers, the ministry office and auditors) and the ministry's.

Thin views: they parse the period, check that the user may read the unit, and hand over to
``dashboards.selectors``, which reads the rollups plus today's live counts. The charts are drawn by
``static/js/dashboards.js`` from a JSON data island (``json_script``): no inline script.
"""

import datetime
from functools import cached_property

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from config.forms import BootstrapFormMixin, DateInput
from dossiers.selectors import local_today
from procedures.choices import OnlineService
from procedures.models import Procedure
from units.access import Access, access_for_request, units_visible_to
from units.models import Membership, Tenure, Unit

from . import selectors as dashboards
from .selectors import ON_TIME_TARGET, DashboardPeriod, Preset

PERIOD_PARAMETERS = ("period", "date_from", "date_to")


class DashboardPeriodForm(BootstrapFormMixin, forms.Form):
    """This month, quarter or year so far (reporting periods), or any range of days."""

    period = forms.ChoiceField(label=_("Period"), choices=Preset.CHOICES, required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # Dates without a period (``?date_from=…&date_to=…``, as in the API) are a custom range.
        if self.is_bound and not self.data.get("period") and (self.data.get("date_from") or self.data.get("date_to")):
            self.data = self.data.copy()
            self.data["period"] = Preset.CUSTOM

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("period") or Preset.DEFAULT
        cleaned["period"] = kind
        if self.errors:
            return cleaned
        if kind != Preset.CUSTOM:
            cleaned["range"] = dashboards.preset_period(kind, today=self.today)
            return cleaned
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is None:
                self.add_error(name, gettext("Give this date for a custom range."))
        if date_from and date_to:
            try:
                cleaned["range"] = dashboards.custom_period(date_from, date_to, today=self.today)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


class DashboardMixin(LoginRequiredMixin):
    """The user's rights, today's date and the period of the query string."""

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)

    @cached_property
    def today(self) -> datetime.date:
        return local_today()

    @cached_property
    def period_form(self) -> DashboardPeriodForm:
        return DashboardPeriodForm(self.request.GET, today=self.today)

    def period_links(self) -> list[dict]:
        """One link per preset, for the buttons above the figures (the custom range is a form)."""
        current = self.period_form.cleaned_data.get("period") if self.period_form.is_valid() else None
        return [
            {"value": value, "label": label, "query": f"?period={value}", "active": value == current}
            for value, label in Preset.CHOICES
            if value != Preset.CUSTOM
        ]

    def render_page(self, context: dict, builder):
        """The page with the figures of the period, or with the form's errors (HTTP 400)."""
        form = self.period_form
        context.update(period_form=form, period_links=self.period_links(), target=ON_TIME_TARGET, today=self.today)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**context), status=400)
        period: DashboardPeriod = form.cleaned_data["range"]
        context.update(builder(period))
        return self.render_to_response(self.get_context_data(**context))


def unit_options(units) -> list[tuple[str, str]]:
    """The unit selector's options, indented by depth in the tree."""
    return [(unit.code, f"{'— ' * unit.depth}{unit.code} – {unit.name}") for unit in units]


def dossier_list_link(**query) -> str:
    """The dossier list filtered by ``query`` (the names of ``DossierFilterSet``)."""
    return f"{reverse('dossiers:list')}?{urlencode(query)}"


def chart_labels() -> dict:
    """The words the charts show, in the page's language."""
    return {
        "on_time": gettext("On-time rate"),
        "target": gettext("Target"),
        "resolved": gettext("Resolved"),
        "no_data": gettext("Nothing resolved"),
    }


def rate_value(rate) -> float | None:
    return None if rate is None else float(rate)


def trend_data(trend) -> dict:
    """The monthly on-time rates for the chart (a month with nothing resolved is a gap, not 0)."""
    return {
        "labels": [point.month.strftime("%m/%Y") for point in trend],
        "on_time": [rate_value(point.figures.on_time_rate) for point in trend],
        "resolved": [point.figures.resolved_total for point in trend],
    }


class DashboardIndexView(DashboardMixin, View):
    """``/dashboards/``: ministry staff go to the ministry's dashboard, heads and officers to their unit's.

    ``?unit=CODE`` (the unit selector without JavaScript) opens that unit's dashboard, keeping the period.
    """

    def get(self, request, *args, **kwargs):
        query = QueryDict(mutable=True)
        for name in PERIOD_PARAMETERS:
            if request.GET.get(name):
                query[name] = request.GET[name]
        suffix = f"?{query.urlencode()}" if query else ""
        code = request.GET.get("unit", "").strip()
        if code:
            try:
                return redirect(reverse("dashboards:unit", kwargs={"code": code}) + suffix)
            except NoReverseMatch:  # a code no unit can have, such as one with a slash
                raise Http404(gettext("No unit has the code %(code)s.") % {"code": code}) from None
        if self.access.read_all:
            return redirect(reverse("dashboards:ministry") + suffix)
        unit = dashboards.home_unit(request.user)
        if unit is None or not self.access.can_read_unit(unit.pk):
            raise PermissionDenied(gettext("You have no unit whose dashboard you may open."))
        return redirect(reverse("dashboards:unit", kwargs={"code": unit.code}) + suffix)


class UnitDashboardView(DashboardMixin, TemplateView):
    """A unit and its sub-units: the period's figures, today's overdue and due-soon dossiers, the
    on-time trend against the target, the procedures with the most late dossiers, the emulation result.

    Readable by whoever may read the unit (its head, the heads above it, its officers, the
    ministry office, auditors); anyone else gets 403.
    """

    template_name = "dashboards/unit.html"

    def get(self, request, *args, **kwargs):
        units = list(units_visible_to(self.access).order_by("path").only("code", "name_vi", "name_en", "path"))
        unit = next((each for each in units if each.code == kwargs["code"]), None)
        if unit is None:
            if not Unit.objects.filter(code=kwargs["code"]).exists():
                raise Http404(gettext("No unit has the code %(code)s.") % {"code": kwargs["code"]})
            raise PermissionDenied(
                gettext("You may not read the dashboard of unit %(code)s.") % {"code": kwargs["code"]}
            )

        # The unit and its sub-units, as far as the user may read them (an officer: their own unit).
        unit_ids = [each.pk for each in units if each.path.startswith(unit.path)]

        def build(period: DashboardPeriod) -> dict:
            dashboard = dashboards.unit_dashboard(unit=unit, unit_ids=unit_ids, period=period, today=self.today)
            chart = {"trend": trend_data(dashboard.trend), "target": float(ON_TIME_TARGET), "labels": chart_labels()}
            late = {"timeliness": "late", "ended_from": period.date_from, "ended_to": period.date_to}
            links = {
                "overdue": dossier_list_link(subtree=unit.code, overdue="true", ordering="appointment_date"),
                "due_soon": dossier_list_link(subtree=unit.code, due_soon="true", ordering="appointment_date"),
                "late": dossier_list_link(subtree=unit.code, **late),
            }
            return {"dashboard": dashboard, "chart_data": chart, "links": links}

        context = {
            "unit": unit,
            "unit_options": unit_options(units),
            "subtree_has_units": len(unit_ids) > 1,
        }
        return self.render_page(context, build)


class MinistryDashboardView(DashboardMixin, TemplateView):
    """Every top-level unit side by side, sorted by on-time rate, with the ministry's trend and backlog.

    For those who read every unit: the ministry office and auditors.
    """

    template_name = "dashboards/ministry.html"

    def get(self, request, *args, **kwargs):
        if not self.access.read_all:
            raise PermissionDenied(gettext("The ministry dashboard is for the ministry office and auditors."))

        def build(period: DashboardPeriod) -> dict:
            dashboard = dashboards.ministry_dashboard(period=period, today=self.today)
            rated = [line for line in dashboard.lines if line.figures.on_time_rate is not None]
            chart = {
                "trend": trend_data(dashboard.trend),
                "target": float(ON_TIME_TARGET),
                "labels": chart_labels(),
                "units": {
                    "labels": [line.unit.name for line in rated],
                    "codes": [line.unit.code for line in rated],
                    "on_time": [rate_value(line.figures.on_time_rate) for line in rated],
                },
            }
            links = {"overdue": dossier_list_link(overdue="true", ordering="appointment_date")}
            return {"dashboard": dashboard, "chart_data": chart, "links": links}

        units = units_visible_to(self.access).order_by("path").only("code", "name_vi", "name_en", "path")
        return self.render_page({"unit_options": unit_options(units)}, build)


class HomeView(LoginRequiredMixin, TemplateView):
    """Who the user is here (roles, units, current tenures) and the size of the catalogue they see."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        access = access_for_request(self.request)
        today = timezone.localdate()
        in_force = access.readable(Procedure.objects.in_force_on(today))
        procedures_in_force = in_force.count()
        full_online = in_force.filter(online_service=OnlineService.FULL).count()
        context.update(
            today=today,
            memberships=Membership.objects.filter(user=user).select_related("unit").order_by("unit__path", "role"),
            tenures=Tenure.objects.filter(person__user=user).active_on(today).select_related("unit"),
            unit_count=units_visible_to(access).active().count(),
            procedures_in_force=procedures_in_force,
            full_online=full_online,
            full_online_percent=round(full_online * 100 / procedures_in_force, 1) if procedures_in_force else None,
            can_edit=user.is_staff and access.can_write_catalogue,
        )
        return context
