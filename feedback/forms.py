"""Forms of the feedback pages: staff entry, one form per step, and the citizen's forms.

Forms only parse; the rules (lengths, which step is allowed now) live in ``feedback.services``,
whose ``ValidationError`` messages are put back on the fields, so the API and the pages agree.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import BootstrapFormMixin
from dossiers.forms import LocalDateTimeInput, LookupForm

from .choices import Classification, Source, Topic
from .models import CONTENT_MAX_LENGTH

TEXTAREA = {"rows": 6, "maxlength": str(CONTENT_MAX_LENGTH)}


class ReceiveFeedbackForm(BootstrapFormMixin, forms.Form):
    """An item that arrived by letter or was forwarded by the Government Office or another agency."""

    unit = forms.ModelChoiceField(label=_("Unit concerned"), queryset=None)
    source = forms.ChoiceField(
        label=_("Source"), choices=[choice for choice in Source.choices if choice[0] != Source.PUBLIC_PAGE]
    )
    forwarding_document = forms.CharField(label=_("Forwarding document"), required=False, max_length=255)
    received_at = forms.DateTimeField(
        label=_("Sent or forwarded at"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("The deadlines count from this day. Leave empty for now."),
    )
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    sender_name = forms.CharField(label=_("Sender"), max_length=255)
    sender_email = forms.CharField(label=_("Email"), required=False, max_length=254)
    sender_phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    procedure_code = forms.CharField(label=_("Procedure code (optional)"), required=False, max_length=20)
    dossier_code = forms.CharField(label=_("Dossier code (optional)"), required=False, max_length=40)
    title = forms.CharField(label=_("Title"), max_length=255)
    content = forms.CharField(label=_("Content"), strip=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class StepForm(BootstrapFormMixin, forms.Form):
    """Fields every step has: when it happened, and the version of the item it was made on."""

    at = forms.DateTimeField(
        label=_("At"),
        required=False,
        widget=LocalDateTimeInput(),
        help_text=_("Leave empty for now; fill in only to record a step taken earlier."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("version", item.event_count)
        super().__init__(*args, **kwargs)
        self.item = item

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["expected_version"] = data.pop("version")
        return data


class ClassifyForm(StepForm):
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    note = forms.CharField(label=_("Note"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_arguments(self) -> dict:
        data = super().service_arguments()
        data.pop("at")
        return data


class RefuseForm(StepForm):
    reason = forms.CharField(label=_("Reason"), strip=False, widget=forms.Textarea(attrs=TEXTAREA))


class RequestInformationForm(StepForm):
    note = forms.CharField(label=_("Information needed"), strip=False, widget=forms.Textarea(attrs=TEXTAREA))


class ReceiveInformationForm(StepForm):
    note = forms.CharField(
        label=_("What was received"), required=False, strip=False, widget=forms.Textarea(attrs=TEXTAREA)
    )


class AnswerForm(StepForm):
    answer = forms.CharField(label=_("Answer"), strip=False, widget=forms.Textarea(attrs=TEXTAREA))


class PublishForm(StepForm):
    pass


class RateForm(StepForm):
    liked = forms.TypedChoiceField(
        label=_("Did the sender like the handling?"),
        choices=[("true", _("Liked")), ("false", _("Disliked"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 2}))


# --- The citizen's forms ---------------------------------------------------------------------------


class PublicFeedbackForm(LookupForm):
    """Feedback an applicant sends from their dossier's public page (the lookup pair rides along)."""

    topic = forms.ChoiceField(label=_("What is it about?"), choices=Topic.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=255)
    # Lengths are checked by the service (one message for the page and the API); the browser stops at it too.
    content = forms.CharField(label=_("Your feedback"), strip=False, widget=forms.Textarea(attrs=TEXTAREA))
    email = forms.CharField(label=_("Email for the answer (optional)"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone for the answer (optional)"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()
        self.fields["key"].widget = forms.HiddenInput()


class PublicFeedbackRateForm(LookupForm):
    """The sender's like or dislike, from the item's public page."""

    liked = forms.TypedChoiceField(
        label=_("Are you satisfied with how your feedback was handled?"),
        choices=[("true", _("Satisfied")), ("false", _("Not satisfied"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, strip=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget = forms.HiddenInput()
        self.fields["key"].widget = forms.HiddenInput()


class FeedbackLookupForm(LookupForm):
    """An item's code and lookup code, as the sender received them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Feedback code")
        self.fields["code"].widget.attrs["placeholder"] = "PAKN-260302-0001"
        self.fields["key"].help_text = _("Given when you sent it, and in the message we sent you.")
