"""DRF adapters of ``units.access``: the rules themselves live there."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from units.access import Access, access_for_request
from units.choices import TokenScope
from units.models import ApiToken, Unit


class TokenScopes(permissions.BasePermission):
    """A scoped API token may use an endpoint only if it carries the scope the view names.

    Each API view says ``token_scopes = {"read": <scope or None>, "write": <scope or None>}``:
    ``read`` for GET/HEAD/OPTIONS, ``write`` for the rest; ``None`` lets any token through (the
    unit rules still apply). A view that names none refuses every scoped token: a new endpoint is
    closed until someone decides who may use it. People (sessions, tokens with their user's
    rights) are not limited by scopes; their roles decide.
    """

    message = _("This API token does not have the scope this endpoint needs.")

    def has_permission(self, request, view):
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken) or token.inherit_user_scope:
            return True
        needed = getattr(view, "token_scopes", {})
        key = "read" if request.method in permissions.SAFE_METHODS else "write"
        if key not in needed:
            self.message = _("No API token may use this endpoint; sign in as a person.")
            return False
        scope = needed[key]
        if scope is None or token.has_scope(scope):
            return True
        self.message = _("This API token lacks the “%(scope)s” scope.") % {"scope": scope}
        return False


CATALOGUE_SCOPES = {"read": None, "write": TokenScope.CATALOGUE_WRITE}


class CatalogueAccess(permissions.BasePermission):
    """Anyone with access to some unit may read; writing needs the view's own check.

    Views that accept writes decide with ``has_write_permission`` (ministry office or a
    write-scoped token for the object's unit) and ``has_object_write_permission``; by default
    writes need ``can_write_catalogue``.
    """

    message = _("You do not have permission to change the catalogue.")

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        access = access_for_request(request)
        if request.method in permissions.SAFE_METHODS:
            return access.can_read_anything
        checker = getattr(view, "has_write_permission", None)
        if checker is not None:
            return checker(request, access)
        return access.can_write_catalogue

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        access = access_for_request(request)
        checker = getattr(view, "has_object_write_permission", None)
        if checker is not None:
            return checker(request, access, obj)
        return access.can_write_catalogue


def is_unit_scoped_write_token(request) -> bool:
    """The request carries a token with its own unit scope (not its user's rights) that may write.

    Such a token (an integration of one unit's system) with the ``catalogue:write`` scope may
    maintain that unit's procedures and tenures. A user's own write rights (an officer's) are for
    dossiers, never the catalogue.
    """
    token = getattr(request, "auth", None)
    return isinstance(token, ApiToken) and not token.inherit_user_scope and token.has_scope(TokenScope.CATALOGUE_WRITE)


def may_write_unit_catalogue(request, access: Access, unit_id: int | None) -> bool:
    """Whether the principal may change the catalogue entries (procedures, tenures) of a unit."""
    if access.can_write_catalogue:
        return True
    return is_unit_scoped_write_token(request) and access.can_write_unit(unit_id)


class UnitScopedWrites:
    """Viewset mixin: the ministry office writes everywhere, a unit-scoped write token in its units.

    ``unit_of(obj)`` names the unit an object belongs to; a create or an update that moves an
    object to another unit is checked against the target unit with ``check_unit_writable``.
    """

    def unit_of(self, obj) -> Unit:
        return obj.unit

    def has_write_permission(self, request, access: Access) -> bool:
        return access.can_write_catalogue or (is_unit_scoped_write_token(request) and bool(access.write_unit_ids))

    def has_object_write_permission(self, request, access: Access, obj) -> bool:
        return may_write_unit_catalogue(request, access, self.unit_of(obj).pk)

    def check_unit_writable(self, unit: Unit) -> None:
        """Refuse (403) writing into ``unit`` unless the principal may write its catalogue."""
        if not may_write_unit_catalogue(self.request, access_for_request(self.request), unit.pk):
            message = _("You may not change the catalogue of unit %(code)s.") % {"code": unit.code}
            self.permission_denied(self.request, message=message)
