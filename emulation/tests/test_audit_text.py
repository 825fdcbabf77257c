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
    # Read back from the database, whose jsonb may order the keys otherwise: the same lines.
    assert selectors.audit_changes(AuditEntry.objects.get(pk=council.pk), names) == [
        "Decision number: 5/QĐ",
        "Decision date: —",
    ]
    assert selectors.audit_changes(changed, names) == ["Decision date: — → 20/12/2026"]
    assert selectors.audit_changes(review, names) == ["Criterion reform: 8.50 → 7.00"]  # English interface: a dot


def test_recorded_ratings_assessments_and_exceptions_show_field_names_not_keys(scheme, office_staff):
    # Found by a new user: the log read "outstanding: 1 → 2", "general_points: 8.00", "group: administration".
    year = EmulationYear.objects.get(year=YEAR)

    def lines(action, after, before=None):
        entry = AuditEntry.objects.create(year=year, by=office_staff, action=action, before=before or {}, after=after)
        # Read back as the page reads it: PostgreSQL's jsonb does not keep the keys' order.
        return selectors.audit_changes(AuditEntry.objects.get(pk=entry.pk), selectors.criterion_names(year))

    rating = lines(
        AuditAction.STAFF_RATING,
        {"outstanding": 2, "good": 5, "completed": 1, "not_completed": 0, "document": "12/QĐ", "period": "month 3"},
        before={"outstanding": 1, "good": 5, "completed": 1, "not_completed": 0, "document": "12/QĐ"},
    )
    assessment = lines(
        AuditAction.HEAD_ASSESSMENT,
        {"general_points": "27.50", "general_evidence": "Biên bản", "organisation_percent": None},
    )
    exception = lines(AuditAction.QUOTA_EXCEPTION, {"group": "administration", "decision": "7/QĐ", "reason": "Giải A"})
    sanction = lines(AuditAction.DISQUALIFIER, {"kind": "sanction", "decision": "9/QĐ (02/03/2026)", "tenure": None})

    assert rating == [
        "Period: Month 3",
        "Rated outstanding: 1 → 2",
        "Rated good: 5",
        "Rated completed: 1",
        "Rated not completed: 0",
        "Approving document number: 12/QĐ",
    ]
    assert assessment == [
        "General criteria (points): 27.50",
        "Evidence for the general criteria: Biên bản",
        "Organisation of the unit's work (%): —",
    ]
    assert exception == ["Group of similar duties: Administration (Cục)", "Achievements: Giải A", "Decision: 7/QĐ"]
    assert sanction == ["Kind: Disciplinary sanction", "Head: —", "Decision: 9/QĐ (02/03/2026)"]
    with translation.override("vi"):
        entry = AuditEntry.objects.filter(action=AuditAction.STAFF_RATING).get()
        assert selectors.audit_changes(entry)[0].endswith(": Tháng 3")
        assert selectors.audit_changes(entry)[1] == "Hoàn thành xuất sắc nhiệm vụ: 1 → 2"


def test_a_change_of_how_heads_are_scored_shows_the_choices_in_words(scheme, office_staff):
    services.head_settings_update(year=YEAR, by=office_staff, timeliness_rule="metric")

    entry = AuditEntry.objects.filter(action=AuditAction.SCHEME_CHANGED).latest("pk")

    assert selectors.audit_changes(entry) == [
        "Timeliness rule: Mean of the chosen rate and the progress rate → The chosen rate alone"
    ]
