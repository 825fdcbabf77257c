"""The measurable criteria a scheme may use: the one place to add a metric.

A metric turns the figures of one scope and window into a numerator and a denominator (the rate
is numerator / denominator in percent, two decimals) and says which lists show the dossiers or
procedures behind it. ``Criterion.metric`` takes its choices from ``METRICS`` through a callable,
so adding an entry below needs no migration.

Three sources feed the metrics:

* the Form 06 figures of the unit's subtree over the window (``stats.selectors.period_figures``);
* the procedure catalogue of the subtree: procedures in force on the window's last day, with the
  catalogue's flags as they stand today (the catalogue keeps no history of those flags);
* the national index (Decision 766) of the subtree over the window (``stats.index766``): its
  total on 100, and each group's points as a percentage of the group's counted maximum. These
  are already scores, so they have no numerator or denominator of dossiers; the threshold rule
  applies to them as to any rate (``scoring.points_for``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from stats.index766 import GROUPS, IndexResult
from stats.selectors import Form06Row, percent


@dataclass(frozen=True)
class CatalogueCounts:
    """Procedures of a subtree in force on a day, and how many carry each flag."""

    procedures: int = 0
    internal_procedure_issued: int = 0
    portal_integrated: int = 0


@dataclass(frozen=True)
class Window:
    """A scope (a unit and its sub-units) and a range of days, as the drill-down links need them."""

    unit_code: str
    subtree_codes: tuple[str, ...]
    date_from: datetime.date
    date_to: datetime.date


@dataclass(frozen=True)
class Metric:
    """A metric: ``counts`` gives a rate's numerator and denominator from the figures and the
    catalogue; an index metric has ``score`` instead, a percentage read from the national index."""

    code: str
    label: Promise
    formula: Promise
    counts: Callable[[Form06Row, CatalogueCounts], tuple[int, int]] | None
    links: Callable[[Window], list[tuple[Promise, str]]]
    score: Callable[[IndexResult], Decimal | None] | None = None

    def rate(
        self, figures: Form06Row, catalogue: CatalogueCounts, index: IndexResult | None = None
    ) -> tuple[Decimal | None, int | None, int | None]:
        """(rate in percent or None when there is nothing to measure, numerator, denominator).

        An index metric gives its percentage with no numerator or denominator (None), and None
        when ``index`` is not given or counts nothing."""
        if self.score is not None:
            return (self.score(index) if index is not None else None), None, None
        numerator, denominator = self.counts(figures, catalogue)
        return percent(numerator, denominator), numerator, denominator


def _dossier_list(window: Window, dates: str, **extra) -> str:
    params = {"subtree": window.unit_code, f"{dates}_from": window.date_from, f"{dates}_to": window.date_to, **extra}
    return f"{reverse('dossiers:list')}?{urlencode(params)}"


def _procedure_list(window: Window, **extra) -> str:
    params = [("unit", code) for code in window.subtree_codes]
    params += [("in_force_on", window.date_to.isoformat()), *extra.items()]
    return f"{reverse('procedures:list')}?{urlencode(params)}"


ENDED = _("Dossiers ended in the window")
RECEIVED = _("Dossiers received in the window")


def _ended_links(window: Window) -> list:
    return [
        (ENDED, _dossier_list(window, "ended")),
        (_("Late ones"), _dossier_list(window, "ended", timeliness="late")),
    ]


def _progress_links(window: Window) -> list:
    """Both parts of the denominator: ended in the window, and still open at its end (overdue or not)."""
    open_at_end = f"{reverse('dossiers:list')}?{urlencode({'subtree': window.unit_code, 'open_on': window.date_to})}"
    overdue_at_end = (
        f"{reverse('dossiers:list')}?{urlencode({'subtree': window.unit_code, 'overdue_on': window.date_to})}"
    )
    return [
        *_ended_links(window),
        (_("In progress at the window's end"), open_at_end),
        (_("Overdue among them"), overdue_at_end),
    ]


def _rating_links(window: Window) -> list:
    """The rated dossiers only: the satisfaction rate's denominator, and the unsatisfied ones."""
    return [
        (_("Dossiers rated in the window"), _dossier_list(window, "rated")),
        (_("Not satisfied"), _dossier_list(window, "rated", satisfied="false")),
    ]


METRICS: dict[str, Metric] = {
    metric.code: metric
    for metric in (
        Metric(
            code="on_time_rate",
            label=_("On-time rate"),
            formula=_("(early + on time) / resolved"),
            counts=lambda f, c: (f.resolved_early + f.resolved_on_time, f.resolved_total),
            links=_ended_links,
        ),
        Metric(
            code="progress_rate",
            label=_("Progress rate"),
            formula=_("(early + on time + in progress within deadline) / (resolved + in progress)"),
            counts=lambda f, c: (
                f.resolved_early + f.resolved_on_time + f.open_within_deadline,
                f.resolved_total + f.open_total,
            ),
            links=_progress_links,
        ),
        Metric(
            code="completion_rate",
            label=_("Completion rate"),
            formula=_("resolved / (resolved + in progress overdue)"),
            counts=lambda f, c: (f.resolved_total, f.resolved_total + f.open_overdue),
            links=_ended_links,
        ),
        Metric(
            code="online_rate",
            label=_("Online rate"),
            formula=_("newly received online / newly received"),
            counts=lambda f, c: (f.received_online, f.newly_received),
            links=lambda w: [
                (RECEIVED, _dossier_list(w, "received")),
                (_("Received online"), _dossier_list(w, "received", channel="online")),
            ],
        ),
        Metric(
            code="online_payment_rate",
            label=_("Online payment rate"),
            formula=_("newly received with the fee paid online / newly received"),
            counts=lambda f, c: (f.paid_online, f.newly_received),
            links=lambda w: [(RECEIVED, _dossier_list(w, "received"))],
        ),
        Metric(
            code="satisfaction_rate",
            label=_("Satisfaction rate"),
            formula=_("ratings “satisfied” / ratings given in the window"),
            counts=lambda f, c: (f.rated_satisfied, f.rated_satisfied + f.rated_unsatisfied),
            links=_rating_links,
        ),
        Metric(
            code="internal_procedure_share",
            label=_("Procedures with an internal procedure issued"),
            formula=_("procedures with an internal procedure issued / procedures in force"),
            counts=lambda f, c: (c.internal_procedure_issued, c.procedures),
            links=lambda w: [
                (_("Procedures in force"), _procedure_list(w)),
                (_("Procedures without an internal procedure"), _procedure_list(w, internal_procedure_issued="false")),
            ],
        ),
        Metric(
            code="portal_integration_share",
            label=_("Procedures integrated with the National Public Service Portal"),
            formula=_("procedures integrated with the national portal / procedures in force"),
            counts=lambda f, c: (c.portal_integrated, c.procedures),
            links=lambda w: [
                (_("Procedures in force"), _procedure_list(w)),
                (_("Procedures not integrated"), _procedure_list(w, portal_integrated="false")),
            ],
        ),
    )
}


def _index_links(window: Window) -> list:
    """The unit's index page for the window: every indicator and the dossiers behind it."""
    query = {
        "period": "custom",
        "date_from": window.date_from.isoformat(),
        "date_to": window.date_to.isoformat(),
        "unit": window.unit_code,
    }
    return [(_("The national index of the window"), f"{reverse('reports:index766')}?{urlencode(query)}")]


def _group_share(code: str) -> Callable[[IndexResult], Decimal | None]:
    def share(index: IndexResult) -> Decimal | None:
        group = next(group for group in index.groups if group.code == code)
        if not group.counted_maximum:
            return None
        return (group.points * 100 / group.counted_maximum).quantize(Decimal("0.01"))

    return share


INDEX_TOTAL = "index766_total"
METRICS[INDEX_TOTAL] = Metric(
    code=INDEX_TOTAL,
    label=_("National index (Decision 766): total"),
    formula=_("the index's total on 100 (points earned / maximum of the indicators counted)"),
    counts=None,
    links=_index_links,
    score=lambda index: index.total,
)
for _group in GROUPS:
    METRICS[f"index766_group_{_group.code.lower()}"] = Metric(
        code=f"index766_group_{_group.code.lower()}",
        label=format_lazy("{} {}", _("National index (Decision 766): group"), _group.code),
        formula=_("the group's points / its maximum of the indicators counted, in percent"),
        counts=None,
        links=_index_links,
        score=_group_share(_group.code),
    )

# Metrics read from the catalogue rather than from the dossiers' statistics.
CATALOGUE_METRICS = frozenset({"internal_procedure_share", "portal_integration_share"})
# Metrics read from the national index (``stats.index766``).
INDEX_METRICS = frozenset(code for code, metric in METRICS.items() if metric.score is not None)


def metric_choices() -> list[tuple[str, Promise]]:
    """Choices of ``Criterion.metric`` (a callable, so a new metric needs no migration)."""
    return [(metric.code, metric.label) for metric in METRICS.values()]


def behind_schedule(figures: Form06Row) -> tuple[Decimal | None, int, int]:
    """Dossiers behind schedule: (resolved late + in progress overdue) / (resolved + in progress).

    The measure of "tasks behind schedule" in the band conditions (Decree 335/2025, DESIGN.md).
    """
    numerator = figures.resolved_late + figures.open_overdue
    denominator = figures.resolved_total + figures.open_total
    return percent(numerator, denominator), numerator, denominator
