"""The applicant's side of a dossier: the lookup code and QR code on the receipt, the public status
page (no login, no personal data, one neutral message, a per-client limit) and the rating."""

import datetime
import logging
import math
import re
from collections import Counter

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation

from dossiers import services
from dossiers.choices import EventKind, Outcome
from dossiers.lookup import ALPHABET, BITS, LENGTH, format_lookup_code, new_lookup_code, normalise_lookup_code, qr_svg
from dossiers.models import Dossier
from dossiers.selectors import applicant_initials, dossier_by_lookup, lookup_url
from tests.helpers import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)  # a Monday
LOOKUP = "/lookup/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """The per-client counters live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dossier(receive):
    """Received Monday 23 Feb 2026 10:00 (5 working days: due Monday 2 March)."""
    return receive(local(2026, 2, 23, 10))


@pytest.fixture
def ended(dossier, officer_a):
    return services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2026, 2, 27, 14))


def look_up(client, dossier, *, key=None, **extra):
    return client.get(LOOKUP, {"code": dossier.code, "key": key or dossier.lookup_code}, **extra)


def page_of(response) -> str:
    return response.content.decode()


# --- The lookup code ----------------------------------------------------------------------------


class TestLookupCode:
    def test_a_code_has_at_least_40_bits_of_randomness(self):
        assert LENGTH == 12 and len(ALPHABET) == 32
        assert BITS == 60 == LENGTH * math.log2(len(ALPHABET))

    def test_codes_are_drawn_from_the_whole_alphabet_and_never_repeat(self):
        codes = [new_lookup_code() for _ in range(2000)]

        assert len(set(codes)) == 2000
        assert all(len(code) == 12 and set(code) <= set(ALPHABET) for code in codes)
        # 24,000 symbols from 32: every symbol appears, none more than twice its fair share
        counts = Counter("".join(codes))
        assert set(counts) == set(ALPHABET)
        assert max(counts.values()) < 2 * 24000 / 32

    def test_the_code_is_not_derived_from_the_dossier(self, receive):
        first = receive(local(2026, 2, 23, 10))
        second = receive(local(2026, 2, 23, 10))

        assert first.code[:-1] == second.code[:-1]  # consecutive codes: BYT-QLD-260223-0001, -0002
        assert len(first.lookup_code) == 12
        assert first.lookup_code != second.lookup_code
        assert first.lookup_code not in first.code

    def test_what_people_type_is_forgiven(self):
        assert normalise_lookup_code(" 7kq2-m9xa 4tpc ") == "7KQ2M9XA4TPC"
        assert normalise_lookup_code("O1IL") == "0111"
        assert format_lookup_code("7KQ2M9XA4TPC") == "7KQ2-M9XA-4TPC"

    def test_a_pair_is_found_only_when_both_halves_match(self, dossier, receive):
        other = receive(local(2026, 2, 23, 11))

        assert dossier_by_lookup(code=dossier.code, lookup_code=format_lookup_code(dossier.lookup_code)) == dossier
        assert dossier_by_lookup(code=dossier.code.lower(), lookup_code=dossier.lookup_code.lower()) == dossier
        assert dossier_by_lookup(code=dossier.code, lookup_code=other.lookup_code) is None
        assert dossier_by_lookup(code="BYT-QLD-260223-9999", lookup_code=dossier.lookup_code) is None
        assert dossier_by_lookup(code=dossier.code, lookup_code="") is None

    def test_initials_only(self):
        assert applicant_initials("Nguyễn Văn An") == "N. V. A."
        assert applicant_initials("  đặng   thị  bích ") == "Đ. T. B."
        assert applicant_initials("Công ty TNHH Dược phẩm ABC") == "C. T. T. D. P. A."


# --- The receipt ---------------------------------------------------------------------------------


class TestReceipt:
    def test_the_receipt_prints_the_lookup_code_and_the_qr_code_of_the_status_page(self, client, officer_a, dossier):
        client.force_login(officer_a)

        page = page_of(client.get(f"/dossiers/{dossier.code}/receipt/"))

        link = f"http://testserver/lookup/?code={dossier.code}&key={dossier.lookup_code}"
        assert f'data-qr-link="{link.replace("&", "&amp;")}"' in page
        assert format_lookup_code(dossier.lookup_code) in page
        assert "http://testserver/lookup/" in page
        # the QR code on the page is the one of that very link
        title = f"QR code: the status page of dossier {dossier.code}"
        with translation.override("vi"):
            title = translation.gettext("QR code: the status page of dossier %(code)s") % {"code": dossier.code}
        assert qr_svg(link, title=title) in page
        assert page.count("<svg") == 1

    @override_settings(TTHC_PUBLIC_URL="https://tthc.example.gov.vn")
    def test_the_public_address_is_the_configured_one(self, dossier):
        assert (
            lookup_url(dossier) == f"https://tthc.example.gov.vn/lookup/?code={dossier.code}&key={dossier.lookup_code}"
        )

    def test_the_officer_sees_the_lookup_code_on_the_dossier_page_and_the_head_does_not(
        self, client, officer_a, head_a, dossier
    ):
        client.force_login(officer_a)
        assert format_lookup_code(dossier.lookup_code) in page_of(client.get(f"/dossiers/{dossier.code}/"))

        client.force_login(head_a)
        assert format_lookup_code(dossier.lookup_code) not in page_of(client.get(f"/dossiers/{dossier.code}/"))


# --- The public status page -------------------------------------------------------------------------


class TestStatusPage:
    def test_the_form_needs_no_login(self, client):
        response = client.get(LOOKUP)

        assert response.status_code == 200
        assert "Tra cứu hồ sơ" in page_of(response)
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]

    def test_the_right_pair_shows_the_status_and_no_personal_data(self, client, dossier):
        response = look_up(client, dossier)
        page = page_of(response)

        assert response.status_code == 200
        assert response.context["dossier"] == dossier
        assert "Đang giải quyết" in page
        assert dossier.procedure.name_vi in page
        assert dossier.unit.name_vi in page
        assert re.search(r'id="appointment-date">02/03/2026', page)
        assert '<dd id="applicant-initials">N. V. A.</dd>' in page
        # nothing else about the applicant, and no officer
        assert "Nguyễn Văn An" not in page
        assert "001085012345" not in page and "0912345678" not in page
        assert "officer_a" not in page
        assert [step["label"] for step in response.context["steps"]] == ["Hồ sơ đã được tiếp nhận"]

    def test_the_qr_link_opens_the_page_and_the_lookup_code_may_be_typed_in_groups(self, client, dossier):
        assert look_up(client, dossier).context["dossier"] == dossier
        typed = format_lookup_code(dossier.lookup_code).lower()
        assert look_up(client, dossier, key=typed).context["dossier"] == dossier

    def test_a_wrong_code_and_a_wrong_key_get_the_same_neutral_answer(self, client, dossier, receive):
        other = receive(local(2026, 2, 23, 11))

        wrong_key = client.get(LOOKUP, {"code": dossier.code, "key": other.lookup_code})
        no_such_dossier = client.get(LOOKUP, {"code": "BYT-QLD-260223-0099", "key": dossier.lookup_code})

        for response in (wrong_key, no_such_dossier):
            assert response.status_code == 200
            assert "dossier" not in response.context
            assert response.context["form"].non_field_errors() == [
                "Không có hồ sơ nào khớp với mã hồ sơ và mã tra cứu này. Hãy đối chiếu cả hai mã với giấy tiếp nhận."
            ]
        assert dossier.procedure.name_vi not in page_of(wrong_key)

    def test_a_supplement_request_tells_the_applicant_what_to_do(self, client, dossier, officer_a):
        services.dossier_request_supplement(
            dossier=dossier, by=officer_a, note="Bản sao chứng thực giấy phép kinh doanh", at=local(2026, 2, 25, 9)
        )

        page = page_of(look_up(client, dossier))

        assert "Chờ bạn bổ sung hồ sơ" in page
        assert 'id="what-to-do"' in page
        assert "Bản sao chứng thực giấy phép kinh doanh" in page

    def test_a_reappointment_shows_the_new_date_and_the_apology_reason(self, client, receive, officer_a):
        dossier = receive(local(2026, 2, 23, 10))
        services.dossier_reappoint(
            dossier=dossier,
            by=officer_a,
            new_date=datetime.date(2026, 3, 6),
            reason="Cần lấy ý kiến thẩm định của Hội đồng",
            at=local(2026, 2, 26, 9),
        )

        response = look_up(client, dossier)
        page = page_of(response)

        assert re.search(r'id="reappointed-date"><strong>06/03/2026</strong>', page)
        assert "Cần lấy ý kiến thẩm định của Hội đồng" in page

    def test_the_page_is_in_english_on_request(self, client, dossier):
        client.cookies["django_language"] = "en"

        page = page_of(look_up(client, dossier))

        assert "Being processed" in page
        assert "Look up your dossier" in page

    def test_html_in_a_note_is_shown_as_text(self, client, dossier, officer_a):
        services.dossier_request_supplement(
            dossier=dossier, by=officer_a, note="<script>alert(1)</script>", at=local(2026, 2, 25, 9)
        )

        page = page_of(look_up(client, dossier))

        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- Guessing is hopeless: limits per client and a log of refused attempts --------------------------


class TestLimits:
    @override_settings(TTHC_LOOKUP_FAILURE_LIMIT=3, TTHC_LOOKUP_WINDOW=600)
    def test_after_too_many_wrong_pairs_even_the_right_one_is_refused_until_the_window_ends(
        self, client, dossier, caplog
    ):
        caplog.set_level(logging.WARNING, logger="tthc.public")
        for _ in range(3):
            assert look_up(client, dossier, key="AAAA-BBBB-CCCC").status_code == 200

        refused = look_up(client, dossier)

        assert refused.status_code == 429
        assert "dossier" not in refused.context
        assert "Bạn đã tra cứu quá nhiều lần" in page_of(refused)
        assert [record.getMessage() for record in caplog.records if record.name == "tthc.public"] == [
            *[
                f"lookup refused: nothing matches this code and lookup code, from 127.0.0.1 "
                f"(code '{dossier.code}', {n} wrong in window)"
                for n in (1, 2, 3)
            ],
            f"lookup refused: too many attempts from 127.0.0.1 (code '{dossier.code}')",
        ]
        # another client is not affected
        assert look_up(client, dossier, REMOTE_ADDR="10.0.0.7").context["dossier"] == dossier
        # and ten minutes later the first one may look again
        with time_machine.travel(NOW + datetime.timedelta(seconds=601), tick=False):
            cache.clear()  # locmem checks expiry against the real clock; Redis against its own
            assert look_up(client, dossier).context["dossier"] == dossier

    @override_settings(TTHC_LOOKUP_LIMIT=2)
    def test_lookups_are_limited_even_when_right(self, client, dossier):
        assert look_up(client, dossier).status_code == 200
        assert look_up(client, dossier).status_code == 200
        assert look_up(client, dossier).status_code == 429

    @override_settings(
        TTHC_LOOKUP_LIMIT=2,
        CACHES={"default": {"BACKEND": "config.cache.DegradingRedisCache", "LOCATION": "redis://127.0.0.1:6398/0"}},
    )
    def test_the_limit_holds_while_redis_is_down(self, client, dossier):
        # Nothing listens on 6398: the cache answers from the process. The limit once lapsed here.
        cache.clear()
        assert look_up(client, dossier).status_code == 200
        assert look_up(client, dossier).status_code == 200
        assert look_up(client, dossier).status_code == 429

    @override_settings(TTHC_LOOKUP_FAILURE_LIMIT=1, TTHC_TRUST_X_FORWARDED_FOR=True)
    def test_behind_the_proxy_the_client_is_the_address_the_proxy_saw(self, client, dossier):
        proxy = {"REMOTE_ADDR": "10.0.0.1"}
        look_up(client, dossier, key="WRONG", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9", **proxy)

        # the same client claiming another first address is still the same client
        assert look_up(client, dossier, HTTP_X_FORWARDED_FOR="5.6.7.8, 203.0.113.9", **proxy).status_code == 429
        assert look_up(client, dossier, HTTP_X_FORWARDED_FOR="203.0.113.10", **proxy).status_code == 200


# --- Rating from the public page --------------------------------------------------------------------


def rate(client, dossier, **data):
    return client.post(
        "/lookup/rate/", {"code": dossier.code, "key": dossier.lookup_code, "satisfied": "true", "comment": "", **data}
    )


class TestRating:
    def test_the_applicant_rates_the_ended_dossier_once_as_the_api_would(self, client, ended):
        page = page_of(look_up(client, ended))
        assert 'id="rating"' in page

        response = rate(client, ended, satisfied="false", comment="Phải đi lại ba lần")

        assert response.status_code == 302
        assert response["Location"] == f"/lookup/?code={ended.code}&key={ended.lookup_code}"
        ended.refresh_from_db()
        assert ended.satisfied is False
        event = ended.events.get(kind=EventKind.RATED)
        assert (event.by, event.note, event.data) == (None, "Phải đi lại ba lần", {"satisfied": False})
        page = page_of(client.get(response["Location"]))
        assert 'id="rating"' not in page
        assert "Cảm ơn bạn: đánh giá của bạn đã được ghi nhận." in page

    def test_a_second_rating_is_refused_and_changes_nothing(self, client, ended):
        rate(client, ended)

        response = rate(client, ended, satisfied="false")

        assert response.status_code == 409
        assert response.context["conflict"] == f"Hồ sơ {ended.code} đã được đánh giá."
        ended.refresh_from_db()
        assert ended.satisfied is True
        assert ended.events.filter(kind=EventKind.RATED).count() == 1

    def test_an_open_dossier_cannot_be_rated(self, client, dossier):
        assert 'id="rating"' not in page_of(look_up(client, dossier))

        response = rate(client, dossier)

        assert response.status_code == 409
        assert response.context["conflict"] == f"Hồ sơ {dossier.code} chưa kết thúc giải quyết."
        assert not dossier.events.filter(kind=EventKind.RATED).exists()

    def test_a_100000_character_comment_is_refused_with_a_clear_message(self, client, ended):
        response = rate(client, ended, comment="x" * 100_000)

        assert response.status_code == 400
        assert response.context["rating_form"].errors["comment"] == [
            "Ý kiến dài 100000 ký tự; chỉ nhận tối đa 2000 ký tự."
        ]
        assert Dossier.objects.get(pk=ended.pk).satisfied is None

    def test_a_rating_needs_the_right_pair(self, client, ended):
        response = rate(client, ended, key="AAAABBBBCCCC")

        assert response.status_code == 200
        assert "dossier" not in response.context
        assert Dossier.objects.get(pk=ended.pk).satisfied is None

    def test_the_api_refuses_a_100000_character_comment_too(self, client_for, officer_a, ended):
        response = client_for(officer_a).post(
            f"/api/v1/dossiers/{ended.code}/rating/",
            {"satisfied": True, "comment": "x" * 100_000},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )

        assert response.status_code == 400
        assert response.json()["errors"]["comment"] == [
            "The comment is 100000 characters long; at most 2000 are accepted."
        ]
