"""EXPLAIN ANALYZE of the dossier list's main filters, as the API and the list page run them.

    .venv/bin/python bench/explain.py [--database-url URL]

Run it on a database loaded by ``bench/nightly.py`` (a million dossiers by default): it applies
any pending migration, then prints, for each filter, the plan of the page query (50 rows) and of
the paginator's COUNT. Paste the output into docs/performance.md.
"""

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import DEFAULT_URL, prepare_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    arguments = parser.parse_args()
    prepare_database(arguments.database_url, fresh=False)

    from django.core.management import call_command
    from django.db import connection
    from django.http import QueryDict

    from dossiers.filtersets import DossierFilterSet
    from dossiers.models import Dossier
    from dossiers.search import search_key
    from dossiers.selectors import dossiers_visible_to, local_today
    from units.access import FULL_ACCESS, Access
    from units.models import Unit

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    unit = Unit.objects.get(code="QLD")
    officer = Access(read_unit_ids=frozenset([unit.pk]), write_unit_ids=frozenset([unit.pk]))
    applicant, code = (
        Dossier.objects.filter(unit=unit).order_by("received_at").values_list("applicant_name", "code")[1000]
    )
    today = local_today()
    cases = [
        ("ministry office, no filter (newest first)", FULL_ACCESS, {}),
        ("officer of QLD: own unit only", officer, {}),
        ("unit=QLD", FULL_ACCESS, {"unit": "QLD"}),
        ("subtree=QLD (QLD and its divisions)", FULL_ACCESS, {"subtree": "QLD"}),
        ("overdue=true", FULL_ACCESS, {"overdue": "true"}),
        ("due_soon=true", FULL_ACCESS, {"due_soon": "true"}),
        ("unit=QLD & overdue=true", FULL_ACCESS, {"unit": "QLD", "overdue": "true"}),
        (
            "received in the last 30 days",
            FULL_ACCESS,
            {"received_from": str(today.replace(day=1)), "received_to": str(today)},
        ),
        ("timeliness=late, ended this year", FULL_ACCESS, {"timeliness": "late", "ended_from": f"{today.year}-01-01"}),
        ("q=<applicant name>", FULL_ACCESS, {"q": applicant}),
        ("q=<the name in capitals>", FULL_ACCESS, {"q": applicant.upper()}),
        ("q=<the name without its marks>", FULL_ACCESS, {"q": search_key(applicant)}),
        ("q=nguyen (a third of the names)", FULL_ACCESS, {"q": "nguyen"}),
        ("q=<a whole dossier code>", FULL_ACCESS, {"q": code}),
        ("q=<code prefix: one month of one unit>", FULL_ACCESS, {"q": code[:12]}),
        ("q=<code prefix> as an officer of QLD", officer, {"q": code[:12]}),
        ("q=<a code's last 4 digits>", FULL_ACCESS, {"q": code[-4:]}),
    ]
    print(f"{Dossier.objects.count():,} dossiers; today {today}\n")
    for title, access, params in cases:
        filterset = DossierFilterSet(QueryDict(urlencode(params)), queryset=dossiers_visible_to(access))
        assert filterset.is_valid(), filterset.errors
        queryset = filterset.qs
        if not queryset.query.order_by:
            queryset = queryset.order_by("-received_at", "-id")
        print(f"### {title}\n")
        print(f"`{params or 'no parameters'}`\n")
        print("```")
        print(queryset[:50].explain(analyze=True, buffers=False, timing=True, costs=False, summary=True))
        print("```\n")
        started = time.perf_counter()
        total = queryset.count()
        print(f"COUNT for the paginator: {total:,} rows in {(time.perf_counter() - started) * 1000:.0f} ms\n")


if __name__ == "__main__":
    main()
