"""The admin: every model's screens open, tokens show their key once, clean() messages reach the forms."""

import datetime

import pytest
from django.contrib import admin
from django.urls import reverse

from procedures.models import ProcedureVersion
from tests.factories import (
    FieldFactory,
    PersonFactory,
    ProcedureFactory,
    ProcedureVersionFactory,
    TenureFactory,
    UserFactory,
)
from units.models import ApiToken, Tenure

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)  # fmt: skip


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_every_project_model_is_in_the_admin():
    expected = {
        ("units", "unit"),
        ("units", "person"),
        ("units", "tenure"),
        ("units", "membership"),
        ("units", "apitoken"),
        ("procedures", "field"),
        ("procedures", "procedure"),
        ("procedures", "procedureversion"),
        ("procedures", "reductionplan"),
        ("workdays", "calendaroverride"),
    }
    assert expected <= set(REGISTERED)


@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_admin_screens_open_for_a_superuser(superuser_client, head_a, app_label, model_name):
    changelist = reverse(f"admin:{app_label}_{model_name}_changelist")

    model_admin = next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
    )

    assert superuser_client.get(changelist).status_code == 200
    assert superuser_client.get(changelist, {"q": "QLD"}).status_code == 200  # the search fields are valid
    add_page = superuser_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    # Read-only screens (e.g. emulation results, changed only through their services) refuse to add.
    assert add_page.status_code == (200 if model_admin.has_add_permission(add_page.wsgi_request) else 403)


def test_api_token_admin_shows_the_new_key_once_and_never_its_hash(superuser_client, office_staff):
    response = superuser_client.post(
        reverse("admin:units_apitoken_add"),
        {
            "name": "Cổng DVC quốc gia",
            "user": office_staff.pk,
            "all_units": "on",
            "scopes": ["dossiers:read", "dossiers:write"],
        },
        follow=True,
    )

    token = ApiToken.objects.get(name="Cổng DVC quốc gia")
    # The key ends its message, so that it copies cleanly.
    last_words = [str(message).split()[-1] for message in response.context["messages"]]
    keys = [word for word in last_words if ApiToken.objects.for_key(word).exists()]
    assert len(keys) == 1
    key = keys[0]
    assert ApiToken.objects.for_key(key).get() == token
    assert key in response.content.decode()
    # Once: the pages after it carry neither the key nor its hash.
    for page in (
        superuser_client.get(reverse("admin:units_apitoken_changelist")),
        superuser_client.get(reverse("admin:units_apitoken_change", args=[token.pk])),
    ):
        assert key not in page.content.decode()
        assert token.key_hash not in page.content.decode()


def test_api_token_admin_keeps_the_key_when_a_token_is_edited(superuser_client, office_staff):
    superuser_client.post(
        reverse("admin:units_apitoken_add"), {"name": "Provincial one-stop", "user": office_staff.pk}, follow=True
    )
    token = ApiToken.objects.get()
    original_hash = token.key_hash

    response = superuser_client.post(
        reverse("admin:units_apitoken_change", args=[token.pk]),
        {"name": "Provincial one-stop (Hà Nội)", "user": office_staff.pk},
        follow=True,
    )

    token.refresh_from_db()
    assert token.name == "Provincial one-stop (Hà Nội)"
    assert token.key_hash == original_hash
    assert len(response.context["messages"]) == 1  # "changed successfully", no key


def test_api_token_revoke_action(superuser_client, office_staff):
    superuser_client.post(reverse("admin:units_apitoken_add"), {"name": "Old system", "user": office_staff.pk})
    token = ApiToken.objects.get()

    superuser_client.post(
        reverse("admin:units_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.usable().exists()


def test_tenure_admin_shows_the_overlapping_head_message(superuser_client, unit_a):
    TenureFactory(person=PersonFactory(full_name="Vũ Tuấn Cường"), unit=unit_a, start_date=datetime.date(2024, 1, 1))
    newcomer = PersonFactory(full_name="Lê Thị Hoa")

    superuser_client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = superuser_client.post(
        reverse("admin:units_tenure_add"),
        {"person": newcomer.pk, "unit": unit_a.pk, "role": "head", "start_date": "2025-03-01"},
    )

    assert response.status_code == 200
    assert "This unit already has a head for part of these dates: Vũ Tuấn Cường from 01/01/2024 to now." in (
        response.content.decode()
    )
    assert Tenure.objects.count() == 1


def _procedure_form(procedure, versions, *, existing=0):
    """The admin change form of ``procedure`` with ``versions`` as the version inline's rows."""
    data = {
        "code": procedure.code,
        "name_vi": procedure.name_vi,
        "name_en": procedure.name_en,
        "field": procedure.field.pk,
        "level": procedure.level,
        "unit": procedure.unit.pk,
        "online_service": procedure.online_service,
        "versions-TOTAL_FORMS": len(versions),
        "versions-INITIAL_FORMS": existing,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 1000,
        "reduction_plans-TOTAL_FORMS": 0,
        "reduction_plans-INITIAL_FORMS": 0,
        "reduction_plans-MIN_NUM_FORMS": 0,
        "reduction_plans-MAX_NUM_FORMS": 1000,
        # The flags' history is shown read-only, but its inline still posts its management form.
        "flag_history-TOTAL_FORMS": 0,
        "flag_history-INITIAL_FORMS": 0,
        "flag_history-MIN_NUM_FORMS": 0,
        "flag_history-MAX_NUM_FORMS": 0,
    }
    for index, version in enumerate(versions):
        for name, value in version.items():
            data[f"versions-{index}-{name}"] = value
        data[f"versions-{index}-procedure"] = procedure.pk
    return data


def _version_row(number, start, end="", days=10, **extra):
    return {
        "decision_number": number,
        "decision_date": "2020-01-01",
        "change_kind": "new",
        "effective_from": start,
        "effective_to": end,
        "processing_days": days,
        **extra,
    }


def test_procedure_version_admin_refuses_a_version_overlapping_a_saved_one(superuser_client, unit_a):
    version = ProcedureVersionFactory(
        procedure=ProcedureFactory(unit=unit_a, field=FieldFactory(code="pharmacy")),
        decision_number="1234/QĐ-BYT",
        effective_from=datetime.date(2020, 1, 1),
    )

    superuser_client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = superuser_client.post(
        reverse("admin:procedures_procedureversion_add"),
        {"procedure": version.procedure.pk, **_version_row("5678/QĐ-BYT", "2025-07-01")},
    )

    assert response.status_code == 200
    assert "These dates overlap version 1234/QĐ-BYT, in force from 01/01/2020 to now." in response.content.decode()
    assert ProcedureVersion.objects.count() == 1


def test_procedure_inline_refuses_two_new_overlapping_versions(superuser_client, unit_a):
    procedure = ProcedureFactory(unit=unit_a)

    superuser_client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = superuser_client.post(
        reverse("admin:procedures_procedure_change", args=[procedure.pk]),
        _procedure_form(
            procedure,
            [_version_row("1/QĐ-BYT", "2020-01-01", "2025-06-30"), _version_row("2/QĐ-BYT", "2025-06-01")],
        ),
    )

    assert response.status_code == 200
    assert "These dates overlap version 1/QĐ-BYT, in force from 01/01/2020 to 30/06/2025." in (
        response.content.decode()
    )
    assert ProcedureVersion.objects.count() == 0


def test_procedure_inline_accepts_consecutive_versions(superuser_client, unit_a):
    procedure = ProcedureFactory(unit=unit_a)

    response = superuser_client.post(
        reverse("admin:procedures_procedure_change", args=[procedure.pk]),
        _procedure_form(
            procedure,
            [_version_row("1/QĐ-BYT", "2020-01-01", "2025-06-30"), _version_row("2/QĐ-BYT", "2025-07-01", days=7)],
        ),
    )

    assert response.status_code == 302
    assert list(procedure.versions.order_by("effective_from").values_list("decision_number", "processing_days")) == [
        ("1/QĐ-BYT", 10),
        ("2/QĐ-BYT", 7),
    ]


def test_unit_inline_refuses_two_new_overlapping_heads_but_accepts_a_deputy(superuser_client, ministry, unit_a):
    former, successor, deputy = (
        PersonFactory(full_name=name) for name in ("Võ Ngọc Mai", "Đặng Đức Tâm", "Lê Hồng Nam")
    )
    form = {
        "code": unit_a.code,
        "name_vi": unit_a.name_vi,
        "name_en": unit_a.name_en,
        "kind": unit_a.kind,
        "parent": ministry.pk,
        "is_active": "on",
        "tenures-TOTAL_FORMS": 3,
        "tenures-INITIAL_FORMS": 0,
        "tenures-MIN_NUM_FORMS": 0,
        "tenures-MAX_NUM_FORMS": 1000,
    }
    rows = [
        (former, "head", "2020-03-01", "2025-06-30"),
        (deputy, "deputy", "2022-12-31", ""),
        (successor, "head", "2025-06-01", ""),
    ]
    for index, (person, role, start, end) in enumerate(rows):
        form.update(
            {
                f"tenures-{index}-person": person.pk,
                f"tenures-{index}-role": role,
                f"tenures-{index}-start_date": start,
                f"tenures-{index}-end_date": end,
                f"tenures-{index}-unit": unit_a.pk,
            }
        )
    change_url = reverse("admin:units_unit_change", args=[unit_a.pk])

    superuser_client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    refused = superuser_client.post(change_url, form)

    assert refused.status_code == 200
    assert "This unit already has a head for part of these dates: Võ Ngọc Mai from 01/03/2020 to 30/06/2025." in (
        refused.content.decode()
    )
    assert Tenure.objects.count() == 0

    form["tenures-2-start_date"] = "2025-07-01"
    accepted = superuser_client.post(change_url, form)

    assert accepted.status_code == 302
    assert sorted(Tenure.objects.values_list("person__full_name", "role")) == [
        ("Lê Hồng Nam", "deputy"),
        ("Võ Ngọc Mai", "head"),
        ("Đặng Đức Tâm", "head"),
    ]
