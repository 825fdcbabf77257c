"""One masking rule for the applicant's personal data, on every page and endpoint (issue 14, item 12).

A unit head, an auditor and a read-only token read dossiers they do not process: every page,
printable, export and API answer they can open is rendered and none may contain the applicant's
ID number, phone, e-mail or street address. The officer who processes the dossier sees them all.
"""

import datetime

import pytest
import time_machine

from dossiers import services
from dossiers.choices import Channel
from tests.helpers import local
from tests.urlwalk import all_paths
from units.services import api_token_create

pytestmark = pytest.mark.django_db

SECRETS = {
    "id number": "001085012345",
    "phone": "0912345678",
    "e-mail": "an.nguyen@example.vn",
    "e-mail user": "an.nguyen",
    "street": "12 Lê Lợi",
    "district": "Hoàn Kiếm",
}
APPLICANT = services.Applicant(
    name="Nguyễn Văn An",
    id_number=SECRETS["id number"],
    phone=SECRETS["phone"],
    email=SECRETS["e-mail"],
    address="12 Lê Lợi, Hoàn Kiếm, Hà Nội",
)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 11, 30, 9), tick=False):
        yield


@pytest.fixture
def dossier(procedure, officer_a):
    """A re-appointed dossier of unit A (so the apology letter can be printed too)."""
    received = services.dossier_receive(
        procedure=procedure,
        channel=Channel.IN_PERSON,
        applicant=APPLICANT,
        by=officer_a,
        received_at=local(2026, 11, 23, 9),
    )
    return services.dossier_reappoint(
        dossier=received,
        by=officer_a,
        new_date=datetime.date(2026, 12, 7),
        reason="Chờ ý kiến thẩm định",
        at=local(2026, 11, 26, 9),
    )


def leaks(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


def every_readable_path(dossier) -> list[str]:
    values = {"code": dossier.code, "procedure_code": "1.004567", "year": "2026", "action": "end"}
    paths = all_paths("x", values)
    paths += [
        f"/dossiers/?q={dossier.code}",
        "/api/v1/dossiers/?unit=QLD",
        f"/api/v1/dossiers/{dossier.code}/events/",
        "/dashboards/units/QLD/",
        "/reports/form06/?period=month&year=2026&number=11&export=csv",
        "/reports/form06/?period=month&year=2026&number=11&export=xlsx",
    ]
    return paths


def rendered(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        import io

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(response.content))
        return " ".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row)
    return response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("reader", ["head_a", "auditor"])
def test_a_reader_who_does_not_process_the_dossier_finds_no_personal_data_anywhere(request, client, dossier, reader):
    client.force_login(request.getfixturevalue(reader))
    opened, found = [], {}
    for path in every_readable_path(dossier):
        response = client.get(path)
        assert response.status_code < 500, path
        if response.status_code == 200:
            opened.append(path)
            if leaked := leaks(rendered(response)):
                found[path] = leaked
    assert found == {}
    # The walk really opened the dossier's pages, not only 404s.
    for path in (
        f"/dossiers/{dossier.code}/",
        f"/dossiers/{dossier.code}/receipt/",
        f"/dossiers/{dossier.code}/apology/",
        f"/api/v1/dossiers/{dossier.code}/",
        "/api/v1/dossiers/?unit=QLD",
        f"/dossiers/?q={dossier.code}",
    ):
        assert path in opened


def test_a_read_only_token_gets_the_same_masks(api_client, dossier, unit_a, head_a):
    _token, key = api_token_create(user=head_a, name="read", units=[unit_a], scopes=["dossiers:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    answer = api_client.get(f"/api/v1/dossiers/{dossier.code}/").json()
    assert {name: answer[name] for name in ("applicant_id_number", "applicant_phone", "applicant_email")} == {
        "applicant_id_number": "0010*****345",
        "applicant_phone": "0912***678",
        "applicant_email": "a***@***.vn",
    }
    assert answer["applicant_address"] == "***, Hà Nội"
    assert leaks(api_client.get("/api/v1/dossiers/").content.decode()) == []


def test_the_masks_are_the_same_on_the_page_the_receipt_and_the_api(client, dossier, head_a):
    client.force_login(head_a)
    for path in (f"/dossiers/{dossier.code}/", f"/dossiers/{dossier.code}/receipt/"):
        page = client.get(path).content.decode()
        for masked in ("0010*****345", "0912***678", "a***@***.vn", "***, Hà Nội"):
            assert masked in page, (path, masked)


def test_the_officer_who_processes_it_sees_everything(client, dossier, officer_a):
    client.force_login(officer_a)
    for path in (
        f"/dossiers/{dossier.code}/",
        f"/dossiers/{dossier.code}/receipt/",
        f"/api/v1/dossiers/{dossier.code}/",
    ):
        assert set(leaks(client.get(path).content.decode())) == set(SECRETS), path


def test_a_masked_dossier_cannot_be_saved(dossier, head_a):
    from dossiers.selectors import hide_personal_data
    from units.access import access_for_user

    masked = hide_personal_data(dossier, access=access_for_user(head_a))
    with pytest.raises(ValueError):
        masked.save()
