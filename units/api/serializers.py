"""The JSON shape of units, tenures and API tokens. Related objects are written by code."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api import CodeRelatedField, StrictInput
from units.models import Person, Tenure, Unit, unit_code_validator

UNKNOWN_UNIT = _("No unit has the code {value}.")


class UnitSerializer(StrictInput, serializers.ModelSerializer):
    parent = CodeRelatedField(
        queryset=Unit.objects.all(), allow_null=True, required=False, unknown_message=UNKNOWN_UNIT
    )
    depth = serializers.IntegerField(read_only=True, help_text=_("0 for a root unit, 1 for a unit under it, ..."))

    class Meta:
        model = Unit
        fields = ["code", "name_vi", "name_en", "kind", "parent", "depth", "is_active"]
        # Uniqueness is left to the model's full_clean() so the message is the admin's.
        extra_kwargs = {"code": {"validators": [unit_code_validator]}}


class TenureSerializer(StrictInput, serializers.ModelSerializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    unit = CodeRelatedField(queryset=Unit.objects.all(), unknown_message=UNKNOWN_UNIT)

    class Meta:
        model = Tenure
        fields = ["id", "person", "person_name", "unit", "role", "start_date", "end_date", "note"]


class TokenRequestSerializer(StrictInput, serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100, required=False, default="auth/token", help_text=_("A label to recognise the token by.")
    )

    def validate(self, attrs):
        request = self.context.get("request")
        # The Django request under DRF's: login throttling (config/auth.py) marks a refusal on it.
        django_request = getattr(request, "_request", request)
        user = authenticate(django_request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("The username or password is wrong."), code="authorization")
        attrs["user"] = user
        return attrs


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <key>`. It is shown only once."))
    expires_at = serializers.DateTimeField()
