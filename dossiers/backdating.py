"""When a receipt or a step may carry a time in the past, and how such a time is marked.

The figures unit heads are ranked on depend on the times of the events, so a time in the past is
the one way to rewrite them (issue 10, item 5 and case 5; issue 14, item 7: an officer ended a
dossier seven weeks overdue "just after its previous step" and it became early). The rule, in
this one place, depends on **who** gives the time — the ``origin`` every service takes:

``desk`` (an officer on the web pages) and ``token`` (a user's API token)
    A step's ``at`` (supplement request and arrival, re-appointment, end, return, rating) may lie
    at most ``TTHC_PAST_TOLERANCE_MINUTES`` (default 5) before now: time to fill in the form.
    An older time is refused (``ValidationError`` on ``at``, a 400 with its field message).
    A receipt's ``received_at`` may lie at most ``TTHC_RECEIPT_BACKDATE_DAYS`` (default 30) days
    back on the web form; through the API it may lie further back.
``source`` (a synchronised source system: a token marked as one, a file import)
    Any past time: the source's own system recorded it.
``proposal`` (a re-appointment the unit's head approves, recorded at the time the officer
    proposed it, which the tracker itself recorded then)
    Any past time: the head decides when they can. Marked like the others (the event is recorded
    when the head approves), so a re-appointment approved days after its proposal is seen as such.
``replay`` (the default, for Python callers replaying a known history: tests, the demo data,
    migrations)
    Any past time, not marked. Web views and API views never use it.

Whatever the origin (replay aside), a time older than the tolerance is **marked**: the event
keeps a ``late_entry`` record in its data (when it was recorded, by which origin and source,
the reason, the submitted period it falls in) and the dossier's ``backdated`` flag is set, so
lists and reports can show it. A time on or before the last day of a **submitted reporting
period** (``ClosedPeriod``, written when the ministry office marks a Form 06 period as sent; an
older time changes the stocks carried into it) needs a reason (``backdate_reason``); for a step
it also needs a user of the ministry office (for a token, the token's user).
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.access import access_for_user

from .deadlines import local_date
from .models import ClosedPeriod


class Origin(models.TextChoices):
    """Who gives the time of a receipt or a step (see the module docstring)."""

    DESK = "desk", gettext_lazy("officer on the web pages")
    TOKEN = "token", gettext_lazy("user's API token")
    SOURCE = "source", gettext_lazy("synchronised source system")
    PROPOSAL = "proposal", gettext_lazy("re-appointment approved at the time it was proposed")
    REPLAY = "replay", gettext_lazy("replayed history")


LIMITED = (Origin.DESK, Origin.TOKEN)


def past_tolerance() -> datetime.timedelta:
    """How far before now an officer's or a user token's step may be dated (``TTHC_PAST_TOLERANCE_MINUTES``)."""
    return datetime.timedelta(minutes=settings.TTHC_PAST_TOLERANCE_MINUTES)


def receipt_backdate_limit() -> datetime.timedelta:
    """How far back the web form may date a receipt (``TTHC_RECEIPT_BACKDATE_DAYS``)."""
    return datetime.timedelta(days=settings.TTHC_RECEIPT_BACKDATE_DAYS)


@dataclass(frozen=True)
class LateEntry:
    """A time recorded later than it happened, as the event keeps it in ``data["late_entry"]``."""

    recorded_at: datetime.datetime
    origin: str
    source: str = ""
    reason: str = ""
    closed_period: str = ""

    def as_data(self) -> dict:
        return {
            "recorded_at": self.recorded_at.isoformat(),
            "origin": self.origin,
            "source": self.source,
            "reason": self.reason,
            "closed_period": self.closed_period,
        }


def check_time(
    at: datetime.datetime,
    *,
    receipt: bool,
    origin: str = Origin.REPLAY,
    source: str = "",
    reason: str = "",
    by=None,
    now: datetime.datetime | None = None,
) -> LateEntry | None:
    """Check that ``at`` may be given by ``origin``; return how to mark it (None: not marked).

    ``receipt``: the time is a receipt's ``received_at`` (else a step's ``at``). ``by``: the user
    recording it (a token's user), checked for the ministry office inside a submitted period.
    Raises ``ValidationError`` on ``received_at``/``at`` (too old for this origin; a step inside a
    submitted period by someone outside the ministry office) or on ``backdate_reason`` (missing).
    At most one query (the submitted period), and none for a time within the tolerance.
    """
    if origin not in Origin.values:
        raise ValueError(f"Unknown origin {origin!r}.")
    now = now or timezone.now()
    field = "received_at" if receipt else "at"
    lag = now - at
    if lag <= past_tolerance() or origin == Origin.REPLAY:
        return None
    if origin in LIMITED and not receipt:
        raise ValidationError(
            {
                field: _(
                    "A step can be dated at most %(minutes)s minutes before now. An older time comes only "
                    "from the system that recorded it (a synchronised source)."
                )
                % {"minutes": settings.TTHC_PAST_TOLERANCE_MINUTES}
            }
        )
    if origin == Origin.DESK and lag > receipt_backdate_limit():
        raise ValidationError(
            {
                field: _(
                    "A receipt can be dated at most %(days)s days back on this form; an older dossier is "
                    "recorded through the API or an import, and is marked as entered late."
                )
                % {"days": settings.TTHC_RECEIPT_BACKDATE_DAYS}
            }
        )
    reason = (reason or "").strip()
    closed = ClosedPeriod.objects.covering(local_date(at))
    if closed is not None:
        if not receipt and not (by is not None and access_for_user(by).is_ministry_office):
            raise ValidationError({field: office_only_message(at, closed)})
        if not reason:
            raise ValidationError({"backdate_reason": reason_needed_message(at, closed)})
    return LateEntry(
        recorded_at=now, origin=origin, source=source, reason=reason, closed_period=closed.label if closed else ""
    )


def office_only_message(at: datetime.datetime, closed: ClosedPeriod) -> str:
    """Why a step dated ``at``, inside the submitted period ``closed``, needs the ministry office."""
    return _(
        "%(day)s is not after the end of %(period)s, already reported on %(closed)s: only the "
        "ministry office may record a step dated then."
    ) % _period_words(at, closed)


def reason_needed_message(at: datetime.datetime, closed: ClosedPeriod) -> str:
    """Why a time ``at``, inside the submitted period ``closed``, needs a reason."""
    return _(
        "%(day)s is not after the end of %(period)s, already reported on %(closed)s: say why this is recorded only now."
    ) % _period_words(at, closed)


class ClosedPeriods:
    """The submitted periods a batch of records may fall in, read once (one query).

    For the bulk synchronisation and file imports (``dossiers.sync``), which check every new
    receipt and step of a batch by the rule of ``check_time`` without a query each.
    ``earliest``: the earliest day of the batch (None: read every submitted period).
    """

    def __init__(self, earliest: datetime.date | None = None):
        periods = ClosedPeriod.objects.order_by("date_to")
        if earliest is not None:
            periods = periods.filter(date_to__gte=earliest)
        self.periods = list(periods)

    def covering(self, day: datetime.date) -> ClosedPeriod | None:
        """``ClosedPeriod.objects.covering(day)`` among the periods read."""
        for period in self.periods:  # by end date: the first that ends on or after ``day``
            if period.date_to >= day:
                return period
        return None


def _period_words(at: datetime.datetime, closed: ClosedPeriod) -> dict:
    return {
        "day": local_date(at).strftime("%d/%m/%Y"),
        "period": closed.label,
        "closed": timezone.localtime(closed.closed_at).strftime("%d/%m/%Y"),
    }
