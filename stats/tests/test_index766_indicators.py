"""The indicators whose inputs the catalogue, the dossiers and the feedback now record: each one's
numerator, denominator and rate from rollup rows and catalogue rows, a past period scored with the
catalogue as it stood then, and "not applicable" when there is nothing to divide."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from procedures.choices import OnlineService
from procedures.models import Procedure
from procedures.services import procedure_flags_record
from stats.index766 import COMPUTED, NOT_APPLICABLE, NOT_AVAILABLE, index766
from stats.models import DailyStat, FeedbackDailyStat, Index766Config
from tests.factories import ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = {"date_from": D(2026, 3, 1), "date_to": D(2026, 3, 31)}
FEBRUARY = {"date_from": D(2026, 2, 1), "date_to": D(2026, 2, 28)}
TODAY = D(2026, 4, 1)


def figures(code, unit, period=None):
    item = index766(**(period or MARCH), unit=unit, today=TODAY).indicator(code)
    return item.numerator, item.denominator, item.rate, item.points, item.status


@pytest.fixture
def procedure(unit_a):
    """``procedure(**flags)``: a procedure of unit A in force since 2020, with those flags."""

    def make(**flags):
        return ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit_a, **flags), effective_from=D(2020, 1, 1)
        ).procedure

    return make


def change_flags(procedure, on, **flags):
    """Change a procedure's flags from ``on``, as the catalogue's services record it."""
    Procedure.objects.filter(pk=procedure.pk).update(**flags)
    procedure_flags_record(procedures=Procedure.objects.filter(pk=procedure.pk), on=on)


def stat(procedure, day=None, **values):
    day = day or D(2026, 3, 10)
    return DailyStat.objects.create(
        day=day, unit=procedure.unit, procedure=procedure, field_id=procedure.field_id, **values
    )


# --- Group 1: the announcing decisions of the period -------------------------------------------


@pytest.fixture
def announcements(unit_a):
    """Versions of unit A's procedures announced in March 2026 (and one in February)."""

    def version(decided, **publicity):
        return ProcedureVersionFactory(
            procedure=ProcedureFactory(unit=unit_a), decision_date=decided, effective_from=decided, **publicity
        )

    # Monday 2 March + 20 working days = Monday 30 March; + 10 = Monday 16 March.
    version(
        D(2026, 3, 2), legal_basis_effective_on=D(2026, 4, 1), published_on=D(2026, 3, 16), components_complete=True
    )
    # 16 March + 20 working days = 13 April; 3 March + 10 = 17 March.
    version(D(2026, 3, 16), legal_basis_effective_on=D(2026, 3, 20))
    version(D(2026, 3, 3), published_on=D(2026, 3, 18), components_complete=False)
    # Unpublished: 4 March + 10 working days = 18 March, passed by 1 April: late.
    version(D(2026, 3, 4))
    # Unpublished, deadline 13 April still ahead on 1 April: not yet due.
    version(D(2026, 3, 30))
    # Announced in February: another period.
    version(D(2026, 2, 2), legal_basis_effective_on=D(2026, 2, 3), published_on=D(2026, 3, 31))


def test_1_1_decisions_dated_20_working_days_before_the_legal_basis(announcements, unit_a):
    # Of the two decisions whose legal basis's date is recorded, one was on time: 50% → 6 × 50%.
    assert figures("1.1", unit_a) == (1, 2, Decimal("50.00"), Decimal("3.00"), COMPUTED)
    assert figures("1.1", unit_a, FEBRUARY) == (0, 1, Decimal("0.00"), Decimal("0.00"), COMPUTED)


def test_1_2_published_within_10_working_days_of_the_decision(announcements, unit_a):
    # On time (on the 10th working day); published late; two unpublished past their deadline; the
    # one decided on 30 March is not due yet.
    assert figures("1.2", unit_a) == (1, 4, Decimal("25.00"), Decimal("1.00"), COMPUTED)


def test_1_3_published_with_all_seven_components(announcements, unit_a):
    assert figures("1.3", unit_a) == (1, 2, Decimal("50.00"), Decimal("1.00"), COMPUTED)


def test_group_1_does_not_apply_without_a_decision_in_the_period(announcements, unit_a):
    january = {"date_from": D(2026, 1, 1), "date_to": D(2026, 1, 31)}
    for code in ("1.1", "1.2", "1.3"):
        assert figures(code, unit_a, january) == (0, 0, None, None, NOT_APPLICABLE)


def test_1_4_dossiers_synchronised_over_dossiers_received(procedure, unit_a):
    stat(procedure(), received_online=2, received_in_person=8, received_synced=3)

    assert figures("1.4", unit_a) == (3, 10, Decimal("30.00"), Decimal("1.80"), COMPUTED)


def test_2_2_is_not_available_with_its_reason(procedure, unit_a):
    stat(procedure(), received_in_person=1)
    item = index766(**MARCH, unit=unit_a, today=TODAY).indicator("2.2")

    assert (item.status, item.counted, item.numerator) == (NOT_AVAILABLE, False, None)
    # Said for users, not how the rollups are built ("bảng tổng hợp … cộng dồn theo tập hợp").
    with translation.override("vi"):
        reason = index766(**MARCH, unit=unit_a, today=TODAY).indicator("2.2").reason
        assert str(reason) == "Chưa tính được: hệ thống chưa lưu thời gian xử lý thực tế của từng hồ sơ."
    with translation.override("en"):
        reason = index766(**MARCH, unit=unit_a, today=TODAY).indicator("2.2").reason
        assert str(reason) == "Not computed yet: the system does not yet store each dossier's actual processing time."


# --- Groups 3 and 3P: the catalogue as it stood on the period's last day ---------------------------


def test_3_1_a_past_period_is_scored_with_the_catalogue_as_it_stood_then(procedure, unit_a):
    partial = procedure(online_service=OnlineService.PARTIAL)
    procedure()
    # Put online on 15 March: February still sees it offline.
    late_comer = procedure()
    change_flags(late_comer, D(2026, 3, 15), online_service=OnlineService.FULL)
    # Eligible for full online service but offered only partly: not counted (our choice).
    procedure(online_service=OnlineService.PARTIAL, full_online_eligible=True)

    assert figures("3.1", unit_a, FEBRUARY) == (1, 4, Decimal("25.00"), Decimal("1.25"), COMPUTED)
    assert figures("3.1", unit_a) == (2, 4, Decimal("50.00"), Decimal("2.50"), COMPUTED)
    change_flags(partial, D(2026, 3, 20), online_service=OnlineService.NONE)
    assert figures("3.1", unit_a) == (1, 4, Decimal("25.00"), Decimal("1.25"), COMPUTED)


def test_3_2_online_procedures_that_received_online_dossiers_in_a_past_period(procedure, unit_a):
    used = procedure(online_service=OnlineService.FULL)
    procedure(online_service=OnlineService.PARTIAL)
    stat(used, day=D(2026, 2, 10), received_online=2)

    assert figures("3.2", unit_a, FEBRUARY) == (1, 2, Decimal("50.00"), Decimal("2.00"), COMPUTED)
    assert figures("3.2", unit_a) == (0, 2, Decimal("0.00"), Decimal("0.00"), COMPUTED)


def test_3_3_counts_online_dossiers_of_paper_result_procedures_only_with_an_electronic_result(procedure, unit_a):
    paper = procedure()
    stat(paper, received_online=4, received_online_e_result=3, received_in_person=5, received_postal=1)

    assert figures("3.3", unit_a) == (3, 10, Decimal("30.00"), Decimal("2.40"), COMPUTED)
    # From 20 March the catalogue says its result is electronic: March counts every online dossier.
    change_flags(paper, D(2026, 3, 20), paper_result=False)
    assert figures("3.3", unit_a) == (4, 10, Decimal("40.00"), Decimal("3.20"), COMPUTED)
    assert figures("3.3", unit_a, FEBRUARY)[4] == NOT_APPLICABLE
    # The year's configuration may still take every procedure to have a paper result.
    Index766Config.objects.create(year=2026, paper_result_assumed=True)
    assert figures("3.3", unit_a)[:2] == (3, 10)


def test_3_5a_fee_bearing_procedures_payable_on_the_portal(procedure, unit_a):
    payable = procedure(has_fee=True)
    procedure(has_fee=True)
    procedure()
    change_flags(payable, D(2026, 3, 2), payable_on_portal=True)

    assert figures("3.5a", unit_a) == (1, 2, Decimal("50.00"), Decimal("1.25"), COMPUTED)
    assert figures("3.5a", unit_a, FEBRUARY) == (0, 2, Decimal("0.00"), Decimal("0.00"), COMPUTED)


def test_3_5b_and_3_6_read_the_fee_as_it_stood_on_the_periods_last_day(procedure, unit_a):
    fee = procedure(has_fee=True)
    became_fee_bearing = procedure()
    change_flags(became_fee_bearing, D(2026, 3, 1), has_fee=True)
    stat(fee, day=D(2026, 2, 10), received_in_person=4, paid_online=1)
    stat(became_fee_bearing, day=D(2026, 2, 10), received_in_person=6)
    stat(became_fee_bearing, received_in_person=5, paid_online=5)

    assert figures("3.5b", unit_a, FEBRUARY) == (1, 1, Decimal("100.00"), Decimal("2.00"), COMPUTED)
    assert figures("3.6", unit_a, FEBRUARY) == (1, 4, Decimal("25.00"), Decimal("1.50"), COMPUTED)
    assert figures("3.5b", unit_a) == (1, 2, Decimal("50.00"), Decimal("1.25"), COMPUTED)
    assert figures("3.6", unit_a) == (5, 5, Decimal("100.00"), Decimal("6.00"), COMPUTED)


def test_the_catalogue_indicators_do_not_apply_without_such_procedures(procedure, unit_a):
    procedure()
    for code in ("3.2", "3.5a", "3.5b", "4.5b"):
        assert figures(code, unit_a)[1:] == (0, None, None, NOT_APPLICABLE)


# --- Group 4 ------------------------------------------------------------------------------------


def test_4_3_dossiers_reusing_digitised_data_over_dossiers_received(procedure, unit_a):
    stat(procedure(), received_in_person=10, received_data_reused=2)

    assert figures("4.3", unit_a) == (2, 10, Decimal("20.00"), Decimal("0.50"), COMPUTED)


def test_4_4_digitised_dossiers_from_the_data_store_over_digitised_dossiers(procedure, unit_a):
    stat(procedure(), received_in_person=10, received_digitised=4, received_digitised_data_store=1)

    assert figures("4.4", unit_a) == (1, 4, Decimal("25.00"), Decimal("1.00"), COMPUTED)
    DailyStat.objects.update(received_digitised=0, received_digitised_data_store=0)
    assert figures("4.4", unit_a)[1:] == (0, None, None, NOT_APPLICABLE)


def test_4_5a_online_dossiers_from_vneid_accounts_over_online_dossiers(procedure, unit_a):
    stat(procedure(), received_online=4, received_in_person=6, received_online_vneid=3)

    assert figures("4.5a", unit_a) == (3, 4, Decimal("75.00"), Decimal("1.50"), COMPUTED)
    DailyStat.objects.update(received_online=0, received_online_vneid=0)
    assert figures("4.5a", unit_a)[1:] == (0, None, None, NOT_APPLICABLE)


def test_4_5b_procedures_for_citizens_using_population_data(procedure, unit_a):
    using = procedure(for_citizens=True)
    procedure(for_citizens=True)
    procedure(uses_population_data=True)  # not for citizens: not counted
    change_flags(using, D(2026, 3, 10), uses_population_data=True)

    assert figures("4.5b", unit_a) == (1, 2, Decimal("50.00"), Decimal("1.00"), COMPUTED)
    assert figures("4.5b", unit_a, FEBRUARY) == (0, 2, Decimal("0.00"), Decimal("0.00"), COMPUTED)


# --- Group 5 ------------------------------------------------------------------------------------


def test_5_3_handled_feedback_not_late_not_disliked_not_repeated(unit_a):
    FeedbackDailyStat.objects.create(
        day=D(2026, 3, 3), unit=unit_a, received=3, handled_on_time=6, handled_late=2, disliked=1, received_repeat=1
    )

    # 8 handled − 2 late − 1 disliked − 1 repeated = 4 of 8 → 50% of 6 points.
    assert figures("5.3", unit_a) == (4, 8, Decimal("50.00"), Decimal("3.00"), COMPUTED)
    assert figures("5.3", unit_a, FEBRUARY) == (0, 0, None, None, NOT_APPLICABLE)


def test_5_3_never_goes_below_0(unit_a):
    FeedbackDailyStat.objects.create(day=D(2026, 3, 3), unit=unit_a, handled_late=1, disliked=1, received_repeat=2)

    assert figures("5.3", unit_a) == (0, 1, Decimal("0.00"), Decimal("0.00"), COMPUTED)
