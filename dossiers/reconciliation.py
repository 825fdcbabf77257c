"""Reconciliation with the national portal: its list of a unit's dossiers for a period against ours.

Staff used to do this by hand in spreadsheets. The ministry office uploads the portal's CSV export
(one row per dossier: code, status, dates); ``reconcile`` says which dossiers are missing on either
side and where the two disagree (status, appointment date, end date), and the result is kept
(``Reconciliation``) so that it can be read again and exported to Excel.

Compared as the index reads them: statuses as the portal's codes, with 2, 4 and 6 all meaning "in
processing" (``dossiers.sync.portal_status``); dates as local dates.
"""

import csv
import datetime
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from config.spreadsheets import format_dates, neutralise_workbook
from units.models import Unit

from .models import Dossier, Reconciliation
from .selectors import with_codes
from .sync import OPEN_PROCESSING_STATUSES, parse_when, portal_status

# The portal's export headers (and ours) → what they hold.
HEADERS = {
    "mahoso": "code",
    "code": "code",
    "trangthaihoso": "status",
    "status": "status",
    "ngaytiepnhan": "received_at",
    "received_at": "received_at",
    "ngayhentra": "appointment_date",
    "appointment_date": "appointment_date",
    "ngayketthucxuly": "ended_at",
    "ended_at": "ended_at",
    "matthc": "procedure",
    "procedure": "procedure",
    "chuhoso": "applicant_name",
    "applicant_name": "applicant_name",
}
MAX_ROWS = 200_000


@dataclass(frozen=True)
class PortalRow:
    row: int
    code: str
    status: int | None
    appointment_date: datetime.date | None
    ended_on: datetime.date | None
    received_on: datetime.date | None


def _day(value: str) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return parse_when(value, naive_iso=True).date()
    except ValueError:
        pass
    for format_ in ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(value, format_).date()
        except ValueError:
            continue
    raise ValueError(value)


def read_portal_csv(content: bytes) -> tuple[list[PortalRow], list[str], set[str]]:
    """The rows of the portal's CSV export, the problems of the rows that cannot be read
    (one message per unreadable cell, naming the column as the header spells it and the value),
    and the dossier codes of those unreadable rows: they are on the portal's list all the same.

    UTF-8 (with or without Excel's byte-order mark), comma or semicolon; the header names the
    columns (``MaHoSo``, ``TrangThaiHoSo``, ``NgayTiepNhan``, ``NgayHenTra``, ``NgayKetThucXuLy``
    or our names), in any case. Raises ``ValidationError`` on ``file`` for a file that cannot be
    used at all.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file is not UTF-8 text; save it as CSV UTF-8.")}) from None
    if "\x00" in text:
        raise ValidationError({"file": _("The file contains a NUL character.")})
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise ValidationError({"file": _("The file is empty.")})
    names = [HEADERS.get(unicodedata.normalize("NFC", cell).strip().lower()) for cell in header]
    if "code" not in names or "status" not in names:
        raise ValidationError({"file": _("The header needs at least MaHoSo and TrangThaiHoSo (or code and status).")})
    # Problems name the column as the file's header spells it, and the value as it was written.
    spelled = {name: cell.strip() for name, cell in zip(names, header, strict=False) if name}
    rows, problems, unread_codes = [], [], set()
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ValidationError({"file": _("At most %(max)d rows per file.") % {"max": MAX_ROWS}})
        values = {name: cell for name, cell in zip(names, cells, strict=False) if name}
        if not any(cell.strip() for cell in cells):
            continue
        code = values.get("code", "").strip()
        unreadable = []
        status_text = values.get("status", "").strip()
        status = None
        if status_text:
            status = int(status_text) if status_text.isascii() and status_text.isdigit() else None
            if status is None or not 1 <= status <= 10:
                unreadable.append(("status", status_text))
        days = {}
        for name in ("appointment_date", "ended_at", "received_at"):
            text = values.get(name, "").strip()
            try:
                days[name] = _day(text)
            except ValueError:
                unreadable.append((name, text))
        if unreadable:
            problems.extend(
                _("row %(row)d: %(column)s “%(value)s” cannot be read.")
                % {"row": number, "column": spelled[name], "value": text[:40]}
                for name, text in unreadable
            )
            if code:
                unread_codes.add(code)
            continue
        row = PortalRow(
            row=number,
            code=code,
            status=status,
            appointment_date=days["appointment_date"],
            ended_on=days["ended_at"],
            received_on=days["received_at"],
        )
        if not code:
            problems.append(_("row %(row)d: no dossier code.") % {"row": number})
            continue
        rows.append(row)
    return rows, problems, unread_codes


def _same_status(portal: int | None, ours: int) -> bool:
    if portal is None:
        return True
    return portal == ours or (portal in OPEN_PROCESSING_STATUSES and ours == 4)


def reconcile(
    *,
    unit: Unit,
    date_from: datetime.date,
    date_to: datetime.date,
    rows: list[PortalRow],
    also_listed: set[str] = frozenset(),
) -> dict[str, Any]:
    """Compare the portal's ``rows`` with our dossiers of ``unit`` (and its sub-units) received
    from ``date_from`` to ``date_to``; returns the result as plain data (stored as JSON).

    ``missing_here``: portal rows we do not hold at all; ``missing_on_portal``: our dossiers of the
    unit and period the portal does not list; ``disagreements``: dossiers on both sides whose
    status, appointment date or end date differ. ``also_listed``: codes on the portal's list whose
    rows could not be read; they are not compared, and not reported missing on the portal either.
    Two queries whatever the number of rows.
    """
    units = Unit.objects.subtrees([unit])
    ours = {
        dossier.code: dossier
        for dossier in Dossier.objects.filter(
            unit__in=units, received_on__gte=date_from, received_on__lte=date_to
        ).only("code", "status", "outcome", "appointment_date", "ended_on", "received_on")
    }
    listed = {row.code for row in rows}
    outside = {
        dossier.code: dossier
        for dossier in with_codes(Dossier.objects.all(), [code for code in listed if code not in ours]).only(
            "code", "status", "outcome", "appointment_date", "ended_on", "received_on", "unit_id"
        )
    }
    missing_here, disagreements = [], []
    for row in rows:
        dossier = ours.get(row.code) or outside.get(row.code)
        if dossier is None:
            missing_here.append(
                {"row": row.row, "code": row.code, "status": row.status, "received_on": _iso(row.received_on)}
            )
            continue
        status = portal_status(status=dossier.status, outcome=dossier.outcome)
        differences = []
        if not _same_status(row.status, status):
            differences.append({"field": "status", "portal": row.status, "ours": status})
        if row.appointment_date and row.appointment_date != dossier.appointment_date:
            differences.append(
                {
                    "field": "appointment_date",
                    "portal": _iso(row.appointment_date),
                    "ours": _iso(dossier.appointment_date),
                }
            )
        if row.ended_on != dossier.ended_on and (row.ended_on or dossier.ended_on):
            differences.append({"field": "ended_on", "portal": _iso(row.ended_on), "ours": _iso(dossier.ended_on)})
        if differences:
            disagreements.append({"row": row.row, "code": row.code, "differences": differences})
    missing_on_portal = [
        {
            "code": code,
            "status": portal_status(status=dossier.status, outcome=dossier.outcome),
            "received_on": _iso(dossier.received_on),
        }
        for code, dossier in sorted(ours.items())
        if code not in listed and code not in also_listed
    ]
    return {
        "portal_rows": len(rows),
        "our_dossiers": len(ours),
        "matched": len(rows) - len(missing_here),
        "missing_here": missing_here,
        "missing_on_portal": missing_on_portal,
        "disagreements": disagreements,
    }


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def reconciliation_create(*, uploaded, unit: Unit, date_from, date_to, by) -> Reconciliation:
    """Read the uploaded portal export, reconcile it and keep the result (``ValidationError`` on ``file``)."""
    rows, problems, unread_codes = read_portal_csv(uploaded.read())
    result = reconcile(unit=unit, date_from=date_from, date_to=date_to, rows=rows, also_listed=unread_codes)
    result["problems"] = problems
    return Reconciliation.objects.create(
        unit=unit,
        date_from=date_from,
        date_to=date_to,
        file_name=(uploaded.name or "")[:255],
        created_by=by,
        result=result,
    )


# What disagrees, named for people, with the portal's column it comes from.
PORTAL_COLUMNS = {"status": "TrangThaiHoSo", "appointment_date": "NgayHenTra", "ended_on": "NgayKetThucXuLy"}
FIELD_LABELS = {
    "status": gettext_lazy("Dossier status (portal code)"),
    "appointment_date": gettext_lazy("Appointment date"),
    "ended_on": gettext_lazy("Date processing ended"),
}
DATE_FIELDS = ("appointment_date", "ended_on")


def _date(value):
    """A stored ISO date (``reconcile`` keeps the result as JSON) as a date; other values as they are."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) and value else value


def shown(result: dict[str, Any]) -> dict[str, Any]:
    """``result`` for a page or a file: dates as ``datetime.date`` and each difference with its
    Vietnamese-first ``label`` and the portal's column name (``column``)."""
    return {
        **result,
        "disagreements": [
            {
                **item,
                "differences": [
                    {
                        **each,
                        "label": FIELD_LABELS[each["field"]],
                        "column": PORTAL_COLUMNS[each["field"]],
                        **(
                            {"portal": _date(each["portal"]), "ours": _date(each["ours"])}
                            if each["field"] in DATE_FIELDS
                            else {}
                        ),
                    }
                    for each in item["differences"]
                ],
            }
            for item in result["disagreements"]
        ],
        "missing_here": [{**item, "received_on": _date(item["received_on"])} for item in result["missing_here"]],
        "missing_on_portal": [
            {**item, "received_on": _date(item["received_on"])} for item in result["missing_on_portal"]
        ],
    }


def reconciliation_workbook(reconciliation: Reconciliation) -> bytes:
    """The result as an .xlsx file: one sheet per finding, Vietnamese headings (the portal's column
    name after each), dates as Excel dates shown ``DD/MM/YYYY`` (``config.spreadsheets``), and a
    last sheet of the rows that could not be read, when there are some."""
    result = shown(reconciliation.result)
    workbook = Workbook()
    bold = Font(bold=True)
    sheet = workbook.active
    sheet.title = "Lệch thông tin"
    sheet.append(["Dòng", "Mã hồ sơ", "Thông tin", "Cột trên Cổng", "Trên Cổng DVCQG", "Tại hệ thống"])
    with translation.override("vi"):
        for item in result["disagreements"]:
            for difference in item["differences"]:
                sheet.append(
                    [
                        item["row"],
                        item["code"],
                        str(difference["label"]),
                        difference["column"],
                        difference["portal"],
                        difference["ours"],
                    ]
                )
    missing_here = workbook.create_sheet("Thiếu tại hệ thống")
    missing_here.append(["Dòng", "Mã hồ sơ", "Trạng thái (TrangThaiHoSo)", "Ngày tiếp nhận"])
    for item in result["missing_here"]:
        missing_here.append([item["row"], item["code"], item["status"], item["received_on"]])
    missing_portal = workbook.create_sheet("Thiếu trên Cổng DVCQG")
    missing_portal.append(["Mã hồ sơ", "Trạng thái (TrangThaiHoSo)", "Ngày tiếp nhận"])
    for item in result["missing_on_portal"]:
        missing_portal.append([item["code"], item["status"], item["received_on"]])
    if result.get("problems"):  # the rows not compared, as the page lists them
        unread = workbook.create_sheet("Dòng không đọc được")
        unread.append(["Vấn đề"])
        for problem in result["problems"]:
            unread.append([problem])
    for each in workbook.worksheets:
        for cell in each[1]:
            cell.font = bold
        format_dates(each)
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
