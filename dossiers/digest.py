"""The officers' morning digest: each officer and unit head gets their units' dossiers that are
overdue or due soon, by e-mail, at 07:00 on working days (DESIGN.md, "The applicant's side").

Officers get their own unit's dossiers; a unit head gets their unit's and its sub-units' (the same
scopes as ``units.access``). "Overdue" and "due soon" are the dossier queryset's own rules
(``DossierQuerySet.overdue`` / ``due_soon``), so the digest, the list filters and the dashboards
agree. Nobody with nothing to report gets a message, nor does anyone without an e-mail address.
A second run on the same day writes nothing new (one message per person per day, by its
deduplication key), so a redelivered task never sends the digest twice.
"""

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications.services import Recipient, message_enqueue
from units.choices import MembershipRole
from units.models import Membership, Unit
from workdays.calendar import get_calendar

from .models import Dossier
from .selectors import public_address

# Rows per section in one e-mail; the rest are counted and linked.
DIGEST_ROWS = 30


def _scopes() -> dict[int, set[int]]:
    """``{user id: unit ids}`` of every active officer and unit head (heads: with sub-units)."""
    units = list(Unit.objects.filter(is_active=True).values_list("pk", "path"))
    scopes: dict[int, set[int]] = defaultdict(set)
    memberships = Membership.objects.filter(
        role__in=[MembershipRole.UNIT_OFFICER, MembershipRole.UNIT_HEAD],
        unit__is_active=True,
        user__is_active=True,
    ).values_list("user_id", "role", "unit_id", "unit__path")
    for user_id, role, unit_id, path in memberships:
        if role == MembershipRole.UNIT_HEAD:
            scopes[user_id] |= {pk for pk, unit_path in units if unit_path.startswith(path)}
        else:
            scopes[user_id].add(unit_id)
    return scopes


def digest_send(*, day: datetime.date) -> int:
    """Write the morning digests of ``day`` to the outbox; the number of messages written.

    Nothing on a day off (weekends, holidays; a swapped working Saturday does get one).
    """
    if not get_calendar().is_working_day(day):
        return 0
    scopes = _scopes()
    if not scopes:
        return 0
    watched = (
        (Dossier.objects.overdue(on=day) | Dossier.objects.due_soon(on=day))
        .select_related("procedure", "unit")
        .only(
            "code",
            "appointment_date",
            "unit__code",
            "unit__name_vi",
            "unit__name_en",
            "procedure__code",
            "procedure__name_vi",
            "procedure__name_en",
        )
        .order_by("appointment_date", "code")
    )
    by_unit: dict[int, list[Dossier]] = defaultdict(list)
    for dossier in watched:
        by_unit[dossier.unit_id].append(dossier)
    if not by_unit:
        return 0
    users = get_user_model().objects.filter(pk__in=scopes).exclude(email="").in_bulk()
    units = Unit.objects.in_bulk({unit_id for unit_ids in scopes.values() for unit_id in unit_ids})
    link = public_address(reverse("dossiers:list") + "?overdue=true")
    written = 0
    for user_id, unit_ids in sorted(scopes.items()):
        user = users.get(user_id)
        if user is None:
            continue
        dossiers = sorted(
            (dossier for unit_id in unit_ids for dossier in by_unit.get(unit_id, [])),
            key=lambda dossier: (dossier.appointment_date, dossier.code),
        )
        if not dossiers:
            continue
        overdue = [dossier for dossier in dossiers if dossier.appointment_date < day]
        due_soon = [dossier for dossier in dossiers if dossier.appointment_date >= day]
        home_unit = min((units[unit_id] for unit_id in unit_ids), key=lambda unit: unit.path)
        written += len(
            message_enqueue(
                kind="officer_digest",
                recipients=[Recipient(email=user.email)],
                context={
                    "user": user,
                    "day": day,
                    "overdue": overdue[:DIGEST_ROWS],
                    "overdue_count": len(overdue),
                    "overdue_more": max(0, len(overdue) - DIGEST_ROWS),
                    "due_soon": due_soon[:DIGEST_ROWS],
                    "due_soon_count": len(due_soon),
                    "due_soon_more": max(0, len(due_soon) - DIGEST_ROWS),
                    "list_link": link,
                },
                unit=home_unit,
                reference=f"digest {day.isoformat()}",
                dedup_key=f"digest:{day.isoformat()}:user:{user.pk}",
            )
        )
    return written
