"""The web pages at the root: login, logout, home and the unit tree."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procedures.choices import OnlineService
from tests.factories import (
    PersonFactory,
    ProcedureFactory,
    ProcedureVersionFactory,
    TenureFactory,
    UnitFactory,
    UserFactory,
)
from units.choices import TenureRole

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("url", ["/", "/units/", "/procedures/", "/procedures/1.000001/"])
def test_anonymous_user_is_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_login_with_the_right_password_leads_home(client, officer_a):
    response = client.post("/accounts/login/", {"username": "officer_a", "password": "secret-pass-123"})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_with_a_wrong_password_shows_an_error_and_stays_logged_out(client, officer_a):
    response = client.post("/accounts/login/", {"username": "officer_a", "password": "wrong"})

    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, officer_a):
    client.force_login(officer_a)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_home_shows_the_users_role_and_unit(client, head_a):
    client.force_login(head_a)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    page = client.get("/").content.decode()

    assert "Unit head" in page
    assert "QLD</span> – Drug Administration" in page


@time_machine.travel(TODAY, tick=False)
def test_home_counts_the_procedures_in_force_in_the_users_units(client, head_a, unit_a, unit_a1, unit_b):
    # Given: in unit A's subtree 3 procedures in force (1 fully online) and 1 closed last year;
    # in unit B 2 procedures in force, which the head of A does not see.
    for unit, online in [(unit_a, OnlineService.FULL), (unit_a, OnlineService.PARTIAL), (unit_a1, OnlineService.NONE)]:
        ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit, online_service=online))
    ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a), effective_to=datetime.date(2025, 12, 31))
    for _ in range(2):
        ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_b, online_service=OnlineService.FULL))
    client.force_login(head_a)

    # When
    context = client.get("/").context

    # Then
    assert context["unit_count"] == 2
    assert context["procedures_in_force"] == 3
    assert context["full_online"] == 1
    assert context["full_online_percent"] == 33.3


def test_home_shows_the_users_current_tenure(client, head_a, unit_a):
    TenureFactory(person=PersonFactory(full_name="Vũ Tuấn Cường", user=head_a), unit=unit_a, role=TenureRole.HEAD)
    client.force_login(head_a)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    page = client.get("/").content.decode()

    assert "Head of Drug Administration since 01/01/2024" in page


def test_a_user_without_a_role_is_told_so_and_cannot_open_the_catalogue(client):
    client.force_login(UserFactory(username="newcomer"))

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    page = client.get("/").content.decode()

    assert "You have no role in any unit yet" in page
    assert reverse("procedures:list") not in page
    assert client.get("/procedures/").status_code == 403
    assert client.get("/units/").status_code == 403


def test_navigation_shows_admin_only_to_staff(client, officer_a):
    client.force_login(officer_a)
    assert 'href="/admin/"' not in client.get("/").content.decode()

    officer_a.is_staff = True
    officer_a.save()
    assert 'href="/admin/"' in client.get("/").content.decode()


@time_machine.travel(TODAY, tick=False)
def test_unit_tree_lists_units_in_order_with_kind_head_and_procedure_count(
    client, officer_b, ministry, office_unit, unit_a, unit_a1, unit_b
):
    TenureFactory(person=PersonFactory(full_name="Vũ Tuấn Cường"), unit=unit_a, start_date=datetime.date(2025, 1, 1))
    TenureFactory(  # a former head: not shown
        person=PersonFactory(full_name="Trương Quốc Cường"),
        unit=unit_a,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2024, 12, 31),
    )
    for _ in range(2):
        ProcedureFactory(unit=unit_a)
    client.force_login(officer_b)

    client.cookies["django_language"] = "en"  # pages follow the switcher, not the browser
    response = client.get("/units/")

    units = response.context["units"]
    # The ministry, then its office before its administrations (by code), sub-units under their parent.
    assert [unit.code for unit in units] == ["BYT", "VPB", "ATTP", "QLD", "QLD_KD"]
    by_code = {unit.code: unit for unit in units}
    assert [tenure.person.full_name for tenure in by_code["QLD"].current_heads] == ["Vũ Tuấn Cường"]
    assert by_code["QLD"].procedure_count == 2
    assert by_code["ATTP"].procedure_count == 0
    page = response.content.decode()
    assert "Administration (Cục)" in page
    assert "Trương Quốc Cường" not in page
    assert '<a href="/procedures/?unit=QLD">2</a>' in page


def test_unit_tree_query_count_does_not_grow_with_the_number_of_units(client, officer_a, ministry):
    client.force_login(officer_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/units/")

    for _ in range(12):
        unit = UnitFactory(parent=ministry)
        TenureFactory(unit=unit)
        ProcedureFactory(unit=unit)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/units/")

    assert len(response.context["units"]) == 14  # the ministry, unit A and the 12 new ones
    assert len(many) == len(few)


def test_unit_tree_shows_edit_links_only_to_ministry_office_staff(client, office_staff, officer_a, unit_a):
    client.force_login(officer_a)
    assert reverse("admin:units_unit_change", args=[unit_a.pk]) not in client.get("/units/").content.decode()

    office_staff.is_staff = True
    office_staff.save()
    client.force_login(office_staff)
    assert reverse("admin:units_unit_change", args=[unit_a.pk]) in client.get("/units/").content.decode()
