"""Who may read and act on which dossier: DRF's side of ``units.access`` and ``dossiers.selectors.may_take``."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from units.access import access_for_request

from ..selectors import may_take


class DossierAccess(permissions.BasePermission):
    """Reading needs access to some unit, and the viewset's queryset holds only the readable
    dossiers, so an unreadable one is a 404 whatever the method. Acting on a readable dossier
    needs the role for its unit, else a 403.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        access = access_for_request(request)
        if not access.can_read_anything:
            self.message = _("You have no access to the dossiers of any unit.")
            return False
        # The procedure's unit is checked once the body is read; here: may they receive at all?
        if view.action == "create" and not (access.write_all or access.write_unit_ids):
            self.message = _("You may not receive dossiers.")
            return False
        return True

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.command is not None and may_take(access_for_request(request), view.command, unit_id=obj.unit_id):
            return True
        self.message = _("You may read dossier %(code)s but not do this with it.") % {"code": obj.code}
        return False
