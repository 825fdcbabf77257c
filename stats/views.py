"""Web pages of the statistics: the Form 06/VPCP/KSTT report with its downloads, and the runs.

The report reads the ``DailyStat`` rollups through ``stats.selectors.form06``, limited to the
units the user may read; the period rules live in ``stats.periods`` and the file layouts in
``stats.form06``. The views only parse the request, check access and hand over.
"""

import datetime
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from config.forms import BootstrapFormMixin, DateInput
from units.access import Access, access_for_request, units_visible_to
from units.choices import UnitKind
from units.models import Unit

from . import form06 as layout
from . import index766_files as files766
from . import periods, rollups, tasks
from .index766 import LIST_URL_NAMES, drilldowns, index766, ranking, what_if
from .index766_files import index_xlsx, ranking_xlsx
from .models import StatsRun
from .selectors import coverage, form06
from .submissions import report_differences, report_submit, submitted_report, submitted_rows

CUSTOM = "custom"
GROUP_CHOICES = [("unit", _("Unit")), ("field", _("Field")), ("procedure", _("Procedure"))]
EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class UnitCodeField(forms.ModelChoiceField):
    """A unit chosen by its code; the select lists the units of the user, in tree order."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Unit.objects.all(),
            to_field_name="code",
            error_messages={"invalid_choice": _("No unit has the code %(value)s.")},
            **kwargs,
        )

    def label_from_instance(self, unit: Unit) -> str:
        return f"{'— ' * unit.depth}{unit.code} – {unit.name}"


class Form06Form(BootstrapFormMixin, forms.Form):
    """Which period (a preset or any range), how to group, and which unit the report covers."""

    period = forms.ChoiceField(
        label=_("Period"), choices=[*periods.PeriodKind.choices, (CUSTOM, _("Custom range"))], required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False)
    number = forms.IntegerField(
        label=_("Number"), required=False, help_text=_("Month 1–12, quarter 1–4, half 1–2; not used for a year.")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    group_by = forms.ChoiceField(label=_("Group by"), choices=GROUP_CHOICES, required=False)
    unit = UnitCodeField(label=_("Unit and its sub-units"), required=False)
    export = forms.ChoiceField(choices=[("", ""), *((name, name) for name in EXPORTS)], required=False)

    def __init__(self, *args, units, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        # A link with only dates (``?date_from=…&date_to=…``, as in the API) is a custom range.
        if self.is_bound and not self.data.get("period") and (self.data.get("date_from") or self.data.get("date_to")):
            self.data = self.data.copy()
            self.data["period"] = CUSTOM
        self.today = today
        unit_field = self.fields["unit"]
        unit_field.widget.choices = [
            ("", gettext("All units you may read")),
            *((unit.code, unit_field.label_from_instance(unit)) for unit in units),
        ]

    def clean_group_by(self):
        return self.cleaned_data["group_by"] or "unit"

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        kind = cleaned.get("period")
        cleaned["preset"] = None
        if "period" in self.errors:
            return cleaned
        if not kind:
            self.add_error("period", gettext("Choose a period, or give the first and the last day."))
        elif kind == CUSTOM:
            self._clean_range(date_from, date_to)
        else:
            self._clean_preset(kind, cleaned.get("year"), cleaned.get("number"))
        return cleaned

    def _clean_range(self, date_from, date_to) -> None:
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            if value is None and name not in self.errors:
                self.add_error(name, gettext("Give this date for a custom range."))
        if date_from and date_to:
            try:
                periods.validate_range(date_from, date_to, today=self.today)
            except ValidationError as error:
                self.add_error(None, error)

    def _clean_preset(self, kind: str, year, number) -> None:
        if year is None:
            if "year" not in self.errors:
                self.add_error("year", gettext("Give the year the period closes in."))
            return
        if kind == periods.PeriodKind.YEAR:
            number = None  # a year has one period; whatever the number box holds is not used
        try:
            preset = periods.period(kind, year, number)
        except ValidationError as error:
            self.add_error(None, error)
            return
        try:
            periods.validate_range(preset.date_from, preset.date_to, today=self.today)
        except ValidationError as error:
            # The user chose a period, not dates: say it above the form rather than under hidden fields.
            self.add_error(None, error.messages)
            return
        self.cleaned_data.update(preset=preset, date_from=preset.date_from, date_to=preset.date_to)


class RecomputeForm(BootstrapFormMixin, forms.Form):
    """The days whose statistics the ministry office wants computed again."""

    date_from = forms.DateField(label=_("From"), widget=DateInput())
    date_to = forms.DateField(label=_("To"), widget=DateInput())

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to"):
            try:
                periods.validate_range(cleaned["date_from"], cleaned["date_to"], today=self.today, recompute=True)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


PERIOD_PARAMETERS = ("period", "year", "number", "date_from", "date_to")


def with_default_period(params, today: datetime.date):
    """The report's parameters: ``params`` as given when they name a period; otherwise the latest
    month that has ended (``Form06View.default_query``) with whatever else they give (a link such
    as ``?unit=QLD`` opens that unit's latest month instead of asking for a period)."""
    if any(params.get(name) for name in PERIOD_PARAMETERS):
        return params
    return {**Form06View.default_query(today), **{name: value for name, value in params.items() if value}}


class ReportReaderMixin(LoginRequiredMixin):
    """Report pages: for logged-in users who may read at least one unit."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.access.can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)


class Form06View(ReportReaderMixin, TemplateView):
    """Form 06/VPCP/KSTT for a period, on screen or as ``?export=xlsx`` / ``?export=csv``.

    A fixed number of queries whatever the number of groups: the user's units, the chosen unit,
    the four of ``form06`` and the last computed day.
    """

    template_name = "reports/form06.html"

    def get(self, request, *args, **kwargs):
        today = timezone.localdate()
        units = list(units_visible_to(self.access).order_by("path"))
        data = with_default_period(request.GET, today)
        form = Form06Form(data, units=units, today=today)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        query = form.cleaned_data
        unit = query["unit"]
        if unit is not None and not self.access.can_read_unit(unit.pk):
            raise PermissionDenied(gettext("You may not read the statistics of unit %(code)s.") % {"code": unit.code})
        scope = {
            "date_from": query["date_from"],
            "date_to": query["date_to"],
            "group_by": query["group_by"],
            "unit_ids": None if self.access.read_all else self.access.read_unit_ids,
            "subtree": unit,
        }
        report = submitted_report(query["date_from"], query["date_to"]) if query["preset"] else None
        if query["export"]:
            return self.export(query, scope, units, report)
        rows, totals = self.figures(query, scope, units, report)
        covered = coverage(query["date_from"], query["date_to"])
        links = {}
        for name in EXPORTS:
            link = QueryDict(mutable=True)
            link.update(data)
            link.setlist("export", [name])
            links[name] = f"?{link.urlencode()}"
        heading = self.report_heading(query, units)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                query=query,
                lines=[
                    {"number": number, "row": row, "cells": layout.cells(row), "rates": layout.rate_cells(row)}
                    for number, row in enumerate(rows, 1)
                ],
                total_cells=layout.cells(totals),
                total_rates=layout.rate_cells(totals),
                header_rows=layout.header_rows(query["group_by"]),
                rate_header_rows=layout.rate_header_rows(),
                column_numbers=layout.column_numbers(),
                official_title=layout.TITLE,
                form_code=layout.CODE_LINE,
                legal_basis=layout.LEGAL_BASIS,
                unit_of_count=layout.UNIT_OF_COUNT,
                heading=heading,
                signers=layout.SIGNERS,
                rate_formulas=layout.RATE_FORMULAS,
                period_text=layout.period_text(
                    query["date_from"], query["date_to"], query["preset"].official_label if query["preset"] else ""
                ),
                coverage=covered,
                export_links=links,
                report=report,
                shows_submitted=report is not None and query["group_by"] == "unit",
                differences=report_differences(report, unit_ids=self.unit_ids(query, units)) if report else [],
                can_submit=(
                    self.access.is_ministry_office
                    and query["preset"] is not None
                    and report is None
                    and not covered.incomplete
                ),
            )
        )

    def unit_ids(self, query: dict, units: list[Unit]):
        """The ids of the units the report covers (None: every unit), for the stored figures."""
        unit = query["unit"]
        if unit is not None:
            return {each.pk for each in units if each.path.startswith(unit.path)}
        return None if self.access.read_all else set(self.access.read_unit_ids)

    def figures(self, query: dict, scope: dict, units: list[Unit], report):
        """The lines and totals of the form: as submitted for a submitted period by unit, else from the
        rollups. In Vietnamese whatever the interface language (an official document)."""
        with translation.override("vi"):
            if report is not None and query["group_by"] == "unit":
                return submitted_rows(report, unit_ids=self.unit_ids(query, units))
            return form06(**scope)

    @staticmethod
    def default_query(today: datetime.date) -> dict:
        """The latest month that has ended, by unit: what most visits want."""
        latest = periods.latest_ended(periods.PeriodKind.MONTH, today=today)
        return {"period": latest.kind, "year": str(latest.year), "number": str(latest.number), "group_by": "unit"}

    def export(self, query: dict, scope: dict, units: list[Unit], report) -> HttpResponse:
        """The report as a file; entirely Vietnamese whatever the interface language, as the official form."""
        rows, totals = self.figures(query, scope, units, report)
        group_by, kind = query["group_by"], query["export"]
        write = layout.form06_csv if kind == "csv" else layout.form06_xlsx
        content = write(rows, totals, group_by=group_by, heading=self.report_heading(query, units))
        response = HttpResponse(content, content_type=EXPORTS[kind])
        filename = layout.filename(query["date_from"], query["date_to"], group_by, kind)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def report_heading(self, query: dict, units: list[Unit]) -> layout.ReportHeading:
        """The header and signature block: who reports (the chosen unit, the whole ministry, or the
        units a head may read) to whom, for which period, signed today. One query."""
        ministry, office = "", ""
        for each in Unit.objects.filter(Q(parent__isnull=True) | Q(kind=UnitKind.OFFICE)).order_by("path"):
            if each.parent_id is None and not ministry:
                ministry = each.name_vi
            elif each.kind == UnitKind.OFFICE and not office:
                office = each.name_vi
        unit = query["unit"]
        readable = () if self.access.read_all else self.top_units(units)
        reporting, receiving = layout.reporting_units(
            ministry=ministry,
            office=office,
            unit_name=unit.name_vi if unit is not None else "",
            unit_is_root=unit is not None and unit.parent_id is None,
            readable=readable,
        )
        return layout.ReportHeading(
            date_from=query["date_from"],
            date_to=query["date_to"],
            reporting_unit=reporting,
            receiving_unit=receiving,
            period_label=query["preset"].official_label if query["preset"] else "",
            signed_on=timezone.localdate(),
        )

    @staticmethod
    def top_units(units: list[Unit]) -> list[str]:
        """The Vietnamese names of the units of ``units`` whose parent is not among them."""
        ids = {each.pk for each in units}
        return [each.name_vi for each in units if each.parent_id not in ids]


class Index766Form(Form06Form):
    """The period and the unit of the national index (the Form 06 choices, without grouping;
    ``export=xlsx`` for the workbook)."""

    group_by = None
    export = forms.ChoiceField(choices=[("", ""), ("xlsx", "xlsx")], required=False)

    def _clean_preset(self, kind: str, year, number) -> None:
        # The period under way may be chosen (the what-if asks about it): it is cut at the last
        # day the statistics hold (yesterday), and the page warns about the days not computed.
        # Form 06 keeps refusing it: a report is filed for a period that has ended.
        last_held = periods.last_day_held(self.today)
        if year is not None:
            try:
                preset = periods.period(kind, year, None if kind == periods.PeriodKind.YEAR else number)
            except ValidationError:
                preset = None
            if preset is not None and preset.date_from <= last_held < preset.date_to:
                self.cleaned_data.update(preset=preset, date_from=preset.date_from, date_to=last_held)
                return
        super()._clean_preset(kind, year, number)


def index766_link(name: str, query: dict, **changes) -> str:
    """The URL of page ``name`` (``reports:index766`` or ``reports:index766-units``) for the same
    period as ``query`` (a cleaned ``Index766Form``), with ``changes`` (e.g. ``unit=CODE``)."""
    params = {"period": CUSTOM, "date_from": query["date_from"].isoformat(), "date_to": query["date_to"].isoformat()}
    preset = query.get("preset")
    if preset is not None:
        params = {"period": preset.kind, "year": preset.year}
        if preset.number is not None:
            params["number"] = preset.number
    params.update({key: value for key, value in changes.items() if value not in (None, "")})
    return f"{reverse(name)}?{urlencode(params)}"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=EXPORTS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class Index766ReaderMixin(ReportReaderMixin):
    """What the index page and the table of units share: the period and the unit asked for."""

    default_query = staticmethod(Form06View.default_query)

    def index_form(self, request) -> tuple[Index766Form, list[Unit], datetime.date]:
        """The request's ``Index766Form`` (the latest ended month when it names no period), validated,
        with the units the reader may read and today. ``PermissionDenied`` when the form names a
        unit the reader may not read."""
        today = timezone.localdate()
        units = list(units_visible_to(self.access).order_by("path"))
        form = Index766Form(with_default_period(request.GET, today), units=units, today=today)
        if form.is_valid():
            unit = form.cleaned_data["unit"]
            if unit is not None and not self.access.can_read_unit(unit.pk):
                raise PermissionDenied(
                    gettext("You may not read the statistics of unit %(code)s.") % {"code": unit.code}
                )
        return form, units, today


class Index766View(Index766ReaderMixin, TemplateView):
    """The national index (Decision 766) of a unit and its sub-units for a period: the six groups,
    each indicator's figures and the points lost, with links to the dossiers behind the counts.
    A fixed number of queries: the user's units, the chosen unit, the index and the
    days not computed yet."""

    template_name = "reports/index766.html"

    def get(self, request, *args, **kwargs):
        form, _units, _today = self.index_form(request)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        query = form.cleaned_data
        unit = query["unit"]
        result = index766(
            date_from=query["date_from"],
            date_to=query["date_to"],
            unit=unit,
            unit_ids=None if self.access.read_all else self.access.read_unit_ids,
        )
        if query["export"] == "xlsx":
            code = unit.code if unit is not None else ""
            return xlsx_response(index_xlsx(result), files766.filename("index", result.date_from, result.date_to, code))
        links = drilldowns(result, every_unit=self.access.read_all)
        cases = what_if(result)
        groups = [
            {
                "group": group,
                "rows": [
                    {
                        "item": item,
                        "links": [
                            (
                                link.part,
                                link.label,
                                f"{reverse(LIST_URL_NAMES[link.target])}?{urlencode(link.params, doseq=True)}",
                                link.target,
                            )
                            for link in links.get(item.code, [])
                        ],
                    }
                    for item in group.indicators
                ],
            }
            for group in result.groups
        ]
        return self.render_to_response(
            self.get_context_data(
                form=form,
                query=query,
                index=result,
                groups=groups,
                what_if_progress=cases["2.1"],
                what_if_online=cases["3.3"],
                # Only a period still under way can change: an ended one gets a note instead.
                period_running=periods.is_under_way(
                    query["preset"].date_to if query["preset"] else query["date_to"], today=timezone.localdate()
                ),
                coverage=coverage(query["date_from"], query["date_to"]),
                export_link=index766_link(
                    "reports:index766", query, unit=unit.code if unit is not None else None, export="xlsx"
                ),
                units_link=index766_link("reports:index766-units", query, unit=unit.code if unit is not None else None),
            )
        )


class Index766UnitsView(Index766ReaderMixin, TemplateView):
    """The ministry-wide table of the national index (issue 12, item 3): the units (the direct
    sub-units of ``?unit=``, or the top of the reader's tree) ranked by total for the period,
    with each group's points and the month-by-month trend of their totals over the year (a
    Chart.js line chart and a table), each unit linking to its index page; ``?export=xlsx`` for
    the workbook. Only the units the reader may read. A fixed number of queries whatever the
    number of units: the user's units, the chosen unit, ``ranking`` and the days not computed."""

    template_name = "reports/index766_units.html"

    def get(self, request, *args, **kwargs):
        form, units, today = self.index_form(request)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        query = form.cleaned_data
        unit = query["unit"]
        table = ranking(
            date_from=query["date_from"],
            date_to=query["date_to"],
            units=units,
            parent=unit,
            unit_ids=None if self.access.read_all else self.access.read_unit_ids,
            today=today,
        )
        if query["export"] == "xlsx":
            code = table.scope.code if table.scope is not None else ""
            return xlsx_response(
                ranking_xlsx(table), files766.filename("ranking", query["date_from"], query["date_to"], code)
            )
        # The scope's own line has no link: the unit's index page counts its sub-units too.
        lines = [
            {
                "line": line,
                "link": "" if line.own else index766_link("reports:index766", query, unit=line.unit.code),
                "sub_link": (
                    index766_link("reports:index766-units", query, unit=line.unit.code)
                    if not line.own and any(each.parent_id == line.unit.pk for each in units)
                    else ""
                ),
                "label": gettext("%(code)s (own)") % {"code": line.unit.code} if line.own else line.unit.code,
            }
            for line in table.lines
        ]
        # A unit with nothing counted in any month is left out of the chart (a legend entry without
        # a line) and named under it instead.
        drawn = [entry for entry in lines if any(total is not None for total in entry["line"].months)]
        chart = {
            "labels": table.month_labels,
            "series": [
                {
                    "code": entry["label"],
                    "totals": [None if total is None else float(total) for total in entry["line"].months],
                }
                for entry in drawn
            ],
            "words": {"total": gettext("Total on 100")},
        }
        scope = table.scope
        return self.render_to_response(
            self.get_context_data(
                form=form,
                query=query,
                table=table,
                lines=lines,
                chart_data=chart,
                chart_left_out=[entry["label"] for entry in lines if entry not in drawn],
                coverage=coverage(query["date_from"], query["date_to"]),
                scope_link=index766_link("reports:index766", query, unit=scope.code if scope is not None else None),
                export_link=index766_link(
                    "reports:index766-units", query, unit=unit.code if unit is not None else None, export="xlsx"
                ),
                up_link=next(
                    (
                        index766_link("reports:index766-units", query, unit=each.code)
                        for each in units
                        if scope is not None and each.pk == scope.parent_id
                    ),
                    "",
                ),
            )
        )


class SubmitForm(BootstrapFormMixin, forms.Form):
    """The reporting period the ministry office marks as submitted."""

    period = forms.ChoiceField(label=_("Period"), choices=periods.PeriodKind.choices)
    year = forms.IntegerField(label=_("Year"))
    number = forms.IntegerField(label=_("Number"), required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        number = None if cleaned["period"] == periods.PeriodKind.YEAR else cleaned.get("number")
        try:
            preset = periods.period(cleaned["period"], cleaned["year"], number)
            periods.validate_range(preset.date_from, preset.date_to, today=timezone.localdate())
        except ValidationError as error:
            self.add_error(None, error.messages)  # about the period chosen, not a date field
        else:
            cleaned["preset"] = preset
        return cleaned


class SubmitPeriodView(LoginRequiredMixin, TemplateView):
    """The ministry office marks a reporting period as submitted: GET shows what will be stored, POST
    stores the Form 06 figures as sent and closes the period (``stats.submissions.report_submit``)."""

    template_name = "reports/submit.html"

    def dispatch(self, request, *args, **kwargs):
        # Auditors read what would be stored (they read everything); only the ministry office submits.
        access = access_for_request(request)
        if request.user.is_authenticated and not (
            access.is_ministry_office or (access.read_all and request.method in ("GET", "HEAD"))
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render_form(self, form: SubmitForm, status: int = 200):
        preset = form.cleaned_data.get("preset") if form.is_bound and form.is_valid() else None
        totals = None
        if preset is not None:
            with translation.override("vi"):
                totals = form06(date_from=preset.date_from, date_to=preset.date_to)[1]
        return self.render_to_response(
            self.get_context_data(
                form=form,
                preset=preset,
                totals=totals,
                cells=layout.cells(totals) if totals else [],
                may_submit=access_for_request(self.request).is_ministry_office,
            ),
            status=status,
        )

    def get(self, request, *args, **kwargs):
        form = SubmitForm(request.GET)
        return self.render_form(form, status=200 if form.is_valid() else 400)

    def post(self, request, *args, **kwargs):
        form = SubmitForm(request.POST)
        if not form.is_valid():
            return self.render_form(form, status=400)
        preset = form.cleaned_data["preset"]
        try:
            report = report_submit(period=preset, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.render_form(form, status=400)
        messages.success(
            request,
            gettext("%(period)s is marked as submitted; its figures as sent are stored.") % {"period": report.label},
        )
        query = QueryDict(mutable=True)
        query.update({"period": preset.kind, "year": preset.year, "number": preset.number, "group_by": "unit"})
        return redirect(f"{reverse('reports:form06')}?{query.urlencode()}")


class StatsRunsView(LoginRequiredMixin, ListView):
    """The computations of the statistics (nightly and backfills), newest first, read by whoever reads
    every unit (the ministry office and auditors); the ministry office alone gets the form that
    recomputes a range of days in the background."""

    template_name = "reports/runs.html"
    context_object_name = "runs"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            access = access_for_request(request)
            may = access.is_ministry_office if request.method == "POST" else access.read_all
            if not may:
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        # Every chunk of the page's runs in one more query (their states are listed under each run).
        return StatsRun.objects.order_by("-started_at", "-pk").prefetch_related("chunks")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_recompute"] = access_for_request(self.request).is_ministry_office
        if "recompute_form" not in context:
            yesterday = timezone.localdate() - datetime.timedelta(days=1)
            context["recompute_form"] = RecomputeForm(
                today=timezone.localdate(),
                initial={"date_from": yesterday - datetime.timedelta(days=30), "date_to": yesterday},
            )
        return context

    def post(self, request, *args, **kwargs):
        form = RecomputeForm(request.POST, today=timezone.localdate())
        if not form.is_valid():
            self.object_list = self.get_queryset()
            return self.render_to_response(self.get_context_data(recompute_form=form), status=400)
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        # The run is written first: it is the task's outbox. If the broker is down the page says so,
        # and the sweep sends the run once the broker is back; nothing is lost and nothing fails.
        run = rollups.run_queue_backfill(date_from=date_from, date_to=date_to)
        days = {"start": date_from.strftime("%d/%m/%Y"), "end": date_to.strftime("%d/%m/%Y")}
        if tasks.send_stats_run(run):
            messages.success(
                request,
                gettext("The statistics from %(start)s to %(end)s will be recomputed; the run appears below.") % days,
            )
        else:
            messages.warning(
                request,
                gettext(
                    "The statistics from %(start)s to %(end)s will be recomputed, but the task queue is not "
                    "answering now: the run waits below and starts within minutes of the queue's return."
                )
                % days,
            )
        return redirect("reports:runs")
