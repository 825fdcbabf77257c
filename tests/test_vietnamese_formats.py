"""Vietnamese pages speak Vietnamese numbers and words; official documents stay Vietnamese (issue 13 item 9).

1.200.000 đồng and 90,00% on a Vietnamese page (never 1200000 or 90.00), criteria by their name
(not their code "reform"), and the receipt and apology letter in Vietnamese even when the interface
is English.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine

from dossiers import services
from emulation.tests.conftest import YEAR, criterion, make_scheme
from tests.factories import PersonFactory, TenureFactory
from tests.helpers import local
from units.templatetags.tthc import number

pytestmark = pytest.mark.django_db


def test_the_number_filter_follows_the_language():
    from django.utils import translation

    with translation.override("vi"):
        assert number(Decimal("1200.5")) == "1.200,50"
        assert number(90) == "90,00"
    with translation.override("en"):
        assert number(Decimal("1200.5")) == "1,200.50"


def test_the_schemes_audit_and_the_manual_form_in_vietnamese(client, office_staff):
    make_scheme(
        YEAR,
        [
            criterion("on-time", 60, "on_time_rate", 90, name_vi="Tỷ lệ đúng hạn"),
            criterion("reform-initiatives", 40, name_vi="Sáng kiến cải cách"),
        ],
        by=office_staff,
    )
    client.force_login(office_staff)
    page = client.get(f"/emulation/{YEAR}/").content.decode()
    assert "Tỷ lệ đúng hạn (60,00 điểm, Tỷ lệ đúng hạn, mục tiêu 90,00%)" in page
    assert "Sáng kiến cải cách (40,00 điểm, thủ công)" in page
    assert "reform-initiatives (" not in page
    assert "target 9" not in page
    form = client.get(f"/emulation/{YEAR}/manual/").content.decode()
    assert "Sáng kiến cải cách (tối đa 40,00 điểm)" in form
    assert "at most" not in form


@pytest.fixture
def reappointed(receive, officer_a, unit_a):
    TenureFactory(person=PersonFactory(full_name="Hoàng Văn Hải"), unit=unit_a, start_date=datetime.date(2025, 7, 1))
    with time_machine.travel(local(2025, 11, 12, 9), tick=False):
        dossier = receive(local(2025, 11, 10, 9), fee_amount=1_200_000)
        services.dossier_reappoint(
            dossier=dossier, by=officer_a, new_date=datetime.date(2025, 11, 21), reason="Chờ thẩm định"
        )
    return dossier


def test_fees_are_grouped_by_thousands(client, officer_a, reappointed):
    client.force_login(officer_a)
    assert "1.200.000 đồng" in client.get(f"/dossiers/{reappointed.code}/receipt/").content.decode()
    assert "1.200.000 đồng" in client.get(f"/dossiers/{reappointed.code}/").content.decode()


def test_official_documents_stay_vietnamese_in_an_english_interface(client, officer_a, reappointed):
    client.force_login(officer_a)
    client.cookies["django_language"] = "en"
    receipt = client.get(f"/dossiers/{reappointed.code}/receipt/").content.decode()
    assert "1.200.000 đồng" in receipt
    assert "Hình thức nộp hồ sơ: Trực tiếp" in receipt
    assert "Print" in receipt  # the toolbar around the sheet follows the interface
    letter = client.get(f"/dossiers/{reappointed.code}/apology/").content.decode()
    assert "Chờ thẩm định" in letter
    assert "Appointment" not in letter.split('class="a4-sheet"')[1]
