"""Two officers acting at once, with real threads and connections (PostgreSQL only)."""

import threading

import pytest
from django.db import connection

from config.exceptions import ConflictError
from dossiers import services
from dossiers.choices import Outcome
from dossiers.models import Dossier, DossierEvent
from tests.helpers import local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*actions):
    """Start every action at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def worker(index, action):
        try:
            barrier.wait()
            results[index] = action()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_dossiers_received_in_the_same_second_get_different_codes(receive):
    at = local(2025, 11, 3, 10)
    results = run_together(*[lambda: receive(at) for _ in range(6)])
    assert all(isinstance(result, Dossier) for result in results), results
    assert sorted(result.code for result in results) == [f"BYT-QLD-251103-{n:04d}" for n in range(1, 7)]


def test_two_officers_ending_one_dossier_exactly_one_succeeds(receive, officer_a):
    dossier = receive(local(2025, 11, 3, 10))
    results = run_together(
        lambda: services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 11, 5)),
        lambda: services.dossier_end(
            dossier=dossier, by=officer_a, outcome=Outcome.REFUSED, note="x", at=local(2025, 11, 5)
        ),
    )
    successes = [result for result in results if isinstance(result, Dossier)]
    conflicts = [result for result in results if isinstance(result, ConflictError)]
    assert (len(successes), len(conflicts)) == (1, 1), results
    stored = Dossier.objects.get()
    assert stored.outcome == successes[0].outcome
    assert DossierEvent.objects.filter(dossier=stored).count() == 2


def test_two_officers_reappointing_at_once_one_gets_a_conflict(receive, officer_a):
    dossier = receive(local(2025, 11, 3, 10))

    def reappoint(day):
        return lambda: services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=local(2025, 11, day).date(), reason="r", at=local(2025, 11, 5)
        )

    results = run_together(reappoint(14), reappoint(17))
    assert sorted(type(result).__name__ for result in results) == ["ConflictError", "Dossier"], results
    stored = Dossier.objects.get()
    assert stored.reappointment_count == 1
    assert stored.event_count == 2
