"""Units, tenures and the password-for-token exchange. Thin: resolve, check, call one service."""

from django.contrib.auth.signals import user_logged_in
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from units.filtersets import TenureFilterSet, UnitFilterSet
from units.models import Tenure, Unit
from units.services import (
    EXCHANGED_TOKEN_LIFETIME,
    api_token_create,
    tenure_create,
    tenure_delete,
    tenure_update,
    unit_create,
    unit_delete,
    unit_update,
)

from .permissions import CATALOGUE_SCOPES, UnitScopedWrites
from .serializers import TenureSerializer, TokenRequestSerializer, TokenResponseSerializer, UnitSerializer


class TokenObtainView(APIView):
    """Exchange a username and password for an API token with the same rights as the user.

    The key is in the answer only: it is stored hashed and cannot be shown again.
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        # A token is a login: its signal clears the failed-login count (config/auth.py) and stamps last_login.
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, key = api_token_create(
            user=user,
            name=serializer.validated_data["name"],
            inherit_user_scope=True,
            expires_at=timezone.now() + EXCHANGED_TOKEN_LIFETIME,
        )
        answer = TokenResponseSerializer({"token": key, "expires_at": token.expires_at})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class UnitViewSet(viewsets.ModelViewSet):
    """The unit tree; written by the ministry office only."""

    queryset = Unit.objects.select_related("parent")
    token_scopes = CATALOGUE_SCOPES
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    lookup_field = "code"

    def perform_create(self, serializer):
        serializer.instance = unit_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = unit_update(unit=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        unit_delete(unit=instance)


class TenureViewSet(UnitScopedWrites, viewsets.ModelViewSet):
    """Who headed or deputised which unit when; a unit's write token may keep its own unit's."""

    queryset = Tenure.objects.select_related("person", "unit")
    token_scopes = CATALOGUE_SCOPES
    serializer_class = TenureSerializer
    filterset_class = TenureFilterSet

    def perform_create(self, serializer):
        self.check_unit_writable(serializer.validated_data["unit"])
        serializer.instance = tenure_create(**serializer.validated_data)

    def perform_update(self, serializer):
        if "unit" in serializer.validated_data:
            self.check_unit_writable(serializer.validated_data["unit"])
        serializer.instance = tenure_update(tenure=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        tenure_delete(tenure=instance)
