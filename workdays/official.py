"""The official announcements of days off and worked days that the product ships as data.

``workdays/data/official_days.csv`` holds, one row per day, the day swaps and days off the
government announced (a weekday off, a Saturday worked), each with its document and where it was
checked; only announcements confirmed from an official or press source are listed there
(docs/calendar.md has the rest). A data migration loads them as ``CalendarOverride`` rows marked
``official``; a later release that ships more announcements adds a migration that loads the file
again. Loading never overwrites a row staff entered for the same day.
"""

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "official_days.csv"


@dataclass(frozen=True)
class OfficialDay:
    """One row of the data file."""

    date: datetime.date
    kind: str
    document: str
    document_date: datetime.date | None
    note: str
    checked_in: str

    @property
    def document_text(self) -> str:
        """``Công văn 12729/VPCP-KGVX ngày 25/12/2025``: the document as the override shows it."""
        if self.document_date is None:
            return self.document
        return f"{self.document} ngày {self.document_date:%d/%m/%Y}"


def read_official_days(path: Path = DATA_FILE) -> list[OfficialDay]:
    """The rows of the data file, checked: a malformed row stops the load with its line number."""
    from .choices import OverrideKind

    days = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                kind = OverrideKind(row["kind"])
                day = OfficialDay(
                    date=datetime.date.fromisoformat(row["date"]),
                    kind=kind.value,
                    document=row["document"].strip(),
                    document_date=datetime.date.fromisoformat(row["document_date"]) if row["document_date"] else None,
                    note=row["note"].strip(),
                    checked_in=row["checked_in"].strip(),
                )
            except (KeyError, ValueError) as error:
                raise ValueError(f"{path.name}, line {line}: {error}") from error
            if not day.document:
                raise ValueError(f"{path.name}, line {line}: every official day needs its document.")
            days.append(day)
    if len({day.date for day in days}) != len(days):
        raise ValueError(f"{path.name}: a date is listed twice.")
    return days


def load_official_days(override_model, days: list[OfficialDay] | None = None) -> dict[str, int]:
    """Create or refresh the ``official`` override rows; returns counts of what was done.

    ``override_model`` is ``CalendarOverride`` or its historical twin in a migration. A day staff
    already entered is left as they entered it ("kept"); an official row the file now describes
    differently is brought up to date ("updated").
    """
    from .choices import OverrideSource

    days = read_official_days() if days is None else days
    counts = {"created": 0, "updated": 0, "kept": 0, "unchanged": 0}
    existing = {row.date: row for row in override_model.objects.filter(date__in=[day.date for day in days])}
    for day in days:
        values = {"kind": day.kind, "document": day.document_text[:255], "note": day.note[:255]}
        row = existing.get(day.date)
        if row is None:
            override_model.objects.create(date=day.date, source=OverrideSource.OFFICIAL, **values)
            counts["created"] += 1
        elif row.source != OverrideSource.OFFICIAL:
            counts["kept"] += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts
