"""The national index as Excel workbooks: one unit's index and the ministry-wide table.

Laid out for reading and filing, entirely in Vietnamese whatever the interface language (like
the Form 06 files): a title block naming the scope and the period, then the figures as numbers
(counts ``#,##0``, rates and points ``0.00``), so that a spreadsheet can sum and sort them.
The functions take the results of ``stats.index766`` and never query the database.
"""

import datetime
import io

from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config.spreadsheets import neutralise_workbook

from .index766 import COMPUTED, GROUPS, NOT_APPLICABLE, IndexResult, Ranking, score

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
STATUS_VI = {COMPUTED: "Đã tính", NOT_APPLICABLE: "Không áp dụng", "not_available": "Chưa có dữ liệu"}
DECIMAL = "0.00"
COUNT = "#,##0"


def _number(value):
    return None if value is None else float(value)


def _period(date_from: datetime.date, date_to: datetime.date) -> str:
    return f"Từ ngày {date_from:%d/%m/%Y} đến ngày {date_to:%d/%m/%Y}"


def _scope_name(unit) -> str:
    return unit.name_vi if unit is not None else "Toàn bộ các đơn vị được xem"


def _header(sheet, row: int, headings: list[str]) -> None:
    for column, heading in enumerate(headings, 1):
        cell = sheet.cell(row=row, column=column, value=heading)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, WRAP


def _save(workbook: Workbook) -> bytes:
    neutralise_workbook(workbook)  # unit names come from the unit tree: text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def index_xlsx(index: IndexResult) -> bytes:
    """One index (sheet "Chỉ số 766"): the total, then every group and indicator with its
    numerator, denominator, rate, target, points, maximum, points lost, status and reason."""
    with translation.override("vi"):
        # Scored again (no query) so that the names and reasons are Vietnamese whatever the page's language.
        index = score(
            index.counts, index.configuration, date_from=index.date_from, date_to=index.date_to, unit=index.unit
        )
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Chỉ số 766"
        workbook.properties.creator = "TTHC Tracker"
        sheet["A1"] = "BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (Quyết định 766/QĐ-TTg)"
        sheet["A1"].font = TITLE
        sheet["A2"] = f"Đơn vị: {_scope_name(index.unit)}"
        sheet["A3"] = f"{_period(index.date_from, index.date_to)}; điểm và chỉ tiêu năm {index.configuration.year}"
        sheet["A4"] = "Tổng điểm (thang 100)"
        sheet["C4"] = _number(index.total)
        sheet["D4"] = "Điểm đạt / tối đa được tính"
        # Nothing counted is a blank, as "—" on the page (and in the table of units' workbook),
        # never a 0 that reads as scored.
        sheet["E4"] = _number(index.points) if index.total is not None else None
        sheet["F4"] = _number(index.counted_maximum) if index.total is not None else None
        for cell in ("A4", "C4"):
            sheet[cell].font = BOLD
        for cell in ("C4", "E4", "F4"):
            sheet[cell].number_format = DECIMAL
        headings = [
            "Mã",
            "Chỉ số",
            "Tử số",
            "Mẫu số",
            "Tỷ lệ (%)",
            "Chỉ tiêu (%)",
            "Điểm",
            "Điểm tối đa",
            "Điểm bị mất",
            "Trạng thái",
            "Ghi chú",
        ]
        _header(sheet, 6, headings)
        row = 7
        for group in index.groups:
            sheet.cell(row=row, column=1, value=group.code)
            sheet.cell(row=row, column=2, value=group.name)
            points = _number(group.points) if group.counted_maximum else None
            sheet.cell(row=row, column=7, value=points).number_format = DECIMAL
            sheet.cell(row=row, column=8, value=_number(group.maximum)).number_format = DECIMAL
            for column in range(1, len(headings) + 1):
                sheet.cell(row=row, column=column).fill = GROUP_FILL
                sheet.cell(row=row, column=column).font = BOLD
            row += 1
            for item in group.indicators:
                values = [
                    item.code,
                    item.name,
                    item.numerator,
                    item.denominator,
                    _number(item.rate),
                    _number(item.target),
                    _number(item.points),
                    _number(item.maximum),
                    _number(item.lost),
                    STATUS_VI.get(item.status, item.status),
                    item.reason,
                ]
                for column, value in enumerate(values, 1):
                    cell = sheet.cell(row=row, column=column, value=value)
                    if column in (3, 4):
                        cell.number_format = COUNT
                    elif 5 <= column <= 9:
                        cell.number_format = DECIMAL
                sheet.cell(row=row, column=2).alignment = WRAP
                row += 1
        widths = [7, 55, 10, 10, 10, 11, 9, 11, 11, 16, 60]
        for column, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "C7"
        return _save(workbook)


def _line_name(line) -> str:
    """The unit's Vietnamese name; the scope's own line says it leaves out the sub-units."""
    return f"{line.unit.name_vi} (hồ sơ của riêng đơn vị)" if line.own else line.unit.name_vi


def ranking_xlsx(table: Ranking) -> bytes:
    """The ministry-wide table: sheet "Xếp hạng" (rank, unit, total, points earned and counted
    maximum, each group's points) and sheet "Theo tháng" (each unit's total month by month)."""
    with translation.override("vi"):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Xếp hạng"
        workbook.properties.creator = "TTHC Tracker"
        whole = table.whole
        GROUP_NAMES = {group.code: str(group.name) for group in GROUPS}  # noqa: N806 - a table, in Vietnamese
        sheet["A1"] = "XẾP HẠNG ĐƠN VỊ THEO BỘ CHỈ SỐ 766"
        sheet["A1"].font = TITLE
        sheet["A2"] = f"Phạm vi: {_scope_name(table.scope)}"
        sheet["A3"] = _period(whole.date_from, whole.date_to)
        groups = whole.groups
        headings = [
            "Hạng",
            "Mã đơn vị",
            "Đơn vị",
            "Tổng điểm (thang 100)",
            "Điểm đạt",
            "Tối đa được tính",
            *[f"Nhóm {group.code}: {GROUP_NAMES[group.code]} (tối đa {group.maximum})" for group in groups],
        ]
        _header(sheet, 5, headings)
        rows = [(line.rank, line.unit.code, _line_name(line), line.index) for line in table.lines]
        rows.append((None, table.scope.code if table.scope else "", f"Chung: {_scope_name(table.scope)}", whole))
        for row, (rank, code, name, index) in enumerate(rows, 6):
            values = [
                rank,
                code,
                name,
                _number(index.total),
                # Nothing counted is a blank, as "—" on the page, never a 0 that reads as scored.
                _number(index.points) if index.total is not None else None,
                _number(index.counted_maximum) if index.total is not None else None,
                *[_number(group.points) if group.counted_maximum else None for group in index.groups],
            ]
            for column, value in enumerate(values, 1):
                cell = sheet.cell(row=row, column=column, value=value)
                if column >= 4:
                    cell.number_format = DECIMAL
        for column, width in enumerate([7, 12, 45, 12, 10, 12, *[16] * len(groups)], 1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        sheet.freeze_panes = "D6"

        months = workbook.create_sheet("Theo tháng")
        months["A1"] = f"TỔNG ĐIỂM THEO THÁNG, NĂM {table.year}"
        months["A1"].font = TITLE
        _header(months, 3, ["Mã đơn vị", "Đơn vị", *table.month_labels])
        for row, line in enumerate(table.lines, 4):
            months.cell(row=row, column=1, value=line.unit.code)
            months.cell(row=row, column=2, value=_line_name(line))
            for column, total in enumerate(line.months, 3):
                months.cell(row=row, column=column, value=_number(total)).number_format = DECIMAL
        months.column_dimensions["B"].width = 45
        return _save(workbook)


def filename(kind: str, date_from: datetime.date, date_to: datetime.date, code: str = "") -> str:
    """``chi-so-766[-xep-hang][-CODE]-YYYYMMDD-YYYYMMDD.xlsx``."""
    middle = "-xep-hang" if kind == "ranking" else ""
    unit = f"-{code}" if code else ""
    return f"chi-so-766{middle}{unit}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
