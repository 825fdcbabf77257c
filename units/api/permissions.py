"""DRF adapters of ``units.access``: the rules themselves live there."""

from rest_framework import permissions

from units.access import access_for_request


class CatalogueAccess(permissions.BasePermission):
    """Anyone with access to some unit may read; writing needs the view's own check.

    Views that accept writes decide with ``has_write_permission`` (ministry office or a
    write-scoped token for the object's unit); by default writes need ``can_write_catalogue``.
    """

    message = "You do not have permission to change the catalogue."

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
