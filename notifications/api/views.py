"""The outbox over the API: read messages and their delivery state; retry a failed one."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from units.access import access_for_request
from units.choices import TokenScope

from .. import selectors, services
from ..filtersets import MessageFilterSet
from ..models import Message
from .serializers import MessageSerializer


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """E-mails and SMS the product sent or will send, newest first, scoped to the units you read."""

    queryset = Message.objects.none()
    serializer_class = MessageSerializer
    token_scopes = {"read": TokenScope.MESSAGES_READ, "write": TokenScope.MESSAGES_WRITE}
    filterset_class = MessageFilterSet

    def get_queryset(self):
        return selectors.messages_visible_to(access_for_request(self.request))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": access_for_request(self.request)}

    def has_write_permission(self, request, access):
        return access.can_read_anything  # the object check below decides

    def has_object_write_permission(self, request, access, message):
        return access.can_write_unit(message.unit_id)

    @extend_schema(
        request=None,
        responses={
            200: MessageSerializer,
            403: OpenApiResponse(description=_("You do not process this unit's dossiers.")),
            409: OpenApiResponse(description=_("Only a failed message can be sent again.")),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def retry(self, request, pk=None):
        message = services.message_retry(message=self.get_object())
        return Response(self.get_serializer(message).data)
