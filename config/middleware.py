"""Request plumbing every page and endpoint shares: hostile input refused early, language choice."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

NUL = "\x00"


class RejectNulMiddleware:
    """A NUL byte in the path or the query string is refused with a 400 before any view runs.

    PostgreSQL cannot store or compare text containing NUL, so such a value reaching a lookup
    (``/dossiers/BYT%00/``, ``?unit=Q%00``) would raise inside the database driver and answer 500.
    No code, name or filter of ours contains one, so refusing it everywhere loses nothing.
    (Request bodies are checked by the form and serializer fields, which refuse NUL already.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path_info or any(
            NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()
        ):
            return bad_request(request, _("The address contains a NUL character."))
        return self.get_response(request)


def bad_request(request, message: str):
    """A 400: JSON under ``/api/`` (as every API error), the 400 page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "bad_request", "errors": {}}, status=400)
    try:
        body = loader.render_to_string("400.html", {"message": message}, request)
    except Exception:  # noqa: BLE001 - a broken template must not turn a 400 into a 500
        body = message
    return HttpResponseBadRequest(body)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages are Vietnamese unless the user picked English with the switcher (a cookie).

    A ministry PC with an English browser must still show Vietnamese, so the browser's
    Accept-Language header is ignored for pages. API clients (other systems) still get it
    honoured, so an integrator can read error messages in English.
    """

    def process_request(self, request):
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
