"""The feedback API: list, read, enter, and one command per step, each calling its service."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dossiers.selectors import local_today
from units.access import access_for_request
from units.api.permissions import TokenScopes
from units.choices import TokenScope

from .. import selectors, services
from ..filtersets import FeedbackFilterSet
from ..models import Feedback
from .serializers import (
    AnswerSerializer,
    ClassifySerializer,
    FeedbackDetailSerializer,
    FeedbackEventSerializer,
    FeedbackSerializer,
    PublishSerializer,
    RateSerializer,
    ReceiveFeedbackSerializer,
    ReceiveInformationSerializer,
    RefuseSerializer,
    RequestInformationSerializer,
)


class FeedbackAccess(permissions.BasePermission):
    """Reading needs access to some unit (an unreadable item is a 404); a step needs to handle its unit."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not access_for_request(request).can_read_anything:
            self.message = _("You have no access to the feedback of any unit.")
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or access_for_request(request).can_write_unit(obj.unit_id):
            return True
        self.message = _("You may read feedback %(code)s but not handle it.") % {"code": obj.code}
        return False


class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Feedback and petitions by code; they change only through their commands."""

    queryset = Feedback.objects.none()
    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilterSet
    permission_classes = [TokenScopes, FeedbackAccess]
    token_scopes = {"read": TokenScope.FEEDBACK_READ, "write": TokenScope.FEEDBACK_WRITE}
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return selectors.feedback_visible_to(access_for_request(self.request))

    def get_serializer_class(self):
        return FeedbackDetailSerializer if self.action != "list" else FeedbackSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": access_for_request(self.request), "today": local_today()}

    def _respond(self, item, status_code=status.HTTP_200_OK, headers=None):
        item = self.get_queryset().get(pk=item.pk)
        return Response(
            FeedbackDetailSerializer(item, context=self.get_serializer_context()).data,
            status=status_code,
            headers=headers,
        )

    def create(self, request, *args, **kwargs):
        body = ReceiveFeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if not access_for_request(request).can_write_unit(data["unit"].pk):
            self.permission_denied(
                request, message=_("You may not record feedback for unit %(unit)s.") % {"unit": data["unit"].code}
            )
        sender = services.Sender(
            name=data.pop("sender_name"), email=data.pop("sender_email", ""), phone=data.pop("sender_phone", "")
        )
        item = services.feedback_receive(by=request.user, sender=sender, **data)
        location = reverse("feedback-api:feedback-detail", kwargs={"code": item.code})
        return self._respond(item, status.HTTP_201_CREATED, headers={"Location": location})

    def _command(self, body_serializer, service):
        item = self.get_object()
        body = body_serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        arguments = dict(body.validated_data)
        expected_version = arguments.pop("version", None)
        item = service(feedback=item, by=self.request.user, expected_version=expected_version, **arguments)
        return self._respond(item)

    @action(detail=True, methods=["post"], filter_backends=[])
    def classify(self, request, code=None):
        return self._command(ClassifySerializer, services.feedback_classify)

    @action(detail=True, methods=["post"], filter_backends=[])
    def refuse(self, request, code=None):
        return self._command(RefuseSerializer, services.feedback_refuse)

    @action(detail=True, methods=["post"], url_path="request-information", filter_backends=[])
    def request_information(self, request, code=None):
        return self._command(RequestInformationSerializer, services.feedback_request_information)

    @action(detail=True, methods=["post"], url_path="receive-information", filter_backends=[])
    def receive_information(self, request, code=None):
        return self._command(ReceiveInformationSerializer, services.feedback_receive_information)

    @action(detail=True, methods=["post"], filter_backends=[])
    def answer(self, request, code=None):
        return self._command(AnswerSerializer, services.feedback_answer)

    @action(detail=True, methods=["post"], filter_backends=[])
    def publish(self, request, code=None):
        return self._command(PublishSerializer, services.feedback_publish)

    @action(detail=True, methods=["post"], filter_backends=[])
    def rating(self, request, code=None):
        return self._command(RateSerializer, services.feedback_rate)

    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request, code=None):
        page = self.paginate_queryset(self.get_object().events.select_related("by").order_by("sequence"))
        return self.get_paginated_response(FeedbackEventSerializer(page, many=True).data)
