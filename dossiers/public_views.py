"""The applicant's public status page (no login): look a dossier up with its lookup code, rate it.

Anyone holding the receipt (the dossier code and the lookup code, or the QR code that carries
both) sees the dossier's procedure, unit, dates and steps, and, once processing has ended, may
rate it once. Nobody else learns anything: a wrong pair, whichever half is wrong, gets the same
neutral message. Each client may try ``TTHC_LOOKUP_LIMIT`` lookups and ``TTHC_LOOKUP_FAILURE_LIMIT``
wrong pairs per ``TTHC_LOOKUP_WINDOW`` seconds (``config.ratelimit``); every refused attempt is
logged (logger ``tthc.public``) with the client's address and the dossier code tried.

The page shows no personal data but the initials of the applicant's name, and it is sent with
``Referrer-Policy: same-origin`` and ``Cache-Control: no-store`` because its address carries the
lookup code.
"""

import datetime
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from config import ratelimit
from config.exceptions import ConflictError
from config.forms import add_service_errors

from . import services
from .choices import Action, Channel, EventKind, Outcome, Status
from .deadlines import allowed_actions
from .forms import LookupForm, PublicRatingForm
from .models import Dossier
from .selectors import (
    applicant_initials,
    dossier_by_lookup,
    dossier_state,
    local_today,
    lookup_path,
    printed_lookup_code,
    public_steps,
)

logger = logging.getLogger("tthc.public")
T = TypeVar("T")

LOOKUPS = "lookups"
FAILURES = "lookup-failures"


class TooManyLookups(Exception):
    """The client has used up its lookups (or its wrong pairs) for the current window."""


def limited(request, *, code: str, find: Callable[[], T | None]) -> T | None:
    """``find()`` counted against the client's limits; None (a wrong pair) is counted as a failure.

    Raises ``TooManyLookups`` when the client has no lookups left in its window, without looking.
    The dossier lookup and the feedback pages share the same counters.
    """
    client = ratelimit.client_address(request)
    window = settings.TTHC_LOOKUP_WINDOW
    if (
        ratelimit.count(FAILURES, client) >= settings.TTHC_LOOKUP_FAILURE_LIMIT
        or ratelimit.hit(LOOKUPS, client, window=window) > settings.TTHC_LOOKUP_LIMIT
    ):
        logger.warning("lookup refused: too many attempts from %s (code %r)", client, code[:40])
        raise TooManyLookups
    found = find()
    if found is None:
        failures = ratelimit.hit(FAILURES, client, window=window)
        logger.warning(
            "lookup refused: nothing matches this code and lookup code, from %s (code %r, %s wrong in window)",
            client,
            code[:40],
            failures,
        )
    return found


def find_dossier(request, *, code: str, key: str) -> Dossier | None:
    """The dossier of the pair, counted against the client's limits; None for a wrong pair."""
    return limited(request, code=code, find=lambda: dossier_by_lookup(code=code, lookup_code=key))


def private(response):
    """The page's address holds the lookup code: never sent to another site as a referrer, never
    cached, never indexed. (Not ``no-referrer``: browsers then send ``Origin: null`` with the rating
    form, which the CSRF check rightly refuses.)"""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store, private"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def status_context(dossier: Dossier, *, rating_form=None) -> dict:
    """What the public page shows about ``dossier`` (no personal data beyond the name's initials)."""
    today = local_today()
    steps = public_steps(dossier)
    requests = [step for step in steps if step.kind == EventKind.SUPPLEMENT_REQUESTED]
    reappointments = [step for step in steps if step.kind == EventKind.REAPPOINTED]
    may_rate = Action.RATE in allowed_actions(dossier_state(dossier), on=today)
    if may_rate and rating_form is None:
        rating_form = PublicRatingForm(initial={"code": dossier.code, "key": printed_lookup_code(dossier)})
    return {
        "dossier": dossier,
        "initials": applicant_initials(dossier.applicant_name),
        "steps": step_rows(steps),
        "headline": headline(dossier),
        "pending_request": requests[-1] if requests and dossier.status == Status.AWAITING_SUPPLEMENT else None,
        "reappointment": reappointments[-1] if reappointments else None,
        "is_overdue": dossier.is_overdue(today),
        "may_rate": may_rate,
        "rating_form": rating_form,
        "lookup_key": printed_lookup_code(dossier),
    }


def headline(dossier: Dossier) -> tuple[str, str]:
    """The dossier's current step in the applicant's words, and a Bootstrap colour for it."""
    if dossier.status == Status.PROCESSING:
        return _("Being processed"), "primary"
    if dossier.status == Status.AWAITING_SUPPLEMENT:
        return _("Waiting for your supplement"), "warning"
    if dossier.status == Status.RETURNED:
        return _("Result handed over"), "success"
    return {
        Outcome.RESOLVED: (_("Result ready"), "success"),
        Outcome.REFUSED: (_("Refused"), "danger"),
        Outcome.STOPPED: (_("Processing stopped"), "secondary"),
        Outcome.WITHDRAWN: (_("Withdrawn at your request"), "secondary"),
    }.get(dossier.outcome, (_("Processing ended"), "secondary"))


def step_rows(steps) -> list[dict]:
    """Each public step as ``{"at", "label", "detail"}`` in the applicant's words."""
    rows = []
    for step in steps:
        data = step.data or {}
        detail = ""
        if step.kind == EventKind.RECEIVED:
            label = _("Dossier received")
            if data.get("channel") in Channel.values:
                detail = Channel(data["channel"]).label
        elif step.kind == EventKind.SUPPLEMENT_REQUESTED:
            label, detail = _("Supplement requested"), step.note
        elif step.kind == EventKind.SUPPLEMENT_RECEIVED:
            label = _("Supplement received")
        elif step.kind == EventKind.REAPPOINTED:
            label = _("New appointment date, with an apology")
            detail = _("New date %(date)s. Reason: %(reason)s") % {
                "date": datetime.date.fromisoformat(data["new_date"]).strftime("%d/%m/%Y"),
                "reason": data.get("reason") or step.note,
            }
        elif step.kind == EventKind.ENDED:
            label = _("Processing ended")
            if data.get("outcome") in Outcome.values:
                detail = Outcome(data["outcome"]).label
        elif step.kind == EventKind.RETURNED:
            label = _("Result handed over")
        else:
            label = _("Rated")
            detail = _("Satisfied") if data.get("satisfied") else _("Not satisfied")
        rows.append({"at": step.at, "label": label, "detail": detail})
    return rows


class PublicStatusView(View):
    """``/lookup/?code=…&key=…``: the form, and the dossier's status when the pair is right."""

    template_name = "dossiers/public_status.html"

    def get(self, request):
        if "code" not in request.GET and "key" not in request.GET:
            return private(render(request, self.template_name, {"form": LookupForm()}))
        form = LookupForm(request.GET)
        context = {"form": form}
        status = 200
        if form.is_valid():
            try:
                dossier = find_dossier(request, code=form.cleaned_data["code"], key=form.cleaned_data["key"])
            except TooManyLookups:
                context.update(too_many_context())
                status = 429
            else:
                if dossier is None:
                    form.add_error(None, neutral_message())
                else:
                    context.update(status_context(dossier))
        return private(render(request, self.template_name, context, status=status))


def too_many_context() -> dict:
    return {"too_many": True, "lookup_window_minutes": max(1, settings.TTHC_LOOKUP_WINDOW // 60)}


def neutral_message() -> str:
    return _("No dossier matches this dossier code and lookup code. Check both against your receipt.")


class PublicRateView(View):
    """``POST /lookup/rate/``: the applicant rates their ended dossier, once (the API's ``rate`` event)."""

    template_name = "dossiers/public_status.html"

    def post(self, request):
        form = PublicRatingForm(request.POST)
        lookup = LookupForm({"code": request.POST.get("code", ""), "key": request.POST.get("key", "")})
        if not lookup.is_valid():
            return private(render(request, self.template_name, {"form": lookup}, status=400))
        try:
            dossier = find_dossier(request, code=lookup.cleaned_data["code"], key=lookup.cleaned_data["key"])
        except TooManyLookups:
            return private(render(request, self.template_name, {"form": lookup, **too_many_context()}, status=429))
        if dossier is None:
            lookup.add_error(None, neutral_message())
            return private(render(request, self.template_name, {"form": lookup}))
        context = {"form": LookupForm(initial={"code": dossier.code, "key": printed_lookup_code(dossier)})}
        if not form.is_valid():
            context.update(status_context(dossier, rating_form=form))
            return private(render(request, self.template_name, context, status=400))
        try:
            services.dossier_rate(
                dossier=dossier,
                by=None,
                satisfied=form.cleaned_data["satisfied"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            context.update(status_context(dossier, rating_form=form))
            return private(render(request, self.template_name, context, status=400))
        except ConflictError as error:
            context.update(status_context(dossier))
            context["conflict"] = error.message
            return private(render(request, self.template_name, context, status=409))
        messages.success(request, _("Thank you: your rating has been recorded."))
        return redirect(lookup_path(dossier))
