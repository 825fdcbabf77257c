"""Self-assessment → review → council decision → finalised: who does what, each step audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from config.exceptions import ConflictError
from emulation import services
from emulation.choices import AssessmentStatus, AuditAction
from emulation.models import AuditEntry, Criterion, ManualScore, SelfAssessment
from emulation.services import Claim, ReviewDecision

from .conftest import YEAR, procedure_of

pytestmark = pytest.mark.django_db
PAGE = f"/emulation/{YEAR}/self-assessment/QLD/"


@pytest.fixture
def reform(scheme, unit_a):
    procedure_of(unit_a)
    return Criterion.objects.get(year=scheme, code="reform")


def claim(unit, reform, by, points="38", evidence="Đề án số hoá 2026"):
    return services.self_assessment_save(
        year=YEAR,
        unit=unit,
        claims=[Claim(reform, None if points is None else Decimal(points), evidence)],
        comments="Đơn vị tự đánh giá",
        by=by,
    )


def test_the_unit_submits_and_the_office_adjusts_with_a_reason(reform, unit_a, officer_a, office_staff):
    claim(unit_a, reform, officer_a)
    services.evidence_file_add(year=YEAR, unit=unit_a, name="de-an.pdf", content=b"%PDF-1.4 x", by=officer_a)
    services.self_assessment_submit(year=YEAR, unit=unit_a, by=officer_a)
    with pytest.raises(ConflictError, match="already submitted"):
        claim(unit_a, reform, officer_a, points="40")
    with pytest.raises(ValidationError) as error:
        services.self_assessment_review(
            year=YEAR, unit=unit_a, decisions=[ReviewDecision(reform, Decimal(30))], by=office_staff
        )
    assert "reason_reform" in error.value.message_dict
    services.self_assessment_review(
        year=YEAR,
        unit=unit_a,
        decisions=[ReviewDecision(reform, Decimal(30), "Chưa có quyết định công nhận sáng kiến")],
        by=office_staff,
    )
    item = SelfAssessment.objects.get(unit=unit_a)
    assert item.status == AssessmentStatus.REVIEWED
    manual = ManualScore.objects.get(unit=unit_a, criterion=reform)
    assert manual.points == Decimal(30)
    assert "Đề án số hoá 2026" in manual.evidence and "Chưa có quyết định công nhận sáng kiến" in manual.evidence
    review = AuditEntry.objects.get(action=AuditAction.REVIEW)
    assert (review.before, review.after) == ({"claimed": {"reform": "38.00"}}, {"kept": {"reform": "30.00"}})
    assert review.reason == "reform: Chưa có quyết định công nhận sáng kiến"
    assert AuditEntry.objects.filter(action=AuditAction.SELF_ASSESSMENT, unit=unit_a).count() == 1


def test_submitting_needs_every_manual_criterion_and_claims_are_checked(reform, unit_a, officer_a):
    with pytest.raises(ValidationError) as error:
        claim(unit_a, reform, officer_a, points="41", evidence="")
    assert set(error.value.message_dict) == {"points_reform", "evidence_reform"}
    with pytest.raises(ValidationError, match="reform"):
        services.self_assessment_submit(year=YEAR, unit=unit_a, by=officer_a)
    with pytest.raises(ValidationError, match="PDF"):
        services.evidence_file_add(year=YEAR, unit=unit_a, name="virus.exe", content=b"MZ", by=officer_a)


class TestPages:
    def test_the_unit_officer_fills_submits_and_cannot_review(self, reform, client, officer_a):
        client.force_login(officer_a)
        client.cookies["django_language"] = "en"
        assert client.get(f"/emulation/{YEAR}/self-assessment/").status_code == 200
        response = client.post(
            PAGE,
            {
                "action": "submit",
                "points_reform": "38",
                "evidence_reform": "Đề án số hoá 2026",
                "comments": "",
                "file": SimpleUploadedFile("de-an.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
            },
        )
        assert response.status_code == 302
        page = client.get(PAGE).content.decode()
        assert 'id="assessment-status">Submitted' in page and "de-an.pdf" in page
        assert 'id="review-form"' not in page
        assert client.post(PAGE, {"action": "review", "points_reform": "10"}).status_code == 403
        file_url = f"{PAGE}files/{SelfAssessment.objects.get().files.get().pk}/"
        assert client.get(file_url).content == b"%PDF-1.4 x"

    def test_the_office_reviews_on_the_page(self, reform, unit_a, officer_a, client, office_staff):
        claim(unit_a, reform, officer_a)
        services.self_assessment_submit(year=YEAR, unit=unit_a, by=officer_a)
        client.force_login(office_staff)
        client.cookies["django_language"] = "en"
        bad = client.post(PAGE, {"action": "review", "points_reform": "30", "reason_reform": ""})
        assert bad.status_code == 400 and "reason_reform" in bad.context["review_form"].errors
        ok = client.post(PAGE, {"action": "review", "points_reform": "30", "reason_reform": "Thiếu quyết định"})
        assert ok.status_code == 302
        page = client.get(PAGE).content.decode()
        assert 'id="assessment-status">Reviewed' in page and "Thiếu quyết định" in page

    def test_another_units_officer_is_refused(self, reform, client, officer_b):
        client.force_login(officer_b)
        assert client.get(PAGE).status_code == 403

    def test_points_are_typed_and_shown_the_vietnamese_way(self, reform, unit_a, client, officer_a, office_staff):
        # A Vietnamese user types "8,5"; the form once refused it and showed "10.00" back.
        client.force_login(officer_a)
        response = client.post(
            PAGE, {"action": "save", "points_reform": "8,5", "evidence_reform": "Đề án", "comments": ""}
        )
        assert response.status_code == 302
        line = SelfAssessment.objects.get(unit=unit_a).lines.get()
        assert line.claimed_points == Decimal("8.5")
        page = client.get(PAGE).content.decode()
        assert 'value="8,50"' in page
        assert 'value="8.50"' not in page
        services.self_assessment_submit(year=YEAR, unit=unit_a, by=officer_a)
        client.force_login(office_staff)
        review = client.get(PAGE).content.decode()
        assert "8,50" in review and "8.50" not in review
        # The English spelling still works for the same field.
        ok = client.post(PAGE, {"action": "review", "points_reform": "8.5", "reason_reform": ""})
        assert ok.status_code == 302
