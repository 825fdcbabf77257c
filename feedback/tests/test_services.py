"""Feedback services: receiving (from the public page or by staff), each step with its deadline, the
sender's messages, and the bad input (twice, too long, steps no longer allowed)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from config.exceptions import ConflictError
from dossiers.services import Applicant
from feedback import services
from feedback.choices import Classification, EventKind, Handling, Source, Status, Topic
from feedback.models import Feedback
from notifications.models import Message
from tests.helpers import local

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = local(2026, 3, 2, 9)  # a Monday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dossier(receive):
    return receive(local(2026, 2, 23, 10), applicant=Applicant(name="Nguyễn Văn An", phone="0912345678"))


@pytest.fixture
def item(dossier):
    return services.feedback_submit_public(
        dossier=dossier,
        topic=Topic.DOSSIER,
        title="Phải đi lại nhiều lần",
        content="Tôi đã phải đến ba lần mới nộp được hồ sơ.",
        email="an.nguyen@example.vn",
    )


def test_feedback_from_the_public_page_concerns_the_dossier_and_its_unit(item, dossier):
    assert (item.code, item.source, item.topic, item.classification) == (
        "PAKN-260302-0001",
        Source.PUBLIC_PAGE,
        Topic.DOSSIER,
        Classification.CONDUCT,
    )
    assert (item.unit, item.procedure, item.dossier, item.sender_name) == (
        dossier.unit,
        dossier.procedure,
        dossier,
        "Nguyễn Văn An",
    )
    assert (item.status, item.received_on, item.answer_by, item.due_date) == (
        Status.RECEIVED,
        D(2026, 3, 2),
        D(2026, 3, 23),
        D(2026, 3, 23),
    )
    assert len(item.lookup_code) == 12
    assert list(item.events.values_list("kind", "by")) == [(EventKind.RECEIVED, None)]


def test_the_sender_is_told_it_was_received(item):
    message = Message.objects.get(kind="feedback_received")

    assert (message.recipient, message.reference, message.unit) == ("an.nguyen@example.vn", item.code, item.unit)
    assert message.subject == "Đã nhận phản ánh, kiến nghị PAKN-260302-0001"
    assert "Tôi đã phải đến ba lần mới nộp được hồ sơ." in message.body
    assert f"/feedback/public/?code={item.code}&key={item.lookup_code}" in message.body


def test_html_in_feedback_is_text_in_the_email(dossier):
    services.feedback_submit_public(
        dossier=dossier,
        topic=Topic.PROCEDURE,
        title="<b>Tiêu đề</b>",
        content='<script>alert("x")</script>',
        email="an@example.vn",
    )
    message = Message.objects.get(kind="feedback_received")

    assert '<script>alert("x")</script>' in message.body  # plain text, as typed
    assert "<script>" not in message.body_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in message.body_html
    assert "&lt;b&gt;Tiêu đề&lt;/b&gt;" in message.body_html


def test_a_second_feedback_while_the_first_is_open_is_refused(item, dossier):
    with pytest.raises(ConflictError) as refused:
        services.feedback_submit_public(dossier=dossier, topic=Topic.DOSSIER, title="Lần nữa", content="Lần nữa")

    assert refused.value.message == (
        "Your feedback PAKN-260302-0001 about this dossier is still being handled; "
        "you will be told when it is answered."
    )
    assert Feedback.objects.count() == 1


def test_after_the_answer_a_new_feedback_is_accepted(item, dossier, officer_a):
    services.feedback_answer(feedback=item, by=officer_a, answer="Xin lỗi anh.")

    second = services.feedback_submit_public(dossier=dossier, topic=Topic.CONDUCT, title="Cán bộ", content="…")

    assert second.code == "PAKN-260302-0002"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("content", "x" * 100_000, "The text is 100000 characters long; at most 5000 are accepted."),
        ("content", "   ", "Write your feedback."),
        ("title", "", "Give your feedback a short title."),
        ("topic", "weather", "Say what the feedback is about."),
        ("email", "not-an-address", "Enter a valid email address."),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_written(dossier, field, value, message):
    data = {"topic": Topic.DOSSIER, "title": "Tiêu đề", "content": "Nội dung", "email": "", field: value}

    with pytest.raises(ValidationError) as raised:
        services.feedback_submit_public(dossier=dossier, **data)

    key = {"email": "sender_email"}.get(field, field)
    assert raised.value.message_dict == {key: [message]}
    assert Feedback.objects.count() == 0


def test_staff_enter_a_forwarded_item_dated_when_it_was_forwarded(unit_a, officer_a, procedure):
    item = services.feedback_receive(
        unit=unit_a,
        source=Source.GOVERNMENT_OFFICE,
        classification=Classification.REGULATION,
        sender=services.Sender(name="Công ty TNHH Dược phẩm ABC", email="phaply@abc.vn"),
        title="Kiến nghị rút ngắn thời hạn",
        content="Đề nghị rút ngắn thời hạn cấp phép.",
        by=officer_a,
        received_at=local(2026, 2, 26, 15),
        procedure=procedure,
        forwarding_document="Công văn 1234/VPCP-KSTT",
    )

    assert (item.received_on, item.answer_by, item.forwarding_document) == (
        D(2026, 2, 26),
        D(2026, 3, 19),
        "Công văn 1234/VPCP-KSTT",
    )
    assert item.events.get().by == officer_a


def test_a_forwarded_item_names_its_forwarding_document(unit_a, officer_a):
    with pytest.raises(ValidationError) as raised:
        services.feedback_receive(
            unit=unit_a,
            source=Source.AGENCY,
            classification=Classification.CONDUCT,
            sender=services.Sender(name="Sở Y tế Hà Nội"),
            title="Chuyển phản ánh",
            content="…",
            by=officer_a,
        )

    assert raised.value.message_dict == {"forwarding_document": ["Name the document that forwarded it."]}


class TestSteps:
    def test_answer_publish_and_like_each_against_its_deadline(self, item, officer_a, _now):
        _now.move_to(local(2026, 3, 23, 16))
        item = services.feedback_answer(feedback=item, by=officer_a, answer="Đơn vị đã chấn chỉnh bộ phận một cửa.")
        assert (item.status, item.handled_on, item.handling, item.publish_by, item.answer) == (
            Status.ANSWERED,
            D(2026, 3, 23),
            Handling.ON_TIME,
            D(2026, 3, 25),
            "Đơn vị đã chấn chỉnh bộ phận một cửa.",
        )
        assert Message.objects.get(kind="feedback_answered").subject == "Trả lời phản ánh, kiến nghị PAKN-260302-0001"

        _now.move_to(local(2026, 3, 26, 9))
        item = services.feedback_publish(feedback=item, by=officer_a)
        item = services.feedback_rate(feedback=item, liked=False, comment="Chưa thỏa đáng")

        assert (item.status, item.published_on, item.due_date, item.liked) == (
            Status.PUBLISHED,
            D(2026, 3, 26),
            None,
            False,
        )
        assert [(event.kind, event.on) for event in item.events.order_by("sequence")] == [
            (EventKind.RECEIVED, D(2026, 3, 2)),
            (EventKind.ANSWERED, D(2026, 3, 23)),
            (EventKind.PUBLISHED, D(2026, 3, 26)),
            (EventKind.RATED, D(2026, 3, 26)),
        ]

    def test_a_late_answer_is_handled_late(self, item, officer_a, _now):
        _now.move_to(local(2026, 3, 24, 9))

        assert services.feedback_answer(feedback=item, by=officer_a, answer="…").handling == Handling.LATE

    def test_refusal_tells_the_sender_why(self, item, officer_a):
        item = services.feedback_refuse(feedback=item, by=officer_a, reason="Nội dung không thuộc thẩm quyền của Bộ.")

        assert (item.status, item.handling) == (Status.REFUSED, Handling.ON_TIME)
        assert "Lý do: Nội dung không thuộc thẩm quyền của Bộ." in Message.objects.get(kind="feedback_refused").body

    def test_reclassify_while_open(self, item, officer_a):
        item = services.feedback_classify(feedback=item, by=officer_a, classification=Classification.REGULATION)

        assert item.classification == Classification.REGULATION

    def test_a_step_no_longer_allowed_is_a_conflict_and_changes_nothing(self, item, officer_a):
        services.feedback_refuse(feedback=item, by=officer_a, reason="Trùng lặp.")

        with pytest.raises(ConflictError) as refused:
            services.feedback_answer(feedback=item, by=officer_a, answer="…")

        assert refused.value.message == "Feedback PAKN-260302-0001 has already been handled (Refused)."
        assert Feedback.objects.get(pk=item.pk).event_count == 2

    def test_a_like_twice_or_before_the_answer_is_refused(self, item, officer_a):
        with pytest.raises(ConflictError, match="has not been answered yet"):
            services.feedback_rate(feedback=item, liked=True)
        services.feedback_answer(feedback=item, by=officer_a, answer="…")
        services.feedback_rate(feedback=item, liked=True)

        with pytest.raises(ConflictError, match="has already been rated"):
            services.feedback_rate(feedback=item, liked=False)
        assert Feedback.objects.get(pk=item.pk).liked is True

    def test_an_answer_of_100000_characters_is_refused(self, item, officer_a):
        with pytest.raises(ValidationError) as raised:
            services.feedback_answer(feedback=item, by=officer_a, answer="x" * 100_000)

        assert raised.value.message_dict == {
            "answer": ["The text is 100000 characters long; at most 5000 are accepted."]
        }

    def test_a_stale_version_is_refused(self, item, officer_a):
        with pytest.raises(ConflictError, match="was changed by someone else"):
            services.feedback_answer(feedback=item, by=officer_a, answer="…", expected_version=0)
