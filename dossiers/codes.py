"""Dossier codes: the one validator for every code that enters (API, import, sync) and our numbering.

Our own numbering is ``<ministry>-<unit>-<yymmdd>-<running number>`` (``BYT-QLD-251103-0042``;
a dossier of the ministry itself has no unit part: ``BYT-251103-0001``), see DESIGN.md, "Dossier
lifecycle", step 1. Systems that numbered a dossier themselves (the national portal, a
province's one-stop system, an import file) send their own code, such as ``HCM-2602-000101``.

A code given from outside is checked, before any dossier is looked up, so that:

* it can be put in an address and a file: letters, digits, dots, hyphens and underscores only,
  at most 40 characters (``REL/SLASH/1`` would break every page that links to it);
* a code in the ministry's own namespace (it starts with ``BYT-``) names the procedure's unit:
  an officer of QLD cannot probe ``BYT-ATTP-…`` codes and learn from a 409 that they exist;
* it does not lie in the space the tracker numbers itself (``BYT-QLD-261130-0020``), where it
  would take a number the counter is about to give and block the unit's receipts that day.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.models import Unit

MAX_LENGTH = 40
# ``$`` and ``{0,39}`` rather than ``\Z`` and ``*``: the pattern is also published in the OpenAPI
# schema, whose regular expressions are ECMAScript's.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
CODE_RE = re.compile(CODE_PATTERN)
FORMAT_MESSAGE = gettext_lazy(
    "A dossier code has 1 to 40 unaccented letters (A–Z), digits, dots, hyphens or underscores, and starts with a "
    "letter or a digit."
)
# For serializers and forms (and the OpenAPI pattern); ``validate_code`` applies it too.
format_validator = RegexValidator(CODE_PATTERN, FORMAT_MESSAGE)
# After the unit's prefix: a six-digit receipt day and a running number.
NUMBERED_TAIL_RE = re.compile(r"^\d{6}-\d+\Z")


def is_well_formed(code: str) -> bool:
    """Whether ``code`` has the shape of a dossier code (letters, digits, ``.``, ``-``, ``_``; at most 40)."""
    return bool(code) and len(code) <= MAX_LENGTH and CODE_RE.fullmatch(code) is not None


def root_id(unit: Unit) -> int:
    """The primary key of the ministry ``unit`` belongs to (the root of its tree), from its path."""
    return int(unit.path.strip("/").split("/")[0])


def code_prefix(unit: Unit, *, root_code: str | None = None) -> str:
    """``BYT`` for the ministry, ``BYT-QLD`` for one of its units (one query for a unit below the
    root, none when the caller read the ministry's code, ``root_code``, already)."""
    root = root_id(unit)
    if root == unit.pk:
        return unit.code
    if root_code is None:
        root_code = Unit.objects.values_list("code", flat=True).get(pk=root)
    return f"{root_code}-{unit.code}"


def numbered_code(prefix: str, received_on, number: int) -> str:
    """The code the tracker gives: prefix, receipt day as ``yymmdd``, running number of at least 4 digits."""
    return f"{prefix}-{received_on:%y%m%d}-{number:04d}"


def validate_code(
    code: str,
    *,
    unit: Unit,
    field: str = "code",
    prefix: str | None = None,
    unit_codes: frozenset[str] | None = None,
) -> str:
    """Check a code given from outside for a dossier of ``unit``; returns it stripped.

    Raises ``ValidationError({field: [...]})`` when it is malformed, names another unit of the
    ministry, or lies in the tracker's own numbering. Looks at no dossier, so the answer says
    nothing about which dossiers exist. Batches (``dossiers.sync``) pass the unit's ``prefix``
    and every unit code (``unit_codes``) they read once, so checking a code costs no query.
    """
    code = (code or "").strip()
    if not is_well_formed(code):
        raise ValidationError({field: str(FORMAT_MESSAGE)})
    prefix = prefix if prefix is not None else code_prefix(unit)
    root_code = prefix.split("-")[0]
    if not code.upper().startswith(f"{root_code}-"):
        return code  # another system's numbering: it names none of our units
    rest = code[len(root_code) + 1 :]
    if prefix != root_code:
        unit_part, _sep, tail = rest.partition("-")
        if unit_part.upper() != unit.code:
            raise ValidationError(
                {
                    field: _("Code %(code)s names another unit than %(unit)s, the unit of the procedure.")
                    % {"code": code, "unit": unit.code}
                }
            )
    else:
        unit_part, _sep, tail = rest.partition("-")
        if not NUMBERED_TAIL_RE.match(rest) and (
            unit_part.upper() in unit_codes
            if unit_codes is not None
            else Unit.objects.filter(code=unit_part.upper()).exists()
        ):
            raise ValidationError(
                {
                    field: _("Code %(code)s names another unit than %(unit)s, the unit of the procedure.")
                    % {"code": code, "unit": unit.code}
                }
            )
        tail = rest
    if NUMBERED_TAIL_RE.match(tail):
        raise ValidationError(
            {
                field: _(
                    "Codes of the form %(prefix)s-yymmdd-number are given by the tracker; leave the code "
                    "empty to get the next one."
                )
                % {"prefix": prefix}
            }
        )
    return code
