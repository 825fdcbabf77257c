"""Feedback API shapes: one read shape, the staff entry, and one body per step.

Serializers only parse; the rules are the services' (the same messages as the pages).
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import StrictInput
from dossiers.api.serializers import OffsetDateTimeField
from dossiers.models import Dossier
from procedures.models import Procedure
from units.models import Unit

from ..choices import Classification, Source
from ..deadlines import allowed_actions, derive_state, is_due_soon, is_overdue
from ..models import Feedback, FeedbackEvent
from ..selectors import shows_sender


class FeedbackSerializer(serializers.ModelSerializer):
    """An item as lists and details show it. Needs ``access`` and ``today`` in its context.

    The sender's e-mail and phone are empty unless the principal handles the unit's feedback.
    """

    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    dossier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sender_email = serializers.SerializerMethodField()
    sender_phone = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="event_count", read_only=True)
    is_overdue = serializers.SerializerMethodField()
    is_due_soon = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = [
            "code",
            "source",
            "topic",
            "forwarding_document",
            "classification",
            "unit",
            "procedure",
            "dossier",
            "sender_name",
            "sender_email",
            "sender_phone",
            "title",
            "content",
            "answer",
            "received_at",
            "received_on",
            "status",
            "answer_by",
            "publish_by",
            "due_date",
            "handled_on",
            "handling",
            "answered_on",
            "published_on",
            "liked",
            "version",
            "is_overdue",
            "is_due_soon",
        ]
        read_only_fields = fields

    def get_sender_email(self, item) -> str:
        return item.sender_email if shows_sender(self.context["access"], item) else ""

    def get_sender_phone(self, item) -> str:
        return item.sender_phone if shows_sender(self.context["access"], item) else ""

    def get_is_overdue(self, item) -> bool:
        return is_overdue(item, on=self.context["today"])

    def get_is_due_soon(self, item) -> bool:
        return is_due_soon(item, on=self.context["today"])


class FeedbackDetailSerializer(FeedbackSerializer):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(FeedbackSerializer.Meta):
        fields = [*FeedbackSerializer.Meta.fields, "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, item) -> list[str]:
        if not self.context["access"].can_write_unit(item.unit_id):
            return []
        return [str(action) for action in allowed_actions(derive_state(list(item.events.order_by("sequence"))))]


class FeedbackEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = FeedbackEvent
        fields = ["sequence", "kind", "at", "by", "note", "data"]
        read_only_fields = fields


class ReceiveFeedbackSerializer(StrictInput, serializers.Serializer):
    unit = serializers.SlugRelatedField(slug_field="code", queryset=Unit.objects.all())
    source = serializers.ChoiceField(choices=[choice for choice in Source.choices if choice[0] != Source.PUBLIC_PAGE])
    classification = serializers.ChoiceField(choices=Classification.choices)
    forwarding_document = serializers.CharField(required=False, allow_blank=True, max_length=255)
    received_at = OffsetDateTimeField(required=False)
    sender_name = serializers.CharField(max_length=255)
    sender_email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    sender_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    procedure = serializers.SlugRelatedField(slug_field="code", queryset=Procedure.objects.all(), required=False)
    dossier = serializers.SlugRelatedField(slug_field="code", queryset=Dossier.objects.all(), required=False)
    title = serializers.CharField(max_length=255)
    # Length checked by the service, with the same message as the pages.
    content = serializers.CharField(trim_whitespace=False)


class StepSerializer(StrictInput, serializers.Serializer):
    at = OffsetDateTimeField(
        required=False, help_text=_("When the step happened, with its UTC offset; now if omitted.")
    )
    version = serializers.IntegerField(required=False, min_value=1)


class ClassifySerializer(StrictInput, serializers.Serializer):
    classification = serializers.ChoiceField(choices=Classification.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


class RefuseSerializer(StepSerializer):
    reason = serializers.CharField(allow_blank=True)


class RequestInformationSerializer(StepSerializer):
    note = serializers.CharField(allow_blank=True)


class ReceiveInformationSerializer(StepSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class AnswerSerializer(StepSerializer):
    answer = serializers.CharField(allow_blank=True, trim_whitespace=False)


class PublishSerializer(StepSerializer):
    pass


class RateSerializer(StepSerializer):
    liked = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True)
