"""Form 06/VPCP/KSTT laid out as ministries file it, and its Excel and CSV files.

The form (DESIGN.md, "Statistics and the official report", the form as ministries file it): the
code line "Biểu số 06/VPCP/KSTT" and under it the legal basis, the reporting and receiving units,
the title, the reporting period and the unit of count; a table of thirteen numbered columns in
the official order; a totals row; the date and signature block. The rates are not part of the
form: they stand in a block beside it, one line for each line of the form.

Everything is described once here and used by the web page, the workbook and the CSV alike:
``COLUMNS``/``header_cells`` for the table, ``RATE_COLUMNS``/``rate_header_cells`` for the block
beside it, ``ReportHeading`` for the lines above and below, and ``layout`` which places every
cell of the document on one grid that the workbook and the CSV both write. An official document
is entirely Vietnamese whatever the interface language. The functions take the rows and the
totals row of ``stats.selectors.form06`` and never query the database.
"""

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from config.spreadsheets import csv_text, neutralise_workbook

from .selectors import Form06Row

CODE_LINE = "Biểu số 06/VPCP/KSTT"
LEGAL_BASIS = "Ban hành theo Thông tư số 01/2020/TT-VPCP ngày 21/10/2020"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
UNIT_OF_COUNT = "Đơn vị tính: Số hồ sơ TTHC"
TOTAL_LABEL = "Tổng cộng"
NAME_HEADINGS = {
    "unit": "Đơn vị",
    "field": "Lĩnh vực, công việc giải quyết theo cấp",
    "procedure": "Thủ tục hành chính",
}
# The receiving unit of a ministry's report; a unit of the ministry reports to the ministry office.
GOVERNMENT_OFFICE = "Văn phòng Chính phủ (Cục Kiểm soát thủ tục hành chính)"
PLACE = "Hà Nội"  # where the ministries sign their reports
SIGNERS = (("Người lập biểu", "(Ký, ghi rõ họ tên)"), ("Thủ trưởng đơn vị", "(Ký tên, đóng dấu)"))
RATES_TITLE = "Tỷ lệ (%) — không thuộc biểu mẫu"
CODE_HEADING = "Mã"


@dataclass(frozen=True)
class Column:
    """A numeric column: the ``Form06Row`` attribute it shows and its heading spelled out in full."""

    key: str
    heading: str
    is_rate: bool = False


# The official columns (3) to (13), in the form's order.
COLUMNS = (
    Column("received_total", "Số hồ sơ nhận giải quyết - Tổng số"),
    Column("received_online", "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tuyến"),
    Column("received_offline", "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tiếp, dịch vụ bưu chính"),
    Column("carried_over", "Số hồ sơ nhận giải quyết - Số kỳ trước chuyển qua"),
    Column("resolved_total", "Số hồ sơ đã giải quyết - Tổng số"),
    Column("resolved_early", "Số hồ sơ đã giải quyết - Trước hạn"),
    Column("resolved_on_time", "Số hồ sơ đã giải quyết - Đúng hạn"),
    Column("resolved_late", "Số hồ sơ đã giải quyết - Quá hạn"),
    Column("open_total", "Số hồ sơ đang giải quyết - Tổng số"),
    Column("open_within_deadline", "Số hồ sơ đang giải quyết - Trong hạn"),
    Column("open_overdue", "Số hồ sơ đang giải quyết - Quá hạn"),
)
# The rates the ministry reads beside the form (not part of it).
RATE_COLUMNS = (
    Column("on_time_rate", "Tỷ lệ giải quyết đúng hạn (%)", is_rate=True),
    Column("progress_rate", "Tỷ lệ tiến độ giải quyết (%)", is_rate=True),
    Column("online_rate", "Tỷ lệ tiếp nhận trực tuyến (%)", is_rate=True),
)
LEADING_COLUMNS = 2  # STT and the name of the group
COLUMN_COUNT = LEADING_COLUMNS + len(COLUMNS)  # thirteen
HEADER_ROWS = 3

RATE_FORMULAS = (
    "Tỷ lệ giải quyết đúng hạn = (trước hạn + đúng hạn) / số hồ sơ đã giải quyết.",
    "Tỷ lệ tiến độ giải quyết = (đã giải quyết trước hạn, đúng hạn + đang giải quyết trong hạn) / "
    "(đã giải quyết + đang giải quyết).",
    "Tỷ lệ tiếp nhận trực tuyến = số mới tiếp nhận trực tuyến / số mới tiếp nhận.",
)


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a grouped header, placed as on the paper form (rows and columns from 1)."""

    text: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


def header_cells(group_by: str) -> list[HeaderCell]:
    """The three header rows of the form: groups above their sub-columns, leaves spanning down."""
    return [
        HeaderCell("STT", 1, 1, rowspan=3),
        HeaderCell(NAME_HEADINGS[group_by], 1, 2, rowspan=3),
        HeaderCell("Số hồ sơ nhận giải quyết", 1, 3, colspan=4),
        HeaderCell("Số hồ sơ đã giải quyết", 1, 7, colspan=4),
        HeaderCell("Số hồ sơ đang giải quyết", 1, 11, colspan=3),
        HeaderCell("Tổng số", 2, 3, rowspan=2),
        HeaderCell("Trong đó", 2, 4, colspan=3),
        HeaderCell("Tổng số", 2, 7, rowspan=2),
        HeaderCell("Trước hạn", 2, 8, rowspan=2),
        HeaderCell("Đúng hạn", 2, 9, rowspan=2),
        HeaderCell("Quá hạn", 2, 10, rowspan=2),
        HeaderCell("Tổng số", 2, 11, rowspan=2),
        HeaderCell("Trong hạn", 2, 12, rowspan=2),
        HeaderCell("Quá hạn", 2, 13, rowspan=2),
        HeaderCell("Số mới tiếp nhận trực tuyến", 3, 4),
        HeaderCell("Số mới tiếp nhận trực tiếp, dịch vụ bưu chính", 3, 5),
        HeaderCell("Số kỳ trước chuyển qua", 3, 6),
    ]


def rate_header_cells() -> list[HeaderCell]:
    """The header of the rates block beside the form (its own columns from 1: code, three rates)."""
    return [
        HeaderCell(RATES_TITLE, 1, 1, colspan=1 + len(RATE_COLUMNS)),
        HeaderCell(CODE_HEADING, 2, 1, rowspan=2),
        HeaderCell("Giải quyết đúng hạn", 2, 2, rowspan=2),
        HeaderCell("Tiến độ giải quyết", 2, 3, rowspan=2),
        HeaderCell("Tiếp nhận trực tuyến", 2, 4, rowspan=2),
    ]


def _by_row(cells: list[HeaderCell]) -> list[list[HeaderCell]]:
    rows: list[list[HeaderCell]] = [[] for _ in range(HEADER_ROWS)]
    for cell in cells:
        rows[cell.row - 1].append(cell)
    return rows


def header_rows(group_by: str) -> list[list[HeaderCell]]:
    """``header_cells`` row by row, for an HTML ``<thead>``."""
    return _by_row(header_cells(group_by))


def rate_header_rows() -> list[list[HeaderCell]]:
    """``rate_header_cells`` row by row, for an HTML ``<thead>``."""
    return _by_row(rate_header_cells())


def column_numbers() -> list[str]:
    """The row of column numbers under the header: (1) … (13)."""
    return [f"({number})" for number in range(1, COLUMN_COUNT + 1)]


def cells(row: Form06Row) -> list[tuple[Column, int]]:
    """The numeric cells (3)–(13) of one line of the form, in the official order."""
    return [(column, getattr(row, column.key)) for column in COLUMNS]


def rate_cells(row: Form06Row) -> list[tuple[Column, Decimal | None]]:
    """The rates of one line, for the block beside the form; None when there is nothing to divide."""
    return [(column, getattr(row, column.key)) for column in RATE_COLUMNS]


def period_text(date_from: datetime.date, date_to: datetime.date, period_label: str = "") -> str:
    """``Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)``, or just the dates."""
    dates = f"từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    return f"{period_label} ({dates})" if period_label else dates.capitalize()


def signing_date_text(day: datetime.date) -> str:
    """``Hà Nội, ngày 25 tháng 11 năm 2025``: the date line of the signature block."""
    return f"{PLACE}, ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def filename(date_from: datetime.date, date_to: datetime.date, group_by: str, extension: str) -> str:
    """An ASCII file name that says what the file holds: ``mau-06-VPCP-KSTT_unit_2025-10-15_2025-11-14.xlsx``."""
    return f"mau-06-VPCP-KSTT_{group_by}_{date_from.isoformat()}_{date_to.isoformat()}.{extension}"


@dataclass(frozen=True)
class ReportHeading:
    """What the form says above and below its table, in Vietnamese.

    ``reporting_unit`` and ``receiving_unit`` are names ("Bộ Y tế", "Văn phòng Chính phủ (…)");
    ``signed_on`` is the date of the signature block (the day the report is made).
    """

    date_from: datetime.date
    date_to: datetime.date
    reporting_unit: str
    receiving_unit: str
    period_label: str = ""
    signed_on: datetime.date | None = None

    @property
    def period(self) -> str:
        return f"Kỳ báo cáo: {period_text(self.date_from, self.date_to, self.period_label)}"

    @property
    def signing_date(self) -> str:
        return signing_date_text(self.signed_on) if self.signed_on else "……, ngày … tháng … năm …"


def reporting_units(
    *, ministry: str, office: str = "", unit_name: str = "", unit_is_root: bool = False, readable: Sequence[str] = ()
) -> tuple[str, str]:
    """(Reporting unit, receiving unit) of a report.

    The ministry as a whole reports to the Government Office (Circular 01/2020/TT-VPCP); one unit
    (``unit_name``, or the units a head may read, ``readable``) reports to the ministry office
    (``office``, "Văn phòng <ministry>" when the ministry has no office unit).
    """
    office = office or (f"Văn phòng {ministry}" if ministry else "Văn phòng Bộ")
    if unit_name and not unit_is_root:
        return unit_name, office
    if unit_name or not readable:
        return unit_name or ministry, GOVERNMENT_OFFICE
    return ", ".join(readable), office


# --- One grid for both files ----------------------------------------------------------------

# The rates block starts two columns after the form (one empty column between).
RATES_FIRST_COLUMN = COLUMN_COUNT + 2
LAST_COLUMN = RATES_FIRST_COLUMN + len(RATE_COLUMNS)


@dataclass(frozen=True)
class Placed:
    """One cell of the document: where it is, what it holds, how it is drawn (``role``)."""

    row: int
    column: int
    value: object
    role: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Layout:
    """Every cell of the document on one grid, and the rows where its parts start."""

    cells: list[Placed] = field(default_factory=list)
    first_header_row: int = 0
    number_row: int = 0
    first_data_row: int = 0
    totals_row: int = 0
    signature_row: int = 0

    def put(self, row: int, column: int, value, role: str, *, rowspan: int = 1, colspan: int = 1) -> None:
        self.cells.append(Placed(row, column, value, role, rowspan, colspan))

    @property
    def last_row(self) -> int:
        return max(cell.row + cell.rowspan - 1 for cell in self.cells)

    def grid(self) -> list[list]:
        """The document as rows of values (a merged cell's text in its first cell), for the CSV."""
        rows = [["" for _ in range(LAST_COLUMN)] for _ in range(self.last_row)]
        for cell in self.cells:
            rows[cell.row - 1][cell.column - 1] = "" if cell.value is None else cell.value
        while rows and not any(value != "" for value in rows[-1]):
            rows.pop()
        return [_trim(row) for row in rows]


def _trim(row: list) -> list:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end]


def layout(rows: Sequence[Form06Row], totals: Form06Row, *, group_by: str, heading: ReportHeading) -> Layout:
    """Place the whole document: header block, the form, the rates block beside it, signatures.

    Rows 1–2: code line and legal basis (left), reporting and receiving units (right); row 4: the
    title; row 5: the period; row 6: the unit of count (right); from row 8: the three header rows,
    the row of column numbers, one line per group, the totals row; then the date and signature
    block, and the formulas of the rates.
    """
    doc = Layout()
    half = COLUMN_COUNT // 2
    doc.put(1, 1, CODE_LINE, "code", colspan=half)
    doc.put(2, 1, LEGAL_BASIS, "basis", colspan=half)
    doc.put(1, half + 1, f"Đơn vị báo cáo: {heading.reporting_unit}", "unit", colspan=COLUMN_COUNT - half)
    doc.put(2, half + 1, f"Đơn vị nhận báo cáo: {heading.receiving_unit}", "unit", colspan=COLUMN_COUNT - half)
    doc.put(4, 1, TITLE, "title", colspan=COLUMN_COUNT)
    doc.put(5, 1, heading.period, "period", colspan=COLUMN_COUNT)
    doc.put(6, 1, UNIT_OF_COUNT, "unit-of-count", colspan=COLUMN_COUNT)

    doc.first_header_row = 8
    doc.number_row = doc.first_header_row + HEADER_ROWS
    doc.first_data_row = doc.number_row + 1
    for spec in header_cells(group_by):
        row = doc.first_header_row + spec.row - 1
        doc.put(row, spec.column, spec.text, "header", rowspan=spec.rowspan, colspan=spec.colspan)
    for spec in rate_header_cells():
        doc.put(
            doc.first_header_row + spec.row - 1,
            RATES_FIRST_COLUMN + spec.column - 1,
            spec.text,
            "rate-header",
            rowspan=spec.rowspan,
            colspan=spec.colspan,
        )
    for column, text in enumerate(column_numbers(), start=1):
        doc.put(doc.number_row, column, text, "number")

    def line(row_number: int, number, row: Form06Row, *, total: bool) -> None:
        doc.put(row_number, 1, number, "total-label" if total else "stt")
        doc.put(row_number, 2, TOTAL_LABEL if total else row.name, "total-label" if total else "name")
        for offset, (_column, value) in enumerate(cells(row)):
            doc.put(row_number, LEADING_COLUMNS + 1 + offset, value, "total-count" if total else "count")
        doc.put(row_number, RATES_FIRST_COLUMN, "" if total else row.code, "total-label" if total else "code-cell")
        for offset, (_column, value) in enumerate(rate_cells(row), start=1):
            doc.put(row_number, RATES_FIRST_COLUMN + offset, value, "total-rate" if total else "rate")

    row_number = doc.first_data_row
    for number, row in enumerate(rows, start=1):
        line(row_number, number, row, total=False)
        row_number += 1
    doc.totals_row = row_number
    line(row_number, None, totals, total=True)

    doc.signature_row = row_number + 2
    left, right = (1, half), (half + 1, COLUMN_COUNT - half)
    doc.put(doc.signature_row, right[0], heading.signing_date, "signing-date", colspan=right[1])
    for (title, hint), (first, span) in zip(SIGNERS, (left, right), strict=True):
        doc.put(doc.signature_row + 1, first, title, "signer", colspan=span)
        doc.put(doc.signature_row + 2, first, hint, "signer-hint", colspan=span)

    notes_row = doc.signature_row + 7
    for offset, formula in enumerate(RATE_FORMULAS):
        text = f"Ghi chú (khối tỷ lệ bên cạnh biểu mẫu): {formula}" if offset == 0 else formula
        doc.put(notes_row + offset, 1, text, "note", colspan=COLUMN_COUNT)
    return doc


# --- CSV ------------------------------------------------------------------------------------


def form06_csv(rows: Sequence[Form06Row], totals: Form06Row, *, group_by: str, heading: ReportHeading) -> bytes:
    """The report as CSV, the same grid as the workbook: UTF-8 with a byte-order mark (so Excel
    reads Vietnamese correctly), comma-separated.

    The header block, the three header rows (a grouped heading in its first cell), the column
    numbers, one line per group, the totals line, then the date and signature block; the rates
    block beside the form, after one empty column. Rates are written with a decimal point (66.67)
    and left empty when there is nothing to divide.
    """
    lines = layout(rows, totals, group_by=group_by, heading=heading).grid()
    # Names come from the catalogue: a spreadsheet must never read one as a formula.
    return ("\ufeff" + csv_text([[str(value) for value in line] for line in lines])).encode("utf-8")


# --- Excel ----------------------------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents (Decree 30/2020/NĐ-CP)

# role: (font options, alignment, boxed, fill, number format)
STYLES = {
    "code": ({"bold": True, "size": 12}, LEFT, False, None, None),
    "basis": ({"italic": True, "size": 11}, LEFT, False, None, None),
    "unit": ({"size": 11}, LEFT, False, None, None),
    "title": ({"bold": True, "size": 14}, CENTRE, False, None, None),
    "period": ({"italic": True, "size": 12}, CENTRE, False, None, None),
    "unit-of-count": ({"italic": True, "size": 11}, RIGHT, False, None, None),
    "header": ({"bold": True}, CENTRE, True, HEADER_FILL, None),
    "rate-header": ({"bold": True}, CENTRE, True, HEADER_FILL, None),
    "number": ({"italic": True, "size": 10}, CENTRE, True, None, None),
    "stt": ({}, CENTRE, True, None, None),
    "name": ({}, Alignment(vertical="center", wrap_text=True), True, None, None),
    "code-cell": ({}, LEFT, True, None, None),
    "count": ({}, RIGHT, True, None, COUNT_FORMAT),
    "rate": ({}, RIGHT, True, None, RATE_FORMAT),
    "total-label": ({"bold": True}, LEFT, True, TOTAL_FILL, None),
    "total-count": ({"bold": True}, RIGHT, True, TOTAL_FILL, COUNT_FORMAT),
    "total-rate": ({"bold": True}, RIGHT, True, TOTAL_FILL, RATE_FORMAT),
    "signing-date": ({"italic": True, "size": 12}, CENTRE, False, None, None),
    "signer": ({"bold": True, "size": 12}, CENTRE, False, None, None),
    "signer-hint": ({"italic": True, "size": 11}, CENTRE, False, None, None),
    "note": ({"italic": True, "size": 10}, LEFT, False, None, None),
}


def form06_xlsx(rows: Sequence[Form06Row], totals: Form06Row, *, group_by: str, heading: ReportHeading) -> bytes:
    """The report as an Excel workbook laid out like the filed form (sheet "Mẫu 06").

    The cells of ``layout``: merged where the form merges them, boxed inside the tables, counts
    as ``#,##0`` and rates as ``0.00``. The header is frozen and repeated on printed pages; the
    sheet prints landscape on one A4 page wide.
    """
    doc = layout(rows, totals, group_by=group_by, heading=heading)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mẫu 06"
    workbook.properties.title = f"{CODE_LINE} – {period_text(heading.date_from, heading.date_to, heading.period_label)}"
    workbook.properties.creator = "TTHC Tracker"

    for placed in doc.cells:
        font, alignment, boxed, fill, number_format = STYLES[placed.role]
        last_row, last_column = placed.row + placed.rowspan - 1, placed.column + placed.colspan - 1
        if placed.rowspan > 1 or placed.colspan > 1:
            sheet.merge_cells(
                start_row=placed.row, start_column=placed.column, end_row=last_row, end_column=last_column
            )
        cell = sheet.cell(row=placed.row, column=placed.column, value=placed.value)
        cell.font = Font(name=FONT, **font)
        if number_format:
            cell.number_format = number_format
        # Borders and fill go on every cell a merged range covers, or Excel draws gaps.
        for each_row in range(placed.row, last_row + 1):
            for each_column in range(placed.column, last_column + 1):
                covered = sheet.cell(row=each_row, column=each_column)
                covered.alignment = alignment
                if boxed:
                    covered.border = BORDER
                if fill:
                    covered.fill = fill

    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    for index in range(LEADING_COLUMNS + 1, COLUMN_COUNT + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 12
    sheet.column_dimensions[get_column_letter(RATES_FIRST_COLUMN - 1)].width = 3
    sheet.column_dimensions[get_column_letter(RATES_FIRST_COLUMN)].width = 12
    for index in range(RATES_FIRST_COLUMN + 1, LAST_COLUMN + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 13
    sheet.row_dimensions[4].height = 36
    sheet.cell(row=4, column=1).alignment = CENTRE  # the long title wraps
    for header_row in range(doc.first_header_row, doc.number_row):
        sheet.row_dimensions[header_row].height = 30
    sheet.row_dimensions[doc.number_row - 1].height = 60  # the deepest header row holds three-line headings
    sheet.freeze_panes = sheet.cell(row=doc.first_data_row, column=LEADING_COLUMNS + 1)
    sheet.print_title_rows = f"{doc.first_header_row}:{doc.number_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    neutralise_workbook(workbook)  # names come from the catalogue: text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
