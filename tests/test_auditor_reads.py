"""An auditor reads everything (DESIGN.md roles; issue 13 item 2): no page they open is a 403."""

import pytest

from tests.urlwalk import all_paths

pytestmark = pytest.mark.django_db

# Forms that enter new data: an auditor writes nothing, so these are refused on purpose.
ENTRY_FORMS = {"/dossiers/new/", "/feedback/new/", "/dossiers/imports/new/"}


def test_no_page_refuses_an_auditor(client, auditor, unit_a):
    client.force_login(auditor)
    refused = [
        path
        for path in all_paths("QLD")
        if not path.startswith("/api/") and path not in ENTRY_FORMS and client.get(path).status_code == 403
    ]
    assert refused == []
