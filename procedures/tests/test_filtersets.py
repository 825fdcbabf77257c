"""Each filter of the catalogue lists filters (STYLE.md habit 6)."""

import datetime

import pytest

from procedures.filtersets import FieldFilterSet, ProcedureFilterSet, ReductionPlanFilterSet
from procedures.models import Field, Procedure, ReductionPlan
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def codes(filterset):
    assert filterset.is_valid(), filterset.errors
    return sorted(procedure.code for procedure in filterset.qs)


@pytest.fixture
def pharmacy(db):
    return FieldFactory(code="pharmacy", name_vi="Dược", name_en="Pharmacy")


@pytest.fixture
def food_safety(db):
    return FieldFactory(code="food-safety", name_vi="An toàn thực phẩm", name_en="Food safety")


class TestFieldFilterSet:
    def test_q_searches_code_and_both_names(self, pharmacy, food_safety):
        def filtered(q):
            return sorted(field.code for field in FieldFilterSet({"q": q}, Field.objects.all()).qs)

        assert filtered("food") == ["food-safety"]
        assert filtered("dược") == ["pharmacy"]
        assert filtered("PHARM") == ["pharmacy"]


class TestProcedureFilterSet:
    @pytest.fixture(autouse=True)
    def catalogue(self, pharmacy, food_safety, unit_a, unit_b):
        # 1.000001: pharmacy, unit A, central, full online, every flag set, in force 2020 to 2024.
        # 1.000002: pharmacy, unit A, province, partial online, no flags, in force since 2025.
        # 1.000003: food safety, unit B, central, not online, no flags, abolished since 2025.
        first = ProcedureFactory(
            code="1.000001",
            name_vi="Cấp chứng chỉ hành nghề dược",
            name_en="Pharmacist practising certificate",
            field=pharmacy,
            unit=unit_a,
            online_service="full",
            business_related=True,
            has_fee=True,
            internal_procedure_issued=True,
            portal_integrated=True,
        )
        ProcedureVersionFactory(procedure=first, effective_from=D(2020, 1, 1), effective_to=D(2024, 12, 31))
        second = ProcedureFactory(
            code="1.000002",
            name_vi="Công bố cơ sở kinh doanh thuốc",
            name_en="Announcing a drug retailer",
            field=pharmacy,
            unit=unit_a,
            level="province",
            online_service="partial",
        )
        ProcedureVersionFactory(procedure=second, decision_date=D(2025, 1, 1), effective_from=D(2025, 1, 1))
        third = ProcedureFactory(
            code="1.000003",
            name_vi="Cấp giấy chứng nhận an toàn thực phẩm",
            name_en="Food safety certificate",
            field=food_safety,
            unit=unit_b,
        )
        ProcedureVersionFactory(procedure=third, effective_from=D(2020, 1, 1), effective_to=D(2024, 12, 31))
        ProcedureVersionFactory(
            procedure=third,
            change_kind="abolished",
            processing_days=None,
            decision_date=D(2025, 1, 1),
            effective_from=D(2025, 1, 1),
        )

    def filtered(self, **params):
        return codes(ProcedureFilterSet(params, Procedure.objects.all()))

    def test_field_code(self):
        assert self.filtered(field=["pharmacy"]) == ["1.000001", "1.000002"]
        assert self.filtered(field=["food-safety"]) == ["1.000003"]

    def test_unit_code(self):
        assert self.filtered(unit=["ATTP"]) == ["1.000003"]
        assert self.filtered(unit=["QLD", "ATTP"]) == ["1.000001", "1.000002", "1.000003"]

    def test_level(self):
        assert self.filtered(level=["province"]) == ["1.000002"]

    def test_online_service(self):
        assert self.filtered(online_service=["full", "partial"]) == ["1.000001", "1.000002"]
        assert self.filtered(online_service=["none"]) == ["1.000003"]

    @pytest.mark.parametrize("flag", ["business_related", "has_fee", "internal_procedure_issued", "portal_integrated"])
    def test_each_flag(self, flag):
        assert self.filtered(**{flag: "true"}) == ["1.000001"]
        assert self.filtered(**{flag: "false"}) == ["1.000002", "1.000003"]

    def test_in_force_on(self):
        assert self.filtered(in_force_on="2024-12-31") == ["1.000001", "1.000003"]
        # From 2025 the food safety procedure is abolished and the second one is in force.
        assert self.filtered(in_force_on="2025-01-01") == ["1.000002"]

    def test_q_searches_code_and_both_names(self):
        assert self.filtered(q="1.000002") == ["1.000002"]
        assert self.filtered(q="thực phẩm") == ["1.000003"]
        assert self.filtered(q="PRACTISING") == ["1.000001"]


class TestReductionPlanFilterSet:
    @pytest.fixture(autouse=True)
    def plans(self, unit_a, unit_b):
        drug = ProcedureFactory(code="1.000001", unit=unit_a)
        food = ProcedureFactory(code="1.000003", unit=unit_b)
        for procedure, year in [(drug, 2024), (drug, 2025), (food, 2025)]:
            ReductionPlan.objects.create(procedure=procedure, year=year, baseline_days=20, target_days=15)

    def filtered(self, **params):
        filterset = ReductionPlanFilterSet(params, ReductionPlan.objects.all())
        assert filterset.is_valid(), filterset.errors
        return sorted((plan.procedure.code, plan.year) for plan in filterset.qs)

    def test_year(self):
        assert self.filtered(year=2025) == [("1.000001", 2025), ("1.000003", 2025)]

    def test_procedure_code(self):
        assert self.filtered(procedure=["1.000001"]) == [("1.000001", 2024), ("1.000001", 2025)]

    def test_unit_code(self):
        assert self.filtered(unit=["ATTP"]) == [("1.000003", 2025)]
