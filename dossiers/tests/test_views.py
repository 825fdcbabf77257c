"""The officers' dossier pages: who sees what on the list, the reception desk and a dossier's page."""

import datetime

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dossiers import services
from dossiers.choices import Action, Channel, Outcome, Status
from dossiers.models import Dossier
from dossiers.services import Applicant
from procedures.choices import ChangeKind
from tests.factories import FieldFactory, ProcedureFactory, ProcedureVersionFactory, UserFactory
from tests.helpers import local
from units.templatetags.tthc import person_name

D = datetime.date
pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)  # a Monday


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def in_vietnamese(message: str, **values) -> str:
    """``message`` as the page shows it in the default language (whether or not translated yet)."""
    with translation.override("vi"):
        return translation.gettext(message) % values


def listed(response) -> list[str]:
    return [dossier.code for dossier in response.context["dossiers"]]


@pytest.fixture
def procedure_b(unit_b):
    """A 10-working-day food-safety procedure of unit B."""
    version = ProcedureVersionFactory(
        procedure=ProcedureFactory(
            code="1.003348",
            name_vi="Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
            unit=unit_b,
            field=FieldFactory(code="food-safety", name_vi="An toàn thực phẩm"),
        ),
        processing_days=10,
    )
    return version.procedure


@pytest.fixture
def dossier_a(receive):
    """Unit A's dossier received on Monday 23/02/2026, the first working day after Tết: due today, 02/03."""
    return receive(local(2026, 2, 23, 10))


@pytest.fixture
def dossier_b(procedure_b, officer_b):
    return services.dossier_receive(
        procedure=procedure_b,
        channel=Channel.ONLINE,
        applicant=Applicant(name="Công ty TNHH Thực phẩm Sạch", kind="organisation", id_number="0101234567"),
        received_at=local(2026, 2, 25, 9),
        by=officer_b,
    )


# --- Who may open the pages ---------------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize(
        "name, args",
        [
            ("dossiers:list", []),
            ("dossiers:receive", []),
            ("dossiers:detail", ["BYT-QLD-260223-0001"]),
            ("dossiers:action", ["BYT-QLD-260223-0001", "end"]),
            ("dossiers:receipt", ["BYT-QLD-260223-0001"]),
            ("dossiers:apology", ["BYT-QLD-260223-0001"]),
        ],
    )
    def test_anonymous_user_is_sent_to_the_login_page(self, client, dossier_a, name, args):
        url = reverse(name, args=args)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"

    def test_user_without_a_role_is_forbidden(self, client):
        client.force_login(UserFactory(username="nobody"))
        assert client.get(reverse("dossiers:list")).status_code == 403

    def test_navigation_links_to_the_dossiers_for_those_who_read_some(self, client, officer_a):
        client.force_login(officer_a)
        assert f'href="{reverse("dossiers:list")}"' in client.get(reverse("home")).content.decode()


# --- The list -----------------------------------------------------------------------------------


class TestList:
    def test_officer_of_b_does_not_see_the_dossiers_of_a(self, client, officer_b, dossier_a, dossier_b):
        client.force_login(officer_b)
        response = client.get(reverse("dossiers:list"))
        assert response.status_code == 200
        assert listed(response) == [dossier_b.code]
        assert dossier_a.code not in response.content.decode()

    def test_officer_of_a_sees_only_a(self, client, officer_a, dossier_a, dossier_b):
        client.force_login(officer_a)
        assert listed(client.get(reverse("dossiers:list"))) == [dossier_a.code]

    def test_head_of_a_sees_a_and_its_sub_unit_not_b(self, client, head_a, unit_a1, dossier_a, dossier_b):
        version = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit_a1), processing_days=3)
        dossier_a1 = services.dossier_receive(
            procedure=version.procedure,
            channel=Channel.POSTAL,
            applicant=Applicant(name="Lê Thị Hoa"),
            received_at=local(2026, 2, 26, 9),
        )
        client.force_login(head_a)
        assert listed(client.get(reverse("dossiers:list"))) == [dossier_a1.code, dossier_a.code]

    def test_ministry_office_and_auditor_see_every_unit(self, client, office_staff, auditor, dossier_a, dossier_b):
        for user in (office_staff, auditor):
            client.force_login(user)
            assert listed(client.get(reverse("dossiers:list"))) == [dossier_b.code, dossier_a.code]

    def test_columns_of_a_row(self, client, officer_a, dossier_a):
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:list")).content.decode()
        assert f'href="{reverse("dossiers:detail", args=[dossier_a.code])}"' in page
        assert "1.004567" in page
        assert "Nguyễn Văn An" in page
        assert "001085012345" in page and "0912345678" in page
        assert "23/02/2026 10:00" in page  # received, local time
        assert "02/03/2026" in page  # appointment date

    def test_id_number_and_phone_are_masked_for_those_who_do_not_process_the_unit(
        self, client, head_a, auditor, dossier_a
    ):
        for user in (head_a, auditor):
            client.force_login(user)
            page = client.get(reverse("dossiers:list")).content.decode()
            assert "001085012345" not in page and "0912345678" not in page
            assert "0010*****345" in page and "0912***678" in page

    @pytest.mark.parametrize(
        "query, expected",
        [
            ({"q": "thực phẩm sạch"}, ["b"]),
            ({"q": "BYT-QLD-260223"}, ["a"]),
            ({"unit": "ATTP"}, ["b"]),
            ({"procedure": "1.004567"}, ["a", "ended", "late"]),
            ({"field": "food-safety"}, ["b"]),
            ({"channel": "online"}, ["b"]),
            ({"status": "ended"}, ["ended"]),
            ({"timeliness": "early"}, ["ended"]),
            ({"received_from": "2026-02-24", "received_to": "2026-02-25"}, ["b"]),
            ({"overdue": "true"}, ["late"]),
            ({"due_soon": "true"}, ["a"]),
            ({}, ["b", "a", "ended", "late"]),
        ],
    )
    def test_filters_narrow_the_list(self, client, office_staff, receive, dossier_a, dossier_b, query, expected):
        ended = receive(local(2026, 2, 9, 10))
        services.dossier_end(dossier=ended, by=None, outcome=Outcome.RESOLVED, at=local(2026, 2, 10, 10))
        late = receive(local(2026, 2, 2, 10))  # due 09/02/2026, still open
        dossiers = {"a": dossier_a, "b": dossier_b, "ended": ended, "late": late}
        client.force_login(office_staff)
        response = client.get(reverse("dossiers:list"), query)
        assert listed(response) == [dossiers[key].code for key in expected]

    def test_overdue_and_due_soon_badges(self, client, officer_a, receive, dossier_a):
        late = receive(local(2026, 2, 2, 10))  # due Monday 09/02
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:list")).content.decode()
        # 10 to 13 February, then Tết (16 to 20 February) is skipped, 23 to 27 February and today.
        with translation.override("vi"):
            overdue = translation.ngettext(
                "Overdue %(counter)s working day", "Overdue %(counter)s working days", 10
            ) % {"counter": 10}
            due_soon = translation.gettext("Due soon")
        assert late.appointment_date == D(2026, 2, 9)
        assert page.count(overdue) == 1
        assert page.count(f">{due_soon}</span>") == 1

    def test_fixed_number_of_queries_whatever_the_page_size(self, client, office_staff, receive, procedure_b):
        client.force_login(office_staff)
        receive(local(2026, 2, 2, 10))
        client.get(reverse("dossiers:list"))  # warm the calendar and the session
        with CaptureQueriesContext(connection) as one_row:
            assert len(client.get(reverse("dossiers:list")).context["dossiers"]) == 1
        for day in range(3, 28):
            receive(local(2026, 2, day, 9))
            services.dossier_receive(
                procedure=procedure_b,
                channel=Channel.ONLINE,
                applicant=Applicant(name="Trần Văn Bình", phone="0987654321"),
                received_at=local(2026, 2, day, 11),
            )
        with CaptureQueriesContext(connection) as full_page:
            assert len(client.get(reverse("dossiers:list")).context["dossiers"]) == 50
        assert len(full_page) == len(one_row)

    @pytest.mark.parametrize("rows", [1, 50])
    def test_query_budget(self, client, office_staff, receive, django_assert_max_num_queries, rows):
        for number in range(rows):
            receive(local(2026, 2, 2 + number % 10, 9))
        client.force_login(office_staff)
        # Session, user, memberships; count and page; units, procedures and fields of the filter bar.
        with django_assert_max_num_queries(8):
            response = client.get(reverse("dossiers:list"), {"status": "processing"})
        assert len(response.context["dossiers"]) == rows

    def test_receive_button_only_for_those_who_process_some_unit(self, client, officer_a, head_a, auditor):
        button = f'href="{reverse("dossiers:receive")}"'
        for user, shown in ((officer_a, True), (head_a, False), (auditor, False)):
            client.force_login(user)
            assert (button in client.get(reverse("dossiers:list")).content.decode()) is shown

    def test_bad_filter_value_is_reported_not_a_500(self, client, officer_a, dossier_a):
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:list"), {"unit": "NOPE", "received_from": "31/31/2026"})
        assert response.status_code == 200
        assert set(response.context["filter"].errors) == {"unit", "received_from"}
        assert listed(response) == []


# --- The reception desk -------------------------------------------------------------------------


def receive_form(procedure, **overrides):
    data = {
        "procedure": procedure.pk,
        "channel": Channel.IN_PERSON,
        "applicant_kind": "person",
        "applicant_name": "Phạm Thị Lan",
        "applicant_id_number": "001190054321",
        "applicant_phone": "0903123456",
        "applicant_email": "",
        "applicant_address": "12 Lê Duẩn, Hà Nội",
        "received_at": "",
        "note": "Đơn đề nghị (01 bản chính)",
        "fee_amount": "500000",
    }
    data.update(overrides)
    return data


class TestReceive:
    def test_offers_only_procedures_of_units_the_officer_processes(self, client, officer_a, procedure, procedure_b):
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:receive"))
        assert list(response.context["form"].fields["procedure"].queryset) == [procedure]

    def test_head_and_auditor_cannot_receive(self, client, head_a, auditor):
        for user in (head_a, auditor):
            client.force_login(user)
            assert client.get(reverse("dossiers:receive")).status_code == 403

    def test_receives_and_redirects_to_the_dossier_with_code_and_appointment(self, client, officer_a, procedure):
        client.force_login(officer_a)
        response = client.post(reverse("dossiers:receive"), receive_form(procedure))
        dossier = Dossier.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("dossiers:detail", args=[dossier.code])
        # Received Monday 02/03 at 09:00: due five working days later, Monday 09/03.
        assert (dossier.code, dossier.received_at, dossier.appointment_date) == (
            "BYT-QLD-260302-0001",
            NOW,
            D(2026, 3, 9),
        )
        assert (dossier.applicant_name, dossier.fee_amount, dossier.events.get().by) == (
            "Phạm Thị Lan",
            500000,
            officer_a,
        )
        [message] = get_messages(response.wsgi_request)
        assert in_vietnamese(
            "Dossier %(code)s received; appointment date %(date)s.", code=dossier.code, date="09/03/2026"
        ) in str(message)
        assert reverse("dossiers:receipt", args=[dossier.code]) in str(message)

    def test_the_national_index_flags_are_recorded(self, client, officer_a, procedure):
        client.force_login(officer_a)
        client.post(
            reverse("dossiers:receive"),
            receive_form(procedure, data_reused="on", vneid_verified="on", documents_digitised="on"),
        )
        dossier = Dossier.objects.get()
        assert (
            dossier.documents_digitised,
            dossier.data_reused,
            dossier.from_data_store,
            dossier.vneid_verified,
            dossier.result_electronic,
        ) == (True, True, False, True, False)

    def test_received_before_tet_is_due_after_it(self, client, officer_a, procedure):
        client.force_login(officer_a)
        client.post(reverse("dossiers:receive"), receive_form(procedure, received_at="2026-02-12T10:00"))
        dossier = Dossier.objects.get()
        assert (dossier.received_at, dossier.appointment_date) == (local(2026, 2, 12, 10), D(2026, 2, 26))

    def test_abolished_procedure_is_a_field_error(self, client, officer_a, procedure):
        version = procedure.versions.get()
        version.effective_to = D(2026, 2, 28)
        version.save()
        ProcedureVersionFactory(
            procedure=procedure,
            decision_number="99/QĐ-BYT",
            change_kind=ChangeKind.ABOLISHED,
            decision_date=D(2026, 2, 1),
            effective_from=D(2026, 3, 1),
        )
        client.force_login(officer_a)
        response = client.post(reverse("dossiers:receive"), receive_form(procedure))
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "procedure": [
                in_vietnamese(
                    "Procedure %(code)s was abolished by decision %(decision)s.",
                    code="1.004567",
                    decision="99/QĐ-BYT",
                )
            ]
        }
        assert Dossier.objects.count() == 0

    def test_future_time_is_a_field_error(self, client, officer_a, procedure):
        client.force_login(officer_a)
        response = client.post(reverse("dossiers:receive"), receive_form(procedure, received_at="2026-03-02T10:00"))
        assert response.context["form"].errors == {"received_at": [in_vietnamese("This time lies in the future.")]}
        assert 'class="form-control is-invalid"' in response.content.decode()
        assert Dossier.objects.count() == 0

    def test_service_rules_on_applicant_fields_show_on_those_fields(self, client, officer_a, procedure):
        client.force_login(officer_a)
        response = client.post(
            reverse("dossiers:receive"),
            receive_form(procedure, applicant_email="not-an-address", applicant_id_number="001 190"),
        )
        assert set(response.context["form"].errors) == {"applicant_email", "applicant_id_number"}
        assert Dossier.objects.count() == 0

    def test_procedure_of_another_unit_cannot_be_chosen(self, client, officer_a, procedure_b):
        client.force_login(officer_a)
        response = client.post(reverse("dossiers:receive"), receive_form(procedure_b))
        assert list(response.context["form"].errors) == ["procedure"]
        assert Dossier.objects.count() == 0


# --- One dossier --------------------------------------------------------------------------------


class TestDetail:
    def test_another_units_officer_gets_404(self, client, officer_b, dossier_a):
        client.force_login(officer_b)
        assert client.get(reverse("dossiers:detail", args=[dossier_a.code])).status_code == 404

    def test_shows_fields_dates_and_timeline_in_local_time(self, client, officer_a, dossier_a):
        services.dossier_request_supplement(
            dossier=dossier_a, by=officer_a, note="Bổ sung bản sao giấy phép", at=local(2026, 2, 24, 14, 30)
        )
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:detail", args=[dossier_a.code]))
        page = response.content.decode()
        assert response.status_code == 200
        assert [event.kind for event, _details in response.context["events"]] == [
            "received",
            "supplement_requested",
        ]
        assert "23/02/2026 10:00" in page and "24/02/2026 14:30" in page
        assert "Bổ sung bản sao giấy phép" in page
        assert person_name(officer_a) in page
        assert '<strong id="appointment-date">02/03/2026</strong>' in page

    def test_officer_of_the_unit_gets_the_steps_allowed_today(self, client, officer_a, receive):
        dossier = receive(local(2026, 2, 25, 10))  # due 04/03: re-appointment still possible today
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:detail", args=[dossier.code]))
        assert [action for action, _label in response.context["actions"]] == [
            Action.END,
            Action.REQUEST_SUPPLEMENT,
            Action.REAPPOINT,
        ]
        assert reverse("dossiers:action", args=[dossier.code, "reappoint"]) in response.content.decode()

    def test_no_reappointment_button_on_the_appointment_date(self, client, officer_a, dossier_a):
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:detail", args=[dossier_a.code]))
        assert [action for action, _label in response.context["actions"]] == [Action.END, Action.REQUEST_SUPPLEMENT]

    def test_ended_dossier_offers_return_and_rating(self, client, officer_a, dossier_a):
        services.dossier_end(dossier=dossier_a, by=officer_a, outcome=Outcome.RESOLVED)
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:detail", args=[dossier_a.code]))
        assert [action for action, _label in response.context["actions"]] == [Action.RETURN, Action.RATE]

    def test_head_may_only_reappoint_and_auditor_nothing(self, client, head_a, auditor, receive):
        dossier = receive(local(2026, 2, 25, 10))
        client.force_login(head_a)
        assert [a for a, _ in client.get(reverse("dossiers:detail", args=[dossier.code])).context["actions"]] == [
            Action.REAPPOINT
        ]
        client.force_login(auditor)
        response = client.get(reverse("dossiers:detail", args=[dossier.code]))
        assert response.context["actions"] == []
        assert reverse("dossiers:action", args=[dossier.code, "end"]) not in response.content.decode()

    def test_awaiting_supplement_status(self, client, officer_a, dossier_a):
        services.dossier_request_supplement(dossier=dossier_a, by=officer_a, note="Thiếu bản sao")
        client.force_login(officer_a)
        response = client.get(reverse("dossiers:detail", args=[dossier_a.code]))
        assert response.context["dossier"].status == Status.AWAITING_SUPPLEMENT
        assert [action for action, _label in response.context["actions"]] == [Action.RECEIVE_SUPPLEMENT, Action.END]

    def test_id_number_and_phone_masked_for_the_head(self, client, officer_a, head_a, dossier_a):
        client.force_login(head_a)
        page = client.get(reverse("dossiers:detail", args=[dossier_a.code])).content.decode()
        assert "0010*****345" in page and "001085012345" not in page
        client.force_login(officer_a)
        page = client.get(reverse("dossiers:detail", args=[dossier_a.code])).content.decode()
        assert "001085012345" in page and "0912345678" in page
