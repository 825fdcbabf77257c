"""Importing dossiers from CSV or XLSX files (provincial one-stop systems, national portal exports).

Three plain steps, each usable on its own:

* ``read_table`` reads the file into rows keyed by canonical column name, or raises
  ``ImportFileError`` before anything is written (wrong extension, missing required columns, ...);
* ``parse_row`` turns one row into a typed ``DossierRecord`` or raises ``RowRejected`` with every
  format problem of that row at once;
* ``import_table`` hands the parsed rows, a thousand at a time, to the bulk synchronisation
  service (``dossiers.sync``), which applies each row's steps in time order by the same rules as
  the desk and the API, in a fixed number of statements per batch; a row imports whole or not at
  all, and its problems come back named by row and column.

The import is idempotent as synchronisation is: a row we already hold is left alone ("already
present"), a row with more steps than we hold adds them ("updated"), an older one changes nothing.
The deadline rules themselves stay in ``dossiers.deadlines``: this module only parses and maps the
messages to columns.
"""

import csv
import datetime
import functools
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.styles.numbers import is_datetime
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from config.bulk import collection_paused
from procedures.models import Procedure
from units.access import Access
from workdays.calendar import in_dated_range, out_of_range_message

from . import codes, services, sync
from .choices import Action, ApplicantKind, Channel, EventKind, Outcome
from .models import Dossier, ImportJob

FLAG_COLUMNS = (
    "fee_paid_online",
    "result_electronic",
    "documents_digitised",
    "data_reused",
    "from_data_store",
    "vneid_verified",
)
REQUIRED_COLUMNS = ("code", "procedure_code", "channel", "applicant_name", "received_at")
OPTIONAL_COLUMNS = (
    "applicant_kind",
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
    "supplement_requested_at",
    "supplement_note",
    "supplement_received_at",
    "reappointed_at",
    "reappointed_date",
    "reappoint_reason",
    "ended_at",
    "outcome",
    "end_note",
    "returned_at",
    "satisfied",
    "rating_comment",
    "rated_at",
    "backdate_reason",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

# Rows are applied and committed in batches by the bulk service (``dossiers.sync``); an interrupted
# import loses at most one batch and re-runs safely (idempotent).
BATCH_SIZE = 1000

CHANNEL_WORDS = {
    Channel.ONLINE.value: Channel.ONLINE,
    Channel.IN_PERSON.value: Channel.IN_PERSON,
    Channel.POSTAL.value: Channel.POSTAL,
    "trực tuyến": Channel.ONLINE,
    "trực tiếp": Channel.IN_PERSON,
    "bưu chính": Channel.POSTAL,
    "bưu chính công ích": Channel.POSTAL,
}
OUTCOME_WORDS = {
    Outcome.RESOLVED.value: Outcome.RESOLVED,
    Outcome.REFUSED.value: Outcome.REFUSED,
    Outcome.STOPPED.value: Outcome.STOPPED,
    Outcome.WITHDRAWN.value: Outcome.WITHDRAWN,
    "đã giải quyết": Outcome.RESOLVED,
    "từ chối": Outcome.REFUSED,
    "dừng": Outcome.STOPPED,
    "dừng giải quyết": Outcome.STOPPED,
    "rút": Outcome.WITHDRAWN,
    "rút hồ sơ": Outcome.WITHDRAWN,
}
APPLICANT_KIND_WORDS = {
    ApplicantKind.PERSON.value: ApplicantKind.PERSON,
    ApplicantKind.ORGANISATION.value: ApplicantKind.ORGANISATION,
    "cá nhân": ApplicantKind.PERSON,
    "tổ chức": ApplicantKind.ORGANISATION,
}
TRUE_WORDS = frozenset({"1", "true", "có", "x"})
FALSE_WORDS = frozenset({"0", "false", "không"})

DATETIME_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
# An ISO 8601 value must carry a time: the hour decides whether a dossier counts from today or
# the next working day (the cut-off), so a bare date is not silently read as midnight.
ISO_WITH_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
LOCAL_MINUTES = re.compile(r"^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}$")
WHOLE_NUMBER = re.compile(r"^\d{1,3}(?:([.,\s])\d{3}(?:\1\d{3})*)?$|^\d+$")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was written."""


@dataclass(frozen=True)
class RowError:
    """One problem with one row, named by the column a person must correct."""

    row: int
    column: str
    message: str

    def __str__(self):
        return _("row %(row)d: %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class RowRejected(Exception):
    """A row that cannot be imported, with every reason found."""

    def __init__(self, errors: list[RowError]):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass(frozen=True)
class SourceRow:
    """A non-empty row of the file: its number as a spreadsheet shows it (header = 1) and its cells."""

    number: int
    values: dict[str, Any]
    extra_cells: int = 0


@dataclass(frozen=True)
class Table:
    """A file's known columns, the columns it has that we do not know, and its non-empty rows."""

    columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]
    rows: list[SourceRow]


@dataclass(frozen=True)
class Step:
    """One lifecycle step of an imported dossier, applied through its service at ``at``."""

    action: str
    at: datetime.datetime
    at_column: str
    arguments: dict[str, Any]
    # The service's error keys → the column holding that value in the file.
    columns: dict[str, str]


# When two steps carry the same time they happen in the order of a dossier's life.
STEP_ORDER = (
    Action.REQUEST_SUPPLEMENT,
    Action.RECEIVE_SUPPLEMENT,
    Action.REAPPOINT,
    Action.END,
    Action.RETURN,
    Action.RATE,
)


@dataclass(frozen=True)
class DossierRecord:
    """A parsed row: everything ``dossier_receive`` needs, then the later steps in time order."""

    row: int
    code: str
    procedure: Procedure
    channel: str
    applicant: services.Applicant
    received_at: datetime.datetime
    fee_amount: Decimal = Decimal(0)
    fee_paid_online: bool = False
    result_electronic: bool = False
    documents_digitised: bool = False
    data_reused: bool = False
    from_data_store: bool = False
    vneid_verified: bool = False
    steps: tuple[Step, ...] = ()
    # Why a time inside a submitted reporting period is imported only now (docs/backdating.md).
    backdate_reason: str = ""


@dataclass
class ImportReport:
    """What an import did: rows imported (new dossiers), rows that added steps or corrected details
    of a dossier already held (updated), rows already present (unchanged, or older than what is
    held), and the problems of the failed rows."""

    imported: int = 0
    updated: int = 0
    already_present: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({error.row for error in self.errors})


# --- Reading the file ---------------------------------------------------------------------------


@collection_paused()  # a file's rows are hundreds of thousands of containers, none of them garbage yet
def read_table(path: Path) -> Table:
    """Read a ``.csv`` (UTF-8, comma or semicolon) or ``.xlsx`` (first sheet) file whose row 1 is the header."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ImportFileError(
            _("%(name)s is not a .csv or .xlsx file; save it as CSV UTF-8 or Excel workbook (.xlsx).")
            % {"name": path.name}
        )
    if not path.is_file():
        raise ImportFileError(_("File %(path)s does not exist.") % {"path": path})
    records = _csv_records(path) if suffix == ".csv" else _xlsx_records(path)
    return _table(path, records, strict_width=suffix == ".csv")


def _csv_records(path: Path) -> list[list[Any]]:
    try:
        # utf-8-sig drops the byte-order mark Excel writes in front of "CSV UTF-8" files.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("%(name)s is not UTF-8 text; in Excel save it as “CSV UTF-8 (Comma delimited)”.") % {"name": path.name}
        ) from None
    header_line = text.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(header_line, delimiters=",;").delimiter
    except csv.Error:  # a single column: no delimiter to find
        delimiter = ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportFileError(
            _("%(name)s is not a valid CSV file: %(error)s") % {"name": path.name, "error": error}
        ) from None


def _xlsx_records(path: Path) -> list[list[Any]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise ImportFileError(_("%(name)s is not a valid Excel workbook (.xlsx).") % {"name": path.name}) from None
    try:
        sheet = workbook.active
        # Some exporters write a wrong sheet size, and read-only mode would silently cut the rows
        # and columns beyond it: read up to the last cell actually present instead.
        sheet.reset_dimensions()
        # Read-only sheets yield empty rows for the gaps, so list positions are spreadsheet row numbers.
        return [[_xlsx_value(cell) for cell in row] for row in sheet.iter_rows()]
    finally:
        workbook.close()


def _xlsx_value(cell) -> Any:
    value = cell.value
    # A cell formatted as a date alone reads back as midnight: keep it a date, so that a missing
    # reception time is refused rather than invented (a real time, even if hidden, is kept).
    if (
        isinstance(value, datetime.datetime)
        and value.time() == datetime.time()
        and is_datetime(cell.number_format) == "date"
    ):
        return value.date()
    return value


def _normalise(value: str) -> str:
    """Comparable form of a header or a value word: NFC (portals send decomposed Vietnamese), trimmed, lower-case."""
    return " ".join(unicodedata.normalize("NFC", value).split()).lower()


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _table(path: Path, records: list[list[Any]], *, strict_width: bool) -> Table:
    """Map the header to canonical columns and keep the non-empty rows.

    ``strict_width`` (CSV): a filled cell right of the last header cell means the row's cells have
    shifted, typically an unquoted delimiter inside an address, so that row is rejected. In a
    workbook such a cell is only an unnamed column, ignored with a warning.
    """
    if not records or all(_is_empty(cell) for cell in records[0]):
        raise ImportFileError(
            _("%(name)s is empty: row 1 must be the header with the column names.") % {"name": path.name}
        )
    header = [_normalise(str(cell)) if not _is_empty(cell) else "" for cell in records[0]]
    positions: dict[str, int] = {}
    unknown = []
    for position, name in enumerate(header):
        if name in positions:
            raise ImportFileError(_("Column %(column)s appears twice in the header.") % {"column": name})
        if name in COLUMNS:
            positions[name] = position
        elif name and name not in unknown:
            unknown.append(name)
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        raise ImportFileError(
            _("%(name)s lacks the required columns: %(columns)s.") % {"name": path.name, "columns": ", ".join(missing)}
        )
    rows = []
    unnamed_with_data: set[int] = set()
    for number, cells in enumerate(records[1:], start=2):
        if all(_is_empty(cell) for cell in cells):
            continue
        values = {name: cells[position] if position < len(cells) else None for name, position in positions.items()}
        filled = [position for position, cell in enumerate(cells) if not _is_empty(cell)]
        beyond = [position for position in filled if position >= len(header)]
        unnamed_with_data.update(position for position in filled if position < len(header) and not header[position])
        if not strict_width:
            unnamed_with_data.update(beyond)
        rows.append(SourceRow(number=number, values=values, extra_cells=len(beyond) if strict_width else 0))
    unknown += [
        _("column %(letter)s (no name in the header)") % {"letter": get_column_letter(position + 1)}
        for position in sorted(unnamed_with_data)
    ]
    return Table(columns=tuple(positions), unknown_columns=tuple(unknown), rows=rows)


# --- Parsing one row ----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if type(value) is str and value.isascii():
        return value.strip()  # NFC changes nothing in ASCII (most codes, dates and numbers)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def _procedure_code(value: Any) -> str:
    # A spreadsheet may have turned the code 1.004560 into the number 1.00456.
    if isinstance(value, float):
        return f"{value:.6f}"
    return _text(value)


def _in_calendar(day: datetime.date) -> None:
    if not in_dated_range(day):
        raise ValueError(out_of_range_message())


def parse_datetime(value: Any) -> datetime.datetime:
    """An aware datetime from ISO 8601, ``dd/mm/yyyy HH:MM[:SS]`` or an Excel datetime; no offset means local time."""
    if isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, datetime.date):
        raise ValueError(_("Give the time as well as the date, e.g. 12/02/2026 10:00."))
    else:
        text = _text(value)
        parsed = None
        if LOCAL_MINUTES.match(text):
            # ``dd/mm/yyyy HH:MM`` as the desks write it, sliced by hand: ``strptime`` costs ten times
            # more, and a file has hundreds of thousands. Other spellings go through ``strptime``.
            with suppress(ValueError):
                parsed = datetime.datetime(
                    int(text[6:10]), int(text[3:5]), int(text[0:2]), int(text[11:13]), int(text[14:16])
                )
        elif ISO_WITH_TIME.match(text):
            with suppress(ValueError):
                parsed = datetime.datetime.fromisoformat(text)
        for format_ in DATETIME_FORMATS:
            if parsed is None:
                with suppress(ValueError):
                    parsed = datetime.datetime.strptime(text, format_)
        if parsed is None:
            raise ValueError(
                _("“%(value)s” is not a date and time; use 2026-02-12T10:00:00+07:00 or 12/02/2026 10:00.")
                % {"value": text}
            )
    _in_calendar(parsed.date())
    if timezone.is_naive(parsed):
        # One-stop desks record local time (Asia/Ho_Chi_Minh has no daylight saving, so no ambiguity).
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def parse_date(value: Any) -> datetime.date:
    """A date from ``yyyy-mm-dd``, ``dd/mm/yyyy`` or an Excel date."""
    if isinstance(value, datetime.datetime):
        parsed = value.date()
    elif isinstance(value, datetime.date):
        parsed = value
    else:
        text = _text(value)
        parsed = None
        for format_ in DATE_FORMATS:
            if parsed is None:
                with suppress(ValueError):
                    parsed = datetime.datetime.strptime(text, format_).date()
        if parsed is None:
            raise ValueError(_("“%(value)s” is not a date; use 2026-03-05 or 05/03/2026.") % {"value": text})
    _in_calendar(parsed)
    return parsed


def parse_bool(value: Any) -> bool | None:
    """True or False from 1/0, true/false, có/không, x; None for an empty cell."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _normalise(_text(value))
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not yes or no; use 1/0, true/false, có/không or x.") % {"value": _text(value)})


def parse_amount(value: Any) -> Decimal:
    """A whole number of đồng; thousands may be grouped with dots, commas or spaces (150.000)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0 or not float(value).is_integer():
            raise ValueError(_("Give the fee in whole đồng, e.g. 150000."))
        return Decimal(int(value))
    text = _text(value)
    if not WHOLE_NUMBER.match(text):
        raise ValueError(_("Give the fee in whole đồng, e.g. 150000."))
    return Decimal(re.sub(r"\D", "", text))


def _word_parser(words: dict[str, str], message) -> Callable[[Any], str]:
    """A parser accepting the keys of ``words`` in any case; ``message`` names the accepted words."""

    def parse(value: Any) -> str:
        word = _normalise(_text(value))
        if word not in words:
            raise ValueError(message % {"value": _text(value)})
        return words[word]

    return parse


# Made once: a row's parse only translates the message of a problem it has.
parse_channel = _word_parser(
    CHANNEL_WORDS,
    gettext_lazy("Unknown channel “%(value)s”; use online, in_person, postal, trực tuyến, trực tiếp or bưu chính."),
)
parse_applicant_kind = _word_parser(
    APPLICANT_KIND_WORDS,
    gettext_lazy("Unknown applicant kind “%(value)s”; use person, organisation, cá nhân or tổ chức."),
)
parse_outcome = _word_parser(
    OUTCOME_WORDS,
    gettext_lazy(
        "Unknown outcome “%(value)s”; use resolved, refused, stopped, withdrawn, đã giải quyết, từ chối, dừng or rút."
    ),
)
CODE_REQUIRED = gettext_lazy("The dossier code is required.")
CHANNEL_REQUIRED = gettext_lazy("The channel is required.")
NAME_REQUIRED = gettext_lazy("The applicant's name is required.")
RECEIVED_AT_REQUIRED = gettext_lazy("The time of reception is required.")


@functools.cache
def _max_length(column: str) -> int:
    return Dossier._meta.get_field(column).max_length


class _RowParser:
    """Reads the cells of one row, collecting every problem instead of stopping at the first."""

    def __init__(self, row: SourceRow):
        self.row = row
        self.errors: list[RowError] = []

    def error(self, column: str, message: str) -> None:
        # Messages given in advance are lazy (translated only for a row that has the problem).
        self.errors.append(RowError(self.row.number, column, str(message)))

    def is_empty(self, column: str) -> bool:
        return _is_empty(self.row.values.get(column))

    def value(self, column: str, parse: Callable[[Any], Any], *, default: Any = None, required: str = "") -> Any:
        """The parsed cell, or ``default`` if empty; ``required`` is the message for an empty cell."""
        if self.is_empty(column):
            if required:
                self.error(column, required)
            return default
        try:
            return parse(self.row.values[column])
        except ValueError as error:
            self.error(column, str(error))
            return default

    def text(self, column: str, *, required: str = "") -> str:
        text = _text(self.row.values.get(column))
        if not text and required:
            self.error(column, required)
        if column in LENGTH_CHECKED_COLUMNS:
            limit = _max_length(column)
            if len(text) > limit:
                self.error(
                    column,
                    _("At most %(limit)d characters (this has %(length)d).") % {"limit": limit, "length": len(text)},
                )
        return text

    def step(self, action: str, at_column: str, arguments: dict[str, Any], columns: dict[str, str]) -> Step | None:
        """The step timed by ``at_column``, or None if that cell is empty.

        ``columns`` maps the service's argument names to the step's other columns, which need the time.
        """
        at = self.value(at_column, parse_datetime)
        if at is not None:
            return Step(action, at, at_column, arguments, {"at": at_column, **columns})
        given = [column for column in columns.values() if not self.is_empty(column)]
        if given and self.is_empty(at_column):
            self.error(at_column, _("Required when %(columns)s is filled in.") % {"columns": ", ".join(given)})
        return None


LENGTH_CHECKED_COLUMNS = (
    "code",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
    "applicant_email",
    "applicant_address",
)


def parse_row(row: SourceRow, *, procedures: dict[str, Procedure]) -> DossierRecord:
    """Turn a row into a ``DossierRecord``, or raise ``RowRejected`` listing every format problem.

    Only the form of the values is checked here. The rules (a time in the future, steps out of
    order, a refusal without its reason, an abolished procedure ...) are the services', and their
    messages come out of ``import_record``.
    """
    cells = _RowParser(row)
    if row.extra_cells:
        cells.error(
            "columns",
            _("This row has more cells than the header has columns; quote values that contain the delimiter."),
        )
    for column, value in row.values.items():
        # PostgreSQL cannot store NUL; refused here, the row is reported instead of the database
        # driver aborting the whole batch.
        if isinstance(value, str) and "\x00" in value:
            cells.error(column, _("This cell contains a NUL character."))
    code = cells.text("code", required=CODE_REQUIRED)
    if code and "\x00" not in code and not codes.is_well_formed(code):
        cells.error("code", str(codes.FORMAT_MESSAGE))

    procedure_code = _procedure_code(row.values.get("procedure_code"))
    procedure = procedures.get(procedure_code)
    if not procedure_code:
        cells.error("procedure_code", _("The national procedure code is required."))
    elif procedure is None:
        cells.error("procedure_code", _("No procedure has the national code %(code)s.") % {"code": procedure_code})

    channel = cells.value(
        "channel",
        parse_channel,
        required=CHANNEL_REQUIRED,
    )
    applicant = services.Applicant(
        name=cells.text("applicant_name", required=NAME_REQUIRED),
        kind=cells.value(
            "applicant_kind",
            parse_applicant_kind,
            default=ApplicantKind.PERSON,
        ),
        id_number=cells.text("applicant_id_number"),
        phone=cells.text("applicant_phone"),
        email=cells.text("applicant_email"),
        address=cells.text("applicant_address"),
    )
    # Checked here with the row's other formats, so that one import lists every problem of the
    # row (the bulk service would word them too, but only once the rest of the row is right).
    if applicant.email:
        try:
            validate_email(applicant.email)
        except ValidationError:
            cells.error("applicant_email", _("Enter a valid email address."))
    if not sync.ID_NUMBER.match(applicant.id_number):
        cells.error("applicant_id_number", _("An ID or tax number has only digits, letters and hyphens."))
    received_at = cells.value("received_at", parse_datetime, required=RECEIVED_AT_REQUIRED)
    fee_amount = cells.value("fee_amount", parse_amount, default=Decimal(0))
    if len(fee_amount.as_tuple().digits) > Dossier._meta.get_field("fee_amount").max_digits:
        cells.error("fee_amount", _("The fee is too large."))
    flags = {column: bool(cells.value(column, parse_bool)) for column in FLAG_COLUMNS}

    outcome = cells.value("outcome", parse_outcome)
    if outcome is None and cells.is_empty("outcome") and not cells.is_empty("ended_at"):
        cells.error("outcome", _("Required when %(columns)s is filled in.") % {"columns": "ended_at"})
    steps = [
        cells.step(
            Action.REQUEST_SUPPLEMENT,
            "supplement_requested_at",
            {"note": cells.text("supplement_note")},
            {"note": "supplement_note"},
        ),
        cells.step(Action.RECEIVE_SUPPLEMENT, "supplement_received_at", {}, {}),
        cells.step(
            Action.REAPPOINT,
            "reappointed_at",
            {"new_date": cells.value("reappointed_date", parse_date), "reason": cells.text("reappoint_reason")},
            {"new_date": "reappointed_date", "reason": "reappoint_reason"},
        ),
        cells.step(
            Action.END,
            "ended_at",
            {"outcome": outcome, "note": cells.text("end_note")},
            {"outcome": "outcome", "note": "end_note"},
        ),
        cells.step(Action.RETURN, "returned_at", {}, {}),
        cells.step(
            Action.RATE,
            "rated_at",
            {"satisfied": cells.value("satisfied", parse_bool), "comment": cells.text("rating_comment")},
            {"satisfied": "satisfied", "comment": "rating_comment"},
        ),
    ]
    if cells.errors:
        raise RowRejected(cells.errors)
    return DossierRecord(
        row=row.number,
        code=code,
        procedure=procedure,
        channel=channel,
        applicant=applicant,
        received_at=received_at,
        fee_amount=fee_amount,
        steps=tuple(sorted(filter(None, steps), key=lambda step: (step.at, STEP_ORDER.index(step.action)))),
        backdate_reason=cells.text("backdate_reason"),
        **flags,
    )


# --- Importing ---------------------------------------------------------------------------------

# The bulk service's error keys → the file's columns (the rest have the same name as the column).
SYNC_COLUMNS = {
    "procedure": "procedure_code",
    "supplements[0].requested_at": "supplement_requested_at",
    "supplements[0].received_at": "supplement_received_at",
    "supplements[0].note": "supplement_note",
    "reappointments[0].at": "reappointed_at",
    "reappointments[0].new_date": "reappointed_date",
    "reappointments[0].reason": "reappoint_reason",
    "rating": "satisfied",
    "rating.at": "rated_at",
    "rating.comment": "rating_comment",
    "status": "outcome",
    "record": "code",
}
# Where a step's errors go in the file.
STEP_TIME_COLUMNS = {
    Action.REQUEST_SUPPLEMENT: "supplement_requested_at",
    Action.RECEIVE_SUPPLEMENT: "supplement_received_at",
    Action.REAPPOINT: "reappointed_at",
    Action.END: "ended_at",
    Action.RETURN: "returned_at",
    Action.RATE: "rated_at",
}
# The source system of dossiers imported from files (``dossiers.sync``; ``import_dossiers --source``).
FILE_SOURCE = "import"


def sync_record(record: DossierRecord) -> dict[str, Any]:
    """A parsed row as a record of the bulk service (``dossiers.sync``), in our field names."""
    values: dict[str, Any] = {
        "code": record.code,
        "procedure": record.procedure.code,
        "channel": record.channel,
        "applicant_name": record.applicant.name,
        "applicant_kind": record.applicant.kind,
        "applicant_id_number": record.applicant.id_number,
        "applicant_phone": record.applicant.phone,
        "applicant_email": record.applicant.email,
        "applicant_address": record.applicant.address,
        "received_at": record.received_at,
        "fee_amount": record.fee_amount,
        **{column: getattr(record, column) for column in FLAG_COLUMNS},
        "backdate_reason": record.backdate_reason,
    }
    supplement: dict[str, Any] = {}
    for step in record.steps:
        if step.action == Action.REQUEST_SUPPLEMENT:
            supplement.update(requested_at=step.at, note=step.arguments.get("note", ""))
        elif step.action == Action.RECEIVE_SUPPLEMENT:
            supplement["received_at"] = step.at
        elif step.action == Action.REAPPOINT:
            values["reappointments"] = [{"at": step.at, **step.arguments}]
        elif step.action == Action.END:
            values.update(ended_at=step.at, outcome=step.arguments["outcome"], end_note=step.arguments["note"])
        elif step.action == Action.RETURN:
            values["returned_at"] = step.at
        elif step.action == Action.RATE:
            values["rating"] = {"at": step.at, **step.arguments}
    if supplement:
        values["supplements"] = [supplement]
    return values


# Read once: reading an enumeration's member (``Action.END``) in every comparison made this function
# two and a half times slower (some thirty reads a row).
_REQUEST, _ARRIVE, _REAPPOINT, _END, _RETURN, _RATE = (
    Action.REQUEST_SUPPLEMENT,
    Action.RECEIVE_SUPPLEMENT,
    Action.REAPPOINT,
    Action.END,
    Action.RETURN,
    Action.RATE,
)
_RECEIVED, _REQUESTED, _ARRIVED, _REAPPOINTED, _ENDED, _RETURNED, _RATED = (
    EventKind.RECEIVED,
    EventKind.SUPPLEMENT_REQUESTED,
    EventKind.SUPPLEMENT_RECEIVED,
    EventKind.REAPPOINTED,
    EventKind.ENDED,
    EventKind.RETURNED,
    EventKind.RATED,
)
_OUTCOMES_NEEDING_NOTE = frozenset({str(Outcome.REFUSED), str(Outcome.STOPPED)})


def parsed_record(record: DossierRecord, *, index: int) -> "sync.SyncRecord | None":
    """The bulk service's record for a parsed row, without parsing it again: exactly what
    ``sync.parse_record(sync_record(record), index=index, procedures=…, naive_iso=True,
    require_notes=True)`` returns (``dossiers/tests/test_import.py::TestOneParse``).

    ``parse_row`` has checked the forms already (the e-mail and ID number too, and every date
    against the years a dossier may be dated in); None when one of the bulk service's own checks
    could still refuse the row (a supplement request, refusal or stop without its note, a
    re-appointment without its new date or reason, a rating without its answer, a supplement
    arriving before its request, a text over its limit): the caller then sends
    ``sync_record(record)``, whose parse words those errors.
    """
    applicant = record.applicant
    if len(record.backdate_reason) > services.NOTE_MAX_LENGTH:
        return None
    requested = arrived = reappointed = ended = returned = rated = None
    for step in record.steps:
        action, arguments = step.action, step.arguments
        if action == _REQUEST:
            if not arguments.get("note"):
                return None
            requested = sync.Step(_REQUESTED, step.at, "supplements[0].requested_at", note=arguments["note"])
        elif action == _ARRIVE:
            arrived = sync.Step(_ARRIVED, step.at, "supplements[0].received_at")
        elif action == _REAPPOINT:
            if arguments.get("new_date") is None or not arguments.get("reason"):
                return None
            reappointed = sync.Step(
                _REAPPOINTED,
                step.at,
                "reappointments[0].at",
                note=arguments["reason"],
                data={"new_date": arguments["new_date"].isoformat(), "reason": arguments["reason"]},
            )
        elif action == _END:
            outcome = str(arguments["outcome"])
            if outcome in _OUTCOMES_NEEDING_NOTE and not arguments["note"]:
                return None
            ended = sync.Step(_ENDED, step.at, "ended_at", note=arguments["note"], data={"outcome": outcome})
        elif action == _RETURN:
            returned = sync.Step(_RETURNED, step.at, "returned_at")
        elif action == _RATE:
            comment = arguments.get("comment", "")
            if not isinstance(arguments.get("satisfied"), bool) or len(comment) > services.RATING_COMMENT_MAX_LENGTH:
                return None
            rated = sync.Step(_RATED, step.at, "rating.at", note=comment, data={"satisfied": arguments["satisfied"]})
    if requested is not None and arrived is not None and arrived.at < requested.at:
        return None  # the service's parse refuses the request, which it words on the request's column
    # In the order ``parse_record`` lists them before sorting (the sort is stable).
    steps = [step for step in (requested, arrived, reappointed, ended, returned, rated) if step is not None]
    if len(steps) > 1:
        order = sync.STEP_ORDER
        steps.sort(key=lambda step: (step.at, order[step.kind]))
    channel, kind = str(record.channel), str(applicant.kind)
    return sync.SyncRecord(
        index=index,
        code=record.code,
        procedure=record.procedure,
        channel=channel,
        applicant=services.Applicant(
            name=applicant.name,
            kind=kind,
            id_number=applicant.id_number,
            phone=applicant.phone,
            email=applicant.email,
            address=applicant.address,
        ),
        received_at=record.received_at,
        steps=[sync.Step(_RECEIVED, record.received_at, "received_at", data={"channel": channel}), *steps],
        attributes={
            "applicant_kind": kind,
            "applicant_name": applicant.name,
            "applicant_id_number": applicant.id_number,
            "applicant_phone": applicant.phone,
            "applicant_email": applicant.email,
            "applicant_address": applicant.address,
            "fee_amount": record.fee_amount,
            "fee_paid_online": record.fee_paid_online,
            "result_electronic": record.result_electronic,
            "documents_digitised": record.documents_digitised,
            "data_reused": record.data_reused,
            "from_data_store": record.from_data_store,
            "vneid_verified": record.vneid_verified,
        },
        backdate_reason=record.backdate_reason,
    )


def procedures_by_code(table: Table) -> dict[str, Procedure]:
    """Every procedure the file names, by national code, in one query."""
    named = {_procedure_code(row.values.get("procedure_code")) for row in table.rows}
    named = {code for code in named if "\x00" not in code}  # such a row is reported by parse_row
    return {procedure.code: procedure for procedure in Procedure.objects.filter(code__in=named).select_related("unit")}


def _batches(rows: list[SourceRow], size: int) -> Iterable[list[SourceRow]]:
    """Consecutive rows, ``size`` at a time, with no code twice in a batch: a row repeating a code
    of its batch waits for the next one, where it is compared with the first like a later delivery."""
    pending = list(rows)
    while pending:
        batch, codes_in_batch, later = [], set(), []
        for position, row in enumerate(pending):
            if len(batch) == size:
                later.extend(pending[position:])
                break
            code = _text(row.values.get("code"))
            if code and code in codes_in_batch:
                later.append(row)
                continue
            codes_in_batch.add(code)
            batch.append(row)
        yield batch
        pending = later


def import_table(
    table: Table,
    *,
    by=None,
    access: Access | None = None,
    dry_run: bool = False,
    progress: Callable[[int], Any] | None = None,
    batch_size: int = BATCH_SIZE,
    source: str = FILE_SOURCE,
) -> ImportReport:
    """Import every row of ``table`` through the bulk service; a bad row is reported and skipped.

    Rows are parsed here (``parse_row``: the file's formats and words), then applied
    ``batch_size`` at a time by ``dossiers.sync.sync_batch``, which creates new dossiers, appends the
    steps a later file adds, leaves a row we already hold unchanged and rejects a row whose steps
    break the lifecycle rules; each batch is one transaction with a fixed number of statements.
    ``access``, when given, limits the import to procedures of units it may process. With
    ``dry_run`` everything is applied as for real in one transaction, then rolled back.
    ``source`` names the dossiers' source system; dossiers received here before files were
    imported may be updated by a file too (the ministry office runs imports).
    """
    report = ImportReport()
    procedures = procedures_by_code(table)
    with transaction.atomic() if dry_run else nullcontext():
        for batch in _batches(table.rows, batch_size):
            with collection_paused():
                _import_batch(batch, report, procedures=procedures, by=by, access=access, source=source)
            if progress is not None:
                progress(len(batch))
        if dry_run:
            transaction.set_rollback(True)
    report.errors.sort(key=lambda error: error.row)
    return report


def _import_batch(
    batch: list[SourceRow],
    report: ImportReport,
    *,
    procedures: dict[str, Procedure],
    by,
    access: Access | None,
    source: str,
) -> None:
    """Parse the rows of one batch and apply them through the bulk service, counting into ``report``."""
    records, rows_of = [], []
    for row in batch:
        try:
            record = parse_row(row, procedures=procedures)
            if access is not None and not access.can_write_unit(record.procedure.unit_id):
                raise RowRejected(
                    [
                        RowError(
                            row.number,
                            "procedure_code",
                            _("%(user)s may not process dossiers of %(unit)s.")
                            % {"user": by, "unit": record.procedure.unit.name},
                        )
                    ]
                )
        except RowRejected as rejected:
            report.errors.extend(rejected.errors)
            continue
        records.append(parsed_record(record, index=len(records)) or sync_record(record))
        rows_of.append(row.number)
    if records:
        outcome = sync.sync_batch(
            records,
            source=source,
            by=by,
            naive_iso=True,
            require_notes=True,
            procedures=procedures,
            adopt_local=True,
        )
        for result in outcome.results:
            _count(report, result, row=rows_of[result.index])


def _count(report: ImportReport, result: "sync.RecordResult", *, row: int) -> None:
    if result.outcome == sync.SyncOutcome.CREATED:
        report.imported += 1
    elif result.outcome == sync.SyncOutcome.UPDATED:
        report.updated += 1
    elif result.outcome in (sync.SyncOutcome.UNCHANGED, sync.SyncOutcome.STALE):
        report.already_present += 1
    else:
        report.errors.extend(
            RowError(row, _column(key), message) for key, messages in result.errors.items() for message in messages
        )


def _column(key: str) -> str:
    """The file's column for an error key of the bulk service."""
    if key in SYNC_COLUMNS:
        return SYNC_COLUMNS[key]
    return key if key in COLUMNS else "code"


# --- Upload page jobs ---------------------------------------------------------------------------


def import_job_create(
    *, uploaded, by, source: str = FILE_SOURCE, dry_run: bool = False, language: str | None = None
) -> ImportJob:
    """Store an uploaded file as an ``ImportJob`` to be run in the background (``import_job_run``).

    ``uploaded``: a Django ``UploadedFile`` (``.csv`` or ``.xlsx``; anything else is a
    ``ValidationError`` on ``file`` before anything is stored). ``language``: the one the row
    errors are written in (default: the active language).
    """
    name = Path(uploaded.name or "").name
    if Path(name).suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationError(
            {
                "file": _("%(name)s is not a .csv or .xlsx file; save it as CSV UTF-8 or Excel workbook (.xlsx).")
                % {"name": name}
            }
        )
    return ImportJob.objects.create(
        file_name=name[:255],
        content=uploaded.read(),
        source_system=source,
        dry_run=dry_run,
        created_by=by,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
    )


def import_job_run(job_id: int) -> ImportJob:
    """Import an uploaded file in its uploader's language (``_import_job_run``)."""
    job = ImportJob.objects.only("language").get(pk=job_id)
    with translation.override(job.language):
        return _import_job_run(job_id)


def _import_job_run(job_id: int) -> ImportJob:
    """Import an uploaded file, writing its progress after every batch and its result at the end.

    The events are recorded as the user who uploaded it, limited to the units they may process.
    A file that cannot be read at all ends the job as failed with the reason; nothing is written.
    """
    from units.access import access_for_user

    job = ImportJob.objects.get(pk=job_id)
    if job.is_finished:
        return job
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / (Path(job.file_name).name or "upload.csv")
        path.write_bytes(bytes(job.content))
        try:
            table = read_table(path)
        except ImportFileError as error:
            job.state, job.message = ImportJob.State.FAILED, str(error)
            job.finished_at = timezone.now()
            job.content = b""
            job.save()
            return job
    job.total_rows = len(table.rows)
    if table.unknown_columns:
        job.message = _("Ignoring unknown columns: %(columns)s") % {"columns": ", ".join(table.unknown_columns)}
    ImportJob.objects.filter(pk=job.pk).update(total_rows=job.total_rows, message=job.message)
    done = 0

    def progress(rows: int) -> None:
        nonlocal done
        done += rows
        ImportJob.objects.filter(pk=job.pk).update(done_rows=done)

    report = import_table(
        table,
        by=job.created_by,
        access=access_for_user(job.created_by),
        dry_run=job.dry_run,
        progress=progress,
        source=job.source_system,
    )
    job.done_rows = job.total_rows
    job.imported, job.updated, job.already_present = report.imported, report.updated, report.already_present
    job.failed = report.failed
    job.errors = [[error.row, error.column, error.message] for error in report.errors]
    job.state, job.finished_at, job.content = ImportJob.State.DONE, timezone.now(), b""
    job.save()
    return job


def import_job_errors_csv(job: ImportJob) -> str:
    """The job's row errors as CSV text (row, column, message), for the spreadsheet the rows came from."""
    from config.spreadsheets import csv_text

    header = [_("Row"), _("Column"), _("Problem")]
    return csv_text([header, *job.errors])
