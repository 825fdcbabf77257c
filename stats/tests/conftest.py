"""Fixtures shared by the statistics tests."""

import datetime

import pytest
import time_machine

from dossiers.choices import Channel, Outcome
from dossiers.services import dossier_end, dossier_rate
from stats import rollups
from tests.helpers import local

D = datetime.date


@pytest.fixture
def worked_example(receive, officer_a, unit_a):
    """The issue's ten dossiers of unit A in March 2026 (5-working-day procedure, paper result):
    6 end early, 1 ends late, 2 are open within deadline and 1 open overdue on 31 March; 4 were
    received online, 3 of those with an electronic result; one dossier is rated "not satisfied"."""
    with time_machine.travel(local(2026, 4, 1, 2), tick=False):
        early = [
            receive(
                local(2026, 3, 2),
                channel=Channel.ONLINE if number < 4 else Channel.IN_PERSON,
                result_electronic=number < 3,
                documents_digitised=number < 2,
            )
            for number in range(6)
        ]
        late = receive(local(2026, 3, 2))
        overdue = receive(local(2026, 3, 2))
        within = [receive(local(2026, 3, 30)) for _ in range(2)]
        for dossier in early:
            dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2026, 3, 5))
        dossier_end(dossier=late, by=officer_a, outcome=Outcome.RESOLVED, at=local(2026, 3, 12))
        dossier_rate(dossier=early[0], by=officer_a, satisfied=False, at=local(2026, 3, 6))
        rollups.stats_backfill(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))
    return {"early": early, "late": late, "overdue": overdue, "within": within}
