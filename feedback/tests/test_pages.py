"""Staff pages of feedback: scoped by unit like the dossiers, the steps through their forms, the
export with every text as text; and the API."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from dossiers.services import Applicant
from feedback import services
from feedback.choices import Classification, Source, Status, Topic
from feedback.models import Feedback
from tests.helpers import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def item(receive):
    dossier = receive(local(2026, 2, 23, 10), applicant=Applicant(name="Nguyễn Văn An", phone="0912345678"))
    return services.feedback_submit_public(
        dossier=dossier, topic=Topic.DOSSIER, title='=HYPERLINK("http://evil")', content=SCRIPT, email="an@example.vn"
    )


@pytest.fixture
def item_b(unit_b, officer_b):
    return services.feedback_receive(
        unit=unit_b,
        source=Source.DIRECT,
        classification=Classification.REGULATION,
        sender=services.Sender(name="Trần Thị Bình"),
        title="Thủ tục an toàn thực phẩm",
        content="…",
        by=officer_b,
    )


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_each_sees_their_units_items(client, item, item_b, officer_a, head_a, officer_b, office_staff):
    listed = {
        user.username: [i.code for i in get(client, user, "/feedback/").context["items"]]
        for user in (officer_a, head_a, officer_b, office_staff)
    }

    assert listed == {
        "officer_a": [item.code],
        "head_a": [item.code],
        "officer_b": [item_b.code],
        "office": [item_b.code, item.code],
    }
    assert get(client, officer_b, f"/feedback/{item.code}/").status_code == 404


def test_the_detail_shows_the_text_as_text_and_contacts_to_its_handlers_only(client, item, officer_a, head_a):
    page = get(client, officer_a, f"/feedback/{item.code}/").content.decode()
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "an@example.vn" in page

    assert "an@example.vn" not in get(client, head_a, f"/feedback/{item.code}/").content.decode()


def test_filters_overdue_and_due_soon(client, item, item_b, office_staff, _now):
    _now.move_to(local(2026, 3, 20, 9))  # 1 working day left: due soon

    assert [i.code for i in get(client, office_staff, "/feedback/?due_soon=true").context["items"]] == [
        item_b.code,
        item.code,
    ]
    assert list(get(client, office_staff, "/feedback/?overdue=true").context["items"]) == []
    _now.move_to(local(2026, 3, 24, 9))
    assert len(get(client, office_staff, "/feedback/?overdue=true").context["items"]) == 2
    assert [i.code for i in get(client, office_staff, "/feedback/?unit=ATTP").context["items"]] == [item_b.code]
    assert [i.code for i in get(client, office_staff, f"/feedback/?q={item.code}").context["items"]] == [item.code]


def test_the_officer_answers_through_the_form(client, item, officer_a):
    client.force_login(officer_a)
    response = client.post(
        f"/feedback/{item.code}/actions/answer/", {"answer": "Đơn vị đã chấn chỉnh.", "version": item.event_count}
    )

    assert response.status_code == 302
    assert Feedback.objects.get(pk=item.pk).status == Status.ANSWERED


def test_the_head_may_read_but_not_handle(client, item, head_a):
    client.force_login(head_a)

    assert client.post(f"/feedback/{item.code}/actions/answer/", {"answer": "…", "version": 1}).status_code == 403


def test_a_step_no_longer_allowed_is_a_409_on_the_page(client, item, officer_a):
    services.feedback_refuse(feedback=item, by=officer_a, reason="Trùng.")
    client.force_login(officer_a)

    response = client.post(f"/feedback/{item.code}/actions/answer/", {"answer": "…", "version": 2})

    assert response.status_code == 409
    assert "Phản ánh, kiến nghị PAKN-260302-0001 đã được xử lý (Từ chối)." in response.content.decode()


def test_staff_record_an_item(client, officer_a, unit_a):
    client.force_login(officer_a)
    response = client.post(
        "/feedback/new/",
        {
            "unit": unit_a.pk,
            "source": "government_office",
            "forwarding_document": "Công văn 99/VPCP-KSTT",
            "classification": "regulation",
            "sender_name": "Công ty ABC",
            "title": "Kiến nghị",
            "content": "Nội dung",
            "received_at": "2026-02-27T10:00",
        },
    )

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert (item.source, item.received_on.isoformat(), item.unit) == ("government_office", "2026-02-27", unit_a)


def test_the_export_writes_every_text_as_text(client, item, office_staff):
    response = get(client, office_staff, "/feedback/export.xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert row["Mã"].value == item.code
    assert (row["Tiêu đề"].value, row["Tiêu đề"].data_type, row["Tiêu đề"].quotePrefix) == (
        '=HYPERLINK("http://evil")',
        "s",
        True,
    )
    assert (row["Nội dung"].value, row["Nội dung"].data_type) == (SCRIPT, "s")


class TestApi:
    def test_list_and_detail_scoped_like_the_pages(self, client_for, item, item_b, officer_a, head_a):
        rows = client_for(officer_a).get("/api/v1/feedback/").json()["results"]
        assert [(row["code"], row["sender_email"]) for row in rows] == [(item.code, "an@example.vn")]
        detail = client_for(head_a).get(f"/api/v1/feedback/{item.code}/").json()
        assert (detail["sender_email"], detail["allowed_actions"], detail["answer_by"]) == ("", [], "2026-03-23")
        assert client_for(officer_a).get(f"/api/v1/feedback/{item_b.code}/").status_code == 404

    def test_steps_through_the_api(self, client_for, item, officer_a):
        api = client_for(officer_a)

        answered = api.post(f"/api/v1/feedback/{item.code}/answer/", {"answer": "Đã chấn chỉnh."}, format="json")
        twice = api.post(f"/api/v1/feedback/{item.code}/answer/", {"answer": "…"}, format="json")
        rated = api.post(f"/api/v1/feedback/{item.code}/rating/", {"liked": True}, format="json")

        assert (answered.status_code, answered.json()["status"], answered.json()["handling"]) == (
            200,
            "answered",
            "on_time",
        )
        assert twice.status_code == 409
        assert (rated.status_code, rated.json()["liked"]) == (200, True)

    def test_an_item_from_the_api_and_its_bad_input(self, client_for, officer_a, officer_b):
        body = {
            "unit": "QLD",
            "source": "direct",
            "classification": "conduct",
            "sender_name": "Lê Văn Cường",
            "title": "Thái độ cán bộ",
            "content": "x" * 100_000,
        }
        too_long = client_for(officer_a).post("/api/v1/feedback/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        other_unit = client_for(officer_b).post("/api/v1/feedback/", {**body, "content": "…"}, format="json")
        created = client_for(officer_a).post("/api/v1/feedback/", {**body, "content": "…"}, format="json")

        assert (too_long.status_code, too_long.json()["errors"]["content"]) == (
            400,
            ["The text is 100000 characters long; at most 5000 are accepted."],
        )
        assert other_unit.status_code == 403
        assert (created.status_code, created["Location"]) == (201, "/api/v1/feedback/PAKN-260302-0001/")
