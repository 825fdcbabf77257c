"""Log filters shared by every process (web, worker)."""

import logging

from django.core.exceptions import BadRequest, PermissionDenied


class RefusalsOnOneLine(logging.Filter):
    """A refused request (403, or a 400 Django raised itself) is logged as one line, not a traceback.

    Django logs ``Forbidden (Permission denied): /path`` with the exception's traceback attached;
    a refusal is an expected answer, not a fault, and a traceback per refusal buries the real
    errors. The line keeps the reason the view gave. Anything else (a 500) keeps its traceback.
    """

    QUIET = (PermissionDenied, BadRequest)

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and exc_info[1] is not None and isinstance(exc_info[1], self.QUIET):
            reason = str(exc_info[1])
            record.exc_info = None
            record.exc_text = None
            if reason:
                record.msg = f"{record.msg} (%s)"
                record.args = (*(record.args or ()), reason.replace("\n", " "))
        return True
