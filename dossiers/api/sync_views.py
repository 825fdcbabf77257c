"""The synchronisation API: one-stop systems and the national portal send dossiers in bulk.

Thin: the request's token names the sending system, ``dossiers.sync.sync_batch`` does the rest.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import validation_error_response
from config.bulk import collection_paused
from units.access import access_for_request
from units.api.permissions import TokenScopes
from units.choices import TokenScope
from units.models import ApiToken

from .. import feed, sync


def source_of(request) -> str:
    """The source system named by the request's API token ("" for a session or an unnamed token)."""
    token = getattr(request, "auth", None)
    return token.source_system if isinstance(token, ApiToken) else ""


class SyncAccess(permissions.BasePermission):
    """Only an API token that names its source system may synchronise."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not source_of(request):
            self.message = _(
                "Synchronisation needs an API token that names its source system; "
                "the ministry office sets it on the token."
            )
            return False
        return True


class RecordResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text=_("Position of the record in the request, from 0."))
    code = serializers.CharField()
    # Plain text, not an enum: the schema's "outcome" enum is the dossier's (resolved, refused...).
    outcome = serializers.CharField(help_text=_("created, updated, unchanged, stale or rejected"))
    status = serializers.IntegerField(help_text=_("201 created, 200 applied or ignored, 400 rejected, 403 not yours."))
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    version = serializers.IntegerField(required=False, help_text=_("Number of steps the dossier now has."))
    TrangThaiHoSo = serializers.IntegerField(required=False, help_text=_("The dossier's status as the portal's code."))
    appointment_date = serializers.DateField(required=False)


class SyncResponseSerializer(serializers.Serializer):
    counts = serializers.DictField(child=serializers.IntegerField())
    results = RecordResultSerializer(many=True)


class SyncDossiersView(APIView):
    """``POST /api/v1/sync/dossiers/``: up to 1,000 dossier records, one outcome each (docs/sync.md)."""

    permission_classes = [TokenScopes, SyncAccess]
    token_scopes = {"read": TokenScope.SYNC, "write": TokenScope.SYNC}

    @extend_schema(
        request={"application/json": {"type": "array", "items": {"type": "object"}}},
        responses={
            200: SyncResponseSerializer,
            400: OpenApiResponse(description=_("Not a list, more than 1,000 records, or a code twice.")),
            403: OpenApiResponse(description=_("The token names no source system.")),
        },
        summary=_("Synchronise dossiers in bulk"),
    )
    def post(self, request):
        # The parsed body of 1,000 records, like the batch, would set off full garbage collections.
        with collection_paused():
            try:
                report = sync.sync_batch(
                    request.data, source=source_of(request), by=request.user, access=access_for_request(request)
                )
            except sync.BatchRejected as rejected:
                return validation_error_response(rejected.errors)
            return Response({"counts": report.counts(), "results": [result.as_dict() for result in report.results]})


class FeedAccess(permissions.BasePermission):
    """Whoever may read some unit's dossiers may follow their changes (limited to those units)."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not access_for_request(request).can_read_anything:
            self.message = _("You have no access to the dossiers of any unit.")
            return False
        return True


class ChangesResponseSerializer(serializers.Serializer):
    next_cursor = serializers.CharField(help_text=_("Send it back as cursor to get the changes after this page."))
    count = serializers.IntegerField()
    results = serializers.ListField(child=serializers.DictField())


class DossierChangesView(APIView):
    """``GET /api/v1/sync/dossiers/changes/?cursor=…``: dossiers changed since the cursor, oldest first."""

    permission_classes = [TokenScopes, FeedAccess]
    token_scopes = {"read": TokenScope.SYNC, "write": TokenScope.SYNC}

    @extend_schema(
        parameters=[
            OpenApiParameter("cursor", str, description=_("The next_cursor of the previous page; empty to start.")),
            OpenApiParameter("limit", int, description=_("At most this many dossiers (1 to 1000, default 500).")),
        ],
        responses={200: ChangesResponseSerializer, 400: OpenApiResponse(description=_("A malformed cursor."))},
        summary=_("Dossiers changed since a cursor"),
    )
    def get(self, request):
        cursor = feed.Cursor.parse(request.query_params.get("cursor"))
        limit_text = request.query_params.get("limit") or str(feed.PAGE_SIZE)
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= feed.MAX_PAGE_SIZE:
            raise ValidationError({"limit": _("Give a number from 1 to %(max)d.") % {"max": feed.MAX_PAGE_SIZE}})
        access = access_for_request(request)
        dossiers, next_cursor = feed.changes_page(access=access, cursor=cursor, limit=int(limit_text))
        return Response(
            {
                "next_cursor": str(next_cursor),
                "count": len(dossiers),
                "results": feed.feed_records(dossiers, access=access),
            }
        )
