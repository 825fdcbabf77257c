"""Web pages for officers: the dossier list, the reception desk, a dossier's history and steps, printables.

Views stay thin: they resolve the dossier among those the user may read (404 otherwise), check
that the user may take the step (403), and call one service. A service's ``ValidationError`` goes
back onto the form's fields; its ``ConflictError`` (a step no longer allowed, a dossier changed
by someone else since the page was loaded) is shown above the form with HTTP 409.
"""

import datetime
from functools import cached_property, partial
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView, View
from django_filters.views import FilterView

from config.exceptions import ConflictError
from config.forms import add_service_errors
from config.pagination import BoundedPaginator
from procedures.models import Field, Procedure
from units.access import Access, access_for_request, units_visible_to
from units.models import Tenure, Unit
from workdays.models import CalendarOverride

from . import importing, services, tasks
from . import reconciliation as reconciliation_service
from .backdating import Origin
from .choices import Action, Channel, EventKind, Outcome, ProposalStatus, Status, Timeliness
from .deadlines import derive_state, last_day_to_reappoint, local_date
from .filtersets import DossierFilterSet
from .forms import (
    EndForm,
    ImportUploadForm,
    RateForm,
    ReappointForm,
    ReceiveForm,
    ReceiveSupplementForm,
    ReconciliationForm,
    RequestSupplementForm,
    ReturnForm,
)
from .lookup import qr_svg
from .models import Dossier, ImportJob, Reconciliation
from .selectors import (
    actions_for,
    dossier_events,
    dossiers_visible_to,
    due_soon_last_day,
    hide_personal_data,
    is_due_soon,
    local_today,
    lookup_url,
    may_take,
    overdue_days,
    printed_lookup_code,
    public_address,
    shows_personal_data,
)


def may_receive(access: Access) -> bool:
    """Whether the user processes dossiers of at least one unit."""
    return access.write_all or bool(access.write_unit_ids)


class DossierReaderMixin(LoginRequiredMixin):
    """Pages for logged-in users who may read the dossiers of at least one unit."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.access.can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)

    @cached_property
    def dossier(self) -> Dossier:
        """The dossier of the URL, or 404 when it does not exist or the user may not read it."""
        dossiers = dossiers_visible_to(self.access).select_related("procedure_version")
        return hide_personal_data(get_object_or_404(dossiers, code=self.kwargs["code"]), access=self.access)

    @cached_property
    def events(self) -> list:
        return list(dossier_events(self.dossier))


# --- The list ---------------------------------------------------------------------------------


class DossierListView(DossierReaderMixin, FilterView):
    """Dossiers the user may read, with the API's filters (``?status=processing&overdue=true``), 50 a page.

    The number of queries does not depend on the page size: procedure, unit and field come joined
    and the deadline badges are computed from the stored dates. The count is bounded: above
    ``TTHC_LIST_COUNT_LIMIT`` matches the page says "more than …" and has no last page
    (config/pagination.py).
    """

    filterset_class = DossierFilterSet
    template_name = "dossiers/dossier_list.html"
    context_object_name = "dossiers"
    paginate_by = 50
    paginator_class = BoundedPaginator
    filter_names = (
        "q",
        "unit",
        "procedure",
        "field",
        "channel",
        "status",
        "timeliness",
        "received_from",
        "received_to",
        "overdue",
        "due_soon",
    )

    def get_queryset(self):
        return dossiers_visible_to(self.access)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        last_due_soon_day = due_soon_last_day(today)
        for dossier in context["dossiers"]:
            hide_personal_data(dossier, access=self.access)
            dossier.overdue_days = overdue_days(dossier, today)
            dossier.due_soon = is_due_soon(dossier, on=today, last_day=last_due_soon_day)
        query = self.request.GET
        context.update(
            today=today,
            units=units_visible_to(self.access).order_by("path"),
            fields=Field.objects.order_by("name_vi"),
            procedures=self.access.readable(Procedure.objects.all())
            .order_by("code")
            .only("code", "name_vi", "name_en"),
            channel_choices=Channel.choices,
            status_choices=Status.choices,
            timeliness_choices=Timeliness.choices,
            # The bar shows one value per filter (the API accepts several: ?status=a&status=b).
            selected={name: query.get(name, "") for name in self.filter_names},
            is_filtered=any(query.get(name) for name in self.filter_names),
            may_receive=may_receive(self.access),
        )
        return context


# --- Reception --------------------------------------------------------------------------------


class DossierReceiveView(DossierReaderMixin, FormView):
    """The one-stop desk: record a dossier, give it its code and appointment date."""

    form_class = ReceiveForm
    template_name = "dossiers/dossier_receive.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_receive(self.access):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["procedures"] = self.access.writable(Procedure.objects.select_related("unit")).order_by("code")
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        applicant = services.Applicant(
            name=data["applicant_name"],
            kind=data["applicant_kind"],
            id_number=data["applicant_id_number"],
            phone=data["applicant_phone"],
            email=data["applicant_email"],
            address=data["applicant_address"],
        )
        try:
            dossier = services.dossier_receive(
                procedure=data["procedure"],
                channel=data["channel"],
                applicant=applicant,
                by=self.request.user,
                received_at=data["received_at"],
                fee_amount=data["fee_amount"],
                fee_paid_online=data["fee_paid_online"],
                result_electronic=data["result_electronic"],
                documents_digitised=data["documents_digitised"],
                data_reused=data["data_reused"],
                from_data_store=data["from_data_store"],
                vneid_verified=data["vneid_verified"],
                note=data["note"],
                origin=Origin.DESK,
                backdate_reason=data["backdate_reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            format_html(
                '{} <a class="alert-link" href="{}" target="_blank">{}</a>',
                _("Dossier %(code)s received; appointment date %(date)s.")
                % {"code": dossier.code, "date": dossier.appointment_date.strftime("%d/%m/%Y")},
                reverse("dossiers:receipt", args=[dossier.code]),
                _("Print the receipt"),
            ),
        )
        return redirect("dossiers:detail", code=dossier.code)


# --- One dossier ------------------------------------------------------------------------------


class DossierDetailView(DossierReaderMixin, TemplateView):
    """Everything about one dossier: its fields, derived dates, history and the steps open to the user."""

    template_name = "dossiers/dossier_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dossier = self.dossier
        today = local_today()
        context.update(
            dossier=dossier,
            events=[(event, event_details(event)) for event in self.events],
            today=today,
            actions=[
                (action, Action(action).label)
                for action in actions_for(dossier, access=self.access, on=today)
                # One proposal at a time: while one awaits the head, no second is offered.
                if not (action == Action.REAPPOINT and dossier.proposals.filter(status=ProposalStatus.PENDING).exists())
            ],
            # The applicant's key: read out to them on the phone by those who process the dossier.
            lookup_code=printed_lookup_code(dossier)
            if shows_personal_data(self.access, unit_id=dossier.unit_id)
            else "",
            overdue_days=overdue_days(dossier, today),
            due_soon=is_due_soon(dossier, on=today),
            was_reappointed=any(event.kind == EventKind.REAPPOINTED for event in self.events),
            pending_proposal=dossier.proposals.filter(status=ProposalStatus.PENDING)
            .select_related("proposed_by")
            .first(),
            may_approve=self.access.can_approve_unit(dossier.unit_id),
            receiving_officer=self.events[0].by if self.events else None,
        )
        return context


def event_details(event) -> list[tuple[str, str]]:
    """What an event's data says, as (label, value) lines for the timeline."""
    data = event.data or {}
    lines = _kind_details(event.kind, data)
    late = data.get("late_entry")
    if isinstance(late, dict) and late.get("recorded_at"):
        recorded = timezone.localtime(datetime.datetime.fromisoformat(late["recorded_at"]))
        lines.append((_("Entered late"), _("recorded on %(when)s") % {"when": recorded.strftime("%d/%m/%Y %H:%M")}))
        if late.get("source"):
            lines.append((_("Source system"), late["source"]))
        if late.get("closed_period"):
            lines.append((_("Changes a submitted period"), late["closed_period"]))
        if late.get("reason"):
            lines.append((_("Reason"), late["reason"]))
    return lines


def _kind_details(kind: str, data: dict) -> list[tuple[str, str]]:
    if kind == EventKind.RECEIVED and data.get("channel") in Channel.values:
        return [(_("Channel"), Channel(data["channel"]).label)]
    if kind == EventKind.REAPPOINTED and data.get("new_date"):
        return [(_("New appointment date"), datetime.date.fromisoformat(data["new_date"]).strftime("%d/%m/%Y"))]
    if kind == EventKind.ENDED and data.get("outcome") in Outcome.values:
        return [(_("Outcome"), Outcome(data["outcome"]).label)]
    if kind == EventKind.RATED and "satisfied" in data:
        return [(_("Rating"), _("Satisfied") if data["satisfied"] else _("Not satisfied"))]
    return []


ACTION_FORMS = {
    Action.REQUEST_SUPPLEMENT: (RequestSupplementForm, services.dossier_request_supplement),
    Action.RECEIVE_SUPPLEMENT: (ReceiveSupplementForm, services.dossier_receive_supplement),
    Action.REAPPOINT: (ReappointForm, services.dossier_reappoint),
    Action.END: (EndForm, services.dossier_end),
    Action.RETURN: (ReturnForm, services.dossier_return),
    Action.RATE: (RateForm, services.dossier_rate),
}


class DossierActionView(DossierReaderMixin, FormView):
    """One step of the lifecycle (``/dossiers/<code>/actions/<action>/``), through its service."""

    template_name = "dossiers/dossier_action.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in ACTION_FORMS:
            raise Http404
        # The dossier is resolved first: one the user may not read is a 404, not a 403.
        if (
            request.user.is_authenticated
            and self.access.can_read_anything
            and not may_take(self.access, self.action, unit_id=self.dossier.unit_id)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def action(self) -> str:
        return self.kwargs["action"]

    def get_form_class(self):
        return ACTION_FORMS[self.action][0]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "dossier": self.dossier}

    def form_valid(self, form):
        if self.action == Action.REAPPOINT and not self.access.can_approve_unit(self.dossier.unit_id):
            return self.propose(form)
        service = ACTION_FORMS[self.action][1]
        try:
            dossier = service(
                dossier=self.dossier, by=self.request.user, origin=Origin.DESK, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
        messages.success(self.request, self.success_message(dossier))
        return redirect("dossiers:detail", code=dossier.code)

    def propose(self, form):
        """An officer's re-appointment is a proposal for the unit's head (DESIGN.md)."""
        data = form.cleaned_data
        try:
            services.reappointment_propose(
                dossier=self.dossier, by=self.request.user, new_date=data["new_date"], reason=data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
        messages.success(
            self.request,
            _("Re-appointment of dossier %(code)s proposed; it takes effect when the unit's head approves it.")
            % {"code": self.dossier.code},
        )
        return redirect("dossiers:detail", code=self.dossier.code)

    def success_message(self, dossier: Dossier) -> str:
        if self.action == Action.REAPPOINT:
            return format_html(
                '{} <a class="alert-link" href="{}" target="_blank">{}</a>',
                _("Dossier %(code)s re-appointed to %(date)s.")
                % {"code": dossier.code, "date": dossier.reappointed_date.strftime("%d/%m/%Y")},
                reverse("dossiers:apology", args=[dossier.code]),
                _("Print the apology letter"),
            )
        return _("%(step)s: recorded for dossier %(code)s.") % {"step": Action(self.action).label, "code": dossier.code}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        allowed_today = self.action in actions_for(self.dossier, access=self.access, on=today)
        context.update(
            dossier=self.dossier,
            action=self.action,
            action_label=Action(self.action).label,
            allowed_today=allowed_today,
            # Only the steps ``allowed_actions`` lists get a form; another says why instead of
            # refusing only after the officer filled it in (issue 13).
            refusal="" if allowed_today else services.step_refusal(dossier=self.dossier, action=self.action),
            last_day_to_reappoint=last_day_to_reappoint(self.dossier.appointment_date),
            today=today,
        )
        return context


class ProposalDecisionView(DossierReaderMixin, View):
    """The unit's head approves or declines a pending re-appointment proposal (POST only)."""

    def post(self, request, *args, **kwargs):
        if kwargs["decision"] not in ("approve", "decline"):
            raise Http404
        if not self.access.can_approve_unit(self.dossier.unit_id):
            raise PermissionDenied
        proposal = get_object_or_404(self.dossier.proposals, pk=kwargs["pk"])
        try:
            if kwargs["decision"] == "approve":
                services.reappointment_approve(proposal=proposal, by=request.user)
                messages.success(
                    request,
                    format_html(
                        '{} <a class="alert-link" href="{}" target="_blank">{}</a>',
                        _("Re-appointment of dossier %(code)s approved.") % {"code": self.dossier.code},
                        reverse("dossiers:apology", args=[self.dossier.code]),
                        _("Print the apology letter"),
                    ),
                )
            else:
                services.reappointment_decline(proposal=proposal, by=request.user, note=request.POST.get("note", ""))
                messages.info(request, _("Re-appointment of dossier %(code)s declined.") % {"code": self.dossier.code})
        except (ValidationError, ConflictError) as error:
            messages.error(request, error.message if isinstance(error, ConflictError) else "; ".join(error.messages))
        return redirect("dossiers:detail", code=self.dossier.code)


# --- Printables -------------------------------------------------------------------------------


def _ministry_of(unit: Unit) -> Unit:
    """The root of the unit's tree (the ministry), named first in an official letterhead."""
    root_id = int(unit.path.strip("/").split("/")[0])
    return unit if root_id == unit.pk else Unit.objects.get(pk=root_id)


class ReceiptView(DossierReaderMixin, TemplateView):
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả: handed to the applicant at the desk."""

    template_name = "dossiers/print_receipt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dossier = self.dossier
        supplements = [event for event in self.events if event.kind == EventKind.SUPPLEMENT_RECEIVED]
        link = lookup_url(dossier, request=self.request)
        context.update(
            dossier=dossier,
            ministry=_ministry_of(dossier.unit),
            received_event=self.events[0],
            lookup_link=link,
            lookup_page=public_address(reverse("lookup:status"), request=self.request),
            lookup_code=printed_lookup_code(dossier),
            # segno escapes the title and writes only its own markup: safe to put in the page as is.
            lookup_qr=mark_safe(
                qr_svg(link, title=_("QR code: the status page of dossier %(code)s") % {"code": dossier.code})
            ),
            # A supplement moves the appointment date: a receipt printed afterwards gives the new one.
            last_supplement=supplements[-1] if supplements else None,
        )
        return context


class ApologyView(DossierReaderMixin, TemplateView):
    """Văn bản xin lỗi và hẹn lại ngày trả kết quả, signed by the unit's head on the day of the apology."""

    template_name = "dossiers/print_apology.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        dossier = self.dossier
        positions = [i for i, event in enumerate(self.events) if event.kind == EventKind.REAPPOINTED]
        if not positions:
            raise Http404
        position = positions[-1]
        apology = self.events[position]
        apology_day = local_date(apology.at)
        # The appointment date the applicant had been promised when the apology was written.
        before = derive_state(self.events[:position], processing_days=dossier.processing_days)
        # Signed by the head (or deputy) who approved it, if they led the unit that day (issue 13);
        # otherwise by the unit's head that day.
        approver = (
            Tenure.objects.filter(unit=dossier.unit, person__user_id=apology.by_id)
            .active_on(apology_day)
            .select_related("person")
            .order_by("role", "-start_date")
            .first()
            if apology.by_id
            else None
        )
        head = approver or (
            Tenure.objects.heads()
            .filter(unit=dossier.unit)
            .active_on(apology_day)
            .select_related("person")
            .order_by("-start_date")
            .first()
        )
        context.update(
            dossier=dossier,
            ministry=_ministry_of(dossier.unit),
            apology=apology,
            apology_day=apology_day,
            original_appointment_date=before.appointment_date,
            new_date=datetime.date.fromisoformat(apology.data["new_date"]),
            reason=apology.data.get("reason") or apology.note,
            head=head.person if head else None,
        )
        return context


# --- Applying a calendar change to the open dossiers (ministry office) -------------------------


class RecalculateDeadlinesView(LoginRequiredMixin, TemplateView):
    """Apply one calendar override to the open dossiers whose counting crosses its day.

    GET shows what it would do (how many dossiers move, to which dates) without writing anything;
    POST applies it. For the ministry office only.
    """

    template_name = "dossiers/recalculate.html"
    preview_rows = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).is_ministry_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def override(self) -> CalendarOverride:
        return get_object_or_404(CalendarOverride, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = services.dossiers_recalculate_deadlines(override=self.override, by=self.request.user, dry_run=True)
        context.update(
            override=self.override,
            report=report,
            moved_preview=report.moved[: self.preview_rows],
            kept_preview=report.kept[: self.preview_rows],
        )
        return context

    def post(self, request, *args, **kwargs):
        report = services.dossiers_recalculate_deadlines(override=self.override, by=request.user)
        messages.success(
            request,
            _("%(moved)s open dossiers got a later appointment date after %(document)s; %(kept)s kept theirs.")
            % {"moved": len(report.moved), "kept": len(report.kept), "document": self.override.document},
        )
        return redirect("workdays:special_days_year", year=self.override.date.year)


class ImportUploadView(LoginRequiredMixin, FormView):
    """The ministry office uploads a dossier file (CSV or XLSX); it is imported in the background
    through the bulk service (``dossiers.importing``) and followed on its own page."""

    template_name = "dossiers/import_upload.html"
    form_class = ImportUploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).is_ministry_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["jobs"] = ImportJob.objects.defer("content", "errors").order_by("-created_at", "-pk")[:20]
        return context

    def form_valid(self, form):
        try:
            job = importing.import_job_create(
                uploaded=form.cleaned_data["file"],
                by=self.request.user,
                source=form.cleaned_data["source_system"] or importing.FILE_SOURCE,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        transaction.on_commit(partial(tasks.import_file.delay, job.pk), robust=True)
        return redirect("dossiers:import_job", pk=job.pk)


class ImportJobView(LoginRequiredMixin, DetailView):
    """One uploaded file: a progress bar while it runs, then its counts and row-numbered errors."""

    template_name = "dossiers/import_job.html"
    context_object_name = "job"
    error_rows_shown = 200

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).is_ministry_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return ImportJob.objects.defer("content")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["errors_shown"] = self.object.errors[: self.error_rows_shown]
        return context


class ImportJobErrorsView(ImportJobView):
    """The job's errors as a CSV file to open beside the imported spreadsheet."""

    def render_to_response(self, context, **response_kwargs):
        response = HttpResponse(
            "\ufeff" + importing.import_job_errors_csv(self.object), content_type="text/csv; charset=utf-8"
        )
        stem = Path(self.object.file_name).stem or "import"
        response["Content-Disposition"] = f'attachment; filename="{stem}-errors.csv"'
        return response


class ReconciliationNewView(LoginRequiredMixin, FormView):
    """The ministry office (or an auditor, who reads every unit) uploads the portal's list of a
    unit's dossiers for a period; nothing of the dossiers is written."""

    template_name = "dossiers/reconciliation_new.html"
    form_class = ReconciliationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).read_all:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = Reconciliation.objects.select_related("unit").defer("result")[:20]
        return context

    def form_valid(self, form):
        try:
            reconciliation = reconciliation_service.reconciliation_create(
                uploaded=form.cleaned_data["file"],
                unit=form.cleaned_data["unit"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        return redirect("dossiers:reconciliation", pk=reconciliation.pk)


class ReconciliationView(LoginRequiredMixin, DetailView):
    """What is missing on either side and what disagrees, with links to our dossiers."""

    template_name = "dossiers/reconciliation.html"
    context_object_name = "reconciliation"
    rows_shown = 500

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not access_for_request(request).read_all:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return Reconciliation.objects.select_related("unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = reconciliation_service.shown(self.object.result)
        context.update(
            disagreements=result["disagreements"][: self.rows_shown],
            missing_here=result["missing_here"][: self.rows_shown],
            missing_on_portal=result["missing_on_portal"][: self.rows_shown],
            rows_shown=self.rows_shown,
        )
        return context


class ReconciliationExportView(ReconciliationView):
    def render_to_response(self, context, **response_kwargs):
        response = HttpResponse(
            reconciliation_service.reconciliation_workbook(self.object),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"doi-soat-{self.object.unit.code}-{self.object.date_from:%Y%m%d}-{self.object.date_to:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
