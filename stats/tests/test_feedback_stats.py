"""Feedback counts in the nightly statistics: received, handled on time and late, liked and
disliked per unit and day, rewritten with the dossier rollups, summed over any period and served
by the API for the national index."""

import datetime

import pytest
import time_machine

from dossiers.services import Applicant
from feedback import services
from feedback.choices import Classification, Source, Topic
from stats import rollups
from stats.models import FeedbackDailyStat
from stats.selectors import feedback_figures
from tests.helpers import local

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def feedback_history(receive, officer_a, officer_b, unit_b):
    """Unit A: two items sent Monday 2 March 2026, one answered on time and liked, one answered late
    and disliked. Unit B: one item sent Tuesday 3 March, still open."""
    with time_machine.travel(local(2026, 3, 2, 9), tick=False) as clock:
        first = services.feedback_submit_public(
            dossier=receive(local(2026, 2, 23, 10), applicant=Applicant(name="An")),
            topic=Topic.DOSSIER,
            title="Một",
            content="…",
        )
        second = services.feedback_submit_public(
            dossier=receive(local(2026, 2, 24, 10), applicant=Applicant(name="Bình")),
            topic=Topic.PROCEDURE,
            title="Hai",
            content="…",
        )
        clock.move_to(local(2026, 3, 3, 9))
        services.feedback_receive(
            unit=unit_b,
            source=Source.DIRECT,
            classification=Classification.REGULATION,
            sender=services.Sender(name="Cường"),
            title="Ba",
            content="…",
            by=officer_b,
        )
        clock.move_to(local(2026, 3, 10, 9))
        services.feedback_rate(feedback=services.feedback_answer(feedback=first, by=officer_a, answer="…"), liked=True)
        clock.move_to(local(2026, 3, 24, 9))
        services.feedback_rate(
            feedback=services.feedback_answer(feedback=second, by=officer_a, answer="…"), liked=False
        )
        clock.move_to(local(2026, 3, 25, 2))
        rollups.stats_backfill(date_from=D(2026, 3, 1), date_to=D(2026, 3, 24))


def test_the_rollups_count_feedback_per_unit_and_day(feedback_history, unit_a, unit_b):
    rows = list(
        FeedbackDailyStat.objects.order_by("day", "unit__code").values_list(
            "day", "unit__code", "received", "handled_on_time", "handled_late", "liked", "disliked"
        )
    )

    assert rows == [
        (D(2026, 3, 2), "QLD", 2, 0, 0, 0, 0),
        (D(2026, 3, 3), "ATTP", 1, 0, 0, 0, 0),
        (D(2026, 3, 10), "QLD", 0, 1, 0, 1, 0),
        (D(2026, 3, 24), "QLD", 0, 0, 1, 0, 1),
    ]


def test_the_figures_of_a_period_per_unit_and_in_total(feedback_history, unit_a, unit_b):
    per_unit, totals = feedback_figures(date_from=D(2026, 3, 1), date_to=D(2026, 3, 31))

    assert [(unit.code, figures.received, figures.handled_total) for unit, figures in per_unit] == [
        ("QLD", 2, 2),
        ("ATTP", 1, 0),
    ]
    assert (totals.received, totals.handled_on_time, totals.handled_late, totals.liked, totals.disliked) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert (str(totals.handled_on_time_rate), str(totals.liked_rate)) == ("50.00", "50.00")
    # a period that ends before the late answer sees only the first
    _, early = feedback_figures(date_from=D(2026, 3, 1), date_to=D(2026, 3, 15), unit_ids=[unit_a.pk])
    assert (early.received, early.handled_on_time, early.handled_late) == (2, 1, 0)


def test_a_late_answer_recorded_after_the_nightly_run_is_counted_the_next_night(receive, officer_a):
    with time_machine.travel(local(2026, 3, 2, 9), tick=False) as clock:
        item = services.feedback_submit_public(
            dossier=receive(local(2026, 2, 23, 10), applicant=Applicant(name="An")),
            topic=Topic.DOSSIER,
            title="x",
            content="x",
        )
        clock.move_to(local(2026, 3, 4, 1))
        rollups.stats_nightly()
        clock.move_to(local(2026, 3, 4, 20))
        services.feedback_answer(feedback=item, by=officer_a, answer="…", at=local(2026, 3, 3, 16))  # entered late
        clock.move_to(local(2026, 3, 5, 1))
        rollups.stats_nightly()

    assert FeedbackDailyStat.objects.filter(day=D(2026, 3, 3)).values_list("handled_on_time", flat=True).get() == 1


def test_the_api_serves_them(feedback_history, client_for, office_staff, officer_b):
    answer = client_for(office_staff).get("/api/v1/stats/feedback/?date_from=2026-03-01&date_to=2026-03-31")

    assert answer.status_code == 200
    body = answer.json()
    assert body["totals"] == {
        "received": 3,
        "handled_on_time": 1,
        "handled_late": 1,
        "handled_total": 2,
        "liked": 1,
        "disliked": 1,
        "received_about_dossier": 2,
        "handled_on_time_rate": 50.0,
        "liked_rate": 50.0,
    }
    assert [row["code"] for row in body["rows"]] == ["QLD", "ATTP"]
    # an officer of B sees B only
    mine = client_for(officer_b).get("/api/v1/stats/feedback/?date_from=2026-03-01&date_to=2026-03-31").json()
    assert [row["code"] for row in mine["rows"]] == ["ATTP"]
