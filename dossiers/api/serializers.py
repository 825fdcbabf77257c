"""Dossier API shapes: one read shape for a dossier, one request body per command.

Request serializers only parse (types, lengths, formats); the rules of the lifecycle are checked by
the services, so the API, the screens and the admin give the same messages.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api import CodeRelatedField, StrictInput
from procedures.models import Procedure
from workdays.calendar import in_dated_range, out_of_range_message

from .. import codes, selectors
from ..choices import Action, ApplicantKind, Channel, Outcome, Timeliness
from ..models import Dossier, DossierEvent, ReappointmentProposal
from ..services import NOTE_MAX_LENGTH, Applicant


def _max_length(field_name: str) -> int:
    return Dossier._meta.get_field(field_name).max_length


def within_calendar(value):
    """Deadlines are counted on the working-day calendar: a dossier's date lies in FIRST_YEAR to
    LAST_DATED_YEAR (``workdays.calendar``), the range and words the services use too."""
    if not in_dated_range(value):
        raise serializers.ValidationError(out_of_range_message())


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date and time; one without a UTC offset is passed on as it is.

    DRF would silently read a naive time as local time; the service refuses it instead with a
    message that says to add the offset (a remote system's clock may not be in Hanoi).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("validators", [within_calendar])
        super().__init__(**kwargs)

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            return value
        return super().enforce_timezone(value)


class DossierSerializer(serializers.ModelSerializer):
    """A dossier as lists and details show it, with what the requesting principal may do next.

    Needs ``access`` and ``today`` in its context (the viewset puts them there).
    """

    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    procedure_name = serializers.CharField(source="procedure.name", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    version = serializers.IntegerField(
        source="event_count",
        read_only=True,
        help_text=_("Number of steps recorded so far; send it back as `version` with a command to detect edits."),
    )
    # What the schema promises is what is sent: empty while open (outcome, timeliness) or not given
    # (e-mail, which may also be masked, so it is not promised to look like an address).
    applicant_email = serializers.CharField(
        read_only=True, help_text=_("As given; empty when none, masked for some readers.")
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    timeliness = serializers.ChoiceField(choices=Timeliness.choices, allow_blank=True, read_only=True)
    is_overdue = serializers.SerializerMethodField()
    is_due_soon = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Dossier
        fields = [
            "code",
            "procedure",
            "procedure_name",
            "unit",
            "unit_name",
            "field",
            "channel",
            "applicant_kind",
            "applicant_name",
            "applicant_id_number",
            "applicant_phone",
            "applicant_email",
            "applicant_address",
            "received_at",
            "received_on",
            "processing_days",
            "fee_amount",
            "fee_paid_online",
            "result_electronic",
            "documents_digitised",
            "data_reused",
            "from_data_store",
            "vneid_verified",
            "status",
            "counted_from",
            "appointment_date",
            "reappointed_date",
            "supplement_count",
            "reappointment_count",
            "ended_at",
            "ended_on",
            "outcome",
            "timeliness",
            "returned_at",
            "satisfied",
            "backdated",
            "version",
            "is_overdue",
            "is_due_soon",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _due_soon_last_day(self):
        # Computed once per response: a list serializer's rows share the root's context.
        if "due_soon_last_day" not in self.context:
            self.context["due_soon_last_day"] = selectors.due_soon_last_day(self.context["today"])
        return self.context["due_soon_last_day"]

    def get_is_overdue(self, dossier) -> bool:
        return dossier.is_overdue(self.context["today"])

    def get_is_due_soon(self, dossier) -> bool:
        return selectors.is_due_soon(dossier, on=self.context["today"], last_day=self._due_soon_last_day())

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=Action.choices)))
    def get_allowed_actions(self, dossier) -> list[str]:
        return selectors.actions_for(dossier, access=self.context["access"], on=self.context["today"])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The same rule as every page (``selectors.hide_personal_data``), on a copy of the values.
        if not instance.personal_data_masked and not selectors.shows_personal_data(
            self.context["access"], unit_id=instance.unit_id
        ):
            for name in selectors.PERSONAL_FIELDS:
                data[name] = selectors.mask_personal(name, data[name])
        return data


class DossierEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Who recorded the step; null for a step recorded by a system (sync, import)."),
    )

    class Meta:
        model = DossierEvent
        fields = ["sequence", "kind", "at", "by", "note", "data"]
        read_only_fields = fields


class ReceiveSerializer(StrictInput, serializers.Serializer):
    """The body of ``POST /dossiers/``: a dossier received at the desk or from another system."""

    procedure = CodeRelatedField(
        # With what the answer shows: the received dossier is answered from the row written.
        queryset=Procedure.objects.select_related("unit", "field"),
        unknown_message=_("No procedure has the national code {value}."),
        help_text=_("National procedure code, e.g. 1.004567."),
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant_kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.PERSON)
    applicant_name = serializers.CharField(max_length=_max_length("applicant_name"), allow_blank=True)
    applicant_id_number = serializers.CharField(
        max_length=_max_length("applicant_id_number"), required=False, allow_blank=True
    )
    applicant_phone = serializers.CharField(max_length=_max_length("applicant_phone"), required=False, allow_blank=True)
    applicant_email = serializers.CharField(max_length=_max_length("applicant_email"), required=False, allow_blank=True)
    applicant_address = serializers.CharField(
        max_length=_max_length("applicant_address"), required=False, allow_blank=True
    )
    received_at = OffsetDateTimeField(
        required=False, help_text=_("When the dossier was received, with its UTC offset; now if omitted.")
    )
    code = serializers.CharField(
        max_length=_max_length("code"),
        required=False,
        allow_blank=True,
        validators=[codes.format_validator],
        help_text=_("Only for systems that already numbered the dossier; otherwise the next number is given."),
    )
    fee_amount = serializers.DecimalField(max_digits=14, decimal_places=0, required=False)
    fee_paid_online = serializers.BooleanField(required=False)
    result_electronic = serializers.BooleanField(required=False)
    documents_digitised = serializers.BooleanField(required=False)
    data_reused = serializers.BooleanField(required=False, help_text=_("Digitised data was reused."))
    from_data_store = serializers.BooleanField(
        required=False, help_text=_("Components were taken from the citizen's data store on the national portal.")
    )
    vneid_verified = serializers.BooleanField(
        required=False, help_text=_("The applicant's account was authenticated with VNeID.")
    )
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)
    backdate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "Why a time on or before the end of a reporting period already submitted is recorded only now "
            "(required then)."
        ),
    )

    def validate(self, attrs):
        attrs["applicant"] = Applicant(
            name=attrs.pop("applicant_name"),
            kind=attrs.pop("applicant_kind"),
            id_number=attrs.pop("applicant_id_number", ""),
            phone=attrs.pop("applicant_phone", ""),
            email=attrs.pop("applicant_email", ""),
            address=attrs.pop("applicant_address", ""),
        )
        return attrs


class CommandSerializer(StrictInput, serializers.Serializer):
    """What every command accepts: when the step happened and the version the client saw."""

    at = OffsetDateTimeField(
        required=False, help_text=_("When the step happened, with its UTC offset; now if omitted.")
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The dossier's `version` as the client last saw it; if it changed since, the answer is 409."),
    )
    backdate_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "Why a time on or before the end of a reporting period already submitted is recorded only now "
            "(required then)."
        ),
    )


class RequestSupplementSerializer(CommandSerializer):
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, help_text=_("What the applicant must supplement.")
    )


class ReceiveSupplementSerializer(CommandSerializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class ReappointSerializer(CommandSerializer):
    new_date = serializers.DateField(validators=[within_calendar])
    reason = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, allow_blank=True, help_text=_("Printed in the apology letter.")
    )


class EndSerializer(CommandSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True, help_text=_("Required for a refusal or a stop.")
    )


class ReturnSerializer(CommandSerializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class RatingSerializer(CommandSerializer):
    satisfied = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True)  # its length: the service (a clearer message)


class ConflictSerializer(serializers.Serializer):
    """The body of a 409 answer."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("stale, not_allowed or duplicate_code"))


class ProposalSerializer(serializers.ModelSerializer):
    """A re-appointment awaiting the unit head's decision (the 202 answer of ``reappoint/``)."""

    dossier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReappointmentProposal
        fields = [
            "id",
            "dossier",
            "new_date",
            "reason",
            "proposed_by",
            "proposed_at",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)


class ProposalDecisionSerializer(serializers.Serializer):
    """The head's answer to a re-appointment proposal."""

    note = serializers.CharField(
        max_length=NOTE_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Why the proposal is declined (kept with the proposal; ignored when approving)."),
    )
