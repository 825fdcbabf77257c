"""The ranking of a year as an Excel workbook, with the official Vietnamese headings whatever the
interface language: the file goes to the emulation council as is. No database access here."""

import datetime
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from config.spreadsheets import neutralise_workbook

from .choices import BAND_OFFICIAL, YearStatus
from .models import Criterion, EmulationYear, LeaderScore, UnitScore

FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
NOT_CLASSIFIED = "Không xếp loại (thời gian giữ chức vụ chưa đủ)"
NOT_SCORED = "Chưa chấm"
STATUS_OFFICIAL = {YearStatus.DRAFT: "Dự thảo", YearStatus.FINALISED: "Chính thức (đã chốt)"}
UNIT_HEADINGS = ["Xếp hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm", "Xếp loại"]
LEADER_HEADINGS = [
    "Xếp hạng",
    "Họ và tên",
    "Đơn vị",
    "Giữ chức vụ từ ngày",
    "Đến ngày",
    "Số ngày",
    "Tổng điểm",
    "Xếp loại",
]


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _titles(sheet, year: EmulationYear, title: str, width: int, generated_on: datetime.date) -> int:
    """The title rows; returns the row of the table header."""
    lines = [
        (title, Font(name=FONT, bold=True, size=14)),
        (
            f"Kỳ đánh giá: từ ngày {year.period.date_from:%d/%m/%Y} đến ngày {year.period.date_to:%d/%m/%Y}"
            f" · Trạng thái: {STATUS_OFFICIAL[year.status]}",
            Font(name=FONT, italic=True, size=12),
        ),
        (
            "Số liệu đến ngày "
            + (year.scored_to.strftime("%d/%m/%Y") if year.scored_to else "—")
            + f" · Ngày xuất: {generated_on:%d/%m/%Y}",
            Font(name=FONT, italic=True, size=11),
        ),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        cell = sheet.cell(row=row, column=1, value=text)
        cell.font, cell.alignment = font, Alignment(horizontal="center")
    return len(lines) + 2


def _header(sheet, row: int, headings: Sequence[str]) -> None:
    for column, text in enumerate(headings, start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.font, cell.fill, cell.border, cell.alignment = Font(name=FONT, bold=True), HEADER_FILL, BORDER, CENTRE
    sheet.freeze_panes = sheet.cell(row=row + 1, column=1)


def _row(sheet, row: int, values: Sequence) -> None:
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.font, cell.border = Font(name=FONT), BORDER
        if isinstance(value, float):
            cell.number_format = "0.00"


def ranking_xlsx(
    *,
    year: EmulationYear,
    unit_scores: Sequence[UnitScore],
    leader_scores: Sequence[LeaderScore],
    criteria: Sequence[Criterion],
    generated_on: datetime.date,
) -> bytes:
    """Two sheets: units (with each criterion's points when ``criteria`` is given) and leaders.

    ``unit_scores`` must come with their units and, when ``criteria`` is given, their lines.
    """
    workbook = Workbook()
    units = workbook.active
    units.title = "Đơn vị"
    workbook.properties.title = f"Kết quả chấm điểm thi đua năm {year.year}"
    workbook.properties.creator = "TTHC Tracker"
    headings = [*UNIT_HEADINGS, *(f"{criterion.name_vi} (tối đa {criterion.max_points})" for criterion in criteria)]
    header_row = _titles(
        units,
        year,
        f"KẾT QUẢ CHẤM ĐIỂM THI ĐUA CÔNG TÁC GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH NĂM {year.year} – ĐƠN VỊ",
        len(headings),
        generated_on,
    )
    _header(units, header_row, headings)
    for offset, score in enumerate(unit_scores, start=1):
        points = {}
        if criteria:
            points = {line.code: line.points for line in score.lines.all()}
        _row(
            units,
            header_row + offset,
            [
                score.rank,
                score.unit.code,
                score.unit.name_vi,
                _number(score.total),
                BAND_OFFICIAL.get(score.band, NOT_SCORED),
                *(_number(points.get(criterion.code)) for criterion in criteria),
            ],
        )
    for column, width in enumerate([10, 14, 45, 12, 30, *([18] * len(criteria))], start=1):
        units.column_dimensions[get_column_letter(column)].width = width

    leaders = workbook.create_sheet("Lãnh đạo")
    header_row = _titles(
        leaders,
        year,
        f"KẾT QUẢ CHẤM ĐIỂM THI ĐUA NĂM {year.year} – NGƯỜI ĐỨNG ĐẦU ĐƠN VỊ",
        len(LEADER_HEADINGS),
        generated_on,
    )
    _header(leaders, header_row, LEADER_HEADINGS)
    for offset, score in enumerate(leader_scores, start=1):
        band = BAND_OFFICIAL.get(score.band, NOT_SCORED) if score.classified else NOT_CLASSIFIED
        _row(
            leaders,
            header_row + offset,
            [
                score.rank,
                score.tenure.person.full_name,
                f"{score.unit.code} – {score.unit.name_vi}",
                score.window_start.strftime("%d/%m/%Y"),
                score.window_end.strftime("%d/%m/%Y"),
                score.days,
                _number(score.total),
                band,
            ],
        )
    for column, width in enumerate([10, 28, 45, 16, 14, 10, 12, 34], start=1):
        leaders.column_dimensions[get_column_letter(column)].width = width

    neutralise_workbook(workbook)  # names of units and people: text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
