"""Numbers as text in the interface language: the one helper for strings built in Python.

Templates localise numbers themselves; a message or label built in Python (``f"{value}"``) would
not, and printed "90.00" on a Vietnamese page beside "90,00" from a template (issue 13).
"""

from decimal import Decimal

from django.utils import formats, translation


def number_text(value, *, places: int = 2) -> str:
    """``value`` with ``places`` decimals and grouped thousands in the active language
    (Vietnamese: "1.200,50"; English: "1,200.50"). ``None`` gives an em dash."""
    if value is None:
        return "—"
    return formats.number_format(Decimal(str(value)), decimal_pos=places, use_l10n=True, force_grouping=True)


def vietnamese_number(value, *, places: int = 2) -> str:
    """``number_text`` in Vietnamese whatever the interface language: official documents (the
    receipt, the apology letter, Form 06, the emulation workbook) are Vietnamese throughout."""
    with translation.override("vi"):
        return number_text(value, places=places)
