"""The dossier list's count, exact and bounded, on a large database that it only reads.

    .venv/bin/python bench/list_count.py --database-url postgres://…/h15_scale_5m [--repeat 5]

For the Government Office's list (every dossier) and a few filtered lists, as the list page and
the API run them (``DossierFilterSet`` over ``dossiers_visible_to``, newest first, 50 a page):
the exact ``COUNT`` Django's paginator used to run, the bounded count (``config.pagination``,
``TTHC_LIST_COUNT_LIMIT``), and the whole first page with each paginator (count and rows), then
the list page itself rendered as the ministry office (``RequestFactory``, no session written).
Median of ``--repeat`` after one warm-up. The session is read-only (``default_transaction_read_only``):
nothing is migrated or written, so it may run on a database that belongs to someone else.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_seconds(repeat: int, work) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database with many dossiers (only read)")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    os.environ["DATABASE_URL"] = arguments.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.paginator import Paginator
    from django.db import connection
    from django.http import QueryDict
    from django.test import RequestFactory

    from config.pagination import BoundedPaginator
    from dossiers.filtersets import DossierFilterSet
    from dossiers.selectors import dossiers_visible_to
    from dossiers.views import DossierListView
    from units.access import FULL_ACCESS
    from units.choices import MembershipRole
    from units.models import Membership

    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")  # any write would fail
    office = Membership.objects.filter(role=MembershipRole.MINISTRY_OFFICE).select_related("user").first()
    if office is None:
        sys.exit("No ministry office user in this database.")
    largest = "QLD"
    lists = {
        "first page (every dossier)": {},
        "overdue=true": {"overdue": "true"},
        f"unit={largest}&status=processing": {"unit": largest, "status": "processing"},
        "q=nguyen": {"q": "nguyen"},
    }
    limit = settings.TTHC_LIST_COUNT_LIMIT
    print(f"TTHC_LIST_COUNT_LIMIT = {limit:,}; median of {arguments.repeat} after a warm-up (seconds)")
    print(
        "| list | matches | exact COUNT | bounded count | first page, exact | first page, bounded "
        "| page view, exact | page view, bounded |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")

    class ExactPaginator(Paginator):
        """Django's paginator, as the list used it before (its template asks whether the count is exact)."""

        count_is_exact = True

    factory = RequestFactory()
    for label, query in lists.items():
        filterset = DossierFilterSet(QueryDict(urlencode(query)), queryset=dossiers_visible_to(FULL_ACCESS))
        assert filterset.is_valid(), filterset.errors
        queryset = filterset.qs
        matches = queryset.count()

        def first_page(paginator_class, queryset=queryset):
            paginator = paginator_class(queryset, 50)
            return list(paginator.page(1).object_list), paginator.count

        def view(paginator_class, query=query):
            DossierListView.paginator_class = paginator_class
            request = factory.get("/dossiers/", query)
            request.user = office.user
            request.session = {}
            response = DossierListView.as_view()(request)
            response.render()
            assert response.status_code == 200

        exact = median_seconds(arguments.repeat, lambda q=queryset: Paginator(q, 50).count)
        bounded = median_seconds(arguments.repeat, lambda q=queryset: BoundedPaginator(q, 50).count)
        page_exact = median_seconds(arguments.repeat, lambda: first_page(Paginator))
        page_bounded = median_seconds(arguments.repeat, lambda: first_page(BoundedPaginator))
        view_exact = median_seconds(arguments.repeat, lambda: view(ExactPaginator))
        view_bounded = median_seconds(arguments.repeat, lambda: view(BoundedPaginator))
        print(
            f"| {label} | {matches:,} | {exact:.3f} | {bounded:.4f} | {page_exact:.3f} | {page_bounded:.4f} "
            f"| {view_exact:.3f} | {view_bounded:.3f} |"
        )
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
