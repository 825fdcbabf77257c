"""The dossier list counts up to TTHC_LIST_COUNT_LIMIT matches (config/pagination.py).

At most that many: the exact number, "page 1 of 2" and a link to the last page, as always. More:
"more than N" (Vietnamese and English), no last page, every row still reachable by "next"; the
API's ``count`` is null with ``counted_up_to``. 51 dossiers: two pages of 50.
"""

import pytest
import time_machine
import yaml
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.pagination import BoundedPaginator, bounded_count
from dossiers.models import Dossier
from tests.helpers import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 3, 2, 9)
API = "/api/v1/dossiers/"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def dossiers(receive):
    """51 dossiers of unit A received in February 2026, newest first as the list shows them."""
    made = [receive(local(2026, 2, 2 + number % 20, 8 + number // 20)) for number in range(51)]
    return sorted(made, key=lambda dossier: (dossier.received_at, dossier.pk), reverse=True)


def page(client, user, *, language="vi", **query):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # the language switcher's cookie
    response = client.get(reverse("dossiers:list"), query)
    assert response.status_code == 200
    return response


def count_line(response) -> str:
    html = response.content.decode()
    start = html.index('id="result-count">')
    return " ".join(html[start : html.index("</p>", start)].split()[1:])


class TestPage:
    def test_at_the_limit_the_count_is_exact_with_a_last_page(self, client, office_staff, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 51
        response = page(client, office_staff)
        assert count_line(response).startswith("51 hồ sơ · trang 1/2")
        html = response.content.decode()
        assert html.count('href="?page=2"') == 2  # next and last
        assert "1 / 2" in html
        assert 'id="count-note"' not in html

    def test_above_the_limit_more_than_and_no_last_page(self, client, office_staff, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 50
        response = page(client, office_staff)
        assert count_line(response).startswith("Hơn 50 hồ sơ · trang 1 ·")
        html = response.content.decode()
        assert html.count('href="?page=2"') == 1  # next only: no last page
        assert "1 / " not in html
        assert "Số liệu chính thức có trong các báo cáo" in html
        assert [dossier.code for dossier in response.context["dossiers"]] == [d.code for d in dossiers[:50]]

        second = page(client, office_staff, page=2)
        assert [dossier.code for dossier in second.context["dossiers"]] == [dossiers[50].code]
        assert 'rel="next"' not in second.content.decode()
        assert 'href="?page=1" rel="prev"' in second.content.decode().replace("&amp;", "&")

        client.force_login(office_staff)
        assert client.get(reverse("dossiers:list"), {"page": 3}).status_code == 404

    def test_in_english(self, client, office_staff, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 50
        response = page(client, office_staff, language="en")
        assert count_line(response).startswith("More than 50 dossiers · page 1 ·")
        assert "Official figures are in the reports." in response.content.decode()
        settings.TTHC_LIST_COUNT_LIMIT = 51
        assert count_line(page(client, office_staff, language="en")).startswith("51 dossiers · page 1 of 2")

    def test_a_filtered_list_is_counted_with_its_filters(self, client, office_staff, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 10
        response = page(client, office_staff, status="processing", received_from="2026-02-03")
        assert count_line(response).startswith("Hơn 10 hồ sơ")
        matching = Dossier.objects.filter(status="processing", received_on__gte="2026-02-03").count()
        assert 10 < matching < 50
        assert len(response.context["dossiers"]) == matching  # all on one page: no next, no last
        assert 'rel="next"' not in response.content.decode()
        few = page(client, office_staff, received_from="2026-02-19")
        expected = Dossier.objects.filter(received_on__gte="2026-02-19").count()
        assert 0 < expected <= 10
        assert count_line(few).startswith(f"{expected} hồ sơ")

    @pytest.mark.parametrize("limit", [50, 51])
    def test_query_budget(self, client, office_staff, dossiers, settings, django_assert_max_num_queries, limit):
        settings.TTHC_LIST_COUNT_LIMIT = limit
        client.force_login(office_staff)
        # Session, user, memberships; count and page; units, procedures and fields of the filter bar.
        with django_assert_max_num_queries(8):
            response = client.get(reverse("dossiers:list"), {"status": "processing"})
        assert len(response.context["dossiers"]) == 50


class TestApi:
    def test_below_the_limit_count_is_exact(self, client_for, officer_a, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 51
        body = client_for(officer_a).get(API).json()
        assert (body["count"], body["counted_up_to"], len(body["results"])) == (51, 51, 50)
        assert body["next"].endswith("?page=2")

    def test_above_the_limit_count_is_null_and_next_reaches_every_row(self, client_for, officer_a, dossiers, settings):
        settings.TTHC_LIST_COUNT_LIMIT = 20
        api = client_for(officer_a)
        body = api.get(API, {"page_size": 25}).json()
        assert list(body) == ["count", "counted_up_to", "next", "previous", "results"]
        assert (body["count"], body["counted_up_to"], body["previous"]) == (None, 20, None)
        codes = [row["code"] for row in body["results"]]
        while body["next"]:
            body = api.get(body["next"]).json()
            assert (body["count"], body["previous"] is not None) == (None, True)
            codes += [row["code"] for row in body["results"]]
        assert codes == [dossier.code for dossier in dossiers]
        assert api.get(API, {"page_size": 25, "page": 4}).status_code == 404

    def test_a_page_number_too_large_for_the_database_is_a_404(self, client_for, client, officer_a, dossiers, settings):
        # Its offset is past any 64-bit integer: SQLite answered "datatype mismatch" and
        # PostgreSQL "bigint out of range", a 500, where a page past the rows is a 404.
        settings.TTHC_LIST_COUNT_LIMIT = 20
        huge = "99999999999999999999"
        assert client_for(officer_a).get(API, {"page": huge}).status_code == 404
        client.force_login(officer_a)
        assert client.get(reverse("dossiers:list"), {"page": huge}).status_code == 404

    def test_the_schema_says_count_may_be_null(self, client, office_staff):
        client.force_login(office_staff)
        schema = yaml.safe_load(client.get("/api/schema/").content)
        listed = schema["components"]["schemas"]["PaginatedDossierList"]
        assert listed["properties"]["count"]["nullable"] is True
        assert listed["properties"]["counted_up_to"]["type"] == "integer"
        assert "counted_up_to" not in schema["components"]["schemas"]["PaginatedDossierEventList"]["properties"]


class TestBoundedCount:
    def test_counts_up_to_the_limit_plus_one_in_one_query(self, dossiers):
        queryset = Dossier.objects.order_by("-received_at", "-id")
        with CaptureQueriesContext(connection) as queries:
            assert [bounded_count(queryset, limit) for limit in (10, 50, 51, 100)] == [11, 51, 51, 51]
        assert len(queries) == 4
        sql = queries[0]["sql"].upper()
        assert "LIMIT 11" in sql and "ORDER BY" not in sql  # a count needs no sort

    def test_a_page_past_the_rows_is_empty(self):
        paginator = BoundedPaginator(list(range(25)), 10, limit=5)
        assert (paginator.count_is_exact, paginator.page(3).object_list, paginator.page(3).has_next()) == (
            False,
            [20, 21, 22, 23, 24],
            False,
        )
        assert paginator.page(3).end_index() == 25
        with pytest.raises(Exception, match="no results"):
            paginator.page(4)
