"""The ranking of a year as an Excel workbook, with the official Vietnamese headings whatever the
interface language: the file goes to the emulation council as is. No database access here."""

import datetime
import io
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from config.numbers import vietnamese_number
from config.spreadsheets import neutralise_workbook

from .choices import BAND_OFFICIAL, YearStatus
from .models import Criterion, EmulationYear, LeaderScore, PeriodScore, UnitScore

FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
NOT_CLASSIFIED = "Không xếp loại (thời gian giữ chức vụ chưa đủ)"
NOT_SCORED = "Chưa chấm"
STATUS_OFFICIAL = {YearStatus.DRAFT: "Dự thảo", YearStatus.FINALISED: "Chính thức (đã chốt)"}
UNIT_HEADINGS = ["Xếp hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm", "Xếp loại"]
BASIS_HEADINGS = ["Xếp loại theo điểm", "Tỷ lệ hồ sơ chậm tiến độ (%)", "Căn cứ xếp loại"]
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


def _basis(score) -> str:
    """Why the band is what it is beyond the points, in the official language: the decision cited,
    or the condition on dossiers behind schedule that lowered it; "" when the points alone decide."""
    if score.band_reason:
        return score.band_reason
    if score.band and score.band_by_points and score.band != score.band_by_points:
        return (
            f"Tỷ lệ hồ sơ chậm tiến độ {score.behind_share:.2f}% vượt mức cho phép của "
            f"“{BAND_OFFICIAL[score.band_by_points]}”"
        )
    return ""


def _basis_values(score) -> list:
    return [BAND_OFFICIAL.get(score.band_by_points, ""), _number(score.behind_share), _basis(score)]


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
            + f" · Ngày xuất: {generated_on:%d/%m/%Y}"
            + (
                f" · Quyết định của Hội đồng thi đua, khen thưởng số {year.council_decision_number}"
                f" ngày {year.council_decision_date:%d/%m/%Y}"
                if year.council_decision_number and year.council_decision_date
                else ""
            ),
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
    headings = [
        *UNIT_HEADINGS,
        *(f"{criterion.name_vi} (tối đa {vietnamese_number(criterion.max_points)})" for criterion in criteria),
        *BASIS_HEADINGS,
    ]
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
                *_basis_values(score),
            ],
        )
    for column, width in enumerate([10, 14, 45, 12, 30, *([18] * len(criteria)), 30, 14, 50], start=1):
        units.column_dimensions[get_column_letter(column)].width = width

    leaders = workbook.create_sheet("Lãnh đạo")
    # The heads' lines (the scheme's criteria, or Decree 335/2025's general criteria and task
    # results), in the order of their first score, for those who read every breakdown.
    line_columns: dict[str, str] = {}
    if criteria:
        for score in leader_scores:
            for line in score.lines.all():
                line_columns.setdefault(line.code, f"{line.name_vi} (tối đa {vietnamese_number(line.max_points)})")
    leader_headings = [*LEADER_HEADINGS, *line_columns.values(), *BASIS_HEADINGS]
    header_row = _titles(
        leaders,
        year,
        f"KẾT QUẢ CHẤM ĐIỂM THI ĐUA NĂM {year.year} – NGƯỜI ĐỨNG ĐẦU ĐƠN VỊ",
        len(leader_headings),
        generated_on,
    )
    _header(leaders, header_row, leader_headings)
    for offset, score in enumerate(leader_scores, start=1):
        points = {line.code: line.points for line in score.lines.all()} if line_columns else {}
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
                *(_number(points.get(code)) for code in line_columns),
                *_basis_values(score),
            ],
        )
    for column, width in enumerate([10, 28, 45, 16, 14, 10, 12, 34, *([16] * len(line_columns)), 30, 14, 50], start=1):
        leaders.column_dimensions[get_column_letter(column)].width = width

    neutralise_workbook(workbook)  # names of units and people: text, never a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(text: str, used: set[str]) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\), unique in the workbook."""
    base = "".join(" " if char in "[]:*?/\\" else char for char in text)[:28].strip() or "Sheet"
    title, number = base, 2
    while title in used:
        title, number = f"{base[:25]} ({number})", number + 1
    used.add(title)
    return title


def tracking_xlsx(
    *,
    year: EmulationYear,
    leader_scores: Sequence[LeaderScore],
    months: dict[int, list[PeriodScore]],
    generated_on: datetime.date,
) -> bytes:
    """The monthly tracking sheet of the heads: a summary (one row per head, a column per month, the
    year's total and band), then one sheet per head with each month's lines, points, total, band
    and the basis of the band. ``months`` maps a tenure id to its month scores in order."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "Tổng hợp"
    workbook.properties.title = f"Theo dõi, đánh giá hằng tháng năm {year.year}"
    workbook.properties.creator = "TTHC Tracker"
    headings = ["Họ và tên", "Đơn vị", *(f"Tháng {number}" for number in range(1, 13)), "Điểm năm", "Xếp loại năm"]
    header_row = _titles(
        summary, year, f"THEO DÕI, ĐÁNH GIÁ HẰNG THÁNG NĂM {year.year} – NGƯỜI ĐỨNG ĐẦU", len(headings), generated_on
    )
    _header(summary, header_row, headings)
    used = {summary.title}
    for offset, score in enumerate(leader_scores, start=1):
        by_number = {item.number: item for item in months.get(score.tenure_id, [])}
        _row(
            summary,
            header_row + offset,
            [
                score.tenure.person.full_name,
                score.unit.code,
                *(_number(by_number[number].total) if number in by_number else None for number in range(1, 13)),
                _number(score.total),
                BAND_OFFICIAL.get(score.band, NOT_SCORED) if score.classified else NOT_CLASSIFIED,
            ],
        )
        sheet = workbook.create_sheet(_sheet_title(f"{score.unit.code} {score.tenure.person.full_name}", used))
        items = months.get(score.tenure_id, [])
        codes = [line["code"] for line in items[0].lines] if items else []
        names = {
            line.code: f"{line.name_vi} (tối đa {vietnamese_number(line.max_points)})" for line in score.lines.all()
        }
        head_headings = [
            "Tháng",
            "Từ ngày",
            "Đến ngày",
            *(names.get(code, code) for code in codes),
            "Tổng điểm",
            "Xếp loại",
            "Căn cứ xếp loại",
        ]
        row = _titles(
            sheet,
            year,
            f"THEO DÕI HẰNG THÁNG: {score.tenure.person.full_name.upper()} – {score.unit.code}",
            len(head_headings),
            generated_on,
        )
        _header(sheet, row, head_headings)
        for index, item in enumerate(items, start=1):
            points = {line["code"]: line["points"] for line in item.lines}
            _row(
                sheet,
                row + index,
                [
                    f"Tháng {item.number}",
                    item.window_start.strftime("%d/%m/%Y"),
                    item.window_end.strftime("%d/%m/%Y"),
                    *(None if points.get(code) is None else float(points[code]) for code in codes),
                    _number(item.total),
                    BAND_OFFICIAL.get(item.band, NOT_SCORED),
                    _basis(item),
                ],
            )
        for column in range(1, len(head_headings) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 14
        sheet.column_dimensions[get_column_letter(len(head_headings))].width = 50
    summary.column_dimensions["A"].width = 28
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
