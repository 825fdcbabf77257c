"""The feedback list as an Excel workbook, with Vietnamese column headings.

Everything a citizen typed is written as text: openpyxl would store a string that starts with
"=" as a formula, which Excel would then run (``=HYPERLINK(…)``, ``=cmd|…``), so the workbook goes
through ``config.spreadsheets.neutralise_workbook`` (the rule of every export) before it is saved.
HTML in a text is just text in a cell.
"""

import datetime
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from config.spreadsheets import neutralise_workbook

from .deadlines import is_due_soon, is_overdue


def feedback_workbook(items, *, today: datetime.date) -> bytes:
    """An .xlsx file of ``items`` (a queryset), one row per item, oldest first."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Feedback")
    headings = [
        _("Code"),
        _("Received on"),
        _("Source"),
        _("Classification"),
        _("Unit"),
        _("Procedure"),
        _("Dossier"),
        _("Title"),
        _("Content"),
        _("Status"),
        _("Answer due"),
        _("Handled on"),
        _("Handling"),
        _("Deadline today"),
        _("Answer"),
        _("Sender's rating"),
    ]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in items.select_related("unit", "procedure", "dossier").order_by("received_at", "id"):
        if is_overdue(item, on=today):
            deadline = _("Overdue")
        elif is_due_soon(item, on=today):
            deadline = _("Due soon")
        elif item.due_date:
            deadline = _("Within deadline")
        else:
            deadline = ""
        rating = "" if item.liked is None else (_("Liked") if item.liked else _("Disliked"))
        sheet.append(
            [
                item.code,
                item.received_on,
                item.get_source_display(),
                item.get_classification_display(),
                item.unit.code,
                item.procedure.code if item.procedure else "",
                item.dossier.code if item.dossier else "",
                item.title,
                item.content,
                item.get_status_display(),
                item.answer_by,
                item.handled_on,
                item.get_handling_display(),
                deadline,
                item.answer,
                rating,
            ]
        )
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.date):
                cell.number_format = "DD/MM/YYYY"
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
