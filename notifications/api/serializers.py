from rest_framework import serializers

from ..models import Message
from ..selectors import masked_recipient, shows_contents


class MessageSerializer(serializers.ModelSerializer):
    """A message and its delivery state. ``recipient`` is masked and ``body`` empty unless the
    principal processes the unit's dossiers (needs ``access`` in the context)."""

    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recipient = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "kind",
            "channel",
            "recipient",
            "language",
            "subject",
            "body",
            "unit",
            "reference",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
        ]

    def get_recipient(self, message) -> str:
        if shows_contents(self.context["access"], message):
            return message.recipient
        return masked_recipient(message.recipient)

    def get_body(self, message) -> str:
        return message.body if shows_contents(self.context["access"], message) else ""
