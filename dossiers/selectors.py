"""Reads of dossiers that the API, the screens and the exports reuse.

Lists show derived fields (overdue, due soon, next actions) for every row, so everything here works
from the stored projection on the ``Dossier`` row: no query per row.
"""

import datetime
import hmac

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from units.access import Access
from workdays.calendar import add_working_days, working_days_between

from .choices import Action, EventKind, Status
from .deadlines import DossierState, allowed_actions, local_date
from .lookup import format_lookup_code, normalise_lookup_code
from .models import Dossier


def local_today() -> datetime.date:
    """Today's date in the ministry's time zone (overdue and due soon are judged on it)."""
    return local_date(timezone.now())


def dossiers_visible_to(access: Access):
    """Dossiers ``access`` may read, joined with what a list row shows (no query per row)."""
    return access.readable(Dossier.objects.select_related("procedure", "unit", "field"))


def dossier_events(dossier: Dossier):
    """The dossier's timeline, oldest first, with who recorded each step."""
    return dossier.events.select_related("by").order_by("sequence")


def dossier_state(dossier: Dossier) -> DossierState:
    """The projection stored on the row as a ``DossierState`` (no query, unlike replaying events)."""
    return DossierState(**{name: getattr(dossier, name) for name in DossierState.STORED_FIELDS})


def due_soon_last_day(on: datetime.date) -> datetime.date:
    """The last appointment date that counts as due soon on ``on`` (same rule as ``due_soon()``)."""
    return add_working_days(on, settings.TTHC_DUE_SOON_WORKING_DAYS)


def is_due_soon(dossier: Dossier, *, on: datetime.date, last_day: datetime.date | None = None) -> bool:
    """The row-level twin of ``DossierQuerySet.due_soon``; pass ``last_day`` once for a whole list."""
    last_day = last_day or due_soon_last_day(on)
    return dossier.status == Status.PROCESSING and on <= dossier.appointment_date <= last_day


def overdue_days(dossier: Dossier, today: datetime.date) -> int:
    """Working days an open dossier has been overdue by ``today`` (0 when it is not).

    Counted from the day before ``overdue_from``: the appointment date, or the day before a second
    supplement request made the dossier late.
    """
    if not dossier.is_overdue(today):
        return 0
    return working_days_between(dossier.overdue_from - datetime.timedelta(days=1), today)


def may_take(access: Access, action: str, *, unit_id: int) -> bool:
    """Whether the principal's role lets them take ``action`` on a dossier of ``unit_id``.

    Those who process the unit's dossiers (its officers, the ministry office, a write token) take
    every step; a unit head reads the subtree and may only approve a re-appointment there.
    """
    if access.can_write_unit(unit_id):
        return True
    return action == Action.REAPPOINT and access.can_approve_unit(unit_id)


def actions_for(dossier: Dossier, *, access: Access, on: datetime.date) -> list[str]:
    """The steps the principal may take on ``dossier`` on ``on``: allowed by its state and by their role."""
    return [
        action
        for action in allowed_actions(dossier_state(dossier), on=on)
        if may_take(access, action, unit_id=dossier.unit_id)
    ]


# The applicant's personal data (Decree 13/2023/NĐ-CP): what a reader who does not process the
# unit's dossiers sees only masked, on every page, printable, export and API field.
PERSONAL_FIELDS = ("applicant_id_number", "applicant_phone", "applicant_email", "applicant_address")


def shows_personal_data(access: Access, *, unit_id: int) -> bool:
    """The applicant's ID number, phone, e-mail and address are shown in full only to those who
    process the unit's dossiers (its officers, the ministry office, a write token); a unit head,
    an auditor or a read-only token sees them masked."""
    return access.can_write_unit(unit_id)


def mask(value: str) -> str:
    """``0912345678`` → ``0912***678``: enough to recognise a number on the phone, not to reuse it."""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 7)}{value[-3:]}"


# --- The applicant's side: the public status page --------------------------------------------

# The steps an applicant sees on the public page; anything else (internal steps other issues add)
# stays on the officers' screens.
PUBLIC_EVENT_KINDS = (
    EventKind.RECEIVED,
    EventKind.SUPPLEMENT_REQUESTED,
    EventKind.SUPPLEMENT_RECEIVED,
    EventKind.REAPPOINTED,
    EventKind.ENDED,
    EventKind.RETURNED,
    EventKind.RATED,
)


def dossier_by_lookup(*, code: str, lookup_code: str) -> Dossier | None:
    """The dossier whose code and lookup code are both the given ones, else None.

    One answer for a wrong dossier code and a wrong lookup code, so the page cannot be used to
    find out which dossier codes exist; the codes are compared in constant time.
    """
    code = (code or "").strip()[:40]
    typed = normalise_lookup_code(lookup_code or "")
    if not code or not typed:
        return None
    dossiers = Dossier.objects.select_related("procedure", "unit")
    dossier = dossiers.filter(code=code).first() or dossiers.filter(code=code.upper()).first()
    stored = dossier.lookup_code if dossier is not None else "0" * 12
    matches = hmac.compare_digest(stored.encode(), typed.encode())
    return dossier if dossier is not None and matches else None


def lookup_path(dossier: Dossier) -> str:
    """``/lookup/?code=…&key=…``: the public status page of ``dossier``, opened without typing."""
    return reverse("lookup:status") + "?" + urlencode({"code": dossier.code, "key": dossier.lookup_code})


def public_address(path: str, *, request=None) -> str:
    """``path`` as an absolute link on the site's public address.

    ``TTHC_PUBLIC_URL`` is the site's public address (the reverse proxy's name); without it the
    address the request came to is used, and ``http://localhost:8000`` outside a request.
    """
    base = settings.TTHC_PUBLIC_URL
    if not base and request is not None:
        return request.build_absolute_uri(path)
    return (base or "http://localhost:8000").rstrip("/") + path


def lookup_url(dossier: Dossier, *, request=None) -> str:
    """The absolute link to the dossier's public status page (printed as a QR code on the receipt)."""
    return public_address(lookup_path(dossier), request=request)


def public_steps(dossier: Dossier) -> list:
    """The dossier's steps an applicant sees, oldest first (no officer, no internal note)."""
    return list(dossier.events.filter(kind__in=PUBLIC_EVENT_KINDS).order_by("sequence"))


def applicant_initials(name: str) -> str:
    """``"Nguyễn Văn An"`` → ``"N. V. A."``: enough for the applicant to recognise their dossier."""
    return " ".join(f"{word[0].upper()}." for word in name.split() if word[0].isalnum())


def printed_lookup_code(dossier: Dossier) -> str:
    """The lookup code as the receipt prints it, in groups of four."""
    return format_lookup_code(dossier.lookup_code)


def mask_personal(name: str, value: str) -> str:
    """One field of personal data, masked: numbers as ``mask``; ``an.nguyen@example.vn`` →
    ``a***@***.vn``; an address keeps only its last part (the province): ``***, Hà Nội``."""
    if not value:
        return value
    if name == "applicant_email":
        local_part, _at, domain = value.partition("@")
        return f"{local_part[:1]}***@***.{domain.rsplit('.', 1)[-1]}" if domain else mask(value)
    if name == "applicant_address":
        head, comma, province = value.rpartition(",")
        return f"***, {province.strip()}" if comma and province.strip() else "***"
    return mask(value)


def hide_personal_data(dossier: Dossier, *, access: Access) -> Dossier:
    """``dossier`` with its personal data masked unless ``access`` may see it (changed in place).

    Every screen, printable and API answer reads dossiers through this, so one rule decides. A
    masked instance refuses to be saved (``Dossier.save``), so a mask can never be written back.
    """
    if not shows_personal_data(access, unit_id=dossier.unit_id):
        for name in PERSONAL_FIELDS:
            setattr(dossier, name, mask_personal(name, getattr(dossier, name)))
        dossier.personal_data_masked = True
    return dossier


def with_codes(queryset, codes):
    """``queryset.filter(code__in=codes)``, found through the unique index on ``code``.

    On PostgreSQL a long ``code IN (…)`` lets the planner choose the trigram index on codes
    (``dossier_code_part_trgm``, for searches), whose candidates (codes share most trigrams) are
    all rechecked: seconds per thousand codes on a large table (16 s measured on 135,000 rows).
    Joining the list as ``IN (SELECT unnest(…))`` makes it one probe of the unique B-tree per code
    (28 ms). ``codes``: an iterable of strings.
    """
    codes = list(codes)
    if connection.vendor == "postgresql":
        return queryset.filter(code__in=RawSQL("SELECT unnest(%s::text[])", (codes,)))
    return queryset.filter(code__in=codes)
