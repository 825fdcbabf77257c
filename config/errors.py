"""Django's error views (404, 403, 400, 500), answering JSON under /api/ as every API error does.

DRF answers the errors raised inside its views; these cover what happens outside them: an address
no route matches (``/api/v1/emulation/20x5/``), a request refused by Django itself, and a crash.
The body is ``config.api.error_body``; pages keep the project's templates.
"""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _json(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code, "errors": {}}, status=status)


def page_not_found(request, exception):
    if _is_api(request):
        return _json(_("Nothing is at this address."), "not_found", 404)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _json(_("You do not have permission to perform this action."), "permission_denied", 403)
    return defaults.permission_denied(request, exception)


def bad_request(request, exception):
    if _is_api(request):
        return _json(_("The request is not valid."), "bad_request", 400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if _is_api(request):
        return _json(_("Something went wrong on our side; it has been logged."), "server_error", 500)
    return defaults.server_error(request)
