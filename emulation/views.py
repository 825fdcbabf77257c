"""Web pages of the emulation scores: years, the ranking, breakdowns, and the ministry office's tools.

Views stay thin: they resolve the year and the score, check access (``emulation.selectors``), and
call one service. A service's ``ValidationError`` goes onto the form; its ``ConflictError`` (a
finalised year, a year not over yet) is shown above the form with HTTP 409, nothing changed.
"""

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from config.exceptions import ConflictError
from units.access import Access, access_for_request
from units.models import Tenure, Unit
from units.templatetags.tthc import person_name

from . import exports, selectors, services
from .choices import AssessmentStatus, AuditAction, Band
from .forms import (
    CouncilDecisionForm,
    CriterionFormSet,
    DisqualifierForm,
    FinaliseForm,
    HeadAssessmentForm,
    HeadSettingsForm,
    ManualScoreForm,
    QuotaExceptionForm,
    ReopenForm,
    ReviewForm,
    SchemeSettingsForm,
    SelfAssessmentForm,
    StaffRatingForm,
    YearCreateForm,
    add_service_errors,
)
from .models import (
    Criterion,
    Disqualifier,
    EmulationYear,
    EvidenceFile,
    HeadAssessment,
    LeaderScore,
    ManualScore,
    SelfAssessment,
    StaffRating,
    UnitScore,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EmulationReaderMixin(LoginRequiredMixin):
    """Pages for logged-in users who may read at least one unit; ``year`` from the URL or 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.access.can_read_anything:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def access(self) -> Access:
        return access_for_request(self.request)

    @cached_property
    def year(self) -> EmulationYear:
        return get_object_or_404(EmulationYear.objects.select_related("finalised_by"), year=self.kwargs["year"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_manage"] = selectors.may_manage(self.access)
        if "year" in self.kwargs:
            context["year"] = self.year
            context["finalised_by"] = person_name(self.year.finalised_by) if self.year.finalised_by else "—"
        return context


class EmulationManagerMixin(EmulationReaderMixin):
    """The ministry office's tools."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.may_manage(access_for_request(request)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _service_message(error: ValidationError | ConflictError) -> str:
    return " ".join(error.messages) if isinstance(error, ValidationError) else error.message


# --- Years and the ranking ------------------------------------------------------------------


class YearListView(EmulationReaderMixin, TemplateView):
    """Every emulation year with its status; the ministry office opens a new one here."""

    template_name = "emulation/year_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["years"] = EmulationYear.objects.annotate(criterion_count=Count("criteria")).order_by("-year")
        if context["may_manage"] and "create_form" not in context:
            latest = EmulationYear.objects.order_by("-year").first()
            with_scheme = EmulationYear.objects.filter(criteria__isnull=False).order_by("-year").first()
            context["create_form"] = YearCreateForm(
                initial={
                    "year": latest.year + 1 if latest else timezone.localdate().year,
                    "copy_from": with_scheme.year if with_scheme else None,
                }
            )
        return context

    def post(self, request, *args, **kwargs):
        if not selectors.may_manage(self.access):
            raise PermissionDenied
        form = YearCreateForm(request.POST)
        if form.is_valid():
            year, source = form.cleaned_data["year"], form.cleaned_data["copy_from"]
            try:
                if source is not None:
                    services.scheme_copy(from_year=source.year, to_year=year, by=request.user)
                else:
                    services.emulation_year_create(year=year, by=request.user)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "to_year" in error.error_dict:
                    error = ValidationError({"year": error.error_dict["to_year"]})
                add_service_errors(form, error)
            except ConflictError as error:
                form.add_error("year", error.message)
            else:
                messages.success(request, _("Year %(year)s created.") % {"year": year})
                return redirect("emulation:scheme", year=year)
        return self.render_to_response(self.get_context_data(create_form=form), status=400)


class YearDetailView(EmulationReaderMixin, TemplateView):
    """The year's ranking of units and of leaders, its scheme, status and audit trail.

    A fixed number of queries whatever the number of units: the year, the two rankings, the
    unscored units, the criteria and the audit trail.
    """

    template_name = "emulation/year_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year, access = self.year, self.access
        unit_scores = list(selectors.unit_ranking(year, access))
        leader_scores = list(selectors.leader_ranking(year, access))
        for score in [*unit_scores, *leader_scores]:
            score.readable = selectors.may_read_breakdown(access, score.unit_id)
        criteria = list(year.criteria.order_by("position", "pk"))
        names = {criterion.code: str(criterion.name) for criterion in criteria}
        context.update(
            unit_scores=unit_scores,
            leader_scores=leader_scores,
            whole_ranking=selectors.sees_whole_ranking(access),
            unscored_units=list(selectors.unscored_units(year)) if year.computed_at else [],
            criteria=criteria,
            audit=[(entry, selectors.audit_changes(entry, names)) for entry in selectors.audit_trail(year)]
            if access.read_all
            else None,
            band_counts=_band_counts(unit_scores),
            AuditAction=AuditAction,
            steps=selectors.year_steps(year),
        )
        return context


def _band_counts(scores) -> list[tuple[str, str, int]]:
    return [(band.value, band.label, sum(1 for score in scores if score.band == band)) for band in Band]


class ExportView(EmulationReaderMixin, View):
    """The ranking as an Excel file, with the rows the user may see; official Vietnamese headings."""

    def get(self, request, *args, **kwargs):
        year, access = self.year, self.access
        with_criteria = access.read_all
        unit_scores = selectors.unit_ranking(year, access)
        leader_scores = selectors.leader_ranking(year, access)
        if with_criteria:
            unit_scores = unit_scores.prefetch_related("lines")
            leader_scores = leader_scores.prefetch_related("lines")
        content = exports.ranking_xlsx(
            year=year,
            unit_scores=list(unit_scores),
            leader_scores=list(leader_scores),
            criteria=list(year.criteria.order_by("position", "pk")) if with_criteria else [],
            generated_on=timezone.localdate(),
        )
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="thi-dua-{year.year}.xlsx"'
        return response


class TrackingExportView(EmulationReaderMixin, View):
    """The heads' monthly tracking sheet (Excel): the heads whose breakdown the user may read."""

    def get(self, request, *args, **kwargs):
        year, access = self.year, self.access
        leader_scores = [
            score
            for score in selectors.leader_ranking(year, access).prefetch_related("lines")
            if selectors.may_read_breakdown(access, score.unit_id)
        ]
        content = exports.tracking_xlsx(
            year=year,
            leader_scores=leader_scores,
            months=selectors.months_of(year, [score.tenure_id for score in leader_scores]),
            generated_on=timezone.localdate(),
        )
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="theo-doi-hang-thang-{year.year}.xlsx"'
        return response


# --- Breakdowns -----------------------------------------------------------------------------


class BreakdownView(EmulationReaderMixin, TemplateView):
    """How one score was made up: each criterion's value, target, points, and the dossiers behind it."""

    template_name = "emulation/breakdown.html"

    def get_score(self) -> UnitScore | LeaderScore:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        score = self.get_score()
        if not selectors.may_read_breakdown(self.access, score.unit_id):
            raise PermissionDenied(_("You may read the breakdown of your own unit's scores only."))
        context.update(
            score=score,
            lines=selectors.breakdown(score),
            is_leader=isinstance(score, LeaderScore),
            periods=selectors.period_scores(score),
            band_explanation=selectors.band_explanation(score, self.year),
        )
        return context


class UnitBreakdownView(BreakdownView):
    def get_score(self):
        return get_object_or_404(
            UnitScore.objects.select_related("unit"), year=self.year, unit__code=self.kwargs["code"]
        )


class LeaderBreakdownView(BreakdownView):
    def get_score(self):
        return get_object_or_404(
            LeaderScore.objects.select_related("unit", "tenure__person"),
            year=self.year,
            tenure_id=self.kwargs["tenure"],
        )


# --- The ministry office's tools ------------------------------------------------------------


class ComputeView(EmulationManagerMixin, View):
    """Recompute the year's scores now (the nightly run does the same for every draft year)."""

    def post(self, request, *args, **kwargs):
        try:
            services.emulation_compute(year=self.year.year, by=request.user)
        except (ValidationError, ConflictError) as error:
            messages.error(request, _service_message(error))
        else:
            messages.success(request, _("The scores of %(year)s have been recomputed.") % {"year": self.year.year})
        return redirect("emulation:year", year=self.year.year)


class SchemeEditView(EmulationManagerMixin, TemplateView):
    """The scheme editor: criteria (with a live sum), band thresholds and the minimum tenure."""

    template_name = "emulation/scheme_edit.html"

    def get(self, request, *args, **kwargs):
        criteria = self.year.criteria.order_by("position", "pk")
        formset = CriterionFormSet(
            prefix="criteria",
            initial=[
                {
                    "id": criterion.pk,
                    **{name: getattr(criterion, name) for name in ("code", "name_vi", "name_en", "metric")},
                    "target": criterion.target,
                    "max_points": criterion.max_points,
                }
                for criterion in criteria
            ],
        )
        return self.render_to_response(
            self.get_context_data(settings_form=SchemeSettingsForm(instance=self.year), formset=formset)
        )

    def post(self, request, *args, **kwargs):
        settings_form = SchemeSettingsForm(request.POST, instance=EmulationYear.objects.get(pk=self.year.pk))
        formset = CriterionFormSet(request.POST, prefix="criteria")
        context = {"settings_form": settings_form, "formset": formset}
        if not (settings_form.is_valid() and formset.is_valid()):
            return self.render_to_response(self.get_context_data(**context), status=400)
        try:
            services.scheme_update(
                year=self.year.year,
                criteria=[form.as_input() for form in formset.kept_forms()],
                by=request.user,
                **settings_form.cleaned_data,
            )
        except ValidationError as error:
            errors = dict(error.message_dict) if hasattr(error, "error_dict") else {"criteria": error.messages}
            scheme_errors = errors.pop("criteria", [])
            for field, field_messages in errors.items():
                settings_form.add_error(field if field in settings_form.fields else None, field_messages)
            return self.render_to_response(self.get_context_data(scheme_errors=scheme_errors, **context), status=400)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(conflict=error.message, **context), status=409)
        messages.success(request, _("The scoring scheme of %(year)s has been saved.") % {"year": self.year.year})
        return redirect("emulation:year", year=self.year.year)


class ManualScoreView(EmulationManagerMixin, TemplateView):
    """Points on the manual criteria, unit by unit, with their evidence."""

    template_name = "emulation/manual_scores.html"

    @cached_property
    def units(self):
        return services.scorable_units()

    @cached_property
    def manual_criteria(self):
        return Criterion.objects.filter(year=self.year, metric="").order_by("position", "pk")

    def form(self, data=None) -> ManualScoreForm:
        unit_ids = [unit.pk for unit in self.units]
        initial = {}
        if data is None:
            initial = {"unit": self.request.GET.get("unit"), "criterion": self.request.GET.get("criterion")}
            existing = ManualScore.objects.filter(
                criterion__year=self.year, unit__code=initial["unit"], criterion__code=initial["criterion"]
            ).first()
            if existing:
                initial.update(points=existing.points, evidence=existing.evidence)
        return ManualScoreForm(
            data,
            initial=initial,
            units=Unit.objects.filter(pk__in=unit_ids).order_by("path"),
            criteria=self.manual_criteria,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entered = {
            (score.unit_id, score.criterion_id): score
            for score in ManualScore.objects.filter(criterion__year=self.year).select_related("by")
        }
        criteria = list(self.manual_criteria)
        context.update(
            criteria=criteria,
            rows=[
                (unit, [(criterion, entered.get((unit.pk, criterion.pk))) for criterion in criteria])
                for unit in self.units
            ],
        )
        context.setdefault("form", self.form())
        return context

    def post(self, request, *args, **kwargs):
        form = self.form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.manual_score_set(
                    year=self.year.year,
                    unit=data["unit"],
                    criterion=data["criterion"],
                    points=data["points"],
                    evidence=data["evidence"],
                    by=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as error:
                return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
            else:
                messages.success(
                    request,
                    _("%(unit)s: %(points)s points on “%(criterion)s” saved. Recompute to update the ranking.")
                    % {"unit": data["unit"].code, "points": data["points"], "criterion": data["criterion"].name},
                )
                return redirect("emulation:manual", year=self.year.year)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class FinaliseView(EmulationManagerMixin, TemplateView):
    """The council's decision, the quota check with its exceptions, then confirm and freeze the year."""

    template_name = "emulation/finalise.html"

    def agencies(self):
        return Unit.objects.active().filter(children__isnull=False).distinct().order_by("path")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", FinaliseForm())
        context.setdefault(
            "council_form",
            CouncilDecisionForm(
                prefix="council",
                initial={"number": self.year.council_decision_number, "date": self.year.council_decision_date},
            ),
        )
        context.setdefault("exception_form", QuotaExceptionForm(prefix="exception", agencies=self.agencies()))
        scores = list(UnitScore.objects.filter(year=self.year).only("band"))
        context.update(
            unit_count=len(scores),
            leader_count=LeaderScore.objects.filter(year=self.year).count(),
            band_counts=_band_counts(scores),
            quota_breaches=selectors.quota_breaches(self.year),
            quota_exceptions=self.year.quota_exceptions.select_related("agency"),
        )
        return context

    def post(self, request, *args, **kwargs):
        step = request.POST.get("form", "finalise")
        if step == "council":
            return self.record(
                "council_form",
                CouncilDecisionForm(request.POST, prefix="council"),
                lambda data: services.council_decision_record(year=self.year.year, by=request.user, **data),
            )
        if step == "exception":
            return self.record(
                "exception_form",
                QuotaExceptionForm(request.POST, prefix="exception", agencies=self.agencies()),
                lambda data: services.quota_exception_record(year=self.year.year, by=request.user, **data),
            )
        form = FinaliseForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        try:
            services.emulation_finalise(year=self.year.year, by=request.user)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
        messages.success(request, _("Year %(year)s is finalised: its scores are frozen.") % {"year": self.year.year})
        return redirect("emulation:year", year=self.year.year)

    def record(self, name, form, save):
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as error:
                return self.render_to_response(
                    self.get_context_data(**{name: form}, conflict=error.message), status=409
                )
            else:
                messages.success(self.request, _("Recorded in the year's audit trail."))
                return redirect("emulation:finalise", year=self.year.year)
        return self.render_to_response(self.get_context_data(**{name: form}), status=400)


class ReopenView(EmulationManagerMixin, TemplateView):
    """Reopen a finalised year for a correction, with the reason recorded."""

    template_name = "emulation/reopen.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ReopenForm())
        return context

    def post(self, request, *args, **kwargs):
        form = ReopenForm(request.POST)
        if form.is_valid():
            try:
                services.emulation_reopen(year=self.year.year, by=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as error:
                return self.render_to_response(self.get_context_data(form=form, conflict=error.message), status=409)
            else:
                messages.success(request, _("Year %(year)s is reopened as a draft.") % {"year": self.year.year})
                return redirect("emulation:year", year=self.year.year)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HeadsView(EmulationManagerMixin, TemplateView):
    """Decree 335/2025 inputs of a year: how heads are scored, their points by hand, the staff
    ratings units record, and the decisions that force "not completed". One form per post."""

    template_name = "emulation/heads.html"
    FORMS = ("settings", "assessment", "rating", "disqualifier")

    @cached_property
    def tenures(self):
        period = self.year.period
        return (
            Tenure.objects.heads()
            .overlapping(period.date_from, period.date_to)
            .select_related("person", "unit")
            .order_by("unit__path", "start_date")
        )

    @cached_property
    def units(self):
        return Unit.objects.active().filter(parent__isnull=False).order_by("path")

    def build(self, name, data=None):
        if name == "settings":
            return HeadSettingsForm(data, instance=EmulationYear.objects.get(pk=self.year.pk), prefix="settings")
        if name == "assessment":
            return HeadAssessmentForm(data, tenures=self.tenures, prefix="assessment")
        if name == "rating":
            return StaffRatingForm(data, units=self.units, prefix="rating")
        return DisqualifierForm(data, units=self.units, tenures=self.tenures, prefix="disqualifier")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for name in self.FORMS:
            context.setdefault(f"{name}_form", self.build(name))
        titles = {
            "settings": _("How heads are scored"),
            "assessment": _("A head's points by hand"),
            "rating": _("Staff ratings of a unit"),
            "disqualifier": _("A decision forcing “not completed”"),
        }
        context["forms"] = [(name, context[f"{name}_form"], titles[name]) for name in self.FORMS]
        context.update(
            assessments=HeadAssessment.objects.filter(year=self.year)
            .select_related("tenure__person", "tenure__unit", "by")
            .order_by("tenure__unit__path"),
            ratings=StaffRating.objects.filter(year=self.year).select_related("unit", "year").order_by("unit__path"),
            disqualifiers=Disqualifier.objects.filter(year=self.year).select_related("unit", "tenure__person"),
        )
        return context

    def post(self, request, *args, **kwargs):
        name = request.POST.get("form")
        if name not in self.FORMS:
            return self.render_to_response(self.get_context_data(), status=400)
        form = self.build(name, request.POST)
        if form.is_valid():
            data, year = form.cleaned_data, self.year.year
            try:
                if name == "settings":
                    services.head_settings_update(year=year, by=request.user, **data)
                elif name == "assessment":
                    services.head_assessment_set(year=year, by=request.user, **data)
                elif name == "rating":
                    services.staff_rating_record(year=year, by=request.user, **data)
                else:
                    services.disqualifier_record(year=year, by=request.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            except ConflictError as error:
                return self.render_to_response(
                    self.get_context_data(**{f"{name}_form": form}, conflict=error.message), status=409
                )
            else:
                messages.success(request, _("Saved. The scores change at the next computation."))
                return redirect("emulation:heads", year=self.year.year)
        return self.render_to_response(self.get_context_data(**{f"{name}_form": form}), status=400)


# --- Self-assessment → review ------------------------------------------------------------------


class SelfAssessmentListView(EmulationReaderMixin, TemplateView):
    """Where every unit's self-assessment stands (the office), or the reader's own units'."""

    template_name = "emulation/self_assessments.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        units = services.scorable_units()
        if not self.access.read_all:
            units = [unit for unit in units if self.access.can_write_unit(unit.pk)]
        status = {
            item.unit_id: item
            for item in SelfAssessment.objects.filter(year=self.year).select_related("submitted_by", "reviewed_by")
        }
        context["rows"] = [(unit, status.get(unit.pk)) for unit in units]
        return context


class SelfAssessmentView(EmulationReaderMixin, TemplateView):
    """One unit's self-assessment: the unit writes and submits it, the ministry office reviews it."""

    template_name = "emulation/self_assessment.html"

    @cached_property
    def unit(self) -> Unit:
        unit = get_object_or_404(Unit, code=self.kwargs["code"])
        if not (self.access.can_write_unit(unit.pk) or self.access.can_read_unit(unit.pk)):
            raise PermissionDenied(_("You may open the self-assessment of your own units only."))
        return unit

    @cached_property
    def assessment(self) -> SelfAssessment | None:
        return (
            SelfAssessment.objects.filter(year=self.year, unit=self.unit)
            .select_related("submitted_by", "reviewed_by")
            .first()
        )

    @property
    def may_write(self) -> bool:
        return self.access.can_write_unit(self.unit.pk) and not self.year.is_finalised

    @property
    def may_review(self) -> bool:
        return selectors.may_manage(self.access) and not self.year.is_finalised

    def criteria(self):
        return Criterion.objects.filter(year=self.year, metric="").order_by("position", "pk")

    def lines(self):
        if self.assessment is None:
            return []
        return list(self.assessment.lines.select_related("criterion").order_by("criterion__position", "pk"))

    def assessment_form(self, data=None, files=None):
        initial = {"comments": self.assessment.comments if self.assessment else ""}
        for line in self.lines():
            initial[f"points_{line.criterion.code}"] = line.claimed_points
            initial[f"evidence_{line.criterion.code}"] = line.evidence
        return SelfAssessmentForm(data, files, initial=initial, criteria=self.criteria())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.assessment.status if self.assessment else AssessmentStatus.DRAFT
        if status == AssessmentStatus.DRAFT and self.may_write:
            context.setdefault("form", self.assessment_form())
        if status == AssessmentStatus.SUBMITTED and self.may_review:
            context.setdefault("review_form", ReviewForm(lines=self.lines()))
        context.update(
            unit=self.unit,
            assessment=self.assessment,
            status=status,
            status_label=AssessmentStatus(status).label,
            lines=self.lines(),
            files=list(self.assessment.files.defer("data")) if self.assessment else [],
            audit=[
                (entry, selectors.audit_changes(entry, selectors.criterion_names(self.year)))
                for entry in selectors.audit_trail(self.year).filter(
                    unit=self.unit, action__in=[AuditAction.SELF_ASSESSMENT, AuditAction.REVIEW]
                )
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action in ("save", "submit") and self.may_write:
            return self.save(request, submit=action == "submit")
        if action == "review" and self.may_review:
            form = ReviewForm(request.POST, lines=self.lines())
            if form.is_valid():
                return self.run(
                    form,
                    "review_form",
                    lambda: services.self_assessment_review(
                        year=self.year.year, unit=self.unit, decisions=form.decisions(), by=request.user
                    ),
                    _("Reviewed: the points kept are the unit's manual points."),
                )
            return self.render_to_response(self.get_context_data(review_form=form), status=400)
        raise PermissionDenied

    def save(self, request, *, submit: bool):
        form = self.assessment_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)

        upload = form.cleaned_data.get("file")

        def write():
            services.self_assessment_write(
                year=self.year.year,
                unit=self.unit,
                claims=form.claims(),
                comments=form.cleaned_data["comments"],
                file=(upload.name, upload.read()) if upload is not None else None,
                submit=submit,
                by=request.user,
            )

        done = _("Submitted to the ministry office.") if submit else _("Saved as a draft.")
        return self.run(form, "form", write, done)

    def run(self, form, name, write, done):
        try:
            write()
        except ValidationError as error:
            add_service_errors(form, error)
        except ConflictError as error:
            return self.render_to_response(self.get_context_data(**{name: form}, conflict=error.message), status=409)
        else:
            messages.success(self.request, done)
            return redirect("emulation:self_assessment", year=self.year.year, code=self.unit.code)
        return self.render_to_response(self.get_context_data(**{name: form}), status=400)


class EvidenceFileView(SelfAssessmentView):
    """An evidence file of a self-assessment, for whoever may open that self-assessment."""

    def get(self, request, *args, **kwargs):
        item = get_object_or_404(
            EvidenceFile, pk=self.kwargs["file"], assessment__year=self.year, assessment__unit=self.unit
        )
        response = HttpResponse(bytes(item.data), content_type=item.content_type)
        response["Content-Disposition"] = f'attachment; filename="{item.name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class OwnScoresView(LoginRequiredMixin, TemplateView):
    """A head's own scores, year by year, and their history month by month."""

    template_name = "emulation/own_scores.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scores"] = selectors.own_scores(self.request.user)
        return context
