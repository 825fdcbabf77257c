"""Staff pages of feedback and petitions: the list, entry of an item, an item's steps, the export.

Thin, as the dossier pages: an item the user may not read is a 404; a step on a unit they do not
handle is a 403; a service's ``ValidationError`` goes back on the form, its ``ConflictError`` is
shown above it with HTTP 409. Scoping is ``units.access``'s, as for dossiers: an officer sees their
unit's items, a head their subtree's, the ministry office and auditors everything.
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView

from config.exceptions import ConflictError
from config.forms import add_service_errors
from dossiers.models import Dossier
from dossiers.selectors import local_today
from procedures.models import Procedure
from units.access import Access, access_for_request, units_visible_to
from units.models import Unit

from . import exports, services
from .choices import Action, Classification, Source, Status
from .deadlines import derive_state
from .filtersets import FeedbackFilterSet
from .forms import (
    AnswerForm,
    ClassifyForm,
    PublishForm,
    RateForm,
    ReceiveFeedbackForm,
    ReceiveInformationForm,
    RefuseForm,
    RequestInformationForm,
)
from .selectors import actions_for, deadline_badges, feedback_events, feedback_visible_to, shows_sender


class FeedbackReaderMixin(LoginRequiredMixin):
    """Pages for logged-in users who may read some unit."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.access.can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)

    @cached_property
    def item(self):
        return get_object_or_404(feedback_visible_to(self.access), code=self.kwargs["code"])


class FeedbackListView(FeedbackReaderMixin, FilterView):
    """Items the user may read, newest first, 50 a page, with their deadline badges (no query per row)."""

    filterset_class = FeedbackFilterSet
    template_name = "feedback/feedback_list.html"
    context_object_name = "items"
    paginate_by = 50
    filter_names = ("q", "unit", "status", "classification", "source", "overdue", "due_soon")

    def get_queryset(self):
        return feedback_visible_to(self.access).defer("content", "answer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = local_today()
        for item in context["items"]:
            item.badges = deadline_badges(item, on=today)
        query = self.request.GET
        context.update(
            today=today,
            units=units_visible_to(self.access).order_by("path"),
            status_choices=Status.choices,
            classification_choices=Classification.choices,
            source_choices=Source.choices,
            selected={name: query.get(name, "") for name in self.filter_names},
            may_receive=self.access.write_all or bool(self.access.write_unit_ids),
        )
        return context


class FeedbackReceiveView(FeedbackReaderMixin, FormView):
    """Enter an item that arrived by letter or was forwarded."""

    form_class = ReceiveFeedbackForm
    template_name = "feedback/feedback_receive.html"

    def dispatch(self, request, *args, **kwargs):
        access = access_for_request(request)
        if request.user.is_authenticated and not (access.write_all or access.write_unit_ids):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.access.writable(Unit.objects.all(), "pk").order_by("path")}

    def form_valid(self, form):
        data = form.cleaned_data
        procedure = dossier = None
        if data["procedure_code"]:
            procedure = Procedure.objects.filter(code=data["procedure_code"].strip()).first()
            if procedure is None:
                form.add_error("procedure_code", _("No procedure has this code."))
        if data["dossier_code"]:
            dossier = self.access.readable(Dossier.objects.all()).filter(code=data["dossier_code"].strip()).first()
            if dossier is None:
                form.add_error("dossier_code", _("No dossier you may read has this code."))
        if form.errors:
            return self.form_invalid(form)
        try:
            item = services.feedback_receive(
                unit=data["unit"],
                source=data["source"],
                classification=data["classification"],
                sender=services.Sender(
                    name=data["sender_name"], email=data["sender_email"], phone=data["sender_phone"]
                ),
                title=data["title"],
                content=data["content"],
                by=self.request.user,
                received_at=data["received_at"],
                procedure=procedure,
                dossier=dossier,
                forwarding_document=data["forwarding_document"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Feedback %(code)s recorded; the answer is due on %(day)s.")
            % {"code": item.code, "day": item.answer_by.strftime("%d/%m/%Y")},
        )
        return redirect("feedback:detail", code=item.code)


class FeedbackDetailView(FeedbackReaderMixin, TemplateView):
    """One item: what was said, by whom (contacts for its handlers), its deadlines and steps."""

    template_name = "feedback/feedback_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.item
        today = local_today()
        events = feedback_events(item)
        state = derive_state(events)
        context.update(
            item=item,
            events=events,
            deadlines={"refuse": state.refuse_by, "ask": state.ask_by},
            actions=[(action, Action(action).label) for action in actions_for(item, access=self.access)],
            shows_sender=shows_sender(self.access, item),
            today=today,
            **deadline_badges(item, on=today),
        )
        return context


STEP_FORMS = {
    Action.CLASSIFY: (ClassifyForm, services.feedback_classify),
    Action.REFUSE: (RefuseForm, services.feedback_refuse),
    Action.REQUEST_INFORMATION: (RequestInformationForm, services.feedback_request_information),
    Action.RECEIVE_INFORMATION: (ReceiveInformationForm, services.feedback_receive_information),
    Action.ANSWER: (AnswerForm, services.feedback_answer),
    Action.PUBLISH: (PublishForm, services.feedback_publish),
    Action.RATE: (RateForm, services.feedback_rate),
}


class FeedbackStepView(FeedbackReaderMixin, FormView):
    """One step (``/feedback/<code>/actions/<action>/``), through its service."""

    template_name = "feedback/feedback_step.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in STEP_FORMS:
            raise Http404
        if (
            request.user.is_authenticated
            and self.access.can_read_anything
            and not self.access.can_write_unit(self.item.unit_id)
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return STEP_FORMS[self.kwargs["action"]][0]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "item": self.item}

    def form_valid(self, form):
        service = STEP_FORMS[self.kwargs["action"]][1]
        try:
            item = service(feedback=self.item, by=self.request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
        messages.success(
            self.request,
            _("%(step)s: recorded for %(code)s.") % {"step": Action(self.kwargs["action"]).label, "code": item.code},
        )
        return redirect("feedback:detail", code=item.code)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(item=self.item, action=self.kwargs["action"], action_label=Action(self.kwargs["action"]).label)
        return context


class FeedbackExportView(FeedbackReaderMixin, View):
    """The list as filtered, as an Excel file (every text cell a text, never a formula)."""

    def get(self, request):
        filterset = FeedbackFilterSet(request.GET, queryset=feedback_visible_to(self.access))
        items = filterset.qs if filterset.is_valid() else feedback_visible_to(self.access).none()
        content = exports.feedback_workbook(items, today=local_today())
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="feedback-{local_today():%Y%m%d}.xlsx"'
        return response
