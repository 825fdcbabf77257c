"""Load the demo organisation and catalogue: ``python manage.py seed_demo``.

The Ministry of Health with its real units, their heads and deputies, the fields and about 120
procedures of real Ministry of Health procedure types with their announcing decisions, the 2025
reduction plans, the demo logins and the National Public Service Portal's API token.

Safe to run again: every row is keyed by a code, username, e-mail or date and updated in place,
so a second run changes nothing and duplicates nothing. All values come from ``random.Random``
seeded with a constant, so every laptop gets the same data.

Each part of the data is one ``_seed_*`` method called in order by ``handle()``; later modules add
their own step there (dossiers: added by the dossiers module).
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from config.exceptions import ConflictError
from demo.generator import generate_dossiers
from dossiers.models import Dossier
from emulation.services import emulation_compute, emulation_seed_demo_scheme
from procedures.choices import ChangeKind, CompetentLevel, OnlineService
from procedures.models import Field, Procedure, ProcedureVersion, ReductionPlan
from procedures.selectors import reduction_summary
from procedures.services import procedure_flags_record
from stats.rollups import stats_backfill
from units.choices import MembershipRole, TenureRole, TokenScope, UnitKind
from units.models import ApiToken, Membership, Person, Tenure, Unit, login_name

D = datetime.date
RANDOM_SEED = 2026
DEMO_DOSSIERS = 5000
DOSSIERS_FROM = D(2024, 1, 1)
DEMO_PASSWORD = "tthc@2026"
PLAN_YEAR = 2025
# The Ministry of Health's reported cuts for 2025 (DESIGN.md, "Procedures"): the plans are built
# so that their totals come out at these shares.
TARGET_DAYS_CUT = Decimal("0.2138")
TARGET_COST_CUT = Decimal("0.20")
TARGET_CONDITIONS_CUT = Decimal("0.31")
# The Drug Administration's head retires on 30 June 2025; the deputy who holds the demo login
# ``truong.qld`` takes over the next day, so leader scores for 2025 are split between two people.
HEAD_CHANGE_UNIT = "QLD"
HEAD_CHANGE_DATE = D(2025, 7, 1)
PORTAL_TOKEN_NAME = "Cổng Dịch vụ công quốc gia"
EMAIL_DOMAIN = "tthc.example"

# --- Units ----------------------------------------------------------------------------------
# (code, parent code, kind, Vietnamese name, English name); parents come before their children.
UNITS = [
    ("BYT", None, UnitKind.MINISTRY, "Bộ Y tế", "Ministry of Health"),
    ("VPB", "BYT", UnitKind.OFFICE, "Văn phòng Bộ", "Ministry Office"),
    ("PC", "BYT", UnitKind.DEPARTMENT, "Vụ Pháp chế", "Legal Department"),
    ("KHTC", "BYT", UnitKind.DEPARTMENT, "Vụ Kế hoạch - Tài chính", "Department of Planning and Finance"),
    ("TCCB", "BYT", UnitKind.DEPARTMENT, "Vụ Tổ chức cán bộ", "Department of Personnel and Organization"),
    ("TTRA", "BYT", UnitKind.INSPECTORATE, "Thanh tra Bộ", "Ministry Inspectorate"),
    ("QLD", "BYT", UnitKind.ADMINISTRATION, "Cục Quản lý Dược", "Drug Administration of Vietnam"),
    ("QLD_KD", "QLD", UnitKind.OTHER, "Phòng Quản lý kinh doanh dược", "Drug Trade Division"),
    ("QLD_DK", "QLD", UnitKind.OTHER, "Phòng Đăng ký thuốc", "Drug Registration Division"),
    ("QLD_MP", "QLD", UnitKind.OTHER, "Phòng Quản lý mỹ phẩm", "Cosmetics Division"),
    (
        "KCB",
        "BYT",
        UnitKind.ADMINISTRATION,
        "Cục Quản lý Khám, chữa bệnh",
        "Department of Medical Examination and Treatment Management",
    ),
    (
        "YDCT",
        "BYT",
        UnitKind.ADMINISTRATION,
        "Cục Quản lý Y, Dược cổ truyền",
        "Department of Traditional Medicine Management",
    ),
    ("DP", "BYT", UnitKind.ADMINISTRATION, "Cục Phòng bệnh", "Department of Disease Prevention"),
    ("ATTP", "BYT", UnitKind.ADMINISTRATION, "Cục An toàn thực phẩm", "Vietnam Food Administration"),
    (
        "HTTB",
        "BYT",
        UnitKind.ADMINISTRATION,
        "Cục Cơ sở hạ tầng và Thiết bị y tế",
        "Department of Infrastructure and Medical Equipment",
    ),
    (
        "KHCN",
        "BYT",
        UnitKind.ADMINISTRATION,
        "Cục Khoa học công nghệ và Đào tạo",
        "Department of Science, Technology and Training",
    ),
    ("TTTT", "BYT", UnitKind.CENTRE, "Trung tâm Thông tin y tế Quốc gia", "National Health Information Centre"),
]

# Titles of a unit's head and deputies, by kind of unit.
TITLES = {
    UnitKind.MINISTRY: ("Bộ trưởng", "Thứ trưởng"),
    UnitKind.OFFICE: ("Chánh Văn phòng", "Phó Chánh Văn phòng"),
    UnitKind.INSPECTORATE: ("Chánh Thanh tra Bộ", "Phó Chánh Thanh tra Bộ"),
    UnitKind.DEPARTMENT: ("Vụ trưởng", "Phó Vụ trưởng"),
    UnitKind.ADMINISTRATION: ("Cục trưởng", "Phó Cục trưởng"),
    UnitKind.CENTRE: ("Giám đốc", "Phó Giám đốc"),
    UnitKind.OTHER: ("Trưởng phòng", "Phó Trưởng phòng"),
}

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Thu", "Ngọc", "Hồng", "Xuân", "Anh"]
GIVEN_NAMES = [
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh",
    "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quang", "Sơn", "Tâm", "Thắng", "Thủy", "Trang", "Tuấn", "Việt",
]  # fmt: skip

# --- Fields ---------------------------------------------------------------------------------
FIELDS = [
    ("pharmacy", "Dược", "Pharmacy"),
    ("cosmetics", "Mỹ phẩm", "Cosmetics"),
    ("medical-equipment", "Trang thiết bị y tế", "Medical equipment"),
    ("food-safety", "An toàn thực phẩm", "Food safety"),
    ("medical-treatment", "Khám bệnh, chữa bệnh", "Medical examination and treatment"),
    ("traditional-medicine", "Y, dược cổ truyền", "Traditional medicine"),
    ("preventive-medicine", "Y tế dự phòng", "Preventive medicine"),
    ("hiv-aids", "Phòng, chống HIV/AIDS", "HIV/AIDS prevention and control"),
    ("population", "Dân số", "Population"),
    ("medical-assessment", "Giám định y khoa", "Medical assessment"),
]

# --- Procedures -----------------------------------------------------------------------------
# A family is a group of procedures announced together by one decision: the same field, unit and
# flags, with variants (issue / re-issue / amend × subject) generated below rather than at random.


@dataclass(frozen=True)
class Verb:
    vi: str
    en: str
    days_factor: float  # processing time relative to a first issue


ISSUE = Verb("Cấp", "Issuance of the", 1.0)
REISSUE = Verb("Cấp lại", "Re-issuance of the", 0.5)
AMEND = Verb("Điều chỉnh", "Amendment of the", 0.6)
RENEW = Verb("Gia hạn", "Renewal of the", 0.6)
LICENCE_VERBS = (ISSUE, REISSUE, AMEND)


@dataclass(frozen=True)
class Family:
    field: str
    unit: str
    business_related: bool
    has_fee: bool
    items: tuple[tuple[str, str, int], ...]  # (Vietnamese name, English name, processing days)


def licence(field, unit, obj_vi, obj_en, days, *, verbs=LICENCE_VERBS, business=True, fee=True) -> Family:
    """A licence or certificate that is issued, re-issued and amended: one procedure per verb."""
    items = tuple(
        (f"{verb.vi} {obj_vi}", f"{verb.en} {obj_en}", max(1, round(days * verb.days_factor))) for verb in verbs
    )
    return Family(field, unit, business, fee, items)


def each_subject(field, unit, verbs, subjects, *, business=True, fee=True) -> Family:
    """One procedure per (verb, subject): ``verbs`` are (vi, en, days) prefixes of a subject."""
    items = tuple(
        (f"{verb_vi} {subject_vi}", f"{verb_en} {subject_en}", days)
        for verb_vi, verb_en, days in verbs
        for subject_vi, subject_en in subjects
    )
    return Family(field, unit, business, fee, items)


def listed(field, unit, *items, business=True, fee=True) -> Family:
    return Family(field, unit, business, fee, tuple(items))


MARKETING_AUTHORISATION = (
    ("Cấp giấy đăng ký lưu hành", "Issuance of the marketing authorisation for", 180),
    ("Gia hạn giấy đăng ký lưu hành", "Renewal of the marketing authorisation for", 45),
    ("Thay đổi, bổ sung giấy đăng ký lưu hành", "Variation of the marketing authorisation for", 60),
)
DRUG_BUSINESS = "giấy chứng nhận đủ điều kiện kinh doanh dược đối với"
DRUG_BUSINESS_EN = "certificate of eligibility for pharmaceutical business for"
PRODUCT_DECLARATION = (("Đăng ký bản công bố sản phẩm", "Registration of the product declaration for", 21),)
CENTRAL_COUNCIL = "tại Hội đồng Giám định y khoa trung ương"

FAMILIES = [
    # Pharmacy: the Drug Administration (QLD), clinical trials at KHCN.
    licence("pharmacy", "QLD", "chứng chỉ hành nghề dược", "pharmacy practice certificate", 20, business=False),
    licence("pharmacy", "QLD", f"{DRUG_BUSINESS} cơ sở sản xuất thuốc", f"{DRUG_BUSINESS_EN} drug manufacturers", 30),
    licence(
        "pharmacy",
        "QLD",
        f"{DRUG_BUSINESS} cơ sở xuất khẩu, nhập khẩu thuốc",
        f"{DRUG_BUSINESS_EN} drug exporters and importers",
        30,
    ),
    licence(
        "pharmacy",
        "QLD",
        f"{DRUG_BUSINESS} cơ sở kinh doanh dịch vụ kiểm nghiệm thuốc",
        f"{DRUG_BUSINESS_EN} drug testing services",
        30,
    ),
    licence(
        "pharmacy",
        "QLD",
        f"{DRUG_BUSINESS} cơ sở kinh doanh dịch vụ bảo quản thuốc",
        f"{DRUG_BUSINESS_EN} drug storage services",
        30,
    ),
    each_subject(
        "pharmacy",
        "QLD",
        MARKETING_AUTHORISATION,
        [
            ("thuốc hóa dược", "chemical drugs"),
            ("vắc xin", "vaccines"),
            ("sinh phẩm", "biologicals"),
            ("nguyên liệu làm thuốc", "pharmaceutical ingredients"),
        ],
    ),
    each_subject(
        "pharmacy",
        "QLD",
        [("Cấp giấy phép nhập khẩu", "Import licence for", 15)],
        [
            ("thuốc chưa có giấy đăng ký lưu hành tại Việt Nam", "drugs without a marketing authorisation in Vietnam"),
            ("thuốc phải kiểm soát đặc biệt", "specially controlled drugs"),
            ("nguyên liệu làm thuốc là dược chất gây nghiện", "narcotic pharmaceutical ingredients"),
        ],
    ),
    each_subject(
        "pharmacy",
        "QLD",
        [("Cấp giấy phép xuất khẩu", "Export licence for", 15)],
        [
            ("thuốc phải kiểm soát đặc biệt", "specially controlled drugs"),
            ("dược liệu thuộc danh mục loài, chủng loại quý, hiếm", "rare and precious medicinal herbs"),
        ],
    ),
    licence("pharmacy", "QLD", "giấy xác nhận nội dung quảng cáo thuốc", "drug advertisement approval", 10),
    listed(
        "pharmacy",
        "KHCN",
        ("Phê duyệt nghiên cứu thử thuốc trên lâm sàng", "Approval of a clinical drug trial", 15),
        (
            "Phê duyệt thay đổi đề cương nghiên cứu thử thuốc trên lâm sàng",
            "Approval of changes to a clinical trial protocol",
            15,
        ),
        ("Phê duyệt kết quả nghiên cứu thử thuốc trên lâm sàng", "Approval of clinical trial results", 20),
        (
            "Cấp giấy chứng nhận đạt thực hành tốt thử thuốc trên lâm sàng (GCP)",
            "Good clinical practice (GCP) certification",
            30,
        ),
    ),
    # Cosmetics: the Drug Administration.
    listed(
        "cosmetics",
        "QLD",
        ("Công bố sản phẩm mỹ phẩm sản xuất trong nước", "Notification of domestically made cosmetic products", 3),
        ("Công bố sản phẩm mỹ phẩm nhập khẩu", "Notification of imported cosmetic products", 3),
        ("Công bố lại sản phẩm mỹ phẩm", "Re-notification of cosmetic products", 3),
        ("Thay đổi nội dung phiếu công bố sản phẩm mỹ phẩm", "Changes to a cosmetic product notification", 3),
    ),
    licence(
        "cosmetics",
        "QLD",
        "giấy chứng nhận đủ điều kiện sản xuất mỹ phẩm",
        "certificate of eligibility for cosmetics manufacturing",
        30,
    ),
    listed(
        "cosmetics",
        "QLD",
        (
            "Cấp giấy chứng nhận lưu hành tự do (CFS) đối với mỹ phẩm sản xuất trong nước để xuất khẩu",
            "Issuance of a certificate of free sale (CFS) for cosmetics made for export",
            3,
        ),
        (
            "Cấp giấy chứng nhận thực hành tốt sản xuất mỹ phẩm (CGMP-ASEAN)",
            "Good manufacturing practice certification for cosmetics (CGMP-ASEAN)",
            30,
        ),
        (
            "Cấp giấy phép nhập khẩu mỹ phẩm dùng cho nghiên cứu, kiểm nghiệm",
            "Import licence for cosmetics for research and testing",
            7,
        ),
    ),
    # Medical equipment: the Department of Infrastructure and Medical Equipment (HTTB).
    licence(
        "medical-equipment",
        "HTTB",
        "giấy phép lưu hành trang thiết bị y tế loại C, D",
        "marketing licence for class C and D medical devices",
        45,
        verbs=(ISSUE, RENEW, AMEND),
    ),
    licence(
        "medical-equipment",
        "HTTB",
        "giấy phép lưu hành trang thiết bị y tế chẩn đoán in vitro loại C, D",
        "marketing licence for class C and D in-vitro diagnostic devices",
        45,
        verbs=(ISSUE, RENEW, AMEND),
    ),
    licence(
        "medical-equipment",
        "HTTB",
        "giấy phép nhập khẩu trang thiết bị y tế",
        "import licence for medical equipment",
        15,
    ),
    listed(
        "medical-equipment",
        "HTTB",
        (
            "Công bố đủ điều kiện sản xuất trang thiết bị y tế",
            "Declaration of eligibility for medical device manufacturing",
            3,
        ),
        (
            "Công bố tiêu chuẩn áp dụng đối với trang thiết bị y tế loại A, B",
            "Declaration of applicable standards for class A and B medical devices",
            3,
        ),
        (
            "Công bố đủ điều kiện mua bán trang thiết bị y tế loại B, C, D",
            "Declaration of eligibility for trading class B, C and D medical devices",
            3,
        ),
        (
            "Cấp giấy chứng nhận lưu hành tự do (CFS) đối với trang thiết bị y tế sản xuất trong nước",
            "Issuance of a certificate of free sale (CFS) for domestically made medical devices",
            5,
        ),
    ),
    # Food safety: the Vietnam Food Administration (ATTP).
    licence(
        "food-safety",
        "ATTP",
        "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "food safety eligibility certificate for an establishment",
        20,
    ),
    each_subject(
        "food-safety",
        "ATTP",
        PRODUCT_DECLARATION,
        [
            ("thực phẩm bảo vệ sức khỏe sản xuất trong nước", "domestically made health supplements"),
            ("thực phẩm bảo vệ sức khỏe nhập khẩu", "imported health supplements"),
            ("thực phẩm dinh dưỡng y học", "foods for special medical purposes"),
            ("thực phẩm dùng cho chế độ ăn đặc biệt", "foods for special dietary uses"),
            ("dinh dưỡng dùng cho trẻ đến 36 tháng tuổi", "nutrition products for children up to 36 months"),
            ("phụ gia thực phẩm hỗn hợp có công dụng mới", "mixed food additives with new uses"),
        ],
    ),
    licence(
        "food-safety",
        "ATTP",
        "giấy xác nhận nội dung quảng cáo thực phẩm bảo vệ sức khỏe",
        "advertisement approval for health supplements",
        10,
    ),
    listed(
        "food-safety",
        "ATTP",
        (
            "Cấp giấy chứng nhận y tế (HC) đối với thực phẩm xuất khẩu",
            "Issuance of a health certificate (HC) for exported food",
            5,
        ),
        (
            "Cấp giấy chứng nhận lưu hành tự do (CFS) đối với thực phẩm",
            "Issuance of a certificate of free sale (CFS) for food",
            5,
        ),
        (
            "Cấp giấy chứng nhận xuất khẩu (EC) đối với thực phẩm",
            "Issuance of an export certificate (EC) for food",
            5,
        ),
        (
            "Cấp giấy chứng nhận thực hành sản xuất tốt (GMP) thực phẩm bảo vệ sức khỏe",
            "Good manufacturing practice (GMP) certification for health supplements",
            25,
        ),
        (
            "Chỉ định cơ sở kiểm nghiệm thực phẩm phục vụ quản lý nhà nước",
            "Designation of food testing laboratories for state management",
            30,
        ),
        (
            "Thông báo kết quả kiểm tra nhà nước về an toàn thực phẩm nhập khẩu theo phương thức kiểm tra chặt",
            "State inspection of imported food safety under the strict inspection method",
            7,
        ),
    ),
    # Medical examination and treatment, population, medical assessment: KCB.
    licence(
        "medical-treatment",
        "KCB",
        "giấy phép hành nghề khám bệnh, chữa bệnh",
        "medical practice licence",
        30,
        verbs=(ISSUE, REISSUE, AMEND, RENEW),
        business=False,
    ),
    licence(
        "medical-treatment",
        "KCB",
        "giấy phép hoạt động khám bệnh, chữa bệnh đối với bệnh viện",
        "operating licence of a hospital",
        60,
    ),
    licence(
        "medical-treatment",
        "KCB",
        "giấy phép hoạt động khám bệnh, chữa bệnh đối với phòng khám đa khoa",
        "operating licence of a general clinic",
        45,
    ),
    listed(
        "medical-treatment",
        "KCB",
        (
            "Phê duyệt lần đầu danh mục kỹ thuật của cơ sở khám bệnh, chữa bệnh",
            "First approval of a healthcare facility's list of techniques",
            30,
        ),
        (
            "Phê duyệt bổ sung danh mục kỹ thuật của cơ sở khám bệnh, chữa bệnh",
            "Supplementary approval of a healthcare facility's list of techniques",
            30,
        ),
        (
            "Cho phép áp dụng kỹ thuật mới, phương pháp mới trong khám bệnh, chữa bệnh",
            "Permission to apply new techniques and methods in medical treatment",
            60,
        ),
        (
            "Cho phép người nước ngoài vào Việt Nam chuyển giao kỹ thuật chuyên môn về khám bệnh, chữa bệnh",
            "Permission for foreign practitioners to transfer medical techniques in Vietnam",
            20,
        ),
    ),
    listed(
        "population",
        "KCB",
        (
            "Công nhận cơ sở khám bệnh, chữa bệnh được thực hiện kỹ thuật thụ tinh trong ống nghiệm",
            "Recognition of a facility to perform in-vitro fertilisation",
            30,
        ),
        (
            "Công nhận cơ sở khám bệnh, chữa bệnh được thực hiện kỹ thuật mang thai hộ vì mục đích nhân đạo",
            "Recognition of a facility to perform altruistic surrogacy",
            30,
        ),
        (
            "Công nhận cơ sở khám bệnh, chữa bệnh được lưu giữ tinh trùng, noãn, phôi",
            "Recognition of a facility to store sperm, eggs and embryos",
            30,
        ),
    ),
    listed(
        "medical-assessment",
        "KCB",
        (f"Khám giám định y khoa lần đầu {CENTRAL_COUNCIL}", "First medical assessment by the Central Council", 30),
        (f"Khám giám định lại {CENTRAL_COUNCIL}", "Medical re-assessment by the Central Council", 30),
        (f"Khám giám định phúc quyết {CENTRAL_COUNCIL}", "Appellate medical assessment by the Central Council", 45),
        (f"Khám giám định tổng hợp {CENTRAL_COUNCIL}", "Combined medical assessment by the Central Council", 30),
        business=False,
    ),
    # Traditional medicine: YDCT.
    licence(
        "traditional-medicine",
        "YDCT",
        "giấy phép hoạt động đối với bệnh viện y học cổ truyền",
        "operating licence of a traditional medicine hospital",
        60,
    ),
    each_subject(
        "traditional-medicine",
        "YDCT",
        MARKETING_AUTHORISATION,
        [("thuốc cổ truyền", "traditional medicines"), ("dược liệu", "medicinal herbs")],
    ),
    listed(
        "traditional-medicine",
        "YDCT",
        ("Cấp giấy chứng nhận bài thuốc gia truyền", "Certification of a family-inherited remedy", 30),
        ("Cấp giấy chứng nhận lương y", "Certification of a traditional healer (lương y)", 30),
        business=False,
    ),
    # Preventive medicine and HIV/AIDS: the Department of Disease Prevention (DP).
    licence(
        "preventive-medicine",
        "DP",
        "số đăng ký lưu hành chế phẩm diệt côn trùng, diệt khuẩn dùng trong gia dụng và y tế",
        "registration number of household and medical insecticides and disinfectants",
        60,
        verbs=(ISSUE, RENEW, AMEND),
    ),
    licence(
        "preventive-medicine",
        "DP",
        "giấy chứng nhận phòng xét nghiệm đạt tiêu chuẩn an toàn sinh học cấp III",
        "biosafety level III laboratory certificate",
        30,
    ),
    listed(
        "preventive-medicine",
        "DP",
        (
            "Cấp giấy phép nhập khẩu chế phẩm diệt côn trùng, diệt khuẩn để nghiên cứu",
            "Import licence for insecticides and disinfectants for research",
            10,
        ),
        (
            "Cho phép khảo nghiệm chế phẩm diệt côn trùng, diệt khuẩn dùng trong gia dụng và y tế",
            "Permission to field-test household and medical insecticides and disinfectants",
            10,
        ),
    ),
    listed(
        "hiv-aids",
        "DP",
        (
            "Công bố cơ sở đủ điều kiện khẳng định các trường hợp HIV dương tính",
            "Declaration of a laboratory eligible to confirm HIV-positive cases",
            10,
        ),
        (
            "Công bố lại cơ sở đủ điều kiện khẳng định các trường hợp HIV dương tính",
            "Re-declaration of a laboratory eligible to confirm HIV-positive cases",
            10,
        ),
        (
            "Công bố cơ sở đủ điều kiện điều trị nghiện các chất dạng thuốc phiện bằng thuốc thay thế",
            "Declaration of a facility eligible for opioid substitution treatment",
            15,
        ),
        (
            "Cấp giấy phép nhập khẩu thuốc kháng vi rút HIV (ARV) phục vụ Chương trình mục tiêu quốc gia",
            "Import licence for antiretroviral (ARV) drugs for the national target programme",
            15,
        ),
        business=False,
    ),
]

# Decisions that amended procedures to cut their processing time, and the one that abolished two.
AMENDING_DECISIONS = [
    ("1553/QĐ-BYT", D(2024, 5, 20), D(2024, 6, 1)),
    ("3245/QĐ-BYT", D(2024, 10, 25), D(2024, 11, 1)),
    ("1021/QĐ-BYT", D(2025, 3, 28), D(2025, 4, 1)),
    ("2356/QĐ-BYT", D(2025, 8, 18), D(2025, 9, 1)),
]
ABOLISHING_DECISION = ("1895/QĐ-BYT", D(2025, 6, 20), D(2025, 7, 1))
AMENDED_PROCEDURES = 28
ABOLISHED_PROCEDURES = 2
PLANNED_WITHOUT_AMENDMENT = 40  # procedures in the 2025 plans whose cut is not announced yet

# --- Demo logins ----------------------------------------------------------------------------
# (username, first name, last name, unit code, role, what they see)
DEMO_USERS = [
    ("vanphong", "Hà", "Nguyễn Thu", "VPB", MembershipRole.MINISTRY_OFFICE, "Ministry office: everything"),
    ("truong.qld", None, None, "QLD", MembershipRole.UNIT_HEAD, "Head of QLD: QLD and its divisions"),
    ("canbo.qld", "Minh", "Trần Đức", "QLD", MembershipRole.UNIT_OFFICER, "Officer: QLD's dossiers"),
    ("canbo.attp", "Lan", "Phạm Thị", "ATTP", MembershipRole.UNIT_OFFICER, "Officer: ATTP's dossiers"),
    ("thanhtra", "Sơn", "Lê Quốc", "TTRA", MembershipRole.AUDITOR, "Auditor: reads all, writes nothing"),
    ("congdvc", "Cổng DVC", "quốc gia", None, None, "API client: token for all units, dossiers and sync"),
]
API_CLIENT_USERNAME = "congdvc"
# The national portal receives and reads dossiers and synchronises them; it never writes the
# catalogue, reads statistics or scores (issue 13).
PORTAL_TOKEN_SCOPES = (TokenScope.DOSSIERS_READ, TokenScope.DOSSIERS_WRITE, TokenScope.SYNC)
PORTAL_SCOPES_TEXT = ", ".join(scope.value for scope in PORTAL_TOKEN_SCOPES)
PORTAL_SOURCE_SYSTEM = "dvcqg"
MINISTRY_OFFICE_GROUP = "Văn phòng Bộ – kiểm soát TTHC"
NEW_HEAD_USERNAME = "truong.qld"


@dataclass
class ProcedureRow:
    """One procedure of the demo catalogue as generated in memory, before it is written."""

    code: str
    name_vi: str
    name_en: str
    field: str
    unit: str
    business_related: bool
    online_service: str
    has_fee: bool
    internal_procedure_issued: bool
    portal_integrated: bool
    # [(decision number, decision date, change kind, effective from, processing days)]
    versions: list[tuple[str, datetime.date, str, datetime.date, int | None]]


def allocate_cuts(baselines: list[int], share: Decimal, fractions: list[Decimal], rng: random.Random) -> list[int]:
    """Cuts per plan, each at most a chosen fraction of its baseline, adding up to ``share`` of the total.

    Plans are taken in order and each is cut by one of ``fractions`` of its baseline until the
    total is reached, so the ministry-wide percentage comes out at ``share`` (to rounding) while
    individual plans differ, as real ones do.
    """
    remaining = int((sum(baselines) * share).to_integral_value())
    cuts = []
    for baseline in baselines:
        cut = min(remaining, int((baseline * rng.choice(fractions)).to_integral_value()) if baseline else 0)
        cuts.append(cut)
        remaining -= cut
    return cuts


INDEX_FLAGS = ("paper_result", "for_citizens", "full_online_eligible", "payable_on_portal", "uses_population_data")


def index_flags(row: ProcedureRow) -> dict[str, bool]:
    """The catalogue flags the national index reads, derived from the generated ones (no draw from
    the random generator, so the rest of the demo data stays as it was)."""
    for_citizens = not row.business_related
    return {
        "paper_result": True,
        "for_citizens": for_citizens,
        "full_online_eligible": row.online_service == OnlineService.FULL,
        "payable_on_portal": row.has_fee and row.portal_integrated,
        "uses_population_data": for_citizens and row.online_service != OnlineService.NONE,
    }


def publicity(code: str, decided: datetime.date, effective_from: datetime.date) -> dict:
    """A version's publicity (national index, group 1), derived from its code and dates: the legal
    basis takes effect with the version; published 2 to 16 days after the decision; every tenth
    procedure published without all seven components."""
    number = int(code.rsplit(".", 1)[-1])
    return {
        "legal_basis_effective_on": effective_from,
        "published_on": decided + datetime.timedelta(days=2 + number % 15),
        "components_complete": number % 10 != 7,
    }


def sync_rows(existing, wanted: list, key: list[str], fields: list[str]) -> tuple[list, int]:
    """Make the database hold ``wanted``: insert the rows missing from ``existing``, update the ones that differ.

    For models without a unique key to upsert on. Rows are matched on the attributes ``key``;
    only rows whose ``fields`` changed are written, so a second run writes nothing. Returns the
    saved rows (in the order of ``wanted``) and how many were inserted.
    """
    model = existing.model
    compared = [model._meta.get_field(name).attname for name in fields]  # user_id, not a query for user
    stored = {tuple(getattr(row, name) for name in key): row for row in existing}
    saved, to_create, to_update = [], [], []
    for row in wanted:
        current = stored.get(tuple(getattr(row, name) for name in key))
        if current is None:
            to_create.append(row)
            saved.append(row)
            continue
        if any(getattr(current, name) != getattr(row, name) for name in compared):
            for name in compared:
                setattr(current, name, getattr(row, name))
            to_update.append(current)
        saved.append(current)
    model.objects.bulk_create(to_create)
    model.objects.bulk_update(to_update, fields, batch_size=200)
    return saved, len(to_create)


class Command(BaseCommand):
    help = (
        "Load the demo data: Ministry of Health units with heads and deputies, fields, about 120 "
        "procedures with their versions, the 2025 reduction plans, the demo logins (password "
        f"{DEMO_PASSWORD}) and the national portal's API token. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rotate-token",
            action="store_true",
            help=f"Issue a new key for {API_CLIENT_USERNAME}'s API token (the old key stops working) and print it.",
        )
        parser.add_argument(
            "--dossiers",
            type=int,
            default=DEMO_DOSSIERS,
            help=f"How many demo dossiers there should be, received since {DOSSIERS_FROM:%d/%m/%Y} "
            f"(default {DEMO_DOSSIERS}; only the missing ones are added; 0 adds none).",
        )

    def handle(self, *args, rotate_token: bool = False, dossiers: int = DEMO_DOSSIERS, **options):
        if dossiers < 0:
            raise CommandError("--dossiers cannot be negative.")
        self.rng = random.Random(RANDOM_SEED)
        with transaction.atomic():
            self.units = self._seed_units()
            self.fields = self._seed_fields()
            self.users = self._seed_users()
            self._seed_people()
            rows = self._procedure_rows()
            procedures = self._seed_procedures(rows)
            self._seed_reduction_plans(rows, procedures)
            token_message = self._seed_api_token(rotate=rotate_token)
        self._seed_dossiers(dossiers)
        self._print_logins(token_message)

    # --- steps ----------------------------------------------------------------------------

    def _seed_dossiers(self, wanted: int) -> None:
        """Demo dossiers since January 2024 (bulk, not through the services) and their statistics."""
        existing = Dossier.objects.count()
        missing = max(wanted - existing, 0)
        if missing:
            with tqdm(total=missing, unit="dossier", desc="  dossiers", file=self.stderr._out) as bar:
                generate_dossiers(count=missing, start=DOSSIERS_FROM, seed=RANDOM_SEED + existing, progress=bar.update)
        self._report("dossiers", existing + missing, missing)
        if missing:
            yesterday = timezone.localdate() - datetime.timedelta(days=1)
            days = (yesterday - DOSSIERS_FROM).days + 1
            with tqdm(total=days, unit="day", desc="  statistics", file=self.stderr._out) as bar:
                run = stats_backfill(date_from=DOSSIERS_FROM, date_to=yesterday, progress=bar.update)
            self._report("statistics days", run.days_computed, run.days_computed)
        self._seed_emulation(recompute=bool(missing))

    def _seed_emulation(self, *, recompute: bool) -> None:
        """A default scoring scheme for each demo year, scored when the statistics changed."""
        scored = 0
        for year in range(DOSSIERS_FROM.year, timezone.localdate().year + 1):
            record = emulation_seed_demo_scheme(year=year)
            if not recompute or record.is_finalised:
                continue
            try:
                emulation_compute(year=year)
                scored += 1
            except (ValidationError, ConflictError) as error:
                self.stdout.write(f"  emulation {year}: not scored ({error})")
        self._report("emulation years scored", scored, scored)

    def _report(self, label: str, total: int, created: int) -> None:
        self.stdout.write(f"  {label:<22} {total:>4}  ({created} new)")

    def _seed_units(self) -> dict[str, Unit]:
        self.stdout.write("Seeding demo data (deterministic; safe to run again)…")
        units: dict[str, Unit] = {}
        created_count = 0
        for code, parent_code, kind, name_vi, name_en in UNITS:
            # update_or_create (not bulk) because Unit.save() maintains the tree path.
            units[code], created = Unit.objects.update_or_create(
                code=code,
                defaults={
                    "name_vi": name_vi,
                    "name_en": name_en,
                    "kind": kind,
                    "parent": units[parent_code] if parent_code else None,
                    "is_active": True,
                },
            )
            created_count += created
        self._report("units", len(units), created_count)
        return units

    def _seed_fields(self) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        created_count = 0
        for code, name_vi, name_en in FIELDS:
            fields[code], created = Field.objects.update_or_create(
                code=code, defaults={"name_vi": name_vi, "name_en": name_en}
            )
            created_count += created
        self._report("fields", len(fields), created_count)
        return fields

    def _seed_users(self) -> dict:
        User = get_user_model()
        users = {}
        created_count = 0
        new_head_name = self._person_name_for(NEW_HEAD_USERNAME)
        # Reset every run so that the printed password always works; hashed once because a
        # password hash is deliberately slow (about a second) and all demo users share it.
        password_hash = make_password(DEMO_PASSWORD)
        for username, first_name, last_name, unit_code, role, _scope in DEMO_USERS:
            if username == NEW_HEAD_USERNAME:
                last_name, first_name = new_head_name.rsplit(" ", 1)
            user, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": f"{username}@{EMAIL_DOMAIN}",
                    "is_active": True,
                    # The ministry office keeps the catalogue in the admin.
                    "is_staff": role == MembershipRole.MINISTRY_OFFICE,
                    "password": password_hash,
                },
            )
            if role == MembershipRole.MINISTRY_OFFICE:
                user.groups.add(self._ministry_office_group())
            if role:
                Membership.objects.get_or_create(user=user, unit=self.units[unit_code], role=role)
            users[username] = user
            created_count += created
        self._report("demo logins", len(users), created_count)
        return users

    def _ministry_office_group(self) -> Group:
        """A group with every permission on the product's own models, for the admin."""
        group, _created = Group.objects.get_or_create(name=MINISTRY_OFFICE_GROUP)
        group.permissions.set(
            Permission.objects.filter(content_type__app_label__in=["units", "procedures", "dossiers", "emulation"])
        )
        return group

    def _person_name_for(self, key: str) -> str:
        """A Vietnamese full name that depends only on ``key`` (not on the order of the calls)."""
        rng = random.Random(f"{RANDOM_SEED}:{key}")
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"

    def _seed_people(self) -> None:
        """A head and one to three deputies for every unit; QLD's head changes on 1 July 2025."""
        rng = self.rng
        people: dict[str, Person] = {}  # by e-mail, the key of a demo person
        tenures: list[tuple[str, Unit, str, datetime.date, datetime.date | None, str]] = []

        def person(key: str, title: str, user=None) -> str:
            email = f"{key}@{EMAIL_DOMAIN}"
            # A person with a login bears the login's name (``Person.save`` keeps them equal).
            name = login_name(user) or self._person_name_for(key)
            people[email] = Person(email=email, full_name=name, title=title, user=user)
            return email

        for code, _parent, kind, _name_vi, _name_en in UNITS:
            unit = self.units[code]
            head_title, deputy_title = TITLES[kind]
            slug = code.lower().replace("_", "-")
            head_start = D(2019, 1, 1) + datetime.timedelta(days=rng.randrange(4 * 365))
            deputies = 3 if kind == UnitKind.MINISTRY else rng.randint(1, 3)
            if code == HEAD_CHANGE_UNIT:
                last_day = HEAD_CHANGE_DATE - datetime.timedelta(days=1)
                retiring = person(f"{slug}.head-2020", head_title)
                tenures.append((retiring, unit, TenureRole.HEAD, D(2020, 3, 1), last_day, "Nghỉ hưu từ 01/07/2025"))
                # The demo head was a deputy until the day before taking over.
                successor = person(f"{slug}.head-2025", head_title, user=self.users[NEW_HEAD_USERNAME])
                tenures.append((successor, unit, TenureRole.DEPUTY, D(2021, 1, 15), last_day, ""))
                tenures.append((successor, unit, TenureRole.HEAD, HEAD_CHANGE_DATE, None, "Bổ nhiệm từ 01/07/2025"))
            else:
                tenures.append((person(f"{slug}.head", head_title), unit, TenureRole.HEAD, head_start, None, ""))
            for number in range(1, deputies + 1):
                start = D(2019, 1, 1) + datetime.timedelta(days=rng.randrange(6 * 365))
                deputy = person(f"{slug}.deputy-{number}", deputy_title)
                tenures.append((deputy, unit, TenureRole.DEPUTY, start, None, ""))

        saved, created = sync_rows(
            Person.objects.filter(email__in=people), list(people.values()), ["email"], ["full_name", "title", "user"]
        )
        self._report("people", len(saved), created)
        by_email = {person.email: person for person in saved}
        saved, created = sync_rows(
            Tenure.objects.filter(person__in=saved),
            [
                Tenure(person=by_email[email], unit=unit, role=role, start_date=start, end_date=end, note=note)
                for email, unit, role, start, end, note in tenures
            ],
            ["person_id", "unit_id", "role"],
            ["start_date", "end_date", "note"],
        )
        self._report("tenures", len(saved), created)

    def _procedure_rows(self) -> list[ProcedureRow]:
        """The catalogue in memory: codes, flags and version history, all from ``self.rng``."""
        rng = self.rng
        rows: list[ProcedureRow] = []
        number = 2000
        for family in FAMILIES:
            decision = f"{rng.randint(1000, 5999)}/QĐ-BYT"
            decided = D(2019, 1, 1) + datetime.timedelta(days=rng.randrange(3 * 365))
            effective = decided + datetime.timedelta(days=rng.choice([0, 0, 10, 15]))
            for name_vi, name_en, days in family.items:
                number += rng.randint(3, 60)
                online = rng.choices([OnlineService.FULL, OnlineService.PARTIAL, OnlineService.NONE], [35, 45, 20])[0]
                rows.append(
                    ProcedureRow(
                        code=f"1.{number:06d}",
                        name_vi=name_vi,
                        name_en=name_en,
                        field=family.field,
                        unit=family.unit,
                        business_related=family.business_related,
                        online_service=online,
                        has_fee=family.has_fee and rng.random() < 0.9,
                        internal_procedure_issued=rng.random() < 0.85,
                        portal_integrated=online != OnlineService.NONE and rng.random() < 0.8,
                        versions=[(decision, decided, ChangeKind.NEW, effective, days)],
                    )
                )

        changed = rng.sample(range(len(rows)), AMENDED_PROCEDURES + ABOLISHED_PROCEDURES)
        for position, index in enumerate(sorted(changed[:AMENDED_PROCEDURES])):
            decision, decided, effective = AMENDING_DECISIONS[position % len(AMENDING_DECISIONS)]
            old_days = rows[index].versions[0][4]
            # The government asks for at least a 30% cut: round the new time down from 70% or less.
            new_days = max(1, int(old_days * rng.choice([0.5, 0.6, 0.7])))
            rows[index].versions.append((decision, decided, ChangeKind.AMENDED, effective, new_days))
        for index in changed[AMENDED_PROCEDURES:]:
            decision, decided, effective = ABOLISHING_DECISION
            rows[index].versions.append((decision, decided, ChangeKind.ABOLISHED, effective, None))
        return rows

    def _seed_procedures(self, rows: list[ProcedureRow]) -> dict[str, Procedure]:
        existing_codes = set(
            Procedure.objects.filter(code__in=[row.code for row in rows]).values_list("code", flat=True)
        )
        flags = ["business_related", "online_service", "has_fee", "internal_procedure_issued", "portal_integrated"]
        Procedure.objects.bulk_create(
            [
                Procedure(
                    code=row.code,
                    name_vi=row.name_vi,
                    name_en=row.name_en,
                    field=self.fields[row.field],
                    unit=self.units[row.unit],
                    level=CompetentLevel.CENTRAL,
                    **{flag: getattr(row, flag) for flag in flags},
                    **index_flags(row),
                )
                for row in rows
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name_vi", "name_en", "field", "unit", "level", *flags, *INDEX_FLAGS],
        )
        procedures = Procedure.objects.in_bulk([row.code for row in rows], field_name="code")
        # Loaded in bulk, past the services: their flags' history follows as the services keep it.
        procedure_flags_record(procedures=Procedure.objects.filter(code__in=[row.code for row in rows]))
        self._report("procedures", len(rows), len(rows) - len(existing_codes))

        versions = []
        for row in rows:
            for position, (decision, decided, kind, effective_from, days) in enumerate(row.versions):
                following = row.versions[position + 1] if position + 1 < len(row.versions) else None
                versions.append(
                    ProcedureVersion(
                        procedure=procedures[row.code],
                        decision_number=decision,
                        decision_date=decided,
                        change_kind=kind,
                        effective_from=effective_from,
                        effective_to=following[3] - datetime.timedelta(days=1) if following else None,
                        processing_days=days,
                        **publicity(row.code, decided, effective_from),
                    )
                )
        # Versions have no unique key in the schema; (procedure, effective_from) is the seed's.
        saved, created = sync_rows(
            ProcedureVersion.objects.filter(procedure__in=procedures.values()),
            versions,
            ["procedure_id", "effective_from"],
            [
                "decision_number",
                "decision_date",
                "change_kind",
                "effective_to",
                "processing_days",
                "legal_basis_effective_on",
                "published_on",
                "components_complete",
            ],
        )
        self._report("procedure versions", len(saved), created)
        return procedures

    def _seed_reduction_plans(self, rows: list[ProcedureRow], procedures: dict[str, Procedure]) -> None:
        """2025 plans whose totals come out at the ministry's reported cuts (about 21/20/31%)."""
        rng = self.rng
        amended_2025 = [
            row
            for row in rows
            if len(row.versions) == 2
            and row.versions[1][2] == ChangeKind.AMENDED
            and row.versions[1][1].year == PLAN_YEAR
        ]
        unchanged = [row for row in rows if len(row.versions) == 1]
        planned = rng.sample(unchanged, PLANNED_WITHOUT_AMENDMENT)

        # Processing time: the announced 2025 amendments are part of the plan as they are; the
        # other planned procedures share the rest of the cut.
        announced_cut = sum(row.versions[0][4] - row.versions[1][4] for row in amended_2025)
        baselines = [row.versions[0][4] for row in planned]
        total_baseline = sum(baselines) + sum(row.versions[0][4] for row in amended_2025)
        remaining_share = (total_baseline * TARGET_DAYS_CUT - announced_cut) / sum(baselines)
        fractions = [Decimal("0.2"), Decimal("0.3"), Decimal("0.4"), Decimal("0.5")]
        days_cuts = allocate_cuts(baselines, remaining_share, fractions, rng)

        plan_rows = amended_2025 + planned
        day_targets = [(row.versions[0][4], row.versions[1][4]) for row in amended_2025] + [
            (baseline, baseline - cut) for baseline, cut in zip(baselines, days_cuts, strict=True)
        ]
        costs = [rng.randint(5, 400) * 10_000_000 for _row in plan_rows]
        cost_cuts = allocate_cuts(costs, TARGET_COST_CUT, fractions, rng)
        conditions = [rng.randint(2, 8) if row.business_related else 0 for row in plan_rows]
        condition_cuts = allocate_cuts(conditions, TARGET_CONDITIONS_CUT, [Decimal("0.34"), Decimal("0.5")], rng)

        existing = set(
            ReductionPlan.objects.filter(
                year=PLAN_YEAR, procedure__code__in=[row.code for row in plan_rows]
            ).values_list("procedure__code", flat=True)
        )
        plans = []
        for index, row in enumerate(plan_rows):
            baseline_days, target_days = day_targets[index]
            announced = index < len(amended_2025)
            plans.append(
                ReductionPlan(
                    procedure=procedures[row.code],
                    year=PLAN_YEAR,
                    baseline_days=baseline_days,
                    target_days=target_days,
                    baseline_cost=Decimal(costs[index]),
                    target_cost=Decimal(costs[index] - cost_cuts[index]),
                    baseline_conditions=conditions[index],
                    target_conditions=conditions[index] - condition_cuts[index],
                    note=f"Đã công bố theo Quyết định {row.versions[1][0]}" if announced else "",
                )
            )
        ReductionPlan.objects.bulk_create(
            plans,
            update_conflicts=True,
            unique_fields=["procedure", "year"],
            update_fields=[
                "baseline_days",
                "target_days",
                "baseline_cost",
                "target_cost",
                "baseline_conditions",
                "target_conditions",
                "note",
            ],
        )
        self._report(f"reduction plans {PLAN_YEAR}", len(plans), len(plans) - len(existing))
        summary = reduction_summary(year=PLAN_YEAR)
        self.stdout.write(
            f"  {PLAN_YEAR} cuts: processing time {summary.days_cut_percent}%, "
            f"compliance cost {summary.cost_cut_percent}%, business conditions {summary.conditions_cut_percent}%"
        )

    def _seed_api_token(self, *, rotate: bool) -> str:
        """The portal's token (all units; dossiers and sync only); its key is shown only when issued."""
        user = self.users[API_CLIENT_USERNAME]
        token = ApiToken.objects.filter(user=user, name=PORTAL_TOKEN_NAME).order_by("pk").first()
        usable = token is not None and ApiToken.objects.usable().filter(pk=token.pk).exists()
        if token is None:
            token = ApiToken(user=user, name=PORTAL_TOKEN_NAME)
        key = token.set_new_key() if rotate or not usable else None
        token.inherit_user_scope = False
        token.all_units = True
        token.scopes = [scope.value for scope in PORTAL_TOKEN_SCOPES]
        # Synchronising needs the token's source system (docs/sync.md); without it the demo's
        # sync example answered 403.
        token.source_system = PORTAL_SOURCE_SYSTEM
        token.revoked_at = None
        token.expires_at = None
        token.save()
        if key:
            return (
                f"API token of {API_CLIENT_USERNAME} (all units; {PORTAL_SCOPES_TEXT}; source system "
                f"{PORTAL_SOURCE_SYSTEM}), shown once: {key}"
            )
        return (
            f"API token of {API_CLIENT_USERNAME} (all units; {PORTAL_SCOPES_TEXT}): kept the existing key, "
            f"which starts with {token.key_prefix}… (only its hash is stored; "
            "run seed_demo --rotate-token for a new key)"
        )

    def _print_logins(self, token_message: str) -> None:
        write = self.stdout.write
        write("")
        write(f"Demo logins (password for all: {DEMO_PASSWORD}), sign in at /accounts/login/")
        write(f"  {'username':<12} {'unit':<6} what they see")
        for username, _first, _last, unit_code, _role, scope in DEMO_USERS:
            write(f"  {username:<12} {unit_code or '-':<6} {scope}")
        write(f"  {token_message}")
        write("  Use it as the header  Authorization: Token <key>")
