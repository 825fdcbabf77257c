"""Request parsers of the API (a module of its own: DRF reads the parser setting while importing
its views, which ``config.api`` itself imports)."""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status

# No request body of ours nests deeper than a few levels; a hostile one 1,000 deep would otherwise
# exhaust the interpreter's recursion limit in the decoder or in the serializers after it.
MAX_JSON_DEPTH = 32


def _unstorable(text: str) -> bool:
    """A NUL byte (PostgreSQL cannot store or compare it) or half a surrogate pair (not UTF-8)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_unstorable_text(data) -> bool:
    """Whether any key or string value of a parsed body holds text no field of ours can store."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _unstorable(value):
                return True
        elif isinstance(value, dict):
            if any(isinstance(key, str) and _unstorable(key) for key in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _too_deep(data, limit: int) -> bool:
    """Whether ``data`` nests lists/objects more than ``limit`` levels (checked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class RequestTooLarge(exceptions.APIException):
    """A 413: the body is over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's own limit for forms)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


def _declared_length(parser_context) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        return 0


def _readable(error: exceptions.ParseError) -> exceptions.ParseError:
    """DRF's "JSON parse error - Expecting ',' delimiter: line 1 column 15 (char 14)", English
    whatever the language, said in the reader's language with the decoder's position (line and
    column from 1, as an editor counts them); DRF raises it while handling the decoder's error."""
    cause = error.__context__
    if isinstance(cause, json.JSONDecodeError):
        return exceptions.ParseError(
            _("The body is not valid JSON: the error is at line %(line)d, column %(column)d.")
            % {"line": cause.lineno, "column": cause.colno}
        )
    if isinstance(cause, UnicodeDecodeError):
        return exceptions.ParseError(
            _("The body is not UTF-8 text: byte %(position)d cannot be read.") % {"position": cause.start + 1}
        )
    return exceptions.ParseError(_("The body is not valid JSON."))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that answers 413 to a body over Django's upload limit (DRF itself reads
    any length), says where a body that is not JSON goes wrong in the reader's language
    (``_readable``), and answers 400, not 500, to bodies nested too deep to be ours or holding text the database
    cannot take (a NUL byte, a lone surrogate) in any key or value."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(parser_context) > limit:
            raise RequestTooLarge()
        try:
            data = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as error:
            raise _readable(error) from error
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _too_deep(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("JSON nested more than %(limit)d levels deep is refused.") % {"limit": MAX_JSON_DEPTH}
            )
        if _has_unstorable_text(data):
            raise exceptions.ParseError(_("The body contains a NUL character or invalid Unicode text."))
        return data
