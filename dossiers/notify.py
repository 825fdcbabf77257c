"""The messages an applicant receives about their dossier, through the outbox (``notifications``).

DESIGN.md ("The applicant's side"): applicants are told, by e-mail or SMS where they gave one,
when the dossier is received, when a supplement is requested, when it is re-appointed (with the
apology) and when processing ends (the result is ready). The services call ``notify_applicant``
inside their transaction, after the event is written, so the message exists if and only if the
event does; it is sent after the commit, and a failing mail server never undoes the step.
"""

import datetime

from notifications.services import Recipient, message_enqueue

from .choices import EventKind, Outcome
from .lookup import format_lookup_code
from .models import Dossier, DossierEvent
from .selectors import lookup_url

# Event kind → message kind (the folder of its templates under templates/messages/).
MESSAGE_KINDS = {
    EventKind.RECEIVED: "dossier_received",
    EventKind.SUPPLEMENT_REQUESTED: "dossier_supplement_requested",
    EventKind.REAPPOINTED: "dossier_reappointed",
    EventKind.ENDED: "dossier_ended",
}


def notify_applicant(dossier: Dossier, event: DossierEvent) -> None:
    """Write the applicant's messages about ``event`` (none when they gave no e-mail and no phone)."""
    kind = MESSAGE_KINDS.get(event.kind)
    if kind is None or not (dossier.applicant_email or dossier.applicant_phone):
        return
    data = event.data or {}
    message_enqueue(
        kind=kind,
        recipients=[Recipient(email=dossier.applicant_email, phone=dossier.applicant_phone)],
        context={
            "dossier": dossier,
            "event": event,
            "lookup_link": lookup_url(dossier),
            "lookup_code": format_lookup_code(dossier.lookup_code),
            "new_date": datetime.date.fromisoformat(data["new_date"]) if data.get("new_date") else None,
            "reason": data.get("reason") or event.note,
            "resolved": data.get("outcome") == Outcome.RESOLVED,
        },
        unit=dossier.unit,
        reference=dossier.code,
    )
