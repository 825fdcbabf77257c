"""The breakdown's links list exactly the dossiers a rate counts (issue 13 item 7).

The progress rate's denominator is the resolved dossiers plus those still in progress at the
window's end (overdue or not); the satisfaction rate's is the ratings given in the window. Their
links must open lists holding those dossiers, not only the ended ones, nor every ended one.
"""

import datetime

import pytest

from dossiers import services as dossier_services
from dossiers.choices import Channel, Outcome
from emulation.metrics import METRICS, Window
from stats.selectors import period_figures

from .conftest import YEAR_END, YEAR_START, late, local, on_time, procedure_of, roll_up

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def window_of_a(after_the_year, unit_a, officer_a):
    procedure = procedure_of(unit_a)
    early = on_time(procedure, officer_a, D(2026, 3, 2))
    slow = late(procedure, officer_a, D(2026, 3, 9))
    still_open = dossier_services.dossier_receive(
        procedure=procedure,
        channel=Channel.ONLINE,
        applicant=dossier_services.Applicant(name="Trần Thị Bình"),
        received_at=local(2026, 4, 6),
        by=officer_a,
    )
    dossier_services.dossier_rate(dossier=early, by=officer_a, satisfied=False, at=local(2026, 3, 10))
    withdrawn = dossier_services.dossier_receive(
        procedure=procedure,
        channel=Channel.IN_PERSON,
        applicant=dossier_services.Applicant(name="Lê Văn Cường"),
        received_at=local(2026, 5, 4),
        by=officer_a,
    )
    dossier_services.dossier_end(dossier=withdrawn, by=officer_a, outcome=Outcome.WITHDRAWN, at=local(2026, 5, 5))
    roll_up()
    return {
        "window": Window(unit_code="QLD", subtree_codes=("QLD",), date_from=YEAR_START, date_to=YEAR_END),
        "open": still_open,
        "rated": early,
        "ended": {early.code, slow.code, withdrawn.code},
    }


def listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {dossier.code for dossier in response.context["dossiers"]}


def test_the_progress_links_hold_the_whole_denominator(client, office_staff, window_of_a, unit_a):
    client.force_login(office_staff)
    window = window_of_a["window"]
    figures = period_figures(date_from=window.date_from, date_to=window.date_to, subtree=unit_a)
    links = {str(label): url for label, url in METRICS["progress_rate"].links(window)}
    ended = listed(client, links["Dossiers ended in the window"])
    in_progress = listed(client, links["In progress at the window's end"])
    overdue = listed(client, links["Overdue among them"])
    assert in_progress == overdue == {window_of_a["open"].code}
    assert ended == window_of_a["ended"]
    assert figures.open_total == len(in_progress) == 1
    assert figures.resolved_total + figures.open_total <= len(ended | in_progress)
    assert figures.open_overdue == len(overdue)


def test_the_satisfaction_links_hold_the_rated_dossiers_only(client, office_staff, window_of_a, unit_a):
    client.force_login(office_staff)
    window = window_of_a["window"]
    figures = period_figures(date_from=window.date_from, date_to=window.date_to, subtree=unit_a)
    links = {str(label): url for label, url in METRICS["satisfaction_rate"].links(window)}
    rated = listed(client, links["Dossiers rated in the window"])
    assert rated == {window_of_a["rated"].code}
    assert len(rated) == figures.rated_satisfied + figures.rated_unsatisfied
    assert listed(client, links["Not satisfied"]) == {window_of_a["rated"].code}
