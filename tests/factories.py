"""factory_boy factories for the whole suite."""

import datetime

import factory
from django.contrib.auth import get_user_model

from procedures.choices import ChangeKind
from procedures.models import Field, Procedure, ProcedureVersion
from units.choices import MembershipRole, TenureRole, UnitKind
from units.models import ApiToken, Membership, Person, Tenure, Unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="vi_VN")
    last_name = factory.Faker("last_name", locale="vi_VN")
    password = factory.django.Password("secret-pass-123")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name_vi = factory.Sequence(lambda n: f"Đơn vị {n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.DEPARTMENT


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = MembershipRole.UNIT_OFFICER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    full_name = factory.Faker("name", locale="vi_VN")


class TenureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenure

    person = factory.SubFactory(PersonFactory)
    unit = factory.SubFactory(UnitFactory)
    role = TenureRole.HEAD
    start_date = datetime.date(2024, 1, 1)
    end_date = None


class FieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Field
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"field-{n}")
    name_vi = factory.Sequence(lambda n: f"Lĩnh vực {n}")
    name_en = factory.Sequence(lambda n: f"Field {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"1.{n + 1:06d}")
    name_vi = factory.Sequence(lambda n: f"Thủ tục cấp giấy phép số {n}")
    name_en = factory.Sequence(lambda n: f"Licence procedure {n}")
    field = factory.SubFactory(FieldFactory)
    unit = factory.SubFactory(UnitFactory)

    @factory.post_generation
    def flag_history(procedure, create, extracted, **kwargs):
        """The history of its flags, as the catalogue's services keep it (``ProcedureFlags``)."""
        if create:
            from procedures.services import procedure_flags_record

            procedure_flags_record(procedures=Procedure.objects.filter(pk=procedure.pk))


class ProcedureVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcedureVersion

    procedure = factory.SubFactory(ProcedureFactory)
    decision_number = factory.Sequence(lambda n: f"{n + 100}/QĐ-BYT")
    decision_date = datetime.date(2020, 1, 1)
    change_kind = ChangeKind.NEW
    effective_from = datetime.date(2020, 1, 1)
    effective_to = None
    processing_days = 5


def make_token(*, user, name="integration", **scope) -> tuple[ApiToken, str]:
    """An ``ApiToken`` and its plaintext key (the only time the key is known)."""
    units = scope.pop("units", [])
    token = ApiToken(user=user, name=name, **scope)
    key = token.set_new_key()
    token.save()
    if units:
        token.units.set(units)
    return token, key
