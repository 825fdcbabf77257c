"""Vietnamese-aware ``?q=`` on the dossier list (issue 13 item 3): the same results on SQLite and PostgreSQL."""

import unicodedata

import pytest
import time_machine

from dossiers.models import Dossier
from dossiers.search import search_key
from dossiers.services import Applicant
from tests.helpers import local

pytestmark = pytest.mark.django_db
URL = "/api/v1/dossiers/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        yield


@pytest.fixture
def people(receive):
    made = {}
    for name, id_number, phone, day in [
        ("Nguyễn Thị Ánh Dương", "001085012345", "0912345678", 3),
        ("Trần Văn Nguyên", "", "", 4),
        ("Lê Đức Anh", "", "0987654321", 5),
        ("Công ty TNHH Dược phẩm Hà Nội", "0101234567", "", 6),
    ]:
        made[name] = receive(local(2025, 11, day, 9), applicant=Applicant(name=name, id_number=id_number, phone=phone))
    return made


def found(client, q) -> list[str]:
    response = client.get(URL, {"q": q})
    assert response.status_code == 200, response.json()
    return sorted(row["applicant_name"] for row in response.json()["results"])


@pytest.mark.parametrize("q", ["ánh dương", "ÁNH DƯƠNG", "Ánh Dương", "anh duong", "ANH DUONG"])
def test_names_are_found_whatever_the_accents_and_case(client_for, officer_a, people, q):
    assert found(client_for(officer_a), q) == ["Nguyễn Thị Ánh Dương"]


def test_nguyen_finds_nguyen_with_its_marks_and_nguyen_the_given_name(client_for, officer_a, people):
    assert found(client_for(officer_a), "nguyen") == ["Nguyễn Thị Ánh Dương", "Trần Văn Nguyên"]
    assert found(client_for(officer_a), "đức") == ["Lê Đức Anh"]
    assert found(client_for(officer_a), "duc") == ["Lê Đức Anh"]


def test_a_name_stored_decomposed_is_found_by_a_composed_query(client_for, officer_a, receive):
    decomposed = unicodedata.normalize("NFD", "Phạm Thị Hằng")
    dossier = receive(local(2025, 11, 10, 9), applicant=Applicant(name="x"))
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name=decomposed)  # as an old import left it
    assert found(client_for(officer_a), "Hằng") == [decomposed]
    assert found(client_for(officer_a), unicodedata.normalize("NFD", "hằng")) == [decomposed]


def test_id_and_phone_exactly_for_those_who_may_see_them(client_for, officer_a, head_a, people):
    assert found(client_for(officer_a), "001085012345") == ["Nguyễn Thị Ánh Dương"]
    assert found(client_for(officer_a), "0912 345 678") == ["Nguyễn Thị Ánh Dương"]
    assert found(client_for(officer_a), "0101234567") == ["Công ty TNHH Dược phẩm Hà Nội"]
    assert found(client_for(officer_a), "091234567") == []  # exact, not a part
    # The unit's head sees the numbers masked: they cannot look anyone up by them either.
    assert found(client_for(head_a), "0912345678") == []


def test_a_codes_last_digits_and_its_prefix(client_for, officer_a, people):
    dossier = people["Lê Đức Anh"]
    assert found(client_for(officer_a), dossier.code[-4:]) == sorted(
        dossier.applicant_name for dossier in Dossier.objects.filter(code__endswith=dossier.code[-4:])
    )
    response = client_for(officer_a).get(URL, {"q": "byt-qld-2511"})
    codes = [row["code"] for row in response.json()["results"]]
    assert len(codes) == 4
    assert codes == sorted(codes, reverse=True)  # newest first


def test_the_python_key_is_the_databases(people, receive):
    names = ["NGUYỄN ĐỨC HẠNH", unicodedata.normalize("NFD", "Trương Thị Mỹ Ừng"), "Ỷ Lan"]
    for day, name in enumerate(names, start=7):
        receive(local(2025, 11, day, 9), applicant=Applicant(name=name))
    for dossier in Dossier.objects.all():
        assert dossier.search_name == search_key(dossier.applicant_name), dossier.applicant_name
