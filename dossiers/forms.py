"""Forms of the dossier screens: the reception desk and one form per step of the lifecycle.

The forms only parse what the officer typed; every rule (future times, abolished procedures,
which step is allowed now) lives in ``dossiers.services``, whose ``ValidationError`` messages are
put back on the fields by ``add_service_errors`` so that the API and the screens say the same.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin, DateInput
from procedures.models import Procedure
from units.models import Unit

from .choices import ApplicantKind, Channel, Outcome
from .models import Dossier
from .services import RATING_COMMENT_MAX_LENGTH

LOCAL_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; the value is read in the ministry's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_DATETIME_FORMAT)


class ProcedureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, procedure):
        return f"{procedure.code} – {procedure.name} ({procedure.unit.code})"


class ReceiveForm(BootstrapFormMixin, forms.Form):
    """What the one-stop desk records when a dossier comes in."""

    procedure = ProcedureChoiceField(label=_("Procedure"), queryset=Procedure.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.IN_PERSON)
    applicant_kind = forms.ChoiceField(
        label=_("Applicant kind"), choices=ApplicantKind.choices, initial=ApplicantKind.PERSON
    )
    applicant_name = forms.CharField(label=_("Applicant name"), max_length=255)
    applicant_id_number = forms.CharField(label=_("ID or tax number"), max_length=20, required=False)
    applicant_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    applicant_email = forms.CharField(label=_("Email"), max_length=254, required=False)
    applicant_address = forms.CharField(label=_("Address"), max_length=500, required=False)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("Leave empty for now; fill in only to record a dossier received earlier."),
    )
    note = forms.CharField(
        label=_("Documents received"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the receipt, e.g. the list of documents and the number of copies."),
    )
    backdate_reason = forms.CharField(
        label=_("Why recorded only now"),
        required=False,
        max_length=500,
        help_text=_("Needed when the time is on or before the end of a reporting period already submitted."),
    )
    fee_amount = forms.DecimalField(label=_("Fee (VND)"), max_digits=14, decimal_places=0, initial=0, required=False)
    fee_paid_online = forms.BooleanField(label=_("Fee paid online"), required=False)
    result_electronic = forms.BooleanField(label=_("Electronic result"), required=False)
    documents_digitised = forms.BooleanField(label=_("Documents digitised"), required=False)
    data_reused = forms.BooleanField(label=_("Reuses digitised data"), required=False)
    from_data_store = forms.BooleanField(label=_("Components from the citizen's data store"), required=False)
    vneid_verified = forms.BooleanField(label=_("Account authenticated with VNeID"), required=False)

    def __init__(self, *args, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures

    def clean_fee_amount(self):
        return self.cleaned_data["fee_amount"] or 0


class ActionForm(BootstrapFormMixin, forms.Form):
    """Fields every lifecycle step has: when it happened and the version of the dossier it was made on."""

    at = forms.DateTimeField(
        label=_("At"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("Leave empty for now; fill in only to record a step taken earlier."),
    )
    # The dossier's event count when the page was loaded: a step someone else recorded meanwhile
    # makes the service refuse this one instead of silently acting on a dossier the officer has
    # not seen.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    field_order = ["outcome", "new_date", "satisfied", "reason", "note", "comment", "at"]

    def __init__(self, *args, dossier: Dossier, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", dossier.event_count)
        super().__init__(*args, **kwargs)
        self.dossier = dossier

    def service_arguments(self) -> dict:
        """Keyword arguments of the step's service, besides ``dossier`` and ``by``."""
        data = dict(self.cleaned_data)
        data["expected_version"] = data.pop("version")
        return data


class RequestSupplementForm(ActionForm):
    note = forms.CharField(
        label=_("What the applicant must supplement"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class ReceiveSupplementForm(ActionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class ReappointForm(ActionForm):
    new_date = forms.DateField(label=_("New appointment date"), widget=DateInput(), required=False)
    reason = forms.CharField(
        label=_("Reason for the delay"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Printed in the apology letter."),
    )


class EndForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when the dossier is refused or stopped: state the reason."),
    )


class ReturnForm(ActionForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class RateForm(ActionForm):
    satisfied = forms.TypedChoiceField(
        label=_("Was the applicant satisfied?"),
        choices=[("true", _("Satisfied")), ("false", _("Not satisfied"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Applicant's comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


# --- The applicant's side: the public status page ----------------------------------------------


class LookupForm(BootstrapFormMixin, forms.Form):
    """The dossier code and the lookup code printed on the receipt."""

    code = forms.CharField(
        label=_("Dossier code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "BYT-QLD-251103-0042"}),
    )
    key = forms.CharField(
        label=_("Lookup code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "XXXX-XXXX-XXXX"}
        ),
        help_text=_("Printed on your receipt under the QR code."),
    )


class PublicRatingForm(LookupForm):
    """The applicant's rating of an ended dossier, sent from the public page with the lookup pair."""

    satisfied = forms.TypedChoiceField(
        label=_("How satisfied are you with how your dossier was handled?"),
        choices=[("true", _("Satisfied")), ("false", _("Not satisfied"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    # The length is checked by the service (the same message as the API); the browser stops at it too.
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": str(RATING_COMMENT_MAX_LENGTH)}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()
        self.fields["key"].widget = forms.HiddenInput()


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    """The ministry office's upload of a dossier file (``dossiers.importing``)."""

    file = forms.FileField(label=_("File (.csv or .xlsx)"))
    source_system = forms.SlugField(
        label=_("Source system"),
        max_length=40,
        required=False,
        initial="import",
        help_text=_("The system the file comes from; a later file from the same system may add steps."),
        # Django's own message speaks of a "slug", in English only.
        error_messages={
            "invalid": _(
                "Use only unaccented letters (A–Z), digits, hyphens or underscores, e.g. mcdt-byt "
                "(the name set on that system's API token)."
            )
        },
    )
    dry_run = forms.BooleanField(label=_("Check only"), required=False)


class ReconciliationForm(BootstrapFormMixin, forms.Form):
    """The portal's export of one unit's dossiers for a period (``dossiers.reconciliation``)."""

    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.filter(is_active=True).order_by("path"))
    date_from = forms.DateField(label=_("Received from"), widget=DateInput())
    date_to = forms.DateField(label=_("Received to"), widget=DateInput())
    file = forms.FileField(label=_("The portal's list (CSV)"))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        if start and end and (end - start).days > 366:
            self.add_error("date_to", _("Compare at most a year at a time."))
        return cleaned
