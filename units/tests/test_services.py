"""The unit, tenure and token services: validation as in the admin, and locking under concurrency."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation

from config.exceptions import ConflictError
from tests.factories import MembershipFactory, PersonFactory, TenureFactory, UserFactory
from units.access import access_for_token
from units.models import ApiToken, Membership, Person, Tenure, Unit
from units.services import api_token_create, tenure_create, tenure_update, unit_create, unit_delete, unit_update

D = datetime.date


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
class TestUnitServices:
    def test_unit_create_places_the_unit_under_its_parent(self, ministry):
        unit = unit_create(code="KCB", name_vi="Cục Quản lý Khám, chữa bệnh", kind="administration", parent=ministry)

        assert unit.path == f"/{ministry.pk}/{unit.pk}/"
        assert Unit.objects.get(code="KCB").depth == 1

    def test_unit_create_refuses_a_duplicate_code_and_writes_nothing(self, unit_a):
        with pytest.raises(ValidationError) as refused:
            unit_create(code="QLD", name_vi="Trùng mã")

        assert refused.value.message_dict == {"code": ["Unit with this Code already exists."]}
        assert Unit.objects.count() == 2

    def test_unit_update_moves_the_subtree(self, unit_a1, unit_b):
        unit_update(unit=Unit.objects.get(code="QLD"), data={"parent": unit_b})

        assert Unit.objects.get(code="QLD_KD").path == f"{unit_b.path}{unit_a1.parent_id}/{unit_a1.pk}/"

    def test_unit_update_rejects_an_unknown_attribute(self, unit_a):
        with pytest.raises(TypeError):
            unit_update(unit=unit_a, data={"path": "/1/"})

    def test_unit_delete_of_a_referenced_unit_is_a_conflict(self, unit_a1):
        with pytest.raises(ConflictError) as refused:
            unit_delete(unit=Unit.objects.get(code="QLD"))

        assert refused.value.code == "protected"
        assert Unit.objects.filter(code="QLD").exists()

    def test_unit_delete_takes_the_units_memberships_with_it(self, officer_b):
        # Memberships cascade: deleting a unit removes its staff's roles there.
        unit_delete(unit=Unit.objects.get(code="ATTP"))

        assert Membership.objects.filter(user=officer_b).count() == 0


@pytest.mark.django_db
class TestTenureServices:
    def test_tenure_create_refuses_a_second_head_on_the_same_days(self, unit_a):
        TenureFactory(unit=unit_a, person=PersonFactory(full_name="Lê Thị Hoa"), start_date=D(2024, 1, 1))

        with pytest.raises(ValidationError) as refused:
            tenure_create(person=PersonFactory(), unit=unit_a, start_date=D(2025, 7, 1))

        assert refused.value.message_dict == {
            "start_date": ["This unit already has a head for part of these dates: Lê Thị Hoa from 01/01/2024 to now."]
        }
        assert Tenure.objects.count() == 1

    def test_tenure_update_closes_a_tenure(self, unit_a):
        tenure = TenureFactory(unit=unit_a, start_date=D(2024, 1, 1))

        tenure_update(tenure=tenure, data={"end_date": D(2025, 6, 30)})

        assert Tenure.objects.get().end_date == D(2025, 6, 30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_concurrent_overlapping_head_waits_for_the_first_and_is_refused(unit_a):
    # Given a request that has recorded a head of unit A but not yet committed
    first, second = PersonFactory(full_name="Lê Thị Hoa"), PersonFactory(full_name="Vũ Tuấn Minh")
    outcome = {}

    @translation.override("en")
    def second_request():
        try:
            tenure_create(person=second, unit=unit_a, start_date=D(2025, 7, 1))
            outcome["result"] = "created"
        except ValidationError as error:
            outcome["result"] = error.message_dict
        finally:
            connection.close()

    with transaction.atomic():
        tenure_create(person=first, unit=unit_a, start_date=D(2025, 1, 1))
        # When a second request records another head for overlapping days
        thread = threading.Thread(target=second_request)
        thread.start()
        thread.join(timeout=1)
        # Then it waits on the unit's lock rather than checking against what it cannot see yet
        assert thread.is_alive()
    thread.join(timeout=10)

    # And once the first commits, it sees that head and is refused
    assert outcome["result"] == {
        "start_date": ["This unit already has a head for part of these dates: Lê Thị Hoa from 01/01/2025 to now."]
    }
    assert list(Tenure.objects.values_list("person__full_name", flat=True)) == ["Lê Thị Hoa"]


@pytest.mark.django_db
class TestApiTokenCreate:
    def test_returns_the_key_once_and_stores_only_its_hash(self, unit_a):
        user = UserFactory(username="portal")

        token, key = api_token_create(
            user=user, name="DVCQG", units=[unit_a], scopes=["dossiers:read", "dossiers:write"]
        )

        assert ApiToken.objects.for_key(key).get() == token
        assert key not in (token.key_hash, token.key_prefix)
        assert token.key_prefix == key[:8]
        assert list(token.units.all()) == [unit_a]
        assert access_for_token(token).write_unit_ids == frozenset({unit_a.pk})

    def test_a_token_inheriting_its_users_scope_has_the_users_rights(self, unit_a):
        user = UserFactory(username="officer")
        MembershipFactory(user=user, unit=unit_a, role="unit_officer")

        token, _key = api_token_create(user=user, name="script", inherit_user_scope=True)

        assert access_for_token(token).read_unit_ids == frozenset({unit_a.pk})


@pytest.mark.django_db
def test_a_person_linked_to_a_login_bears_its_name(unit_a):
    """Issue 13: the head who signs in as "Hoàng Văn Hải" is named so on their tenure."""
    user = UserFactory(username="truong.qld", first_name="Hải", last_name="Hoàng Văn")
    person = Person.objects.create(full_name="Phạm Quốc Bảo", user=user)
    assert person.full_name == "Hoàng Văn Hải"
    person.full_name = "Someone Else"
    person.save(update_fields=["full_name"])
    person.refresh_from_db()
    assert person.full_name == "Hoàng Văn Hải"
