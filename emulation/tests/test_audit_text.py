"""The year's activity log in words: a change of how the year builds on its periods once broke the
year page with a 500 (the rule's text value was formatted as a number), and recorded decisions
showed raw keys and "None" (found by a new user trying the 2026 demo year)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from emulation import selectors, services
from emulation.choices import AuditAction, YearRule
from emulation.models import AuditEntry, Criterion, EmulationYear

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def current_criteria():
    return [
        services.CriterionInput(
            id=item.pk,
            code=item.code,
            name_vi=item.name_vi,
            name_en=item.name_en,
            max_points=item.max_points,
            metric=item.metric,
            target=item.target,
        )
        for item in Criterion.objects.filter(year__year=YEAR).order_by("position", "pk")
    ]


def test_changing_the_year_rule_is_logged_in_words_and_the_page_answers(scheme, client, office_staff):
    record = EmulationYear.objects.get(year=YEAR)
    services.scheme_update(
        year=YEAR,
        criteria=current_criteria(),
        outstanding_min=record.outstanding_min,
        good_min=record.good_min,
        completed_min=record.completed_min,
        min_tenure_months=record.min_tenure_months,
        year_rule=YearRule.MONTH_MEAN,
        by=office_staff,
    )
    client.force_login(office_staff)
    response = client.get(reverse("emulation:year", args=[YEAR]))
    assert response.status_code == 200
    page = response.content.decode()
    with translation.override("vi"):
        assert escape(f"{YearRule.WHOLE_YEAR.label} → {YearRule.MONTH_MEAN.label}") in page
    assert "month_mean" not in page


def test_a_council_decision_and_a_review_name_their_fields_and_criteria(scheme, office_staff):
    year = EmulationYear.objects.get(year=YEAR)
    council = AuditEntry.objects.create(
        year=year, by=office_staff, action=AuditAction.COUNCIL, before={}, after={"number": "5/QĐ", "date": None}
    )
    changed = AuditEntry.objects.create(
        year=year,
        by=office_staff,
        action=AuditAction.COUNCIL,
        before={"date": None},
        after={"date": datetime.date(2026, 12, 20).isoformat()},
    )
    review = AuditEntry.objects.create(
        year=year,
        by=office_staff,
        action=AuditAction.REVIEW,
        before={"claimed": {"reform": "8.50"}},
        after={"kept": {"reform": "7.00"}},
    )
    names = selectors.criterion_names(year)
    assert selectors.audit_changes(council, names) == ["Decision number: 5/QĐ", "Decision date: —"]
    assert selectors.audit_changes(changed, names) == ["Decision date: — → 20/12/2026"]
    assert selectors.audit_changes(review, names) == ["Criterion reform: 8.50 → 7.00"]  # English interface: a dot
