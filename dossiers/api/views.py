"""The dossier API: list, receive, read, and one command per lifecycle step, each calling its service."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from config.api import BoundedCountPagination, ErrorSerializer, Pagination
from units.access import access_for_request, source_system_of
from units.api.permissions import TokenScopes
from units.choices import TokenScope

from .. import selectors, services
from ..backdating import Origin
from ..choices import Action
from ..filtersets import DossierFilterSet
from ..models import Dossier
from .permissions import DossierAccess
from .serializers import (
    ConflictSerializer,
    DossierEventSerializer,
    DossierSerializer,
    EndSerializer,
    ProposalDecisionSerializer,
    ProposalSerializer,
    RatingSerializer,
    ReappointSerializer,
    ReceiveSerializer,
    ReceiveSupplementSerializer,
    RequestSupplementSerializer,
    ReturnSerializer,
)

RECEIVE_EXAMPLES = [
    OpenApiExample(
        "A dossier submitted online",
        request_only=True,
        value={
            "procedure": "1.004567",
            "channel": "online",
            "applicant_name": "Nguyễn Thị Ánh Dương",
            "applicant_id_number": "079190000123",
            "applicant_phone": "0983 000 111",
            "received_at": "2025-11-03T10:00:00+07:00",
            "fee_amount": 1200000,
        },
    ),
    OpenApiExample(
        "Received",
        response_only=True,
        status_codes=["201"],
        value={
            "code": "BYT-QLD-251103-0042",
            "procedure": "1.004567",
            "unit": "QLD",
            "channel": "online",
            "applicant_name": "Nguyễn Thị Ánh Dương",
            "applicant_phone": "0983000111",
            "received_on": "2025-11-03",
            "processing_days": 5,
            "status": "processing",
            "appointment_date": "2025-11-10",
            "version": 1,
            "is_overdue": False,
            "allowed_actions": ["end", "request_supplement", "reappoint"],
        },
    ),
    OpenApiExample(
        "A phone that is not a phone",
        response_only=True,
        status_codes=["400"],
        value={
            "detail": "applicant_phone: Enter a phone number: 8 to 15 digits, e.g. 0912 345 678 or +84 912 345 678.",
            "code": "invalid",
            "errors": {
                "applicant_phone": ["Enter a phone number: 8 to 15 digits, e.g. 0912 345 678 or +84 912 345 678."]
            },
        },
    ),
]

COMMAND_RESPONSES = {
    200: DossierSerializer,
    400: OpenApiResponse(ErrorSerializer, description=_("Bad input: the messages by field in errors.")),
    403: OpenApiResponse(description=_("The dossier is readable but this step is not yours to take.")),
    404: OpenApiResponse(description=_("No such dossier, or not one you may read.")),
    409: OpenApiResponse(ConflictSerializer, description=_("The step is not allowed now, or the version is stale.")),
}


def origin_of(request) -> dict:
    """Who gives the times of this request (``dossiers.backdating``): a source system's token, or a user."""
    source = source_system_of(request)
    return {"origin": Origin.SOURCE if source else Origin.TOKEN, "source": source}


class DossierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dossiers by code. They change only through their commands, never by PUT/PATCH/DELETE."""

    queryset = Dossier.objects.all()
    serializer_class = DossierSerializer
    filterset_class = DossierFilterSet
    # The Government Office's list matches every dossier: count up to a limit (config/pagination.py).
    pagination_class = BoundedCountPagination
    permission_classes = [TokenScopes, DossierAccess]
    token_scopes = {"read": TokenScope.DOSSIERS_READ, "write": TokenScope.DOSSIERS_WRITE}
    lookup_field = "code"
    lookup_value_regex = "[^/]+"  # codes from other systems may contain dots
    command = None  # the lifecycle step of a command route, set by @action(command=...)

    def get_queryset(self):
        return selectors.dossiers_visible_to(access_for_request(self.request))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = access_for_request(self.request)
        context["today"] = selectors.local_today()
        return context

    def _respond(self, dossier: Dossier, status_code=status.HTTP_200_OK, headers=None) -> Response:
        # Read back through the visible queryset: the same joins and masking as the detail.
        dossier = self.get_queryset().get(pk=dossier.pk)
        return Response(self.get_serializer(dossier).data, status=status_code, headers=headers)

    @extend_schema(
        request=ReceiveSerializer,
        responses={
            201: DossierSerializer,
            400: COMMAND_RESPONSES[400],
            403: OpenApiResponse(description=_("You do not process dossiers of the procedure's unit.")),
            409: OpenApiResponse(ConflictSerializer, description=_("A dossier with the given code exists.")),
        },
        summary=_("Receive a dossier"),
        examples=RECEIVE_EXAMPLES,
    )
    def create(self, request, *args, **kwargs):
        serializer = ReceiveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        procedure = serializer.validated_data["procedure"]
        if not access_for_request(request).can_write_unit(procedure.unit_id):
            self.permission_denied(
                request,
                message=_("You may not receive dossiers for unit %(unit)s.") % {"unit": procedure.unit.code},
            )
        dossier = services.dossier_receive(by=request.user, **serializer.validated_data, **origin_of(request))
        location = reverse("dossiers-api:dossier-detail", kwargs={"code": dossier.code})
        # Answered from the row just written (with its procedure, unit and field as read for the
        # request): its writer may read it, and reading it back would cost a statement.
        return Response(
            self.get_serializer(dossier).data, status=status.HTTP_201_CREATED, headers={"Location": location}
        )

    def _command(self, body_serializer, service) -> Response:
        dossier = self.get_object()
        body = body_serializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        arguments = dict(body.validated_data)
        expected_version = arguments.pop("version", None)
        dossier = service(
            dossier=dossier,
            by=self.request.user,
            expected_version=expected_version,
            **arguments,
            **origin_of(self.request),
        )
        return self._respond(dossier)

    @extend_schema(request=RequestSupplementSerializer, responses=COMMAND_RESPONSES)
    @action(
        detail=True,
        methods=["post"],
        url_path="request-supplement",
        command=Action.REQUEST_SUPPLEMENT,
        filter_backends=[],
    )
    def request_supplement(self, request, code=None):
        return self._command(RequestSupplementSerializer, services.dossier_request_supplement)

    @extend_schema(request=ReceiveSupplementSerializer, responses=COMMAND_RESPONSES)
    @action(
        detail=True,
        methods=["post"],
        url_path="receive-supplement",
        command=Action.RECEIVE_SUPPLEMENT,
        filter_backends=[],
    )
    def receive_supplement(self, request, code=None):
        return self._command(ReceiveSupplementSerializer, services.dossier_receive_supplement)

    @extend_schema(
        request=ReappointSerializer,
        responses={**COMMAND_RESPONSES, 202: ProposalSerializer},
        description=(
            "Re-appoint the dossier (apology letter and a new date). The unit's head, the ministry office or "
            "an all-units token re-appoints at once (200); an officer or a unit's token proposes (202), and "
            "the head approves or declines it on the dossier's page or through proposals/<id>/approve|decline/. "
            "The deadline, at least one "
            "working day before the appointment date, applies to the proposal."
        ),
    )
    @action(detail=True, methods=["post"], command=Action.REAPPOINT, filter_backends=[])
    def reappoint(self, request, code=None):
        dossier = self.get_object()
        if access_for_request(request).can_approve_unit(dossier.unit_id):
            return self._command(ReappointSerializer, services.dossier_reappoint)
        body = ReappointSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal = services.reappointment_propose(
            dossier=dossier,
            by=request.user,
            new_date=body.validated_data["new_date"],
            reason=body.validated_data["reason"],
        )
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: ProposalSerializer(many=True), 404: COMMAND_RESPONSES[404]},
        summary=_("Re-appointment proposals of a dossier"),
        description=_("Every re-appointment proposed for the dossier, newest first, with the head's decision."),
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def proposals(self, request, code=None):
        dossier = self.get_object()
        rows = dossier.proposals.select_related("dossier", "proposed_by", "decided_by").order_by("-proposed_at")
        return Response(ProposalSerializer(rows, many=True).data)

    @extend_schema(
        request=ProposalDecisionSerializer,
        responses={
            200: ProposalSerializer,
            400: COMMAND_RESPONSES[400],
            403: OpenApiResponse(description=_("Only the unit's head (or the ministry office) decides.")),
            404: OpenApiResponse(description=_("No such dossier or proposal, or not one you may read.")),
            409: OpenApiResponse(
                ConflictSerializer, description=_("The proposal has been decided, or the step is no longer open.")
            ),
        },
        summary=_("Approve or decline a re-appointment proposal"),
        description=_(
            "The unit's head approves (the re-appointment is recorded at the proposal's time and the apology "
            "letter is signed by the approving head) or declines (the dossier keeps its appointment date)."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"proposals/(?P<proposal_id>[0-9]+)/(?P<decision>approve|decline)",
        command=Action.REAPPOINT,
        filter_backends=[],
    )
    def decide_proposal(self, request, code=None, proposal_id=None, decision=None):
        dossier = self.get_object()
        if not access_for_request(request).can_approve_unit(dossier.unit_id):
            self.permission_denied(
                request,
                message=_("Only the head of unit %(unit)s decides re-appointments.") % {"unit": dossier.unit.code},
            )
        proposal = get_object_or_404(dossier.proposals.all(), pk=proposal_id)
        body = ProposalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if decision == "approve":
            services.reappointment_approve(proposal=proposal, by=request.user)
        else:
            services.reappointment_decline(proposal=proposal, by=request.user, note=body.validated_data.get("note", ""))
        proposal.refresh_from_db()
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(request=EndSerializer, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], command=Action.END, filter_backends=[])
    def end(self, request, code=None):
        return self._command(EndSerializer, services.dossier_end)

    # ``return`` is a Python keyword, hence the method name.
    @extend_schema(request=ReturnSerializer, responses=COMMAND_RESPONSES)
    @action(
        detail=True, methods=["post"], url_path="return", url_name="return", command=Action.RETURN, filter_backends=[]
    )
    def return_result(self, request, code=None):
        return self._command(ReturnSerializer, services.dossier_return)

    @extend_schema(request=RatingSerializer, responses=COMMAND_RESPONSES)
    @action(detail=True, methods=["post"], command=Action.RATE, filter_backends=[])
    def rating(self, request, code=None):
        return self._command(RatingSerializer, services.dossier_rate)

    @extend_schema(responses=DossierEventSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=Pagination)
    def events(self, request, code=None):
        page = self.paginate_queryset(selectors.dossier_events(self.get_object()))
        return self.get_paginated_response(DossierEventSerializer(page, many=True).data)
