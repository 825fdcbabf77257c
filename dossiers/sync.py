"""Bulk synchronisation: many dossiers as another system sees them now, in one set-based batch.

A one-stop system (or the national portal, or a file import) sends each dossier whole: its code,
procedure, channel, applicant, flags, status and dated steps. ``sync_batch`` turns every record
into our events, so deadlines, timeliness and the rollups follow the same rules as for dossiers
received here (``dossiers.deadlines``), and answers one outcome per record, in request order:

* ``created``: a new dossier with its receipt and every later step, each at its own time;
* ``updated``: the steps we lacked were appended (and/or the applicant's details or flags changed);
* ``unchanged``: we already hold exactly this (the same record sent twice);
* ``stale``: an older snapshot than the one we hold (fewer steps, or an earlier ``snapshot_at``):
  nothing is written;
* ``rejected``: a malformed value, an unknown procedure, a step the lifecycle does not allow then,
  or steps that contradict the ones we hold; the record's ``errors`` say which field, and nothing
  of it is written. ``status`` 403 when the record is not the sender's to change (a dossier of
  another system or one received here, or a unit outside the token's scope).

Records are independent: each is checked in Python against the rows read at the start, and the
accepted ones are written together, so one bad record never fails the others. The whole batch is
one transaction: a dropped connection leaves nothing half-written, and sending the batch again is
safe (idempotent). The statements do not grow with the batch: a fixed dozen reads and writes
(``COPY`` of plain rows, one ``UPDATE … FROM unnest``) whatever the number of records. Each
record's state is derived once, one step at a time (``deadlines.Replay``), by the rules of
``deadlines.derive_state`` (``dossiers/tests/test_sync_equivalence.py`` compares it with the
single-step services).

Field names and codes: ours (``code``, ``procedure``, ``status`` ...) or the national portal's
(``MaHoSo``, ``MaTTHC``, ``TrangThaiHoSo`` ...); see ``docs/sync.md`` for the mapping and its sources.

Days whose figures change because a record is dated in the past are recomputed by the nightly
statistics run, which finds them from the events recorded since its previous run
(``stats.rollups.nightly_range``).
"""

import datetime
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.bulk import collection_paused, insert_rows, reserve_ids
from config.numbers import number_text
from procedures.models import Procedure, ProcedureVersion
from units.access import access_for_user
from units.models import Unit
from workdays.calendar import OutOfCalendarRange, get_calendar, in_dated_range, out_of_range_message

from . import codes, services
from .backdating import (
    ClosedPeriods,
    LateEntry,
    Origin,
    office_only_message,
    past_tolerance,
    reason_needed_message,
)
from .choices import Action, ApplicantKind, Channel, EventKind, Outcome, Status
from .deadlines import DossierState, Replay, action_allowed, local_date
from .models import Dossier, DossierEvent, StateInterval
from .selectors import with_codes
from .services import FUTURE_TOLERANCE, NOTE_MAX_LENGTH, RATING_COMMENT_MAX_LENGTH, Applicant

MAX_RECORDS = 1000


class SyncOutcome:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    REJECTED = "rejected"


# --- The portal's codes (DESIGN.md, "The national portal's dossier model") ---------------------

# The choices' values, read once (``Choices.values`` builds a new list at every call).
CHANNELS = frozenset(Channel.values)
APPLICANT_KINDS = frozenset(ApplicantKind.values)
OUTCOMES = frozenset(Outcome.values)

CHANNEL_FROM_PORTAL = {"1": Channel.IN_PERSON, "2": Channel.ONLINE, "3": Channel.POSTAL}
CHANNEL_TO_PORTAL = {value: key for key, value in CHANNEL_FROM_PORTAL.items()}
APPLICANT_KIND_FROM_PORTAL = {"1": ApplicantKind.PERSON, "2": ApplicantKind.ORGANISATION}

# TrangThaiHoSo → what our events must replay to. 1 (registered, not received) and 3 (not
# accepted) are dossiers that were never received: the portal does not count them as received,
# and neither do we.
NOT_RECEIVED_STATUSES = {1, 3}
OPEN_PROCESSING_STATUSES = {2, 4, 6}  # received, in processing, financial obligation requested
STATUS_ENDED_OUTCOME = {7: Outcome.WITHDRAWN, 8: Outcome.STOPPED, 9: Outcome.RESOLVED}


def portal_status(*, status: str, outcome: str) -> int:
    """Our status (and outcome) as the portal's TrangThaiHoSo code (1–10).

    processing → 4, awaiting a supplement → 5, ended: resolved or refused → 9 (a refusal is a
    result too; 3 means "not accepted" at reception and is not counted as received), stopped → 8,
    withdrawn → 7; returned → 10.
    """
    if status == Status.PROCESSING:
        return 4
    if status == Status.AWAITING_SUPPLEMENT:
        return 5
    if status == Status.RETURNED:
        return 10
    return {Outcome.WITHDRAWN: 7, Outcome.STOPPED: 8}.get(outcome, 9)


# Portal field names → ours. Sources in docs/sync.md.
PORTAL_NAMES = {
    "MaHoSo": "code",
    "MaTTHC": "procedure",
    "KenhThucHien": "channel",
    "ChuHoSo": "applicant_name",
    "LoaiDoiTuong": "applicant_kind",
    "SoGiayToChuHoSo": "applicant_id_number",
    "SoDinhDanh": "applicant_id_number",
    "SoDienThoaiChuHoSo": "applicant_phone",
    "SoDienThoai": "applicant_phone",
    "EmailChuHoSo": "applicant_email",
    "Email": "applicant_email",
    "DiaChiChuHoSo": "applicant_address",
    "TrangThaiHoSo": "status",
    "NgayNopHoSo": "submitted_at",
    "NgayTiepNhan": "received_at",
    "NgayHenTra": "appointment_date",
    "NgayKetThucXuLy": "ended_at",
    "NgayTra": "returned_at",
    "DuocThanhToanTrucTuyen": "fee_paid_online",
    "HoSoCoThanhPhanSoHoa": "documents_digitised",
    "HoSoCoThanhPhanSoHo": "documents_digitised",
    "TaiKhoanDuocXacThucVoiVNeID": "vneid_verified",
    "DanhSachLePhi": "fees",
    "DanhSachHoSoBoSung": "supplements",
}
SUPPLEMENT_PORTAL_NAMES = {"NgayBoSung": "requested_at", "NgayTiepNhanBoSung": "received_at", "NoiDungBoSung": "note"}
FEE_PORTAL_NAMES = {"Gia": "amount"}

OUR_NAMES = frozenset(
    {
        "code",
        "procedure",
        "unit",
        "channel",
        "applicant_name",
        "applicant_kind",
        "applicant_id_number",
        "applicant_phone",
        "applicant_email",
        "applicant_address",
        "status",
        "outcome",
        "submitted_at",
        "received_at",
        "appointment_date",
        "ended_at",
        "end_note",
        "returned_at",
        "fee_amount",
        "fees",
        "fee_paid_online",
        "result_electronic",
        "documents_digitised",
        "data_reused",
        "from_data_store",
        "vneid_verified",
        "supplements",
        "reappointments",
        "rating",
        "snapshot_at",
        "backdate_reason",
    }
)

PORTAL_DATETIME = re.compile(r"^\d{14}$")  # yyyyMMddHHmmss, local time
ISO_WITH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
LOCAL_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
ID_NUMBER = re.compile(r"^[A-Za-z0-9-]*$")
STEP_ORDER = {
    EventKind.RECEIVED: 0,
    EventKind.SUPPLEMENT_REQUESTED: 1,
    EventKind.SUPPLEMENT_RECEIVED: 2,
    EventKind.REAPPOINTED: 3,
    EventKind.ENDED: 4,
    EventKind.RETURNED: 5,
    EventKind.RATED: 6,
}
STEP_ACTION = {
    EventKind.SUPPLEMENT_REQUESTED: Action.REQUEST_SUPPLEMENT,
    EventKind.SUPPLEMENT_RECEIVED: Action.RECEIVE_SUPPLEMENT,
    EventKind.REAPPOINTED: Action.REAPPOINT,
    EventKind.ENDED: Action.END,
    EventKind.RETURNED: Action.RETURN,
    EventKind.RATED: Action.RATE,
}
# Events recorded here that the source system does not know of: left out when steps are compared.
LOCAL_ONLY_KINDS = frozenset({EventKind.DEADLINE_RECALCULATED})
# Attributes a later snapshot may change without a new step.
MUTABLE_FIELDS = (
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
    "fee_amount",
    "fee_paid_online",
    "result_electronic",
    "documents_digitised",
    "data_reused",
    "from_data_store",
    "vneid_verified",
)
# What is read of a dossier we hold: to compare, replay, answer and write it back.
HELD_FIELDS = (
    "id",
    "code",
    "source_system",
    "procedure_id",
    "unit_id",
    "field_id",
    "channel",
    "processing_days",
    "source_updated_at",
    "synced_at",
    "backdated",
    "updated_at",
    *MUTABLE_FIELDS,
    *DossierState.STORED_FIELDS,
)
FLAG_FIELDS = (
    "fee_paid_online",
    "result_electronic",
    "documents_digitised",
    "data_reused",
    "from_data_store",
    "vneid_verified",
)


class BatchRejected(Exception):
    """The batch as a whole is malformed (not a list, too long, duplicate codes): a 400, nothing read."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(str(errors))
        self.errors = errors


class RecordRejected(Exception):
    """One record cannot be applied; ``errors`` maps its fields to messages."""

    def __init__(self, errors: dict[str, list[str]], *, status: int = 400):
        super().__init__(str(errors))
        self.errors = errors
        self.status = status


@dataclass(frozen=True)
class Step:
    """One dated step of a record, in our vocabulary; ``field`` names where its errors go."""

    kind: str
    at: datetime.datetime
    field: str
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def signature(self) -> tuple:
        return _signature(self.kind, self.at, self.data)


def _signature(kind: str, at: datetime.datetime, data: dict[str, Any]) -> tuple:
    """What makes two steps the same step: kind, instant (to the second) and what it decided."""
    key = {
        EventKind.ENDED: "outcome",
        EventKind.REAPPOINTED: "new_date",
        EventKind.RATED: "satisfied",
    }.get(kind)
    return (kind, int(at.timestamp()), (data or {}).get(key) if key else None)


@dataclass
class SyncRecord:
    """A parsed record: the dossier's attributes and its steps in time order (receipt first)."""

    index: int
    code: str
    procedure: Procedure
    channel: str
    applicant: Applicant
    received_at: datetime.datetime
    steps: list[Step]
    attributes: dict[str, Any]
    status: int | None = None
    snapshot_at: datetime.datetime | None = None
    source_appointment_date: datetime.date | None = None
    submitted_at: datetime.datetime | None = None
    # Why a time inside a submitted reporting period is sent only now (``dossiers.backdating``).
    backdate_reason: str = ""


@dataclass
class RecordResult:
    """What happened to one record; ``dossier`` is set unless it was rejected."""

    index: int
    code: str
    outcome: str
    status: int = 200
    errors: dict[str, list[str]] = field(default_factory=dict)
    dossier: Dossier | None = None

    def as_dict(self) -> dict[str, Any]:
        result = {"index": self.index, "code": self.code, "outcome": self.outcome, "status": self.status}
        if self.errors:
            result["errors"] = self.errors
        if self.dossier is not None:
            result["version"] = self.dossier.event_count
            result["TrangThaiHoSo"] = portal_status(status=self.dossier.status, outcome=self.dossier.outcome)
            result["appointment_date"] = self.dossier.appointment_date.isoformat()
        return result


@dataclass
class BatchReport:
    results: list[RecordResult]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(
            (SyncOutcome.CREATED, SyncOutcome.UPDATED, SyncOutcome.UNCHANGED, SyncOutcome.STALE, SyncOutcome.REJECTED),
            0,
        )
        for result in self.results:
            counts[result.outcome] += 1
        return counts


# --- Parsing ------------------------------------------------------------------------------------


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))


def _text(value: Any) -> str:
    if type(value) is str and value.isascii():
        return value.strip()  # NFC changes nothing in ASCII (most codes, dates and numbers)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_when(value: Any, *, naive_iso: bool = False) -> datetime.datetime:
    """An aware datetime from ISO 8601 with its offset, the portal's ``yyyyMMddHHmmss`` (local
    time, Asia/Ho_Chi_Minh), ``dd/mm/yyyy HH:MM[:SS]`` (local time) or a ``datetime``.

    An ISO value without an offset is refused unless ``naive_iso`` (files from a one-stop desk,
    which records local time). Raises ``ValueError`` with a message for the field.
    """
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, (datetime.date, bool)) or not isinstance(value, str | int):
        raise ValueError(_("Give a date and time, e.g. 2025-11-03T10:00:00+07:00 or 20251103100000."))
    else:
        text = _text(value)
        parsed = None
        if PORTAL_DATETIME.match(text):
            # Sliced by hand: strptime costs ten times more, and a batch has thousands.
            try:
                parsed = datetime.datetime(
                    int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[8:10]), int(text[10:12]), int(text[12:14])
                )
            except ValueError:
                parsed = None
        elif ISO_WITH_TIME.match(text):
            try:
                parsed = datetime.datetime.fromisoformat(text)
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed) and not naive_iso:
                raise ValueError(_("Give the time with its time zone, e.g. 2025-11-03T10:00:00+07:00."))
        else:
            for format_ in LOCAL_FORMATS:
                try:
                    parsed = datetime.datetime.strptime(text, format_)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise ValueError(
                _("“%(value)s” is not a date and time; use 2025-11-03T10:00:00+07:00 or 20251103100000.")
                % {"value": text[:40]}
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    if not in_dated_range(parsed):
        raise ValueError(out_of_range_message())
    return parsed


def parse_day(value: Any) -> datetime.date:
    """A date from ``yyyy-mm-dd``, ``dd/mm/yyyy``, the portal's ``yyyyMMdd[HHmmss]`` or a ``date``.

    Raises ``ValueError`` with a message for the field: the range's (``out_of_range_message``) for a
    date outside FIRST_YEAR–LAST_DATED_YEAR, else one quoting the value as it was sent."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    sent = _text(value)
    text = sent[:8] if len(sent) == 14 and sent.isdigit() else sent
    for format_ in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            day = datetime.datetime.strptime(text, format_).date()
        except ValueError:
            continue
        if in_dated_range(day):
            return day
        raise ValueError(out_of_range_message())  # a date, in a year the dossiers' dates may not lie in
    raise ValueError(_("“%(value)s” is not a date; use 2025-11-10 or 10/11/2025.") % {"value": sent[:40]})


def parse_flag(value: Any) -> bool:
    """Booleans as JSON true/false, 1/0, or the portal's codes (0 no; 1, 2 yes: e.g. paid on DVCQG / on
    the ministry's gateway)."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("", "0", "false", "không"):
        return False
    if text in ("1", "2", "true", "có", "x"):
        return True
    raise ValueError(_("“%(value)s” is not yes or no; use true/false or 1/0.") % {"value": text[:40]})


def _normalise_names(raw: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The record with the portal's names turned into ours (an empty alias never hides a value)."""
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = names.get(key, key)
        if name in values and value in (None, ""):
            continue
        values[name] = value
    return values


def _length(errors: _Errors, name: str, text: str) -> str:
    limit = Dossier._meta.get_field(name).max_length
    if len(text) > limit:
        errors.add(
            name, _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(text)}
        )
    if "\x00" in text:
        errors.add(name, _("This value contains a NUL character."))
    return text


def _fee(errors: _Errors, values: dict[str, Any]) -> Decimal:
    if values.get("fee_amount") not in (None, ""):
        raw_amounts = [values["fee_amount"]]
    elif isinstance(values.get("fees"), list):
        raw_amounts = [
            (item.get("Gia", item.get("amount")) if isinstance(item, dict) else item) for item in values["fees"]
        ]
    elif values.get("fees") not in (None, ""):
        errors.add("fees", _("A list of fees is expected."))
        return Decimal(0)
    else:
        return Decimal(0)
    total = Decimal(0)
    for amount in raw_amounts:
        if amount in (None, ""):
            continue
        try:
            value = Decimal(_text(amount).replace(",", "").replace(" ", "")) if not isinstance(amount, bool) else None
        except InvalidOperation:
            value = None
        if value is None or value < 0 or value != value.to_integral_value() or not value.is_finite():
            errors.add("fee_amount", _("Give the fee in whole đồng, e.g. 150000."))
            return Decimal(0)
        total += value
    if len(total.as_tuple().digits) > Dossier._meta.get_field("fee_amount").max_digits:
        errors.add("fee_amount", _("The fee is too large."))
    return total


_MISSING = object()


class _Reader:
    """Reads one record's values, collecting every problem before giving up."""

    def __init__(self, values: dict[str, Any], *, naive_iso: bool):
        self.values = values
        self.errors = _Errors()
        self.naive_iso = naive_iso

    def when(self, name: str, value: Any = _MISSING, *, field_name: str | None = None) -> datetime.datetime | None:
        value = self.values.get(name) if value is _MISSING else value
        if value in (None, ""):
            return None
        try:
            return parse_when(value, naive_iso=self.naive_iso)
        except ValueError as error:
            self.errors.add(field_name or name, str(error))
            return None

    def day(self, name: str, value: Any = _MISSING, *, field_name: str | None = None) -> datetime.date | None:
        value = self.values.get(name) if value is _MISSING else value
        if value in (None, ""):
            return None
        try:
            return parse_day(value)
        except ValueError as error:
            self.errors.add(field_name or name, str(error))
            return None

    def flag(self, name: str) -> bool:
        try:
            return parse_flag(self.values.get(name))
        except ValueError as error:
            self.errors.add(name, str(error))
            return False


def _word(value: Any, choices: Iterable[str], portal: dict[str, str]) -> str | None:
    text = _text(value)
    if text in portal:
        return portal[text]
    return text.lower() if text.lower() in choices else None


def parse_record(
    raw: Any,
    *,
    index: int,
    procedures: dict[str, Procedure],
    naive_iso: bool = False,
    require_notes: bool = False,
) -> SyncRecord:
    """Turn one record (our names or the portal's) into a ``SyncRecord`` or raise ``RecordRejected``.

    Only forms and the record's own consistency are checked here (status code against steps,
    every step after the receipt); the lifecycle rules are applied by ``_plan``. With
    ``require_notes`` a supplement request and a refusal or stop need their note, as at the desk.
    """
    if not isinstance(raw, dict):
        raise RecordRejected({"record": [_("Each record is a JSON object.")]})
    values = _normalise_names(raw, PORTAL_NAMES)
    reader = _Reader(values, naive_iso=naive_iso)
    errors = reader.errors
    for name, value in values.items():
        if isinstance(value, str) and "\x00" in value:
            errors.add(name, _("This value contains a NUL character."))

    code = _text(values.get("code"))
    if not code:
        errors.add("code", _("The dossier code is required."))
    elif not codes.is_well_formed(code):
        errors.add("code", str(codes.FORMAT_MESSAGE))

    procedure_code = _text(values.get("procedure"))
    procedure = procedures.get(procedure_code)
    if not procedure_code:
        errors.add("procedure", _("The national procedure code is required."))
    elif procedure is None:
        errors.add("procedure", _("No procedure has the national code %(code)s.") % {"code": procedure_code[:40]})
    unit_code = _text(values.get("unit"))
    if procedure is not None and unit_code and unit_code.upper() != procedure.unit.code:
        errors.add(
            "unit",
            _("Procedure %(procedure)s is resolved by %(unit)s, not %(given)s.")
            % {"procedure": procedure.code, "unit": procedure.unit.code, "given": unit_code[:20]},
        )

    channel = _word(values.get("channel"), CHANNELS, CHANNEL_FROM_PORTAL)
    if channel is None:
        errors.add(
            "channel", _("Unknown channel; use 1 (in person), 2 (online), 3 (postal) or online, in_person, postal.")
        )
    kind = ApplicantKind.PERSON
    if values.get("applicant_kind") not in (None, ""):
        kind = _word(values.get("applicant_kind"), APPLICANT_KINDS, APPLICANT_KIND_FROM_PORTAL)
        if kind is None:
            errors.add("applicant_kind", _("Unknown applicant kind; use 1 (person), 2 (organisation)."))
            kind = ApplicantKind.PERSON
    applicant = Applicant(
        name=_length(errors, "applicant_name", _text(values.get("applicant_name"))),
        kind=kind,
        id_number=_length(errors, "applicant_id_number", _text(values.get("applicant_id_number"))),
        phone=_length(errors, "applicant_phone", _text(values.get("applicant_phone"))),
        email=_length(errors, "applicant_email", _text(values.get("applicant_email"))),
        address=_length(errors, "applicant_address", _text(values.get("applicant_address"))),
    )
    if not applicant.name:
        errors.add("applicant_name", _("The applicant's name is required."))
    if applicant.email:
        try:
            validate_email(applicant.email)
        except ValidationError:
            errors.add("applicant_email", _("Enter a valid email address."))
    if not ID_NUMBER.match(applicant.id_number):
        errors.add("applicant_id_number", _("An ID or tax number has only digits, letters and hyphens."))

    attributes = {
        "applicant_kind": applicant.kind,
        "applicant_name": applicant.name,
        "applicant_id_number": applicant.id_number,
        "applicant_phone": applicant.phone,
        "applicant_email": applicant.email,
        "applicant_address": applicant.address,
        "fee_amount": _fee(errors, values),
        **{name: reader.flag(name) for name in FLAG_FIELDS},
    }

    status = None
    if values.get("status") not in (None, ""):
        text = _text(values.get("status"))
        status = int(text) if text.isdigit() and 1 <= int(text) <= 10 else None
        if status is None:
            errors.add("status", _("TrangThaiHoSo is a code from 1 to 10."))
        elif status in NOT_RECEIVED_STATUSES:
            errors.add(
                "status",
                _("A dossier with status %(status)s was never received; only received dossiers are tracked.")
                % {"status": status},
            )

    received_at = reader.when("received_at")
    if received_at is None and "received_at" not in errors.errors:
        errors.add("received_at", _("The time of reception is required."))
    steps: list[Step] = []
    supplements = values.get("supplements") or []
    if not isinstance(supplements, list):
        errors.add("supplements", _("A list of supplement requests is expected."))
        supplements = []
    for number, item in enumerate(supplements):
        item_values = _normalise_names(item, SUPPLEMENT_PORTAL_NAMES) if isinstance(item, dict) else None
        prefix = f"supplements[{number}]"
        if item_values is None:
            errors.add(prefix, _("Each supplement request is a JSON object."))
            continue
        note = _text(item_values.get("note"))
        requested = reader.when("requested_at", item_values.get("requested_at"), field_name=f"{prefix}.requested_at")
        if requested is not None:
            if require_notes and not note:
                errors.add(f"{prefix}.note", _("Say what the applicant must supplement."))
            steps.append(Step(EventKind.SUPPLEMENT_REQUESTED, requested, f"{prefix}.requested_at", note=note))
        arrived = reader.when("received_at", item_values.get("received_at"), field_name=f"{prefix}.received_at")
        if requested is not None and arrived is not None and arrived < requested:
            # Sorted by time, the arrival would come first and be refused as "not awaiting a
            # supplement" on the arrival's field; the request is what is out of order: a request
            # is always made before the supplement it asks for arrives.
            errors.add(
                f"{prefix}.requested_at",
                _("This request is dated after the supplement arrived (%(arrived)s); a request comes before it.")
                % {"arrived": timezone.localtime(arrived).strftime("%d/%m/%Y %H:%M")},
            )
        elif arrived is not None:
            steps.append(Step(EventKind.SUPPLEMENT_RECEIVED, arrived, f"{prefix}.received_at"))
    reappointments = values.get("reappointments") or []
    if not isinstance(reappointments, list):
        errors.add("reappointments", _("A list of re-appointments is expected."))
        reappointments = []
    for number, item in enumerate(reappointments):
        prefix = f"reappointments[{number}]"
        if not isinstance(item, dict):
            errors.add(prefix, _("Each re-appointment is a JSON object."))
            continue
        at = reader.when("at", item.get("at"), field_name=f"{prefix}.at")
        new_date = reader.day("new_date", item.get("new_date"), field_name=f"{prefix}.new_date")
        reason = _text(item.get("reason"))
        if at is None and f"{prefix}.at" not in errors.errors:
            errors.add(f"{prefix}.at", _("When was the new date given?"))
        if new_date is None and f"{prefix}.new_date" not in errors.errors:
            errors.add(f"{prefix}.new_date", _("Give the new date."))
        if not reason:
            errors.add(f"{prefix}.reason", _("Give the reason for the delay; it is printed in the apology letter."))
        if at is not None and new_date is not None and reason:
            steps.append(
                Step(
                    EventKind.REAPPOINTED,
                    at,
                    f"{prefix}.at",
                    note=reason,
                    data={"new_date": new_date.isoformat(), "reason": reason},
                )
            )

    ended_at = reader.when("ended_at")
    outcome = None
    if values.get("outcome") not in (None, ""):
        outcome = _text(values.get("outcome")).lower()
        if outcome not in OUTCOMES:
            errors.add("outcome", _("Unknown outcome; use resolved, refused, stopped or withdrawn."))
            outcome = None
    if status in STATUS_ENDED_OUTCOME:
        implied = STATUS_ENDED_OUTCOME[status]
        if outcome is None:
            outcome = implied
        elif outcome != implied and not (status == 9 and outcome == Outcome.REFUSED):
            errors.add(
                "outcome",
                _("Outcome %(outcome)s does not match status %(status)s.") % {"outcome": outcome, "status": status},
            )
    if status == 10 and outcome is None:
        outcome = Outcome.RESOLVED
    end_note = _text(values.get("end_note"))
    if ended_at is not None:
        if outcome is None:
            errors.add("outcome", _("Required when %(columns)s is filled in.") % {"columns": "ended_at"})
        elif require_notes and outcome in (Outcome.REFUSED, Outcome.STOPPED) and not end_note:
            errors.add("end_note", _("A refusal or a stop must state its reason."))
        else:
            steps.append(Step(EventKind.ENDED, ended_at, "ended_at", note=end_note, data={"outcome": outcome}))
    returned_at = reader.when("returned_at")
    if returned_at is not None:
        steps.append(Step(EventKind.RETURNED, returned_at, "returned_at"))
    rating = values.get("rating")
    if rating not in (None, ""):
        if not isinstance(rating, dict) or not isinstance(rating.get("satisfied"), bool):
            errors.add("rating", _("A rating is an object with satisfied (true or false), at and comment."))
        else:
            at = reader.when("at", rating.get("at"), field_name="rating.at")
            comment = _text(rating.get("comment"))
            if len(comment) > RATING_COMMENT_MAX_LENGTH:
                errors.add("rating.comment", _("At most %(limit)d characters.") % {"limit": RATING_COMMENT_MAX_LENGTH})
            if at is None and "rating.at" not in errors.errors:
                errors.add("rating.at", _("When was the dossier rated?"))
            elif at is not None:
                steps.append(
                    Step(EventKind.RATED, at, "rating.at", note=comment, data={"satisfied": rating["satisfied"]})
                )

    backdate_reason = _text(values.get("backdate_reason"))
    if len(backdate_reason) > NOTE_MAX_LENGTH:
        errors.add("backdate_reason", _("At most %(limit)d characters.") % {"limit": NOTE_MAX_LENGTH})

    # The status code the source reports must be the one its steps lead to.
    kinds = {step.kind for step in steps}
    # A date refused above (its year, its format) was sent: it is not also said to be missing.
    if status is not None and not errors.errors.get("status"):
        if status == 10 and EventKind.ENDED not in kinds and "ended_at" not in errors.errors:
            errors.add(
                "status", _("Status 10 (result returned) needs the end of processing (ended_at, NgayKetThucXuLy).")
            )
        if status == 10 and EventKind.RETURNED not in kinds and "returned_at" not in errors.errors:
            errors.add(
                "returned_at", _("Status 10 (result returned) needs the time the result was returned (NgayTra).")
            )
        if status in STATUS_ENDED_OUTCOME and EventKind.ENDED not in kinds and "ended_at" not in errors.errors:
            errors.add(
                "ended_at", _("Status %(status)s needs the end of processing (NgayKetThucXuLy).") % {"status": status}
            )
        if status != 10 and EventKind.RETURNED in kinds:
            errors.add("status", _("The result was returned (NgayTra): the status is 10."))
        if (status in OPEN_PROCESSING_STATUSES or status == 5) and EventKind.ENDED in kinds:
            errors.add(
                "status",
                _("Processing ended (NgayKetThucXuLy), but status %(status)s says it has not.") % {"status": status},
            )
    if errors.errors:
        raise RecordRejected(errors.errors)

    receipt = Step(EventKind.RECEIVED, received_at, "received_at", data={"channel": channel})
    steps.sort(key=lambda step: (step.at, STEP_ORDER[step.kind]))
    ordered = [receipt, *steps]
    record = SyncRecord(
        index=index,
        code=code,
        procedure=procedure,
        channel=channel,
        applicant=applicant,
        received_at=received_at,
        steps=ordered,
        attributes=attributes,
        status=status,
        snapshot_at=reader.when("snapshot_at"),
        source_appointment_date=reader.day("appointment_date"),
        submitted_at=reader.when("submitted_at"),
        backdate_reason=backdate_reason,
    )
    if errors.errors:
        raise RecordRejected(errors.errors)
    return record


# --- Applying -----------------------------------------------------------------------------------


@dataclass
class _Catalogue:
    """What a batch reads once: procedures and their versions, unit codes and code prefixes."""

    procedures: dict[str, Procedure]
    versions: dict[int, list[ProcedureVersion]]
    unit_codes: frozenset[str]
    prefixes: dict[int, str]

    def version_on(self, procedure: Procedure, day: datetime.date) -> ProcedureVersion | None:
        for version in self.versions.get(procedure.pk, []):  # newest first
            if version.effective_from <= day and (version.effective_to is None or version.effective_to >= day):
                return version
        return None


def _catalogue(procedure_codes: set[str], procedures: dict[str, Procedure] | None = None) -> _Catalogue:
    if procedures is None:
        procedures = {
            procedure.code: procedure
            for procedure in Procedure.objects.filter(code__in=procedure_codes).select_related("unit")
        }
    versions: dict[int, list[ProcedureVersion]] = {}
    for version in ProcedureVersion.objects.filter(procedure__in=procedures.values()).order_by("-effective_from"):
        versions.setdefault(version.procedure_id, []).append(version)
    units = {pk: (code, path) for pk, code, path in Unit.objects.values_list("pk", "code", "path")}
    prefixes = {}
    for pk, (code, path) in units.items():
        root_id = int(path.strip("/").split("/")[0]) if path else pk
        prefixes[pk] = code if root_id == pk else f"{units[root_id][0]}-{code}"
    return _Catalogue(procedures, versions, frozenset(code for code, _path in units.values()), prefixes)


def _lock_codes(record_codes: list[str]) -> None:
    """Serialise concurrent batches that carry the same codes (PostgreSQL), in a fixed order so
    two batches never wait for each other in a circle. SQLite serialises all writers anyway."""
    if connection.vendor != "postgresql" or not record_codes:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(key) FROM ("
            "SELECT DISTINCT hashtextextended(code, 16) AS key FROM unnest(%s::text[]) AS code ORDER BY 1"
            ") AS keys",
            [sorted(record_codes)],
        )


def _raise_field(field_name: str, message: str):
    raise RecordRejected({field_name: [message]})


@dataclass(slots=True)
class _NewEvent:
    """An event about to be written: the values of its row (no model instance; ``COPY`` takes them)."""

    sequence: int
    kind: str
    at: datetime.datetime
    on: datetime.date
    note: str
    data: dict[str, Any]


@dataclass(slots=True)
class _HeldEvent:
    """An event we hold, as read for comparing and replaying (no model instance)."""

    kind: str
    at: datetime.datetime
    data: dict[str, Any]


@dataclass
class _Batch:
    """What every record of a batch is checked against, read or computed once per batch."""

    now: datetime.datetime
    source: str
    by: Any
    calendar: Any
    tolerance: datetime.timedelta
    closed: ClosedPeriods
    defaults: "_Defaults"
    _by_office: bool | None = None
    _plain_mark: dict | None = None

    def by_office(self) -> bool:
        """Whether the batch's user (a token's user, an import's uploader) is of the ministry
        office; asked only when a step falls in a submitted period (at most two queries a batch)."""
        if self._by_office is None:
            self._by_office = self.by is not None and access_for_user(self.by).is_ministry_office
        return self._by_office

    def late_mark(self, at: datetime.datetime, *, field: str, receipt: bool, reason: str) -> dict:
        """How an event dated ``at``, before the tolerance, is marked (``dossiers.backdating``).

        A time on or before the end of a submitted period (``ClosedPeriod``) needs the record's
        ``backdate_reason``, and for a step a user of the ministry office, as ``check_time`` asks
        of the single-step services; raises ``RecordRejected`` naming the period otherwise.
        """
        closed = self.closed.covering(local_date(at))
        if closed is None:
            if self._plain_mark is None:
                self._plain_mark = LateEntry(recorded_at=self.now, origin=Origin.SOURCE, source=self.source).as_data()
            return self._plain_mark
        if not receipt and not self.by_office():
            _raise_field(field, office_only_message(at, closed))
        if not reason:
            _raise_field("backdate_reason", reason_needed_message(at, closed))
        return LateEntry(
            recorded_at=self.now, origin=Origin.SOURCE, source=self.source, reason=reason, closed_period=closed.label
        ).as_data()


def _replay(
    events: list,
    new_steps: list[Step],
    *,
    code: str,
    processing_days: int,
    batch: _Batch,
    reason: str = "",
) -> tuple[list[_NewEvent], DossierState]:
    """Append ``new_steps`` to ``events`` as the services would, one at a time, checking each.

    Each step must be dated no earlier than the previous one and not in the future, and be a step
    the lifecycle allows at its time (``deadlines.allowed_actions``; a re-appointment also at
    least one working day ahead, to a later working day); a time inside a submitted period needs
    ``reason`` (and for a step the ministry office, ``_Batch.late_mark``). Raises
    ``RecordRejected`` on the step's field. Returns the new (unsaved) events and the final state;
    the events record the dates they fixed, exactly as the single-step services record them. The
    state is derived once per record (``deadlines.Replay``, one event at a time: the rules of
    ``derive_state``), not again from the whole history after every step.
    """
    now, calendar = batch.now, batch.calendar
    late_before = now - batch.tolerance
    replay = Replay(processing_days=processing_days, calendar=calendar)
    for event in events:
        replay.apply(event)
    replay.record = True  # the new events record the dates they fix, as the services' do
    state = replay.state
    previous = events[-1].at if events else None
    sequence = len(events)
    created = []
    for step in new_steps:
        if step.at > now + FUTURE_TOLERANCE:
            _raise_field(step.field, _("This time lies in the future."))
        if previous is not None and step.at < previous:
            _raise_field(
                step.field,
                _("This time is before the dossier's previous step (%(previous)s).")
                % {"previous": timezone.localtime(previous).strftime("%d/%m/%Y %H:%M")},
            )
        day = local_date(step.at)
        if step.kind != EventKind.RECEIVED:
            action = STEP_ACTION[step.kind]
            if not action_allowed(action, state, on=day, calendar=calendar):
                _raise_field(step.field, _not_allowed(action, state, code, step.at))
            if step.kind == EventKind.REAPPOINTED:
                new_date = datetime.date.fromisoformat(step.data["new_date"])
                if new_date <= state.appointment_date:
                    _raise_field(
                        step.field.replace(".at", ".new_date"),
                        _("The new date must be after the appointment date %(appointment)s.")
                        % {"appointment": state.appointment_date.strftime("%d/%m/%Y")},
                    )
                if not calendar.is_working_day(new_date):
                    _raise_field(step.field.replace(".at", ".new_date"), _("The new date must be a working day."))
        data = dict(step.data)
        if step.at < late_before:
            # The source's own system recorded this time; kept, and marked as entered late
            # (dossiers.backdating: a source may give any past time, always marked).
            data["late_entry"] = batch.late_mark(
                step.at, field=step.field, receipt=step.kind == EventKind.RECEIVED, reason=reason
            )
        sequence += 1
        event = _NewEvent(sequence, step.kind, step.at, day, step.note, data)
        try:
            state = replay.apply(event, day=day)
        except OutOfCalendarRange as error:
            _raise_field(step.field, str(error))
        created.append(event)
        previous = step.at
    return created, replay.finish()


def _check_status(record: SyncRecord, state: DossierState) -> None:
    """The status code the source reported must be the one our replay of its steps arrives at."""
    if record.status is None:
        return
    ours = portal_status(status=state.status, outcome=state.outcome)
    if record.status == ours or (record.status in OPEN_PROCESSING_STATUSES and ours == 4):
        return
    _raise_field(
        "status",
        _("Status %(given)s does not match the steps sent, which lead to status %(ours)s.")
        % {"given": record.status, "ours": ours},
    )


def _not_allowed(action: str, state: DossierState, code: str, at: datetime.datetime) -> str:
    """The services' own words for a step not allowed now (``dossiers.services``)."""
    return services.refusal(action, state, SimpleNamespace(code=code), at)


@dataclass
class _Write:
    """What one accepted record writes: the dossier's column values (``attname`` → value; the
    held dossier's, changed, for an update), its new events and the replayed state."""

    dossier: Any
    events: list[_NewEvent]
    state: DossierState
    new: bool
    held: dict[str, Any] | None = None  # an update: the values held before it


def _plan_new(record: SyncRecord, catalogue: _Catalogue, batch: _Batch) -> _Write:
    procedure = record.procedure
    received_on = local_date(record.received_at)
    version = catalogue.version_on(procedure, received_on)
    if version is None:
        _raise_field(
            "procedure",
            _("Procedure %(code)s has no version in force on %(day)s.")
            % {"code": procedure.code, "day": received_on.strftime("%d/%m/%Y")},
        )
    if version.is_abolished:
        _raise_field(
            "procedure",
            _("Procedure %(code)s was abolished by decision %(decision)s.")
            % {"code": procedure.code, "decision": version.decision_number},
        )
    try:
        code = codes.validate_code(
            record.code,
            unit=procedure.unit,
            prefix=catalogue.prefixes[procedure.unit_id],
            unit_codes=catalogue.unit_codes,
        )
    except ValidationError as error:
        raise RecordRejected(error.message_dict) from None
    receipt = record.steps[0]
    source, now = batch.source, batch.now
    data = {"channel": record.channel, "version": version.pk, "source": source}
    if record.source_appointment_date:
        data["source_appointment_date"] = record.source_appointment_date.isoformat()
    if record.submitted_at:
        data["submitted_at"] = record.submitted_at.isoformat()
    steps = [Step(receipt.kind, receipt.at, receipt.field, data=data), *record.steps[1:]]
    events, state = _replay(
        [], steps, code=code, processing_days=version.processing_days, batch=batch, reason=record.backdate_reason
    )
    _check_status(record, state)
    # The row as ``Dossier(...)`` would fill it (every field's default), without building one.
    row = batch.defaults.row()
    row.update(
        code=code,
        procedure_id=procedure.pk,
        procedure_version_id=version.pk,
        unit_id=procedure.unit_id,
        field_id=procedure.field_id,
        channel=record.channel,
        received_at=record.received_at,
        received_on=received_on,
        processing_days=version.processing_days,
        source_system=source,
        synced_at=now,
        backdated=any("late_entry" in event.data for event in events),
        source_updated_at=record.snapshot_at,
        created_at=now,
        updated_at=now,
        **record.attributes,
        **state.stored_values(),
    )
    return _Write(row, events, state, new=True)


class _Defaults:
    """Every column of a new dossier row with the value ``Dossier()`` would give it (callable
    defaults, such as the lookup code, called for each row)."""

    def __init__(self):
        self.fields = [field for field in Dossier._meta.concrete_fields if not getattr(field, "generated", False)]
        called = {field.attname for field in self.fields if field.has_default() and callable(field.default)}
        self.fixed = {field.attname: field.get_default() for field in self.fields if field.attname not in called}
        self.called = [(field.attname, field.default) for field in self.fields if field.attname in called]

    def row(self) -> dict[str, Any]:
        row = dict(self.fixed)
        for name, default in self.called:
            row[name] = default()
        return row


def _plan_existing(
    record: SyncRecord, dossier, events: list[_HeldEvent], batch: _Batch, *, adopt_local=False
) -> tuple[str, _Write | None]:
    """``dossier``: the held row's values as attributes (``_held``), changed in place for an update."""
    source, now = batch.source, batch.now
    if not dossier.source_system and not adopt_local:
        # Received in the tracker itself: no system owns it, so "not sent by <source>" misled.
        raise RecordRejected(
            {
                "code": [
                    _(
                        "Dossier %(code)s was received in TTHC Tracker itself (at the one-stop desk), not sent by a "
                        "system; it can only be changed there."
                    )
                    % {"code": dossier.code}
                ]
            },
            status=403,
        )
    if dossier.source_system != source and not (adopt_local and not dossier.source_system):
        raise RecordRejected(
            {
                "code": [
                    _("Dossier %(code)s was not sent by %(source)s; only its own system may change it.")
                    % {"code": dossier.code, "source": source}
                ]
            },
            status=403,
        )
    if record.procedure.pk != dossier.procedure_id:
        _raise_field(
            "procedure",
            _("Dossier %(code)s is of procedure %(procedure)s; a procedure does not change.")
            % {"code": dossier.code, "procedure": dossier.procedure_code},
        )
    if record.channel != dossier.channel:
        _raise_field("channel", _("The channel of a received dossier does not change."))
    if record.snapshot_at and dossier.source_updated_at and record.snapshot_at < dossier.source_updated_at:
        return SyncOutcome.STALE, None
    ours = [event for event in events if event.kind not in LOCAL_ONLY_KINDS]
    theirs = record.steps
    common = min(len(ours), len(theirs))
    for position in range(common):
        if ours[position].kind == EventKind.RECEIVED and theirs[position].kind == EventKind.RECEIVED:
            same = int(ours[position].at.timestamp()) == int(theirs[position].at.timestamp())
        else:
            same = (
                _signature(ours[position].kind, ours[position].at, ours[position].data) == theirs[position].signature()
            )
        if not same:
            recorded = ours[position]
            _raise_field(
                theirs[position].field,
                _("This contradicts step %(number)d recorded for the dossier (%(kind)s on %(at)s).")
                % {
                    "number": position + 1,
                    "kind": EventKind(recorded.kind).label,
                    "at": timezone.localtime(recorded.at).strftime("%d/%m/%Y %H:%M"),
                },
            )
    if len(theirs) < len(ours):
        return SyncOutcome.STALE, None
    new_steps = theirs[common:]
    changed = {name: value for name, value in record.attributes.items() if getattr(dossier, name) != value}
    snapshot_newer = record.snapshot_at is not None and record.snapshot_at != dossier.source_updated_at
    if not new_steps and not changed and not snapshot_newer:
        return SyncOutcome.UNCHANGED, None
    created, state = _replay(
        events,
        new_steps,
        code=dossier.code,
        processing_days=dossier.processing_days,
        batch=batch,
        reason=record.backdate_reason,
    )
    held = dict(vars(dossier))
    dossier.backdated = dossier.backdated or any("late_entry" in event.data for event in created)
    _check_status(record, state)
    for name, value in changed.items():
        setattr(dossier, name, value)
    for name, value in state.stored_values().items():
        setattr(dossier, name, value)
    dossier.synced_at = now
    if record.snapshot_at:
        dossier.source_updated_at = record.snapshot_at
    dossier.updated_at = now
    return SyncOutcome.UPDATED, _Write(dossier, created, state, new=False, held=held)


def check_batch(records: Any) -> list[Any]:
    """The batch's shape: a list of at most ``MAX_RECORDS`` objects with distinct codes.

    Raises ``BatchRejected`` naming the offending records (by index and code).
    """
    if isinstance(records, dict) and "records" in records:
        records = records["records"]
    if not isinstance(records, list):
        raise BatchRejected({"records": [_("Send a JSON list of dossier records.")]})
    if not records:
        raise BatchRejected({"records": [_("The list of records is empty.")]})
    if len(records) > MAX_RECORDS:
        raise BatchRejected(
            {
                "records": [
                    _("At most %(limit)s dossiers per request; this one has %(count)s. Send them in several requests.")
                    % {"limit": number_text(MAX_RECORDS, places=0), "count": number_text(len(records), places=0)}
                ]
            }
        )
    seen: dict[str, int] = {}
    duplicates = []
    for index, raw in enumerate(records):
        if isinstance(raw, SyncRecord):
            code = raw.code
        elif isinstance(raw, dict):
            code = _text(raw.get("code", raw.get("MaHoSo")))
        else:
            continue
        if not code:
            continue
        if code in seen:
            duplicates.append(
                _("records %(first)d and %(second)d both have code %(code)s")
                % {"first": seen[code], "second": index, "code": code[:40]}
            )
        else:
            seen[code] = index
    if duplicates:
        raise BatchRejected(
            {"records": [_("Each code may appear once per batch: %(list)s.") % {"list": "; ".join(duplicates)}]}
        )
    return records


@collection_paused()
def sync_batch(
    records: Any,
    *,
    source: str,
    by,
    access=None,
    naive_iso: bool = False,
    require_notes: bool = False,
    procedures: dict[str, Procedure] | None = None,
    adopt_local: bool = False,
) -> BatchReport:
    """Apply a batch of dossier records sent by ``source``; one ``RecordResult`` per record.

    ``records``: a list (or ``{"records": [...]}``) of at most ``MAX_RECORDS`` dicts, our field
    names or the portal's, or ``SyncRecord`` objects a caller has parsed exactly as
    ``parse_record`` would (a file import's rows: ``importing.parsed_record``). ``source``: the
    sending system's name (``ApiToken.source_system``), kept on every dossier it creates; a
    record for a dossier of another source is refused (403).
    ``access`` (``units.access.Access``), when given, limits the records to procedures of units it
    may write (403 otherwise). ``by``: the user the events are recorded as. ``procedures``: the
    procedures by code when the caller has read them already (a file import). ``adopt_local``: a
    dossier received here (no source system) may be updated too, as by the ministry office's file
    imports. Raises ``BatchRejected`` for a malformed batch. One transaction, a fixed number of
    statements; the cyclic garbage collector waits until it is over (``config.bulk.collection_paused``).
    """
    if not source:
        raise BatchRejected({"source": [_("The sending system is not named.")]})
    records = check_batch(records)
    now = timezone.now()
    results: list[RecordResult | None] = [None] * len(records)
    procedure_codes = {
        _text(raw.get("procedure", raw.get("MaTTHC")))[:50]
        for raw in records
        if isinstance(raw, dict) and "\x00" not in _text(raw.get("procedure", raw.get("MaTTHC")))
    } | {raw.procedure.code for raw in records if isinstance(raw, SyncRecord)}
    with transaction.atomic():
        catalogue = _catalogue(procedure_codes, procedures)
        parsed: list[SyncRecord] = []
        for index, raw in enumerate(records):
            if isinstance(raw, SyncRecord):
                code = raw.code
            else:
                code = _text(raw.get("code", raw.get("MaHoSo"))) if isinstance(raw, dict) else ""
            try:
                if isinstance(raw, SyncRecord):
                    record = raw
                    record.index = index
                else:
                    record = parse_record(
                        raw,
                        index=index,
                        procedures=catalogue.procedures,
                        naive_iso=naive_iso,
                        require_notes=require_notes,
                    )
                if access is not None and not access.can_write_unit(record.procedure.unit_id):
                    raise RecordRejected(
                        {
                            "procedure": [
                                _("This token may not synchronise dossiers of unit %(unit)s.")
                                % {"unit": record.procedure.unit.code}
                            ]
                        },
                        status=403,
                    )
            except RecordRejected as rejected:
                results[index] = RecordResult(index, code[:40], SyncOutcome.REJECTED, rejected.status, rejected.errors)
                continue
            parsed.append(record)
        record_codes = [record.code for record in parsed]
        _lock_codes(record_codes)
        existing = {
            row["code"]: SimpleNamespace(**row)
            for row in with_codes(Dossier.objects.select_for_update(of=("self",)), record_codes)
            .order_by()
            .values(*HELD_FIELDS, procedure_code=F("procedure__code"))
        }
        events: dict[int, list[_HeldEvent]] = {dossier.id: [] for dossier in existing.values()}
        if events:
            for dossier_id, kind, at, data in (
                DossierEvent.objects.filter(dossier_id__in=list(events))
                .order_by("dossier_id", "sequence")
                .values_list("dossier_id", "kind", "at", "data")
            ):
                events[dossier_id].append(_HeldEvent(kind, at, data))
        earliest = min((local_date(record.received_at) for record in parsed), default=None)
        batch = _Batch(
            now=now,
            source=source,
            by=by,
            calendar=get_calendar(),
            tolerance=past_tolerance(),
            closed=ClosedPeriods(earliest),
            defaults=_Defaults(),
        )
        writes: list[tuple[RecordResult, _Write]] = []
        for record in parsed:
            try:
                dossier = existing.get(record.code)
                if dossier is None:
                    write = _plan_new(record, catalogue, batch)
                    outcome = SyncOutcome.CREATED
                else:
                    outcome, write = _plan_existing(record, dossier, events[dossier.id], batch, adopt_local=adopt_local)
            except RecordRejected as rejected:
                results[record.index] = RecordResult(
                    record.index, record.code, SyncOutcome.REJECTED, rejected.status, rejected.errors
                )
                continue
            result = RecordResult(
                record.index,
                record.code,
                outcome,
                201 if outcome == SyncOutcome.CREATED else 200,
                dossier=write.state if write else existing[record.code],
            )
            results[record.index] = result
            if write is not None:
                writes.append((result, write))
        _write(writes, by_id=getattr(by, "pk", None), now=now)
    return BatchReport([result for result in results if result is not None])


EVENT_COLUMNS = ("dossier_id", "sequence", "kind", "at", "on", "by_id", "note", "data", "recorded_at")
INTERVAL_COLUMNS = ("dossier_id", "unit_id", "procedure_id", "field_id", "starts_on", "ends_on", "due", "overdue_from")


def _write(writes: list[tuple[RecordResult, _Write]], *, by_id: int | None, now: datetime.datetime) -> None:
    """Insert the new dossiers, then every new event and the rewritten intervals, set-based.

    On PostgreSQL the rows go as plain tuples through ``COPY`` (``config.bulk``; no model
    instance is built) and the updated dossiers are written by one ``UPDATE … FROM unnest(…)``;
    elsewhere ``bulk_create`` and ``bulk_update``.
    """
    new = [write for _result, write in writes if write.new]
    updated = [write for _result, write in writes if not write.new]
    postgres = connection.vendor == "postgresql"
    if new:
        names = [field.attname for field in Dossier._meta.concrete_fields if not getattr(field, "generated", False)]
        ids = reserve_ids(Dossier, len(new))
        if ids is None:
            created = Dossier.objects.bulk_create(
                [Dossier(**{name: value for name, value in write.dossier.items() if name != "id"}) for write in new]
            )
            ids = [dossier.pk for dossier in created]
        for write, pk in zip(new, ids, strict=True):
            write.dossier["id"] = pk
        if postgres:
            insert_rows(Dossier, names, ([write.dossier[name] for name in names] for write in new))
    for write in updated:
        write.dossier = write.dossier.__dict__ | {}  # the held row's values, changed, as a dict
    if updated:
        # The columns some record of the batch changes (the others would be written as they are).
        candidates = [*DossierState.STORED_FIELDS, *MUTABLE_FIELDS, "backdated", "source_updated_at"]
        changed = [name for name in candidates if any(write.dossier[name] != write.held[name] for write in updated)]
        _update([write.dossier for write in updated], [*changed, "synced_at", "updated_at"])
        StateInterval.objects.filter(dossier_id__in=[write.dossier["id"] for write in updated]).delete()
    encode = json.dumps if postgres else (lambda data: data)
    insert_rows(
        DossierEvent,
        EVENT_COLUMNS,
        (
            (
                write.dossier["id"],
                event.sequence,
                event.kind,
                event.at,
                event.on,
                by_id,
                event.note,
                encode(event.data),
                now,
            )
            for write in new + updated
            for event in write.events
        ),
    )
    insert_rows(
        StateInterval,
        INTERVAL_COLUMNS,
        (
            (
                write.dossier["id"],
                write.dossier["unit_id"],
                write.dossier["procedure_id"],
                write.dossier["field_id"],
                interval.starts_on,
                interval.ends_on,
                interval.due,
                interval.overdue_from,
            )
            for write in new + updated
            for interval in write.state.intervals
        ),
    )


def _update(dossiers: list[dict[str, Any]], names: list[str]) -> None:
    """Write ``names`` of many dossiers (their values by ``attname``, ``id`` included) in one statement."""
    if connection.vendor != "postgresql":
        Dossier.objects.bulk_update(
            [Dossier(**{name: row[name] for name in ["id", *names]}) for row in dossiers], names
        )
        return
    fields = [Dossier._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    columns = ["id", *(field.column for field in fields)]
    casts = ["bigint", *(field.db_type(connection) for field in fields)]
    # Plain values (dates, datetimes, decimals, booleans, text): psycopg adapts them, cast by column.
    arrays = [[row["id"] for row in dossiers]] + [[row[field.attname] for row in dossiers] for field in fields]
    assignments = ", ".join(f"{quote(column)} = v.{quote(column)}" for column in columns[1:])
    sources = ", ".join(f"%s::{cast}[]" for cast in casts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Dossier._meta.db_table)} AS d SET {assignments} "
            f"FROM unnest({sources}) AS v({', '.join(quote(column) for column in columns)}) WHERE d.id = v.id",
            arrays,
        )
