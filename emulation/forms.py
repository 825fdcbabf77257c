"""Forms of the emulation screens. They parse input; the rules live in the models' clean() and the services."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin, LocalDecimalField
from config.numbers import number_text
from units.choices import UnitKind

from .choices import DisqualifierKind
from .metrics import metric_choices
from .models import Criterion, EmulationYear
from .services import HEAD_SETTINGS, Claim, CriterionInput, ReviewDecision


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the form's fields (or above it for the others)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class YearCreateForm(BootstrapFormMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2001, max_value=9999)
    copy_from = forms.ModelChoiceField(
        label=_("Start from the scheme of"),
        queryset=EmulationYear.objects.order_by("-year"),
        to_field_name="year",
        required=False,
        empty_label=_("An empty scheme"),
    )


class SchemeSettingsForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = EmulationYear
        fields = [
            "outstanding_min",
            "good_min",
            "completed_min",
            "min_tenure_months",
            "year_rule",
            "outstanding_max_behind",
            "good_max_behind",
            "completed_max_behind",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out of a post (an older form, a script), the year keeps its rule.
        self.fields["year_rule"].required = False

    def clean_year_rule(self):
        return self.cleaned_data.get("year_rule") or self.instance.year_rule


class CriterionForm(BootstrapFormMixin, forms.ModelForm):
    """One row of the scheme editor; the model's clean() checks the target against the metric."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Criterion
        fields = ["code", "name_vi", "name_en", "metric", "target", "max_points"]
        widgets = {
            "name_vi": forms.TextInput(attrs={"size": 30}),
            "name_en": forms.TextInput(attrs={"size": 20}),
            "max_points": forms.NumberInput(attrs={"step": "0.01", "class": "criterion-points"}),
            "target": forms.NumberInput(attrs={"step": "0.01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", gettext("Scored by hand")), *metric_choices()]
        self.fields["metric"].required = False

    def as_input(self) -> CriterionInput:
        data = self.cleaned_data
        return CriterionInput(
            id=data.get("id"),
            code=data["code"],
            name_vi=data["name_vi"],
            name_en=data.get("name_en") or "",
            max_points=data["max_points"],
            metric=data.get("metric") or "",
            target=data.get("target"),
        )


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        codes = set()
        for form in self.forms:
            if not form.has_changed() and not form.initial:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            code = form.cleaned_data.get("code") if hasattr(form, "cleaned_data") else None
            if code in codes:
                form.add_error("code", gettext("Two criteria have this code."))
            codes.add(code)

    def kept_forms(self) -> list[CriterionForm]:
        """The rows to save: filled in and not marked for deletion, in the order shown."""
        return [
            form
            for form in self.forms
            if (form.has_changed() or form.initial) and not (self.can_delete and self._should_delete_form(form))
        ]


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=2, can_delete=True, max_num=50, validate_max=True
)


class ManualScoreForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, to_field_name="code")
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=None, to_field_name="code")
    points = LocalDecimalField(label=_("Points"), max_digits=5, decimal_places=2, min_value=Decimal(0))
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the points rest on: documents, decisions, results."),
    )

    def __init__(self, *args, units, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: (
            f"{'— ' * max(unit.depth - 1, 0)}{unit.code} – {unit.name}"
        )
        self.fields["criterion"].queryset = criteria
        self.fields["criterion"].label_from_instance = lambda criterion: (
            f"{criterion.name} ({gettext('at most %(max)s points') % {'max': number_text(criterion.max_points)}})"
        )


class FinaliseForm(BootstrapFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I have reviewed the ranking: freeze these scores."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ReopenForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the year's audit trail."),
    )


class HeadSettingsForm(BootstrapFormMixin, forms.ModelForm):
    """How the year scores its heads (Decree 335/2025) and the dossier mapping; the ministry office's."""

    class Meta:
        model = EmulationYear
        fields = list(HEAD_SETTINGS)


class HeadAssessmentForm(BootstrapFormMixin, forms.Form):
    tenure = forms.ModelChoiceField(label=_("Head"), queryset=None)
    general_points = LocalDecimalField(label=_("General criteria (points)"), max_digits=5, decimal_places=2)
    general_evidence = forms.CharField(
        label=_("Evidence for the general criteria"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Conduct, discipline, attitude to citizens and businesses, initiative: what the points rest on."),
    )
    organisation_percent = LocalDecimalField(
        label=_("Organisation of the unit's work (%)"), max_digits=5, decimal_places=2, required=False
    )
    organisation_evidence = forms.CharField(
        label=_("Evidence for the organisation of work"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, tenures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenure"].queryset = tenures
        self.fields["tenure"].label_from_instance = lambda tenure: (
            f"{tenure.person.full_name} – {tenure.unit.code} ({tenure.start_date:%d/%m/%Y} – "
            f"{tenure.end_date.strftime('%d/%m/%Y') if tenure.end_date else '…'})"
        )


class StaffRatingForm(BootstrapFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, to_field_name="code")
    kind = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=12, initial=1)
    outstanding = forms.IntegerField(label=_("Rated outstanding"), min_value=0, initial=0)
    good = forms.IntegerField(label=_("Rated good"), min_value=0, initial=0)
    completed = forms.IntegerField(label=_("Rated completed"), min_value=0, initial=0)
    not_completed = forms.IntegerField(label=_("Rated not completed"), min_value=0, initial=0)
    document_number = forms.CharField(label=_("Approving document number"), max_length=60)
    document_date = forms.DateField(label=_("Approving document date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class DisqualifierForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DisqualifierKind.choices)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None, to_field_name="code")
    tenure = forms.ModelChoiceField(
        label=_("Head"),
        queryset=None,
        required=False,
        help_text=_("The head sanctioned; empty for a sanction against the unit itself or a finding in the unit."),
    )
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = forms.DateField(label=_("Decision date"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, units, tenures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["tenure"].queryset = tenures
        self.fields["tenure"].label_from_instance = lambda tenure: f"{tenure.person.full_name} – {tenure.unit.code}"


class CouncilDecisionForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(label=_("Council's decision number"), max_length=60)
    date = forms.DateField(label=_("Council's decision date"), widget=forms.DateInput(attrs={"type": "date"}))


class QuotaExceptionForm(BootstrapFormMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, to_field_name="code")
    group = forms.ChoiceField(label=_("Group of similar duties"), required=False)
    decision_number = forms.CharField(label=_("Decision number"), max_length=60)
    decision_date = forms.DateField(label=_("Decision date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Outstanding achievements"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the decision recognises; recorded in the audit trail."),
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["group"].choices = [("", gettext("Every group")), *UnitKind.choices]


class SelfAssessmentForm(BootstrapFormMixin, forms.Form):
    """A unit's points and evidence on each manual criterion, its comments and one file to attach."""

    comments = forms.CharField(label=_("Comments"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    file = forms.FileField(
        label=_("Attach an evidence file"),
        required=False,
        help_text=_("PDF, image, Word or Excel, at most 5 MB."),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        fields = {}
        for criterion in self.criteria:
            fields[f"points_{criterion.code}"] = LocalDecimalField(
                label=gettext("%(name)s: points (at most %(max)s)")
                % {"name": criterion.name, "max": number_text(criterion.max_points)},
                max_digits=5,
                decimal_places=2,
                required=False,
            )
            fields[f"evidence_{criterion.code}"] = forms.CharField(
                label=gettext("%(name)s: evidence") % {"name": criterion.name},
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
                required=False,
            )
        self.fields = {**fields, **self.fields}

    def claims(self) -> list[Claim]:
        data = self.cleaned_data
        return [
            Claim(criterion, data.get(f"points_{criterion.code}"), data.get(f"evidence_{criterion.code}") or "")
            for criterion in self.criteria
        ]


class ReviewForm(BootstrapFormMixin, forms.Form):
    """The points the office keeps on each line of a submitted self-assessment, and why if adjusted."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            code = line.criterion.code
            self.fields[f"points_{code}"] = LocalDecimalField(
                label=gettext("%(name)s: points kept (claimed %(points)s)")
                % {"name": line.criterion.name, "points": number_text(line.claimed_points)},
                max_digits=5,
                decimal_places=2,
                initial=line.claimed_points,
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label=gettext("Reason for an adjustment"),
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def decisions(self) -> list[ReviewDecision]:
        data = self.cleaned_data
        return [
            ReviewDecision(
                line.criterion,
                data.get(f"points_{line.criterion.code}"),
                data.get(f"reason_{line.criterion.code}") or "",
            )
            for line in self.lines
        ]
