"""Each filter of the dossier list filters, with exact results.

"Now" is Wednesday 12 November 2025, 09:00 in Hanoi. Six dossiers, 5-working-day procedures:

=============  ====  =========  ==============  ================  ===========================
name           unit  channel    received        appointment       state on 12 Nov
=============  ====  =========  ==============  ================  ===========================
a_overdue      QLD   in person  Mon 3 Nov       Mon 10 Nov        processing, overdue
a_due_today    QLD   online     Wed 5 Nov       Wed 12 Nov        processing, due soon
a_late         QLD   in person  Tue 4 Nov       Tue 11 Nov        ended Wed 12 Nov, late
a1_later       A1    postal     Mon 10 Nov      Mon 17 Nov        processing
b_early        ATTP  online     Mon 3 Nov       Mon 10 Nov        ended Thu 6 Nov, early
b_waiting      ATTP  in person  Tue 4 Nov       (paused)          awaiting supplement
=============  ====  =========  ==============  ================  ===========================
"""

import pytest
import time_machine

from dossiers import services
from dossiers.choices import Channel, Outcome
from dossiers.filtersets import DossierFilterSet
from dossiers.models import Dossier
from dossiers.services import Applicant
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory
from tests.helpers import local

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture
def world(unit_a, unit_a1, unit_b):
    pharmacy = FieldFactory(code="pharmacy")
    food = FieldFactory(code="food-safety")

    def procedure(code, unit, field):
        return ProcedureVersionFactory(procedure=ProcedureFactory(code=code, unit=unit, field=field)).procedure

    drugs, drug_trade, food_safety = (
        procedure("1.000001", unit_a, pharmacy),
        procedure("1.000002", unit_a1, pharmacy),
        procedure("1.000003", unit_b, food),
    )

    def receive(target, at, channel, name):
        return services.dossier_receive(
            procedure=target, channel=channel, applicant=Applicant(name=name), received_at=at
        )

    dossiers = {
        "a_overdue": receive(drugs, local(2025, 11, 3), Channel.IN_PERSON, "Nguyễn Văn An"),
        "a_due_today": receive(drugs, local(2025, 11, 5), Channel.ONLINE, "Trần Thị Bình"),
        "a_late": receive(drugs, local(2025, 11, 4), Channel.IN_PERSON, "Công ty Dược phẩm Hà Nội"),
        "a1_later": receive(drug_trade, local(2025, 11, 10), Channel.POSTAL, "Lê Văn Cường"),
        "b_early": receive(food_safety, local(2025, 11, 3), Channel.ONLINE, "Công ty Thực phẩm Sạch"),
        "b_waiting": receive(food_safety, local(2025, 11, 4), Channel.IN_PERSON, "Phạm Thị Dung"),
    }
    services.dossier_end(dossier=dossiers["a_late"], by=None, outcome=Outcome.RESOLVED, at=local(2025, 11, 12, 8))
    services.dossier_end(dossier=dossiers["b_early"], by=None, outcome=Outcome.RESOLVED, at=local(2025, 11, 6))
    services.dossier_request_supplement(dossier=dossiers["b_waiting"], by=None, note="x", at=local(2025, 11, 5))
    return dossiers


def filtered(**params):
    """The dossiers the filter keeps."""
    filterset = DossierFilterSet(params, queryset=Dossier.objects.all())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs


def names(world, queryset):
    by_pk = {dossier.pk: name for name, dossier in world.items()}
    return sorted(by_pk[dossier.pk] for dossier in queryset)


def test_the_world_codes(world):
    assert world["a1_later"].code == "BYT-QLD_KD-251110-0001"
    assert world["b_waiting"].code == "BYT-ATTP-251104-0001"


def test_unit(world):
    assert names(world, filtered(unit=["QLD"])) == ["a_due_today", "a_late", "a_overdue"]
    assert names(world, filtered(unit=["QLD_KD", "ATTP"])) == ["a1_later", "b_early", "b_waiting"]


def test_subtree_is_the_unit_and_its_sub_units(world):
    assert names(world, filtered(subtree="QLD")) == ["a1_later", "a_due_today", "a_late", "a_overdue"]
    assert names(world, filtered(subtree="QLD_KD")) == ["a1_later"]
    assert len(filtered(subtree="BYT")) == 6


def test_procedure_by_national_code(world):
    assert names(world, filtered(procedure=["1.000003"])) == ["b_early", "b_waiting"]


def test_field_by_code(world):
    assert names(world, filtered(field=["food-safety"])) == ["b_early", "b_waiting"]
    assert len(filtered(field=["pharmacy"])) == 4


def test_channel(world):
    assert names(world, filtered(channel=["online"])) == ["a_due_today", "b_early"]
    assert names(world, filtered(channel=["postal", "online"])) == ["a1_later", "a_due_today", "b_early"]


def test_status(world):
    assert names(world, filtered(status=["awaiting_supplement"])) == ["b_waiting"]
    assert names(world, filtered(status=["ended"])) == ["a_late", "b_early"]


def test_outcome_and_timeliness(world):
    assert names(world, filtered(outcome=["resolved"])) == ["a_late", "b_early"]
    assert names(world, filtered(timeliness=["late"])) == ["a_late"]
    assert names(world, filtered(timeliness=["early", "on_time"])) == ["b_early"]


def test_received_dates_include_both_ends(world):
    assert names(world, filtered(received_from="2025-11-04", received_to="2025-11-05")) == [
        "a_due_today",
        "a_late",
        "b_waiting",
    ]
    assert names(world, filtered(received_from="2025-11-10")) == ["a1_later"]


def test_ended_dates_include_both_ends(world):
    assert names(world, filtered(ended_from="2025-11-06", ended_to="2025-11-06")) == ["b_early"]
    assert names(world, filtered(ended_to="2025-11-12")) == ["a_late", "b_early"]
    assert names(world, filtered(ended_from="2025-11-07")) == ["a_late"]


def test_overdue_today(world):
    assert names(world, filtered(overdue="true")) == ["a_overdue"]
    assert names(world, filtered(overdue="1")) == ["a_overdue"]
    assert names(world, filtered(overdue="false")) == ["a1_later", "a_due_today", "a_late", "b_early", "b_waiting"]


def test_overdue_moves_with_today(world):
    with time_machine.travel(local(2025, 11, 18, 9), tick=False):
        assert names(world, filtered(overdue="true")) == ["a1_later", "a_due_today", "a_overdue"]


def test_due_soon_today(world):
    # At most two working days left: due Wed 12, Thu 13 or Fri 14 November.
    assert names(world, filtered(due_soon="true")) == ["a_due_today"]
    assert len(filtered(due_soon="false")) == 5
    with time_machine.travel(local(2025, 11, 13, 9), tick=False):
        assert names(world, filtered(due_soon="true")) == ["a1_later"]


def test_search_code_prefix_or_part(world):
    assert names(world, filtered(q="BYT-ATTP")) == ["b_early", "b_waiting"]
    assert names(world, filtered(q="251110")) == ["a1_later"]
    assert names(world, filtered(q="byt-qld_kd")) == ["a1_later"]


def test_search_applicant_name_ignores_case(world):
    assert names(world, filtered(q="công ty")) == ["a_late", "b_early"]
    assert names(world, filtered(q="  Thị Bình ")) == ["a_due_today"]
    assert len(filtered(q="   ")) == 6


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        # Ties (same date) are broken by the newest first.
        ("appointment_date", ["b_early", "a_overdue", "b_waiting", "a_late", "a_due_today", "a1_later"]),
        ("-received_at", ["a1_later", "a_due_today", "b_waiting", "a_late", "b_early", "a_overdue"]),
        ("code", ["b_early", "b_waiting", "a_overdue", "a_late", "a_due_today", "a1_later"]),
    ],
)
def test_ordering(world, ordering, expected):
    by_pk = {dossier.pk: name for name, dossier in world.items()}
    assert [by_pk[dossier.pk] for dossier in filtered(ordering=ordering)] == expected


@pytest.mark.parametrize(
    "params",
    [
        {"unit": ["NOPE"]},
        {"subtree": "NOPE"},
        {"procedure": ["9.999999"]},
        {"status": ["lost"]},
        {"received_from": "3/11"},
        {"overdue": "perhaps"},
    ],
)
def test_unknown_values_are_errors_not_empty_lists(world, params):
    filterset = DossierFilterSet(params, queryset=Dossier.objects.all())
    assert not filterset.is_valid()
    assert set(filterset.errors) == set(params)
