"""The catalogue pages: the filtered procedure list and one procedure's detail."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.choices import ChangeKind, OnlineService
from procedures.models import ReductionPlan
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def catalogue(unit_a, unit_b):
    """Three procedures in two fields and two units."""
    pharmacy = FieldFactory(code="pharmacy", name_vi="Dược", name_en="Pharmacy")
    food = FieldFactory(code="food-safety", name_vi="An toàn thực phẩm", name_en="Food safety")
    return {
        "licence": ProcedureFactory(
            code="1.002059",
            name_vi="Cấp chứng chỉ hành nghề dược",
            name_en="Issuing a pharmacy practice certificate",
            field=pharmacy,
            unit=unit_a,
            online_service=OnlineService.FULL,
        ),
        "renewal": ProcedureFactory(
            code="1.002092",
            name_vi="Cấp lại chứng chỉ hành nghề dược",
            name_en="Re-issuing a pharmacy practice certificate",
            field=pharmacy,
            unit=unit_a,
            online_service=OnlineService.PARTIAL,
            business_related=True,
        ),
        "food": ProcedureFactory(
            code="1.003348",
            name_vi="Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            name_en="Food safety certificate for a facility",
            field=food,
            unit=unit_b,
            online_service=OnlineService.FULL,
            business_related=True,
        ),
    }


def listed_codes(response) -> list[str]:
    return [procedure.code for procedure in response.context["procedures"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["1.002059", "1.002092", "1.003348"]),
        # What the form sends with every select on "All" / "Any": no filter, not an error.
        (
            {"q": "", "field": "", "unit": "", "online_service": "", "level": "", "business_related": ""},
            ["1.002059", "1.002092", "1.003348"],
        ),
        ({"field": "pharmacy"}, ["1.002059", "1.002092"]),
        ({"field": "food-safety"}, ["1.003348"]),
        ({"q": "2092"}, ["1.002092"]),
        ({"q": "hành nghề"}, ["1.002059", "1.002092"]),
        ({"q": "food safety"}, ["1.003348"]),
        ({"q": "hành nghề", "field": "food-safety"}, []),
        ({"unit": "ATTP"}, ["1.003348"]),
        ({"online_service": "full"}, ["1.002059", "1.003348"]),
        ({"business_related": "true"}, ["1.002092", "1.003348"]),
        ({"business_related": "false"}, ["1.002059"]),
    ],
)
def test_procedure_list_filters(client, officer_a, catalogue, query, expected):
    client.force_login(officer_a)

    response = client.get("/procedures/", query)

    assert response.status_code == 200
    assert listed_codes(response) == expected


def test_procedure_list_keeps_the_chosen_filters_in_the_form(client, officer_a, catalogue):
    client.force_login(officer_a)

    page = client.get("/procedures/", {"field": "pharmacy", "q": "dược", "online_service": "full"}).content.decode()

    assert '<option value="pharmacy" selected>' in page
    assert '<option value="full" selected>Toàn trình</option>' in page
    assert 'name="q" value="dược"' in page


def test_procedure_list_reports_an_unknown_field_instead_of_listing_everything(client, officer_a, catalogue):
    client.force_login(officer_a)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = client.get("/procedures/", {"field": "no-such-field"})

    assert response.status_code == 200
    assert listed_codes(response) == []
    assert "Some filters could not be applied" in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_procedure_list_shows_the_processing_time_in_force_today(client, officer_a, catalogue):
    licence = catalogue["licence"]
    ProcedureVersionFactory(
        procedure=licence,
        processing_days=20,
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2025, 6, 30),
    )
    ProcedureVersionFactory(
        procedure=licence,
        processing_days=15,
        decision_date=datetime.date(2025, 6, 1),
        effective_from=datetime.date(2025, 7, 1),
    )
    client.force_login(officer_a)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = client.get("/procedures/", {"q": licence.code})

    assert [version.processing_days for version in response.context["procedures"][0].versions_in_force] == [15]
    page = response.content.decode()
    assert "15 working days" in page
    assert "20 working days" not in page


def test_procedure_list_pages_by_fifty(client, officer_a, unit_a):
    for _ in range(53):
        ProcedureFactory(unit=unit_a)
    client.force_login(officer_a)

    first, second = client.get("/procedures/"), client.get("/procedures/", {"page": 2})

    assert len(first.context["procedures"]) == 50
    assert len(second.context["procedures"]) == 3
    assert first.context["paginator"].count == 53


def test_procedure_list_query_count_does_not_grow_with_the_page(client, officer_a, unit_a):
    ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a))
    client.force_login(officer_a)
    with CaptureQueriesContext(connection) as one_row:
        client.get("/procedures/", {"field": "", "q": "1.0"})

    for _ in range(60):
        ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a))
    with CaptureQueriesContext(connection) as full_page:
        response = client.get("/procedures/", {"field": "", "q": "1.0"})

    assert len(response.context["procedures"]) == 50
    assert len(full_page) == len(one_row)


def test_procedure_detail_is_404_for_an_unknown_code(client, officer_a):
    client.force_login(officer_a)

    assert client.get("/procedures/9.999999/").status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_procedure_detail_shows_attributes_versions_and_reduction_plans(client, officer_a, catalogue):
    licence = catalogue["licence"]
    ProcedureVersionFactory(
        procedure=licence,
        decision_number="1234/QĐ-BYT",
        decision_date=datetime.date(2019, 12, 1),
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2025, 6, 30),
        processing_days=20,
    )
    ProcedureVersionFactory(
        procedure=licence,
        decision_number="2468/QĐ-BYT",
        decision_date=datetime.date(2025, 6, 1),
        change_kind=ChangeKind.AMENDED,
        effective_from=datetime.date(2025, 7, 1),
        processing_days=14,
    )
    ReductionPlan.objects.create(
        procedure=licence,
        year=2025,
        baseline_days=20,
        target_days=14,
        baseline_cost=Decimal(1_000_000),
        target_cost=Decimal(800_000),
        baseline_conditions=4,
        target_conditions=3,
    )
    client.force_login(officer_a)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = client.get(reverse("procedures:detail", args=["1.002059"]))

    assert response.status_code == 200
    assert response.context["current_version"].decision_number == "2468/QĐ-BYT"
    assert [version.decision_number for version in response.context["versions"]] == ["2468/QĐ-BYT", "1234/QĐ-BYT"]
    page = response.content.decode()
    assert "Issuing a pharmacy practice certificate" in page
    assert "14 working days" in page
    assert "under 2468/QĐ-BYT, since 01/07/2025" in page
    assert "<td>01/01/2020</td>" in page and "<td>30/06/2025</td>" in page
    assert "Amended" in page
    assert "20 → 14" in page and "−30.0%" in page
    assert "1,000,000 → 800,000" in page and "−20.0%" in page
    assert "4 → 3" in page and "−25.0%" in page


def test_procedure_detail_offers_the_admin_only_to_ministry_office_staff(client, office_staff, officer_a, catalogue):
    edit_url = reverse("admin:procedures_procedure_change", args=[catalogue["licence"].pk])
    client.force_login(officer_a)
    assert edit_url not in client.get("/procedures/1.002059/").content.decode()

    office_staff.is_staff = True
    office_staff.save()
    client.force_login(office_staff)
    assert edit_url in client.get("/procedures/1.002059/").content.decode()


def test_procedure_detail_groups_amounts_in_vietnamese(client, officer_a, catalogue):
    ReductionPlan.objects.create(
        procedure=catalogue["licence"],
        year=2025,
        baseline_days=20,
        target_days=14,
        baseline_cost=Decimal(1_470_000_000),
        target_cost=Decimal(1_176_000_000),
    )
    client.force_login(officer_a)

    page = client.get("/procedures/1.002059/").content.decode()

    assert "1.470.000.000 → 1.176.000.000" in page
    assert "−20,0%" in page
