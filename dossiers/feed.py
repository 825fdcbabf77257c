"""The change feed: every dossier changed since a cursor, oldest change first, in the sync model.

``GET /api/v1/sync/dossiers/changes/?cursor=…`` lets a one-stop system or the portal follow what
changed here (a step taken at the desk, a synchronised record, a recalculated deadline) without
missing or repeating anything, even while writes go on.

How no change is skipped. Every write of a dossier row stamps it with the id of the writing
transaction (``Dossier.change_xid``, set by a database trigger on PostgreSQL, so no write path can
forget it). Transactions commit in any order, so ordering by that id (or by a sequence or a
timestamp) alone would let a reader pass a row whose transaction commits later with a smaller
id. The feed therefore only returns rows written by transactions older than the oldest one still
in progress in this database (or the snapshot's upper bound): every such transaction has
finished, so no row can still appear below the cursor it hands out. Rows of younger transactions
wait for the next page (a long transaction delays the feed; it never loses a change). The cursor is the last row's
``(change_xid, id)``; rows are returned in that order, so none is returned twice.

A dossier changed several times between two reads appears once, in its latest state, at the
position of its latest change. On SQLite (development) writers are serialised and a trigger
numbers the changes one after the other.
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from units.access import Access

from . import selectors
from .choices import EventKind
from .models import Dossier, DossierEvent
from .sync import CHANNEL_TO_PORTAL, portal_status

PAGE_SIZE = 500
MAX_PAGE_SIZE = 1000
CURSOR = re.compile(r"^(\d{1,19})-(\d{1,19})$")


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: after the change ``(xid, dossier id)``. ``Cursor(0, 0)`` is the start."""

    xid: int
    dossier_id: int

    def __str__(self) -> str:
        return f"{self.xid}-{self.dossier_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        """The cursor a previous page handed out; empty: from the beginning. ``ValidationError`` otherwise."""
        if not text:
            return cls(0, 0)
        match = CURSOR.match(text)
        if match is None:
            raise ValidationError({"cursor": _("Send back the next_cursor of the previous page unchanged.")})
        return cls(int(match.group(1)), int(match.group(2)))


# The first transaction id whose rows may not all be visible yet: the oldest transaction of this
# database still in progress, or the snapshot's upper bound. Transactions in progress in other
# databases of the cluster are left out when pg_stat_activity shows them (they never write here);
# one it does not show counts as ours, which only delays the feed. ``backend_xid`` is the 32-bit
# form of the 64-bit ids the snapshot functions give.
HORIZON_SQL = """
SELECT LEAST(
    txid_snapshot_xmax(snapshot),
    (SELECT min(running) FROM txid_snapshot_xip(snapshot) AS running
     WHERE running % 4294967296 NOT IN (
         SELECT backend_xid::text::bigint FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())))
FROM (SELECT txid_current_snapshot() AS snapshot) AS current
"""


def _completed_horizon() -> int | None:
    """On PostgreSQL, the transaction id below which every writer of this database has finished."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(HORIZON_SQL)
        return cursor.fetchone()[0]


def changes_page(*, access: Access, cursor: Cursor, limit: int = PAGE_SIZE) -> tuple[list[Dossier], Cursor]:
    """The dossiers ``access`` may read changed after ``cursor``, oldest change first, and the next cursor.

    At most ``limit`` dossiers; the next cursor is the last one's position, or ``cursor`` itself
    when nothing new has finished writing. Two queries whatever the page size. Read it outside a
    transaction that writes dossiers (it would wait for itself).
    """
    horizon = _completed_horizon()
    queryset = selectors.dossiers_visible_to(access).filter(
        Q(change_xid__gt=cursor.xid) | Q(change_xid=cursor.xid, pk__gt=cursor.dossier_id)
    )
    if horizon is not None:
        # A reader inside a transaction that wrote dossiers would wait for itself: read outside one.
        queryset = queryset.filter(change_xid__lt=horizon)
    dossiers = list(queryset.order_by("change_xid", "pk")[:limit])
    if not dossiers:
        return [], cursor
    last = dossiers[-1]
    return dossiers, Cursor(last.change_xid, last.pk)


def _local(at: datetime.datetime | None) -> str | None:
    return timezone.localtime(at).isoformat() if at else None


def feed_records(dossiers: list[Dossier], *, access: Access) -> list[dict[str, Any]]:
    """Each dossier as a record of the sync model (our names, the portal's status code), with its steps.

    One query for the steps of all the dossiers. Personal data is masked for a reader who may not
    see it (``selectors.shows_personal_data``).
    """
    events: dict[int, list[DossierEvent]] = {dossier.pk: [] for dossier in dossiers}
    for event in DossierEvent.objects.filter(dossier_id__in=list(events)).order_by("dossier_id", "sequence"):
        events[event.dossier_id].append(event)
    return [_record(dossier, events[dossier.pk], access=access) for dossier in dossiers]


def _record(dossier: Dossier, events: list[DossierEvent], *, access: Access) -> dict[str, Any]:
    supplements, reappointments, rating = [], [], None
    end_note = ""
    for event in events:
        if event.kind == EventKind.SUPPLEMENT_REQUESTED:
            supplements.append({"requested_at": _local(event.at), "note": event.note, "received_at": None})
        elif event.kind == EventKind.SUPPLEMENT_RECEIVED and supplements:
            supplements[-1]["received_at"] = _local(event.at)
        elif event.kind == EventKind.REAPPOINTED:
            reappointments.append(
                {"at": _local(event.at), "new_date": event.data.get("new_date"), "reason": event.data.get("reason", "")}
            )
        elif event.kind == EventKind.ENDED:
            end_note = event.note
        elif event.kind == EventKind.RATED:
            rating = {"at": _local(event.at), "satisfied": event.data.get("satisfied"), "comment": event.note}
    record = {
        "code": dossier.code,
        "procedure": dossier.procedure.code,
        "unit": dossier.unit.code,
        "channel": dossier.channel,
        "KenhThucHien": int(CHANNEL_TO_PORTAL[dossier.channel]),
        "status": portal_status(status=dossier.status, outcome=dossier.outcome),
        "applicant_kind": dossier.applicant_kind,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_phone": dossier.applicant_phone,
        "applicant_email": dossier.applicant_email,
        "applicant_address": dossier.applicant_address,
        "received_at": _local(dossier.received_at),
        "appointment_date": dossier.appointment_date.isoformat(),
        "reappointed_date": dossier.reappointed_date.isoformat() if dossier.reappointed_date else None,
        "supplements": supplements,
        "reappointments": reappointments,
        "ended_at": _local(dossier.ended_at),
        "outcome": dossier.outcome or None,
        "end_note": end_note,
        "timeliness": dossier.timeliness or None,
        "returned_at": _local(dossier.returned_at),
        "rating": rating,
        "fee_amount": int(dossier.fee_amount),
        "fee_paid_online": dossier.fee_paid_online,
        "result_electronic": dossier.result_electronic,
        "documents_digitised": dossier.documents_digitised,
        "data_reused": dossier.data_reused,
        "from_data_store": dossier.from_data_store,
        "vneid_verified": dossier.vneid_verified,
        "source_system": dossier.source_system,
        "synced_at": _local(dossier.synced_at),
        "version": dossier.event_count,
        "changed_at": _local(dossier.updated_at),
    }
    if not selectors.shows_personal_data(access, unit_id=dossier.unit_id):
        for name in selectors.PERSONAL_FIELDS:
            record[name] = selectors.mask_personal(name, record[name])
    return record
