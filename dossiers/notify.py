"""The messages about a dossier, through the outbox (``notifications``).

DESIGN.md ("The applicant's side"): applicants are told, by e-mail or SMS where they gave one,
when the dossier is received, when a supplement is requested, when it is re-appointed (with the
apology) and when processing ends (the result is ready). The services call ``notify_applicant``
inside their transaction, after the event is written, so the message exists if and only if the
event does; it is sent after the commit, and a failing mail server never undoes the step.

The heads who may approve a re-appointment are told when an officer proposes one
(``notify_heads_of_proposal``, issue 13): the dossier waits for them, and a proposal nobody sees
runs the dossier late.
"""

import datetime

from django.urls import reverse

from notifications.services import Recipient, message_enqueue
from units.choices import MembershipRole
from units.models import Membership

from .choices import EventKind, Outcome
from .lookup import format_lookup_code
from .models import Dossier, DossierEvent, ReappointmentProposal
from .selectors import lookup_url, public_address

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


def notify_heads_of_proposal(proposal: ReappointmentProposal) -> int:
    """E-mail every head who may decide ``proposal``: the active heads (``MembershipRole.UNIT_HEAD``)
    of the dossier's unit and of every unit above it, with an e-mail address (the rule of
    ``units.access``: a head approves in their unit and its sub-units). Written in the caller's
    transaction; returns the number of messages written (0 when no head has an address)."""
    dossier = proposal.dossier
    ancestor_ids = [int(part) for part in dossier.unit.path.strip("/").split("/") if part]
    heads = (
        Membership.objects.filter(
            role=MembershipRole.UNIT_HEAD, unit_id__in=ancestor_ids, user__is_active=True, unit__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    recipients = list(
        {membership.user.email.lower(): Recipient(email=membership.user.email) for membership in heads}.values()
    )
    if not recipients:
        return 0
    written = message_enqueue(
        kind="reappointment_proposed",
        recipients=recipients,
        context={
            "dossier": dossier,
            "proposal": proposal,
            "proposed_by": proposal.proposed_by,
            "link": public_address(reverse("dossiers:detail", args=[dossier.code])),
        },
        unit=dossier.unit,
        reference=dossier.code,
    )
    return len(written)
