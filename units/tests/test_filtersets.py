"""Each filter of the unit and tenure lists filters (STYLE.md habit 6)."""

import datetime

import pytest

from tests.factories import PersonFactory, TenureFactory, UnitFactory
from units.choices import UnitKind
from units.filtersets import TenureFilterSet, UnitFilterSet
from units.models import Tenure, Unit

pytestmark = pytest.mark.django_db

D = datetime.date


def codes(filterset):
    assert filterset.is_valid(), filterset.errors
    return sorted(unit.code for unit in filterset.qs)


class TestUnitFilterSet:
    @pytest.fixture(autouse=True)
    def tree(self, unit_a1, unit_b, office_unit):
        UnitFactory(
            code="OLD", name_vi="Vụ đã giải thể", name_en="Dissolved department", parent=unit_b, is_active=False
        )

    def filtered(self, **params):
        return codes(UnitFilterSet(params, Unit.objects.all()))

    def test_kind(self):
        assert self.filtered(kind=[UnitKind.ADMINISTRATION]) == ["ATTP", "QLD"]
        assert self.filtered(kind=[UnitKind.MINISTRY, UnitKind.OFFICE]) == ["BYT", "VPB"]

    def test_parent_code(self):
        assert self.filtered(parent=["BYT"]) == ["ATTP", "QLD", "VPB"]
        assert self.filtered(parent=["QLD", "ATTP"]) == ["OLD", "QLD_KD"]

    def test_unknown_parent_code_is_an_error(self):
        filterset = UnitFilterSet({"parent": ["NOPE"]}, Unit.objects.all())

        assert not filterset.is_valid()
        assert list(filterset.errors) == ["parent"]

    def test_subtree_of(self):
        assert self.filtered(subtree_of="QLD") == ["QLD", "QLD_KD"]
        assert self.filtered(subtree_of="BYT") == ["ATTP", "BYT", "OLD", "QLD", "QLD_KD", "VPB"]

    def test_is_active(self):
        assert self.filtered(is_active="false") == ["OLD"]
        assert "OLD" not in self.filtered(is_active="true")

    def test_q_searches_code_and_both_names(self):
        assert self.filtered(q="qld") == ["QLD", "QLD_KD"]
        assert self.filtered(q="an toàn thực phẩm") == ["ATTP"]
        assert self.filtered(q="dissolved") == ["OLD"]

    def test_blank_q_keeps_everything(self):
        assert len(self.filtered(q="  ")) == 6


class TestTenureFilterSet:
    @pytest.fixture(autouse=True)
    def tenures(self, unit_a, unit_b):
        TenureFactory(
            unit=unit_a, person=PersonFactory(full_name="Lê Thị Hoa"), start_date=D(2024, 1, 1), end_date=D(2025, 6, 30)
        )
        TenureFactory(unit=unit_a, person=PersonFactory(full_name="Vũ Tuấn Minh"), start_date=D(2025, 7, 1))
        TenureFactory(
            unit=unit_a, person=PersonFactory(full_name="Trần Văn Nam"), role="deputy", start_date=D(2023, 1, 1)
        )
        TenureFactory(unit=unit_b, person=PersonFactory(full_name="Nguyễn Thanh Phong"), start_date=D(2022, 3, 1))

    def filtered(self, **params):
        filterset = TenureFilterSet(params, Tenure.objects.all())
        assert filterset.is_valid(), filterset.errors
        return sorted(tenure.person.full_name for tenure in filterset.qs)

    def test_unit_code(self):
        assert self.filtered(unit=["ATTP"]) == ["Nguyễn Thanh Phong"]
        assert len(self.filtered(unit=["QLD"])) == 3

    def test_role(self):
        assert self.filtered(role="deputy") == ["Trần Văn Nam"]

    def test_active_on_includes_both_ends(self):
        assert self.filtered(active_on="2025-06-30", role="head") == ["Lê Thị Hoa", "Nguyễn Thanh Phong"]
        assert self.filtered(active_on="2025-07-01", role="head") == ["Nguyễn Thanh Phong", "Vũ Tuấn Minh"]
        assert self.filtered(active_on="2022-01-01") == []

    def test_q_searches_person_and_unit(self):
        assert self.filtered(q="minh") == ["Vũ Tuấn Minh"]
        assert self.filtered(q="ATTP") == ["Nguyễn Thanh Phong"]
        assert self.filtered(q="food administration") == ["Nguyễn Thanh Phong"]
