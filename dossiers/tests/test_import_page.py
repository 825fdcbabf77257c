"""The ministry office's upload page: a file imported in the background with its progress, its
row-numbered errors and a downloadable error file, with the same idempotency as the API."""

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers.models import Dossier, ImportJob
from tests.helpers import local

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/dossiers/imports/new/"
HEADER = "code,procedure_code,channel,applicant_name,received_at,ended_at,outcome\n"
GOOD = "HCM-0001,1.004567,trực tiếp,Nguyễn Văn An,12/02/2026 10:00,13/02/2026 09:00,đã giải quyết\n"
BAD = "HCM-0002,1.999999,online,Trần Thị Bình,31/02/2026 10:00,,\n"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(local(2026, 6, 1, 9), tick=False):
        yield


def upload(client, content, name="dossiers.csv", **data):
    """Upload as a user who switched the pages to English (the errors are written in their language)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    file = SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")
    return client.post(UPLOAD_URL, {"file": file, "source_system": "import", **data})


def test_an_uploaded_file_is_imported_and_its_bad_rows_listed_by_row_number(
    client, office_staff, procedure, django_capture_on_commit_callbacks
):
    client.force_login(office_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, HEADER + GOOD + BAD)

    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dossiers/imports/{job.pk}/"
    assert (job.state, job.total_rows, job.done_rows, job.imported, job.failed) == ("done", 2, 2, 1, 1)
    assert Dossier.objects.get().code == "HCM-0001"
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and "1.999999" in page and "HCM-0001" not in page.split("Rows not imported")[-1]
    errors = client.get(f"/dossiers/imports/{job.pk}/errors.csv")
    assert errors["Content-Disposition"] == 'attachment; filename="dossiers-errors.csv"'
    lines = errors.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Row,Column,Problem"
    assert lines[1].startswith("3,procedure_code,No procedure has the national code 1.999999.")
    assert lines[2].startswith("3,received_at,")


def test_the_same_file_again_changes_nothing(client, office_staff, procedure, django_capture_on_commit_callbacks):
    client.force_login(office_staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, HEADER + GOOD)
        upload(client, HEADER + GOOD)

    second = ImportJob.objects.order_by("-pk").first()
    assert (second.imported, second.already_present) == (0, 1)
    assert Dossier.objects.get().event_count == 2


def test_a_running_import_refreshes_itself_and_shows_its_progress(client, office_staff):
    client.force_login(office_staff)
    job = ImportJob.objects.create(
        file_name="big.csv", created_by=office_staff, state="running", total_rows=4000, done_rows=1000
    )

    page = client.get(f"/dossiers/imports/{job.pk}/").content.decode()

    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'aria-valuenow="25"' in page


def test_the_errors_are_written_in_the_uploaders_language(
    client, office_staff, procedure, django_capture_on_commit_callbacks
):
    client.force_login(office_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            UPLOAD_URL, {"file": SimpleUploadedFile("d.csv", (HEADER + BAD).encode()), "source_system": "import"}
        )

    assert ImportJob.objects.get().errors[0][2] == "Không có thủ tục hành chính nào có mã 1.999999."


def test_a_file_that_cannot_be_read_fails_with_its_reason(client, office_staff, django_capture_on_commit_callbacks):
    client.force_login(office_staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "name,city\nAn,Hà Nội\n")

    job = ImportJob.objects.get()
    assert job.state == "failed" and "lacks the required columns" in job.message


def test_a_failed_file_is_shown_as_failed_not_as_a_full_progress_bar(
    client, office_staff, django_capture_on_commit_callbacks
):
    client.force_login(office_staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, "x")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    job = ImportJob.objects.get()
    page = client.get(f"/dossiers/imports/{job.pk}/").content.decode()

    assert job.state == "failed"
    # It read a red "100%" over "0 / 0 dòng" for a file that was never read.
    assert 'class="progress"' not in page and "100%" not in page and "0 / 0" not in page
    assert "Không nhập được tệp: không có dòng nào được ghi." in page and job.message in page


def test_other_files_are_refused_on_the_form(client, office_staff):
    client.force_login(office_staff)

    response = upload(client, "x", name="dossiers.pdf")

    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_a_source_system_with_spaces_or_accents_is_refused_in_vietnamese(client, office_staff):
    client.force_login(office_staff)
    file = SimpleUploadedFile("dossiers.csv", (HEADER + GOOD).encode("utf-8"), content_type="text/csv")

    response = client.post(UPLOAD_URL, {"file": file, "source_system": "hệ thống mới"})

    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert response.context["form"].errors["source_system"] == [
        "Chỉ dùng chữ cái không dấu (A–Z), chữ số, gạch nối hoặc gạch dưới, ví dụ mcdt-byt "
        "(tên đã đặt cho mã truy cập API của hệ thống đó)."
    ]


@pytest.mark.parametrize("who", ["officer_a", "head_a", "auditor"])
def test_only_the_ministry_office_may_upload(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(UPLOAD_URL).status_code == 403
