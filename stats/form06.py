"""Form 06/VPCP/KSTT laid out as the paper form, and its Excel and CSV files.

The column set and the grouped header cells are described once here (``COLUMNS``,
``header_rows``) and used by the web page, the workbook and the CSV alike, so the three always
say the same. The headings are the official Vietnamese ones whatever the interface language:
the report is sent to the Government Office as is. The functions take the rows and the totals row
of ``stats.selectors.form06`` and never query the database.
"""

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from config.spreadsheets import csv_text, neutralise_workbook

from .selectors import Form06Row

FORM_CODE = "Biểu mẫu 06/VPCP/KSTT"
TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
TOTAL_LABEL = "Tổng cộng"
NAME_HEADINGS = {"unit": "Đơn vị", "field": "Lĩnh vực", "procedure": "Thủ tục hành chính"}


@dataclass(frozen=True)
class Column:
    """A numeric column of the form: the ``Form06Row`` attribute it shows and its flat heading."""

    key: str
    heading: str
    is_rate: bool = False


# The official columns (3) to (13), then the rates the ministry reads next to them.
COLUMNS = (
    Column("received_total", "Số hồ sơ nhận giải quyết - Tổng số"),
    Column("carried_over", "Số hồ sơ nhận giải quyết - Số kỳ trước chuyển qua"),
    Column("received_online", "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tuyến"),
    Column("received_offline", "Số hồ sơ nhận giải quyết - Số mới tiếp nhận trực tiếp, dịch vụ bưu chính"),
    Column("resolved_total", "Số hồ sơ đã giải quyết - Tổng số"),
    Column("resolved_early", "Số hồ sơ đã giải quyết - Trước hạn"),
    Column("resolved_on_time", "Số hồ sơ đã giải quyết - Đúng hạn"),
    Column("resolved_late", "Số hồ sơ đã giải quyết - Quá hạn"),
    Column("open_total", "Số hồ sơ đang giải quyết - Tổng số"),
    Column("open_within_deadline", "Số hồ sơ đang giải quyết - Trong hạn"),
    Column("open_overdue", "Số hồ sơ đang giải quyết - Quá hạn"),
    Column("on_time_rate", "Tỷ lệ giải quyết đúng hạn (%)", is_rate=True),
    Column("progress_rate", "Tỷ lệ tiến độ giải quyết (%)", is_rate=True),
    Column("online_rate", "Tỷ lệ tiếp nhận trực tuyến (%)", is_rate=True),
)
LEADING_COLUMNS = 2  # STT and the name of the group
COLUMN_COUNT = LEADING_COLUMNS + len(COLUMNS)
HEADER_ROWS = 4

RATE_FORMULAS = (
    "Tỷ lệ giải quyết đúng hạn = (trước hạn + đúng hạn) / số hồ sơ đã giải quyết.",
    "Tỷ lệ tiến độ giải quyết = (đã giải quyết trước hạn, đúng hạn + đang giải quyết trong hạn) / "
    "(đã giải quyết + đang giải quyết).",
    "Tỷ lệ tiếp nhận trực tuyến = số mới tiếp nhận trực tuyến / số mới tiếp nhận.",
)


@dataclass(frozen=True)
class HeaderCell:
    """One cell of the grouped header, placed as on the paper form (rows and columns from 1)."""

    text: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


def header_cells(group_by: str) -> list[HeaderCell]:
    """The four header rows of the form: groups above their sub-columns, leaves spanning down."""
    return [
        HeaderCell("STT", 1, 1, rowspan=4),
        HeaderCell(NAME_HEADINGS[group_by], 1, 2, rowspan=4),
        HeaderCell("Số hồ sơ nhận giải quyết", 1, 3, colspan=4),
        HeaderCell("Kết quả giải quyết", 1, 7, colspan=7),
        HeaderCell("Tỷ lệ (%)", 1, 14, colspan=3),
        HeaderCell("Tổng số", 2, 3, rowspan=3),
        HeaderCell("Trong đó", 2, 4, colspan=3),
        HeaderCell("Số hồ sơ đã giải quyết", 2, 7, colspan=4),
        HeaderCell("Số hồ sơ đang giải quyết", 2, 11, colspan=3),
        HeaderCell("Giải quyết đúng hạn", 2, 14, rowspan=3),
        HeaderCell("Tiến độ giải quyết", 2, 15, rowspan=3),
        HeaderCell("Tiếp nhận trực tuyến", 2, 16, rowspan=3),
        HeaderCell("Số kỳ trước chuyển qua", 3, 4, rowspan=2),
        HeaderCell("Số mới tiếp nhận", 3, 5, colspan=2),
        HeaderCell("Tổng số", 3, 7, rowspan=2),
        HeaderCell("Trước hạn", 3, 8, rowspan=2),
        HeaderCell("Đúng hạn", 3, 9, rowspan=2),
        HeaderCell("Quá hạn", 3, 10, rowspan=2),
        HeaderCell("Tổng số", 3, 11, rowspan=2),
        HeaderCell("Trong hạn", 3, 12, rowspan=2),
        HeaderCell("Quá hạn", 3, 13, rowspan=2),
        HeaderCell("Trực tuyến", 4, 5),
        HeaderCell("Trực tiếp, dịch vụ bưu chính", 4, 6),
    ]


def header_rows(group_by: str) -> list[list[HeaderCell]]:
    """``header_cells`` row by row, for an HTML ``<thead>``."""
    rows: list[list[HeaderCell]] = [[] for _ in range(HEADER_ROWS)]
    for cell in header_cells(group_by):
        rows[cell.row - 1].append(cell)
    return rows


def column_numbers() -> list[str]:
    """The row of column numbers under the header: (1), (2), …"""
    return [f"({number})" for number in range(1, COLUMN_COUNT + 1)]


def cells(row: Form06Row) -> list[tuple[Column, int | Decimal | None]]:
    """The numeric cells of one line, in column order; a rate is None when nothing is divided."""
    return [(column, getattr(row, column.key)) for column in COLUMNS]


def flat_headings(group_by: str) -> list[str]:
    """One header row for flat files: every heading spelled out in full."""
    return ["STT", "Mã", NAME_HEADINGS[group_by], *(column.heading for column in COLUMNS)]


def period_text(date_from: datetime.date, date_to: datetime.date, period_label: str = "") -> str:
    """``Tháng 11 năm 2025 (từ ngày 15/10/2025 đến ngày 14/11/2025)``, or just the dates."""
    dates = f"từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"
    return f"{period_label} ({dates})" if period_label else dates.capitalize()


def filename(date_from: datetime.date, date_to: datetime.date, group_by: str, extension: str) -> str:
    """An ASCII file name that says what the file holds: ``mau-06-VPCP-KSTT_unit_2025-10-15_2025-11-14.xlsx``."""
    return f"mau-06-VPCP-KSTT_{group_by}_{date_from.isoformat()}_{date_to.isoformat()}.{extension}"


# --- CSV ------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return ""
    return str(value)


def form06_csv(rows: Sequence[Form06Row], totals: Form06Row, *, group_by: str) -> bytes:
    """The report as CSV: UTF-8 with a byte-order mark (so Excel reads Vietnamese correctly),
    comma-separated, one header row, one line per group, then the totals line.

    Rates are written with a decimal point (66.67) and left empty when there is nothing to divide.
    """
    lines = [
        flat_headings(group_by),
        *(
            [number, row.code, row.name, *(_csv_value(value) for _column, value in cells(row))]
            for number, row in enumerate(rows, start=1)
        ),
        ["", "", TOTAL_LABEL, *(_csv_value(value) for _column, value in cells(totals))],
    ]
    # Names come from the catalogue: a spreadsheet must never read one as a formula.
    return ("\ufeff" + csv_text(lines)).encode("utf-8")


# --- Excel ----------------------------------------------------------------------------------

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents (Decree 30/2020/NĐ-CP)


@dataclass(frozen=True)
class WorkbookHeading:
    """What the workbook says above the table."""

    ministry: str
    date_from: datetime.date
    date_to: datetime.date
    period_label: str = ""
    scope: str = ""
    generated_on: datetime.date | None = None


# Where the table starts: five title rows and a blank one above it.
FIRST_HEADER_ROW = 7
NUMBER_ROW = FIRST_HEADER_ROW + HEADER_ROWS
FIRST_DATA_ROW = NUMBER_ROW + 1


def _title(sheet, row: int, text: str, *, first: int = 1, last: int = COLUMN_COUNT, **style) -> None:
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = sheet.cell(row=row, column=first, value=text)
    horizontal = style.pop("horizontal", "center")
    cell.font = Font(name=FONT, **style)
    cell.alignment = Alignment(horizontal=horizontal, vertical="center")


def _write_line(sheet, row_number: int, number, name: str, row: Form06Row, *, total: bool = False) -> None:
    values = [number, name, *(value for _column, value in cells(row))]
    formats = [None, None, *(RATE_FORMAT if column.is_rate else COUNT_FORMAT for column in COLUMNS)]
    for column_number, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
        cell = sheet.cell(row=row_number, column=column_number, value=value)
        cell.border = BORDER
        cell.font = Font(name=FONT, bold=total)
        if number_format:
            cell.number_format = number_format
            cell.alignment = Alignment(horizontal="right", vertical="center")
        elif column_number == 1:
            cell.alignment = Alignment(horizontal="center", vertical="center")
        else:
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        if total:
            cell.fill = TOTAL_FILL


def form06_xlsx(rows: Sequence[Form06Row], totals: Form06Row, *, group_by: str, heading: WorkbookHeading) -> bytes:
    """The report as an Excel workbook laid out like the paper form.

    Title rows (ministry, form code, title, period, unit of count), the four-row grouped header
    with merged cells and the row of column numbers, one line per group, the totals line, then
    the formulas of the rates. Header frozen, printed landscape on one page wide.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mẫu 06"
    workbook.properties.title = f"{FORM_CODE} – {period_text(heading.date_from, heading.date_to, heading.period_label)}"
    workbook.properties.creator = "TTHC Tracker"

    _title(sheet, 1, heading.ministry.upper(), last=5, bold=True, size=12)
    _title(sheet, 1, FORM_CODE, first=COLUMN_COUNT - 3, italic=True, size=11, horizontal="right")
    if heading.scope:
        _title(sheet, 2, heading.scope, last=5, size=11)
    _title(sheet, 3, TITLE, bold=True, size=14)
    _title(
        sheet,
        4,
        f"Kỳ báo cáo: {period_text(heading.date_from, heading.date_to, heading.period_label)}",
        italic=True,
        size=12,
    )
    _title(sheet, 5, "Đơn vị tính: số hồ sơ; tỷ lệ: %", italic=True, size=11, horizontal="right")

    for cell_spec in header_cells(group_by):
        row = FIRST_HEADER_ROW + cell_spec.row - 1
        last_row, last_column = row + cell_spec.rowspan - 1, cell_spec.column + cell_spec.colspan - 1
        if cell_spec.rowspan > 1 or cell_spec.colspan > 1:
            sheet.merge_cells(start_row=row, start_column=cell_spec.column, end_row=last_row, end_column=last_column)
        cell = sheet.cell(row=row, column=cell_spec.column, value=cell_spec.text)
        cell.font = Font(name=FONT, bold=True)
        # Borders and fill go on every cell a merged range covers, or Excel draws gaps.
        for each_row in range(row, last_row + 1):
            for each_column in range(cell_spec.column, last_column + 1):
                covered = sheet.cell(row=each_row, column=each_column)
                covered.border, covered.fill, covered.alignment = BORDER, HEADER_FILL, CENTRE
    for column_number, text in enumerate(column_numbers(), start=1):
        cell = sheet.cell(row=NUMBER_ROW, column=column_number, value=text)
        cell.font = Font(name=FONT, italic=True, size=10)
        cell.border, cell.alignment = BORDER, CENTRE

    row_number = FIRST_DATA_ROW
    for number, row in enumerate(rows, start=1):
        _write_line(sheet, row_number, number, f"{row.code} – {row.name}" if row.code else row.name, row)
        row_number += 1
    _write_line(sheet, row_number, None, TOTAL_LABEL, totals, total=True)

    notes_row = row_number + 2
    for offset, formula in enumerate(RATE_FORMULAS):
        _title(
            sheet,
            notes_row + offset,
            f"Ghi chú: {formula}" if offset == 0 else formula,
            italic=True,
            size=10,
            horizontal="left",
        )
    if heading.generated_on:
        _title(
            sheet,
            notes_row + len(RATE_FORMULAS) + 1,
            f"Lập ngày {heading.generated_on:%d/%m/%Y} từ TTHC Tracker.",
            italic=True,
            size=10,
            horizontal="left",
        )

    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 42
    for index, column in enumerate(COLUMNS, start=LEADING_COLUMNS + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 13 if column.is_rate else 11
    sheet.column_dimensions[get_column_letter(LEADING_COLUMNS + 4)].width = 15  # "Trực tiếp, dịch vụ bưu chính"
    for header_row in range(FIRST_HEADER_ROW, NUMBER_ROW - 1):
        sheet.row_dimensions[header_row].height = 30
    sheet.row_dimensions[NUMBER_ROW - 1].height = 45  # the deepest header row holds three-line headings
    sheet.freeze_panes = sheet.cell(row=FIRST_DATA_ROW, column=LEADING_COLUMNS + 1)
    sheet.print_title_rows = f"{FIRST_HEADER_ROW}:{NUMBER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    neutralise_workbook(workbook)  # names come from the catalogue: text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
