"""What the logs say about refused requests (issue 13 item 14)."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def lines_logged(caplog) -> list[str]:
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    return [formatter.format(record) for record in caplog.records if record.name == "django.request"]


def test_a_403_is_one_line_with_its_reason(client, officer_a, caplog):
    client.force_login(officer_a)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/reports/runs/")
    assert response.status_code == 403
    [line] = lines_logged(caplog)
    assert line.startswith("WARNING django.request Forbidden (Permission denied): /reports/runs/")
    assert "\n" not in line
    assert "Traceback" not in line


def test_a_500_keeps_its_traceback(client, office_staff, caplog, monkeypatch):
    from stats import views

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views.StatsRunsView, "get_queryset", broken)
    client.raise_request_exception = False
    client.force_login(office_staff)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        assert client.get("/reports/runs/").status_code == 500
    [line] = lines_logged(caplog)
    assert "Traceback" in line
    assert "RuntimeError: the database went away" in line
