"""Writes on dossiers: one service per step of the lifecycle.

Each service is atomic: it locks the dossier row, checks that the step is allowed now, appends
one event and stores the state re-derived from all events. Two officers acting on one dossier at
once are serialised by the lock; the second then finds the step no longer allowed and gets a
``ConflictError`` (409) that says why, with nothing written.
"""

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery, sql
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from config.bulk import insert_together
from config.exceptions import ConflictError
from config.text import clean_text, normalise_phone
from procedures.models import Procedure
from units.models import Unit
from workdays.calendar import get_calendar, in_dated_range, out_of_range_message
from workdays.models import CalendarOverride
from workdays.services import calendar_override_mark_applied

from . import backdating, codes
from .backdating import Origin
from .choices import Action, ApplicantKind, Channel, EventKind, Outcome, ProposalStatus
from .deadlines import (
    OUTCOMES_NEEDING_REASON,
    DossierState,
    allowed_actions,
    derive_state,
    last_day_to_reappoint,
    local_date,
)
from .models import Dossier, DossierCodeCounter, DossierEvent, ReappointmentProposal, StateInterval
from .notify import notify_applicant, notify_heads_of_proposal
from .selectors import dossier_state

# Remote systems' clocks drift a little; an `at` this far ahead of ours is still "now".
FUTURE_TOLERANCE = datetime.timedelta(seconds=60)
# An applicant's comment with a rating: room for a long paragraph, not for a pasted document.
RATING_COMMENT_MAX_LENGTH = 2000
# Notes, reasons and comments on a step: a paragraph, not a document (issue 13).
NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Applicant:
    """Who submitted the dossier (a person or an organisation)."""

    name: str
    kind: str = ApplicantKind.PERSON
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""


def _validate_at(at: datetime.datetime | None, *, field: str = "at") -> datetime.datetime:
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ValidationError({field: _("Give the time with its time zone, e.g. 2025-11-03T10:00:00+07:00.")})
    if at > now + FUTURE_TOLERANCE:
        raise ValidationError({field: _("This time lies in the future.")})
    _validate_in_calendar(local_date(at), field=field)
    return at


def _validate_in_calendar(day: datetime.date, *, field: str) -> None:
    """Deadlines can only be counted on the years the working-day calendar covers."""
    if not in_dated_range(day):
        raise ValidationError({field: out_of_range_message()})


def _validate_applicant(applicant: Applicant) -> Applicant:
    """The applicant as stored (text in NFC, the phone's separators removed), or ``ValidationError``
    by field: a missing name, invisible characters (``config.text``), a phone or e-mail that is not one."""
    errors = {}
    cleaned = {}
    for name in ("name", "id_number", "email", "address"):
        try:
            cleaned[name] = clean_text(getattr(applicant, name) or "", field=f"applicant_{name}").strip()
        except ValidationError as error:
            errors.update(error.message_dict)
    try:
        cleaned["phone"] = normalise_phone(applicant.phone, field="applicant_phone")
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    applicant = dataclasses.replace(applicant, **cleaned)
    if not applicant.name:
        errors["applicant_name"] = _("The applicant's name is required.")
    if applicant.kind not in ApplicantKind.values:
        errors["applicant_kind"] = _("Unknown applicant kind.")
    if applicant.email:
        try:
            validate_email(applicant.email)
        except ValidationError:
            errors["applicant_email"] = _("Enter a valid email address.")
    if applicant.id_number and not applicant.id_number.replace("-", "").isalnum():
        errors["applicant_id_number"] = _("An ID or tax number has only digits, letters and hyphens.")
    if errors:
        raise ValidationError(errors)
    return applicant


def _next_number(*, unit, received_on: datetime.date) -> int:
    """The next running number of ``unit`` on ``received_on``: one upsert of the day's counter.

    The counter's row is locked by the upsert until the transaction ends, so two dossiers received
    in the same second for the same unit still get different numbers.
    """
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS counter (unit_id, day, last_number) VALUES (%s, %s, 1) "
            "ON CONFLICT (unit_id, day) DO UPDATE SET last_number = counter.last_number + 1 "
            "RETURNING last_number",
            [unit.pk, connection.ops.adapt_datefield_value(received_on)],
        )
        return cursor.fetchone()[0]


def _insert_unless_code_taken(dossier: Dossier) -> bool:
    """Insert ``dossier`` (setting its primary key) unless its code is taken; one statement.

    ``INSERT … ON CONFLICT (code) DO NOTHING RETURNING id``: no savepoint is needed to survive a
    taken code, and a dossier another system pushed with the same code a moment ago is waited for.
    Returns False when the code is taken (nothing written). Any other conflict raises
    ``IntegrityError``.
    """
    meta = Dossier._meta
    fields = [field for field in meta.local_concrete_fields if not field.generated and not field.primary_key]
    query = sql.InsertQuery(Dossier, on_conflict=OnConflict.IGNORE, unique_fields=[meta.get_field("code")])
    query.insert_values(fields, [dossier], raw=False)
    compiler = query.get_compiler(using=dossier._state.db or "default")
    compiler.returning_fields = [meta.pk]
    [(statement, params)] = compiler.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        # SQLite's INSERT OR IGNORE skips every conflict: only a taken code is one we expect.
        if connection.vendor != "postgresql" and not Dossier.objects.filter(code=dossier.code).exists():
            raise IntegrityError(f"Dossier {dossier.code} could not be inserted.")
        return False
    dossier.pk = row[0]
    dossier._state.adding, dossier._state.db = False, compiler.using
    return True


@transaction.atomic
def dossier_receive(
    *,
    procedure: Procedure,
    channel: str,
    applicant: Applicant,
    by=None,
    received_at: datetime.datetime | None = None,
    code: str | None = None,
    fee_amount: Decimal | int = 0,
    fee_paid_online: bool = False,
    result_electronic: bool = False,
    documents_digitised: bool = False,
    data_reused: bool = False,
    from_data_store: bool = False,
    vneid_verified: bool = False,
    note: str = "",
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Receive a dossier at the one-stop desk or from the portal and set its appointment date.

    ``code`` is given only by systems that already numbered the dossier (imports, the national
    portal); otherwise the next running number of the resolving unit is used. A given code is
    checked by ``dossiers.codes.validate_code`` (400) before it is looked up (409 if taken).
    The applicant is told (``dossiers.notify``) unless ``notify`` is False (an import of past
    dossiers).

    ``origin`` says who gives ``received_at`` (``dossiers.backdating.Origin``: the web form, a
    user's token, a synchronised ``source`` system, or a replay of known history, the default for
    Python callers); a time in the past is refused or marked by the rules of
    ``dossiers.backdating.check_time``, and ``backdate_reason`` says why a dossier that changes a
    submitted period is recorded only now.

    Statements (issue 16): the version in force with the ministry's code, the day's counter (one
    upsert), the dossier (``INSERT … ON CONFLICT (code) DO NOTHING``: a taken code costs no
    savepoint), and its receipt event with its interval in one statement (PostgreSQL); a received
    dossier is returned as written, with its procedure, unit and field as the caller read them.
    """
    received_at = _validate_at(received_at, field="received_at")
    late = backdating.check_time(received_at, receipt=True, origin=origin, source=source, reason=backdate_reason, by=by)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel; use online, in_person or postal.")})
    applicant = _validate_applicant(applicant)
    note = clean_text(note or "", field="note")
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("At most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}})
    if fee_amount is None or Decimal(fee_amount) < 0:
        raise ValidationError({"fee_amount": _("The fee cannot be negative.")})
    received_on = local_date(received_at)
    unit = procedure.unit
    version = _version_in_force(procedure, received_on)
    if version is None:
        raise ValidationError(
            {
                "procedure": _("Procedure %(code)s has no version in force on %(day)s.")
                % {"code": procedure.code, "day": received_on.strftime("%d/%m/%Y")}
            }
        )
    if version.is_abolished:
        raise ValidationError(
            {
                "procedure": _("Procedure %(code)s was abolished by decision %(decision)s.")
                % {"code": procedure.code, "decision": version.decision_number}
            }
        )
    prefix = codes.code_prefix(unit, root_code=version.ministry_code)
    if code:
        # Checked before any lookup: a code naming another unit is refused the same way whether
        # or not such a dossier exists (no existence oracle).
        code = codes.validate_code(code, unit=unit, prefix=prefix)

    data = {"channel": channel, "version": version.pk}
    if late is not None:
        data["late_entry"] = late.as_data()
    event = DossierEvent(kind=EventKind.RECEIVED, at=received_at, by=by, note=note, data=data)
    # The receipt records the dates it fixed (counted from, appointment date) in its data.
    state = derive_state([event], processing_days=version.processing_days, record=True)
    dossier = Dossier(
        code=code or codes.numbered_code(prefix, received_on, 1),
        procedure=procedure,
        procedure_version=version,
        unit=unit,
        field_id=procedure.field_id,
        channel=channel,
        applicant_kind=applicant.kind,
        applicant_name=applicant.name.strip(),
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        received_at=received_at,
        received_on=received_on,
        processing_days=version.processing_days,
        fee_amount=fee_amount,
        fee_paid_online=fee_paid_online,
        result_electronic=result_electronic,
        documents_digitised=documents_digitised,
        data_reused=data_reused,
        from_data_store=from_data_store,
        vneid_verified=vneid_verified,
        backdated=late is not None,
        **state.stored_values(),
    )
    if Procedure.field.is_cached(procedure):
        dossier.field = procedure.field  # the answer shows it: no query to read it back
    # Lengths, the fee's digits, the e-mail: the model's own field checks, as field errors.
    # (Relations are already resolved objects: checking them again would cost a query each.)
    dossier.full_clean(
        exclude=["procedure", "procedure_version", "unit", "field"], validate_unique=False, validate_constraints=False
    )
    while True:
        if not code:
            # A number already taken (a dossier pushed with that code before explicit codes in our
            # numbering were refused) is skipped, so one such dossier never blocks the unit's receipts.
            dossier.code = codes.numbered_code(prefix, received_on, _next_number(unit=unit, received_on=received_on))
        if _insert_unless_code_taken(dossier):
            break
        if code:
            # Held already, or another system pushed the same code a moment ago.
            raise ConflictError(
                _("A dossier with code %(code)s already exists.") % {"code": code}, code="duplicate_code"
            )
    event.dossier, event.sequence, event.on = dossier, 1, received_on
    insert_together([event, *intervals_for(dossier, state)])
    if notify:
        notify_applicant(dossier, event)
    return dossier


def _version_in_force(procedure: Procedure, day: datetime.date):
    """The procedure's version in force on ``day`` (``procedures.selectors.version_in_force``), with
    the code of the ministry its unit belongs to as ``ministry_code`` (None for the ministry
    itself): one query for both."""
    unit = procedure.unit
    versions = procedure.versions.in_force_on(day).order_by("-effective_from")
    root_id = codes.root_id(unit)
    if root_id != unit.pk:
        versions = versions.annotate(ministry_code=Subquery(Unit.objects.filter(pk=root_id).values("code")[:1]))
    version = versions.first()
    if version is not None and root_id == unit.pk:
        version.ministry_code = None
    return version


def intervals_for(dossier: Dossier, state: DossierState) -> list[StateInterval]:
    """The ``StateInterval`` rows (unsaved) of ``dossier`` whose events replay to ``state``."""
    return [
        StateInterval(
            dossier_id=dossier.pk,
            unit_id=dossier.unit_id,
            procedure_id=dossier.procedure_id,
            field_id=dossier.field_id,
            starts_on=interval.starts_on,
            ends_on=interval.ends_on,
            due=interval.due,
            overdue_from=interval.overdue_from,
        )
        for interval in state.intervals
    ]


def _store(dossier: Dossier, state: DossierState) -> None:
    """Store the re-derived projection on the (locked) row and replace its intervals."""
    for name, value in state.stored_values().items():
        setattr(dossier, name, value)
    dossier.save(update_fields=[*DossierState.STORED_FIELDS, "updated_at"])
    StateInterval.objects.filter(dossier=dossier).delete()
    StateInterval.objects.bulk_create(intervals_for(dossier, state))


def dossier_intervals_rebuild(*, dossier_ids) -> int:
    """Replay the events of many dossiers and rewrite their intervals; returns the rows written.

    For batches (upgrades, imports, synchronisation): two reads and two writes per call, however
    many dossiers, with no calendar lookup once the events have recorded their dates.
    """
    ids = list(dossier_ids)
    dossiers = {dossier.pk: dossier for dossier in Dossier.objects.filter(pk__in=ids)}
    events: dict[int, list[DossierEvent]] = {pk: [] for pk in dossiers}
    for event in DossierEvent.objects.filter(dossier_id__in=ids).order_by("dossier_id", "sequence"):
        events[event.dossier_id].append(event)
    rows = []
    for pk, dossier in dossiers.items():
        rows.extend(intervals_for(dossier, derive_state(events[pk], processing_days=dossier.processing_days)))
    StateInterval.objects.filter(dossier_id__in=ids).delete()
    StateInterval.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _append(
    dossier: Dossier,
    *,
    action: str,
    kind: str,
    by,
    at: datetime.datetime | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
    check=None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Lock the dossier, check the step, append its event and store the re-derived state.

    A given ``at`` in the past is checked and marked by ``dossiers.backdating.check_time`` for
    ``origin`` (an officer or a user's token: a few minutes at most). The applicant's message about
    the step, if it has one, is written in the same transaction.
    """
    late = None
    if at is not None:
        at = _validate_at(at)
        late = backdating.check_time(at, receipt=False, origin=origin, source=source, reason=backdate_reason, by=by)
        if late is not None:
            data = {**(data or {}), "late_entry": late.as_data()}
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    if at is None:
        # "Now" is read once the lock is ours: read before it, a step that waited for another
        # officer's would be dated before that one and refused as out of order (400) instead
        # of being judged against the new state (409).
        at = _validate_at(None)
    if expected_version is not None and expected_version != locked.event_count:
        raise ConflictError(
            _("Dossier %(code)s was changed by someone else meanwhile; reload it and try again.")
            % {"code": locked.code},
            code="stale",
        )
    if at < locked.last_event_at:
        raise ValidationError(
            {
                "at": _("This time is before the dossier's previous step (%(previous)s).")
                % {"previous": timezone.localtime(locked.last_event_at).strftime("%d/%m/%Y %H:%M")}
            }
        )
    events = list(locked.events.order_by("sequence"))
    state = derive_state(events, processing_days=locked.processing_days)
    if action not in allowed_actions(state, on=local_date(at)):
        raise ConflictError(refusal(action, state, locked, at), code="not_allowed")
    if check is not None:
        check(state)
    event = DossierEvent(dossier=locked, sequence=len(events) + 1, kind=kind, at=at, by=by, note=note, data=data or {})
    # The new event records the dates it fixes (e.g. an arriving supplement's new appointment date).
    new_state = derive_state([*events, event], processing_days=locked.processing_days, record=True)
    event.save(force_insert=True)
    _store(locked, new_state)
    if late is not None and not locked.backdated:
        locked.backdated = True
        Dossier.objects.filter(pk=locked.pk).update(backdated=True)
    if notify:
        notify_applicant(locked, event)
    return locked


def step_refusal(*, dossier: Dossier, action: str) -> str:
    """Why ``action`` is not open on ``dossier`` now (its state's reason; a read, for the screens
    that offer only the steps ``allowed_actions`` lists and say why another is not offered)."""
    return refusal(action, dossier_state(dossier), dossier, timezone.now())


def refusal(action: str, state: DossierState, dossier: Dossier, at: datetime.datetime) -> str:
    """Why ``action`` is not allowed now, in words an officer understands (the bulk sync uses it too)."""
    if action == Action.REAPPOINT and state.is_open and state.status != "awaiting_supplement":
        if state.reappointment_count >= settings.TTHC_MAX_REAPPOINTMENTS:
            return _("Dossier %(code)s has already been re-appointed; it cannot be re-appointed again.") % {
                "code": dossier.code
            }
        return _(
            "A re-appointment must be made by %(last)s, at least one working day before "
            "the appointment date %(appointment)s."
        ) % {
            "last": last_day_to_reappoint(state.appointment_date).strftime("%d/%m/%Y"),
            "appointment": state.appointment_date.strftime("%d/%m/%Y"),
        }
    if action == Action.RECEIVE_SUPPLEMENT:
        return _("Dossier %(code)s is not awaiting a supplement.") % {"code": dossier.code}
    if action == Action.RATE and state.satisfied is not None:
        return _("Dossier %(code)s has already been rated.") % {"code": dossier.code}
    if action == Action.RETURN and state.status == "returned":
        return _("The result of dossier %(code)s has already been returned.") % {"code": dossier.code}
    if not state.is_open and action in (Action.END, Action.REQUEST_SUPPLEMENT, Action.REAPPOINT):
        return _("Processing of dossier %(code)s has already ended.") % {"code": dossier.code}
    if action in (Action.RETURN, Action.RATE):
        return _("Processing of dossier %(code)s has not ended yet.") % {"code": dossier.code}
    if action == Action.REQUEST_SUPPLEMENT:
        return _("Dossier %(code)s is already awaiting a supplement.") % {"code": dossier.code}
    if action == Action.REAPPOINT:
        return _("Dossier %(code)s is awaiting a supplement; it cannot be re-appointed now.") % {"code": dossier.code}
    return _("This step is not allowed for dossier %(code)s now.") % {"code": dossier.code}


@transaction.atomic
def dossier_request_supplement(
    *,
    dossier: Dossier,
    by,
    note: str,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Ask the applicant to supplement the dossier; its clock stops until the supplement arrives.

    A second request is recorded but makes the dossier late (national index rule).
    """
    if not note or not note.strip():
        raise ValidationError({"note": _("Say what the applicant must supplement.")})
    return _append(
        dossier,
        action=Action.REQUEST_SUPPLEMENT,
        kind=EventKind.SUPPLEMENT_REQUESTED,
        by=by,
        at=at,
        note=note.strip(),
        expected_version=expected_version,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


@transaction.atomic
def dossier_receive_supplement(
    *,
    dossier: Dossier,
    by,
    note: str = "",
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Record the applicant's supplement: the appointment date moves by the working days paused."""
    return _append(
        dossier,
        action=Action.RECEIVE_SUPPLEMENT,
        kind=EventKind.SUPPLEMENT_RECEIVED,
        by=by,
        at=at,
        note=note,
        expected_version=expected_version,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


@transaction.atomic
def dossier_reappoint(
    *,
    dossier: Dossier,
    by,
    new_date: datetime.date,
    reason: str,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    proposed_by=None,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Apologise and promise a new date (văn bản xin lỗi và hẹn lại ngày trả).

    ``by`` is who approved it (the head, whose name signs the letter); ``proposed_by`` the officer
    who proposed it, when it went through ``reappointment_propose``.

    The dossier is still judged against its appointment date: an apology does not make it on time.
    """
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the delay; it is printed in the apology letter.")})
    if new_date is None:
        raise ValidationError({"new_date": _("Give the new date.")})

    _validate_in_calendar(new_date, field="new_date")

    def check(state: DossierState):
        if new_date <= state.appointment_date:
            raise ValidationError(
                {
                    "new_date": _("The new date must be after the appointment date %(appointment)s.")
                    % {"appointment": state.appointment_date.strftime("%d/%m/%Y")}
                }
            )
        if not get_calendar().is_working_day(new_date):
            raise ValidationError({"new_date": _("The new date must be a working day.")})

    return _append(
        dossier,
        action=Action.REAPPOINT,
        kind=EventKind.REAPPOINTED,
        by=by,
        at=at,
        note=reason.strip(),
        data={
            "new_date": new_date.isoformat(),
            "reason": reason.strip(),
            **({"proposed_by": proposed_by.get_username()} if proposed_by is not None else {}),
        },
        expected_version=expected_version,
        check=check,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


# --- Re-appointment: the officer proposes, the head approves (DESIGN.md, issue 13) ------------


@transaction.atomic
def reappointment_propose(*, dossier: Dossier, by, new_date: datetime.date, reason: str) -> ReappointmentProposal:
    """An officer's proposal to re-appoint ``dossier`` to ``new_date`` for ``reason``.

    Checked now as the re-appointment itself would be: the deadline (at least one working day
    before the appointment date), the number of re-appointments, a working day after the
    appointment date. The heads who may decide are e-mailed (``notify.notify_heads_of_proposal``).
    ``ValidationError`` by field; ``ConflictError`` when the step is not open or another proposal
    awaits the head.
    """
    reason = clean_text(reason or "", field="reason").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the delay; it is printed in the apology letter.")})
    if len(reason) > NOTE_MAX_LENGTH:
        raise ValidationError({"reason": _("At most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}})
    if new_date is None:
        raise ValidationError({"new_date": _("Give the new date.")})
    _validate_in_calendar(new_date, field="new_date")
    locked = Dossier.objects.select_for_update().get(pk=dossier.pk)
    state = dossier_state(locked)
    now = timezone.now()
    if Action.REAPPOINT not in allowed_actions(state, on=local_date(now)):
        raise ConflictError(refusal(Action.REAPPOINT, state, locked, now), code="not_allowed")
    if new_date <= state.appointment_date:
        raise ValidationError(
            {
                "new_date": _("The new date must be after the appointment date %(appointment)s.")
                % {"appointment": state.appointment_date.strftime("%d/%m/%Y")}
            }
        )
    if not get_calendar().is_working_day(new_date):
        raise ValidationError({"new_date": _("The new date must be a working day.")})
    if locked.proposals.filter(status=ProposalStatus.PENDING).exists():
        raise ConflictError(
            _("A re-appointment of dossier %(code)s already awaits the head's approval.") % {"code": locked.code},
            code="pending",
        )
    proposal = ReappointmentProposal.objects.create(
        dossier=locked, new_date=new_date, reason=reason, proposed_by=by, proposed_at=now
    )
    notify_heads_of_proposal(proposal)
    return proposal


def _pending(proposal: ReappointmentProposal) -> ReappointmentProposal:
    locked = ReappointmentProposal.objects.select_for_update().select_related("dossier").get(pk=proposal.pk)
    if locked.status != ProposalStatus.PENDING:
        raise ConflictError(
            _("This proposal has already been decided: %(status)s.") % {"status": locked.get_status_display()},
            code="decided",
        )
    return locked


@transaction.atomic
def reappointment_approve(*, proposal: ReappointmentProposal, by) -> Dossier:
    """The head approves: the re-appointment is recorded at the proposal's time (so the deadline
    judged the proposal), by the head, whose name signs the apology letter.

    Origin ``proposal`` (``dossiers.backdating``): an approval more than the tolerance after the
    proposal is marked as entered late, with the two dates as its reason; a proposal dated inside a
    submitted reporting period needs the ministry office to approve it, as any step dated then.
    """
    locked = _pending(proposal)
    now = timezone.now()
    dossier = dossier_reappoint(
        dossier=locked.dossier,
        by=by,
        new_date=locked.new_date,
        reason=locked.reason,
        at=locked.proposed_at,
        proposed_by=locked.proposed_by,
        # The time is the proposal's, recorded by the tracker then; the event is recorded now, so
        # an approval later than the tolerance is marked as entered late (dossiers.backdating).
        origin=Origin.PROPOSAL,
        backdate_reason=_("Proposed on %(proposed)s, approved by the head on %(approved)s.")
        % {
            "proposed": timezone.localtime(locked.proposed_at).strftime("%d/%m/%Y %H:%M"),
            "approved": timezone.localtime(now).strftime("%d/%m/%Y %H:%M"),
        },
    )
    locked.status, locked.decided_by, locked.decided_at = ProposalStatus.APPROVED, by, now
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    return dossier


@transaction.atomic
def reappointment_decline(*, proposal: ReappointmentProposal, by, note: str = "") -> ReappointmentProposal:
    """The head declines; the dossier keeps its appointment date."""
    locked = _pending(proposal)
    locked.status, locked.decided_by, locked.decided_at = ProposalStatus.DECLINED, by, timezone.now()
    locked.decision_note = clean_text(note or "", field="note").strip()[:NOTE_MAX_LENGTH]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


@transaction.atomic
def dossier_end(
    *,
    dossier: Dossier,
    by,
    outcome: str,
    note: str = "",
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """End processing: resolved, refused, stopped, or withdrawn by the applicant."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome; use resolved, refused, stopped or withdrawn.")})
    if outcome in OUTCOMES_NEEDING_REASON and not (note and note.strip()):
        raise ValidationError({"note": _("A refusal or a stop must state its reason.")})
    return _append(
        dossier,
        action=Action.END,
        kind=EventKind.ENDED,
        by=by,
        at=at,
        note=note.strip(),
        data={"outcome": outcome},
        expected_version=expected_version,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


@transaction.atomic
def dossier_return(
    *,
    dossier: Dossier,
    by,
    note: str = "",
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Hand the result over to the applicant."""
    return _append(
        dossier,
        action=Action.RETURN,
        kind=EventKind.RETURNED,
        by=by,
        at=at,
        note=note,
        expected_version=expected_version,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


@transaction.atomic
def dossier_rate(
    *,
    dossier: Dossier,
    by,
    satisfied: bool,
    comment: str = "",
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
    notify: bool = True,
    origin: str = Origin.REPLAY,
    source: str = "",
    backdate_reason: str = "",
) -> Dossier:
    """Record whether the applicant was satisfied, with their comment (once, after processing ended).

    The one rating event, whoever records it: an officer or the API (``by`` is the user), or the
    applicant on the public status page (``by`` is None). A comment longer than
    ``RATING_COMMENT_MAX_LENGTH`` characters is refused (``ValidationError`` on ``comment``); a
    second rating or one on an open dossier is a ``ConflictError``; a withdrawn dossier (nothing was
    served) is a ``ValidationError`` on ``satisfied``.
    """
    if satisfied not in (True, False):
        raise ValidationError({"satisfied": _("Say whether the applicant was satisfied (true or false).")})
    if dossier.outcome == Outcome.WITHDRAWN:
        raise ValidationError(
            {
                "satisfied": _("Dossier %(code)s was withdrawn by the applicant; it is not rated.")
                % {"code": dossier.code}
            }
        )
    comment = (comment or "").strip()
    if len(comment) > RATING_COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": _("The comment is %(length)s characters long; at most %(limit)s are accepted.")
                % {"length": len(comment), "limit": RATING_COMMENT_MAX_LENGTH}
            }
        )
    return _append(
        dossier,
        action=Action.RATE,
        kind=EventKind.RATED,
        by=by,
        at=at,
        note=comment,
        data={"satisfied": satisfied},
        expected_version=expected_version,
        notify=notify,
        origin=origin,
        source=source,
        backdate_reason=backdate_reason,
    )


# --- Calendar changes applied on purpose (DESIGN.md, lifecycle 8) ---------------------------------


@dataclass(frozen=True)
class Recalculation:
    """What applying a calendar change does to one open dossier's appointment date."""

    dossier: Dossier
    previous: datetime.date
    recounted: datetime.date
    counted_from: datetime.date

    @property
    def moves(self) -> bool:
        return self.recounted > self.previous


@dataclass(frozen=True)
class RecalculationReport:
    """The open dossiers whose counting crosses the changed day, split by what happens to them.

    ``moved``: their appointment date moves later (each gets an event). ``kept``: counting again
    would give an earlier date than the one already given to the applicant, which is kept (a
    printed appointment is a promise; the unit is never judged against a date it did not give).
    ``unchanged``: how many cross the day but come out the same.
    """

    moved: list[Recalculation]
    kept: list[Recalculation]
    unchanged: int


def dossiers_crossing(day: datetime.date):
    """Open dossiers whose counting runs across ``day``: received on or before it, due on or after it."""
    return Dossier.objects.open().filter(received_on__lte=day, appointment_date__gte=day)


def _recalculations(dossiers: list[Dossier]) -> tuple[list[Recalculation], dict[int, list[DossierEvent]]]:
    events: dict[int, list[DossierEvent]] = {dossier.pk: [] for dossier in dossiers}
    for event in DossierEvent.objects.filter(dossier_id__in=events).order_by("dossier_id", "sequence"):
        events[event.dossier_id].append(event)
    calendar = get_calendar()
    found = []
    for dossier in dossiers:
        recounted = derive_state(
            events[dossier.pk], processing_days=dossier.processing_days, calendar=calendar, recount=True
        )
        found.append(
            Recalculation(
                dossier=dossier,
                previous=dossier.appointment_date,
                recounted=recounted.appointment_date,
                counted_from=recounted.counted_from,
            )
        )
    return found, events


def dossiers_recalculate_deadlines(*, override: CalendarOverride, by, dry_run: bool = False) -> RecalculationReport:
    """Apply a calendar change to the open dossiers whose counting crosses its day.

    Each such dossier is counted again, from its events, on the calendar as it stands now; when
    its appointment date comes out later it records a ``deadline_recalculated`` event (dated now,
    by ``by``, naming the override's document) with the new dates, and its state and intervals
    are rewritten. The change counts from today: the figures of past days stay as they were
    computed (DESIGN.md, lifecycle 7). Ended dossiers are never touched, so their timeliness never
    changes. A date that would come out earlier is kept (see ``RecalculationReport``).

    With ``dry_run`` nothing is locked or written: the report says what applying would do. Runs
    in one transaction with a fixed number of queries whatever the number of dossiers.
    """
    with transaction.atomic():
        candidates = dossiers_crossing(override.date).order_by("pk")
        if not dry_run:
            candidates = candidates.select_for_update()
        found, events = _recalculations(list(candidates))
        moved = [item for item in found if item.moves]
        kept = [item for item in found if item.recounted < item.previous]
        report = RecalculationReport(moved=moved, kept=kept, unchanged=len(found) - len(moved) - len(kept))
        if dry_run:
            return report
        now = timezone.now()
        new_events, changed = [], []
        for item in moved:
            dossier, history = item.dossier, events[item.dossier.pk]
            event = DossierEvent(
                dossier=dossier,
                sequence=len(history) + 1,
                kind=EventKind.DEADLINE_RECALCULATED,
                at=now,
                on=local_date(now),
                by=by,
                note=_("Deadline recalculated after %(document)s") % {"document": override.document},
                data={
                    "appointment_date": item.recounted.isoformat(),
                    "counted_from": item.counted_from.isoformat(),
                    "previous_appointment_date": item.previous.isoformat(),
                    "calendar_day": override.date.isoformat(),
                    "calendar_change": override.kind,
                    "document": override.document,
                },
            )
            new_events.append(event)
            state = derive_state([*history, event], processing_days=dossier.processing_days)
            for name, value in state.stored_values().items():
                setattr(dossier, name, value)
            dossier.updated_at = now
            changed.append((dossier, state))
        DossierEvent.objects.bulk_create(new_events, batch_size=1000)
        Dossier.objects.bulk_update(
            [dossier for dossier, _state in changed], [*DossierState.STORED_FIELDS, "updated_at"], batch_size=500
        )
        StateInterval.objects.filter(dossier_id__in=[dossier.pk for dossier, _state in changed]).delete()
        StateInterval.objects.bulk_create(
            [row for dossier, state in changed for row in intervals_for(dossier, state)], batch_size=2000
        )
        calendar_override_mark_applied(override=override, by=by, count=len(moved))
        return report
