"""The citizen's feedback pages: sent from the dossier's public page with its pair, followed with
the item's own pair, liked or disliked once; the same limits and neutral answer as the lookups."""

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings

from config import ratelimit
from dossiers.lookup import format_lookup_code
from dossiers.services import Applicant
from feedback import services
from feedback.models import Feedback
from tests.helpers import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)


@pytest.fixture(autouse=True)
def _now():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def dossier(receive):
    return receive(local(2026, 2, 23, 10), applicant=Applicant(name="Nguyễn Văn An"))


def send(client, dossier, **data):
    return client.post(
        "/feedback/public/send/",
        {
            "code": dossier.code,
            "key": dossier.lookup_code,
            "topic": "dossier",
            "title": "Phải đi lại nhiều lần",
            "content": "Tôi phải đến ba lần.",
            "email": "",
            "phone": "",
            **data,
        },
    )


def test_the_status_page_links_to_the_feedback_form(client, dossier):
    page = client.get("/lookup/", {"code": dossier.code, "key": dossier.lookup_code}).content.decode()

    assert (
        f'href="/feedback/public/send/?code={dossier.code}&amp;key={format_lookup_code(dossier.lookup_code)}"' in page
    )


def test_the_applicant_sends_feedback_and_follows_it(client, dossier):
    form = client.get("/feedback/public/send/", {"code": dossier.code, "key": dossier.lookup_code})
    assert form.status_code == 200 and 'id="feedback-form"' in form.content.decode()

    response = send(client, dossier, content="<script>alert(1)</script>")

    item = Feedback.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/feedback/public/?code={item.code}&key={item.lookup_code}"
    page = client.get(response["Location"]).content.decode()
    assert f"Cảm ơn bạn: phản ánh, kiến nghị của bạn đã được tiếp nhận với mã {item.code}." in page
    assert "23/03/2026" in page  # the answer is due
    assert "<script>alert(1)</script>" not in page


def test_the_form_needs_the_dossiers_pair(client, dossier):
    response = send(client, dossier, key="AAAABBBBCCCC")

    assert response.status_code == 200
    assert "Không có hồ sơ nào khớp với mã hồ sơ và mã tra cứu này." in response.content.decode()
    assert Feedback.objects.count() == 0


def test_twice_while_the_first_is_open_is_refused(client, dossier):
    send(client, dossier)

    response = send(client, dossier, title="Lần nữa")

    assert response.status_code == 409
    assert "vẫn đang được xử lý" in response.context["conflict"]
    assert Feedback.objects.count() == 1


def test_100000_characters_are_refused_with_a_clear_message(client, dossier):
    response = send(client, dossier, content="x" * 100_000)

    assert response.status_code == 400
    assert response.context["form"].errors["content"] == ["Nội dung dài 100000 ký tự; chỉ nhận tối đa 5000 ký tự."]
    assert Feedback.objects.count() == 0


def test_the_sender_likes_the_answer_once(client, dossier, officer_a):
    send(client, dossier)
    item = services.feedback_answer(feedback=Feedback.objects.get(), by=officer_a, answer="Đã chấn chỉnh.")
    pair = {"code": item.code, "key": item.lookup_code}

    page = client.get("/feedback/public/", pair).content.decode()
    assert "Đã chấn chỉnh." in page and 'id="feedback-rating"' in page

    assert client.post("/feedback/public/rate/", {**pair, "liked": "true", "comment": ""}).status_code == 302
    again = client.post("/feedback/public/rate/", {**pair, "liked": "false", "comment": ""})

    assert again.status_code == 409
    assert Feedback.objects.get().liked is True


def test_a_wrong_item_pair_gets_the_neutral_answer(client, dossier):
    send(client, dossier)
    item = Feedback.objects.get()

    response = client.get("/feedback/public/", {"code": item.code, "key": "AAAABBBBCCCC"})

    assert response.status_code == 200
    assert "item" not in response.context
    assert response.context["form"].non_field_errors() == [
        "Không có phản ánh, kiến nghị nào khớp với mã và mã tra cứu này. Hãy đối chiếu với thông báo bạn đã nhận."
    ]


@override_settings(TTHC_LOOKUP_FAILURE_LIMIT=2)
def test_wrong_pairs_here_count_against_the_same_limit(client, dossier):
    client.get("/lookup/", {"code": dossier.code, "key": "WRONG"})
    client.get("/feedback/public/", {"code": "PAKN-260302-0001", "key": "WRONG"})

    assert send(client, dossier).status_code == 429
    assert Feedback.objects.count() == 0


def test_the_form_without_a_dossier_sends_the_applicant_to_look_it_up_and_counts_nothing(client):
    response = client.get("/feedback/public/send/")

    assert response.status_code == 200
    assert 'href="/lookup/"' in response.content.decode()
    assert ratelimit.count("lookup-failures", "127.0.0.1") == 0
