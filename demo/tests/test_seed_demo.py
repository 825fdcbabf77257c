"""``seed_demo``: the data a newcomer sees after ``make run``, loaded twice without duplicates."""

import datetime
import re
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.exceptions import AuthenticationFailed

from procedures.choices import ChangeKind
from procedures.models import Field, Procedure, ProcedureVersion, ReductionPlan
from procedures.selectors import reduction_summary, version_in_force
from units.access import access_for_token, access_for_user
from units.api.authentication import ApiTokenAuthentication
from units.choices import TenureRole
from units.models import ApiToken, Membership, Person, Tenure, Unit

D = datetime.date
DESIGN_UNITS = {"VPB", "PC", "KHTC", "TCCB", "TTRA", "QLD", "KCB", "YDCT", "DP", "ATTP", "HTTB", "KHCN", "TTTT"}
QLD_DIVISIONS = {"QLD_KD", "QLD_DK", "QLD_MP"}
DEMO_USERNAMES = ["vanphong", "truong.qld", "canbo.qld", "canbo.attp", "thanhtra", "congdvc"]
# The mark (not only the ``db`` fixture) because conftest's autouse calendar fixture touches the
# database before other fixtures run.
pytestmark = pytest.mark.django_db

COUNTED = [Unit, Field, Procedure, ProcedureVersion, ReductionPlan, Person, Tenure, Membership, ApiToken]


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in COUNTED}
    counts["User"] = get_user_model().objects.count()
    return counts


def seed(*args, dossiers: int = 0) -> str:
    out = StringIO()
    call_command("seed_demo", *args, f"--dossiers={dossiers}", stdout=out, stderr=StringIO())
    return out.getvalue()


def printed_key(output: str) -> str:
    match = re.search(r"shown once: (\S+)", output)
    assert match, output
    return match.group(1)


@pytest.fixture
def seeded():
    """The demo data loaded twice, with what each run printed and the counts after the first."""
    first = seed()
    counts_after_first = row_counts()
    second = seed()
    return SimpleNamespace(first=first, second=second, counts_after_first=counts_after_first)


def test_a_second_run_changes_no_count(seeded):
    assert row_counts() == seeded.counts_after_first
    assert seeded.counts_after_first == {
        "Unit": 17,
        "Field": 10,
        "Procedure": 124,
        "ProcedureVersion": 154,
        "ReductionPlan": 54,
        "Person": 55,
        "Tenure": 56,
        "Membership": 5,
        "ApiToken": 1,
        "User": 6,
    }
    assert "units                    17  (0 new)" in seeded.second


def test_every_unit_of_the_design_sits_under_the_ministry(seeded):
    ministry = Unit.objects.get(code="BYT")
    assert ministry.name_vi == "Bộ Y tế"
    assert set(ministry.children.values_list("code", flat=True)) == DESIGN_UNITS
    assert set(Unit.objects.get(code="QLD").children.values_list("code", flat=True)) == QLD_DIVISIONS
    assert Unit.objects.get(code="ATTP").name_vi == "Cục An toàn thực phẩm"
    assert Unit.objects.get(code="TTRA").name_en == "Ministry Inspectorate"
    for unit in Unit.objects.all():
        unit.full_clean()  # codes of capital letters, digits and underscores only


def test_the_ten_fields_of_the_design_have_vietnamese_names(seeded):
    assert dict(Field.objects.values_list("code", "name_vi")) == {
        "pharmacy": "Dược",
        "cosmetics": "Mỹ phẩm",
        "medical-equipment": "Trang thiết bị y tế",
        "food-safety": "An toàn thực phẩm",
        "medical-treatment": "Khám bệnh, chữa bệnh",
        "traditional-medicine": "Y, dược cổ truyền",
        "preventive-medicine": "Y tế dự phòng",
        "hiv-aids": "Phòng, chống HIV/AIDS",
        "population": "Dân số",
        "medical-assessment": "Giám định y khoa",
    }


def test_each_procedure_has_a_valid_code_and_an_initial_version_announced_2019_to_2021(seeded):
    procedures = list(Procedure.objects.prefetch_related("versions"))
    assert len(procedures) >= 100
    for procedure in procedures:
        procedure.full_clean()  # national code 1.00xxxx, names, flags
        initial = [version for version in procedure.versions.all() if version.change_kind == ChangeKind.NEW]
        assert len(initial) == 1, procedure.code
        assert 2019 <= initial[0].decision_date.year <= 2021
        assert initial[0].decision_number.endswith("/QĐ-BYT")
    names = {procedure.name_vi for procedure in procedures}
    assert "Cấp chứng chỉ hành nghề dược" in names
    assert "Đăng ký bản công bố sản phẩm thực phẩm bảo vệ sức khỏe nhập khẩu" in names
    assert "Cấp giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm" in names
    assert len(names) == len(procedures)


def test_an_amended_procedure_has_two_consecutive_versions_and_a_cut_of_at_least_30_percent(seeded):
    amended = Procedure.objects.filter(versions__change_kind=ChangeKind.AMENDED).distinct()
    assert amended.count() == 28
    for procedure in amended:
        old, new = procedure.versions.order_by("effective_from")
        assert old.effective_to == new.effective_from - datetime.timedelta(days=1)
        assert new.effective_to is None
        assert new.decision_date.year in (2024, 2025)
        assert new.processing_days <= old.processing_days * 0.7
        for version in (old, new):
            version.full_clean()  # the model's own check that versions do not overlap
        assert version_in_force(procedure=procedure, on=new.effective_from) == new
        assert version_in_force(procedure=procedure, on=old.effective_to) == old


def test_two_procedures_are_abolished_from_1_july_2025(seeded):
    abolished = ProcedureVersion.objects.filter(change_kind=ChangeKind.ABOLISHED)
    assert abolished.count() == 2
    assert {version.effective_from for version in abolished} == {D(2025, 7, 1)}
    assert Procedure.objects.in_force_on(D(2025, 6, 30)).count() == 124
    assert Procedure.objects.in_force_on(D(2025, 7, 1)).count() == 122


def test_the_drug_administration_head_changes_on_1_july_2025(seeded):
    before, after = Tenure.objects.heads().filter(unit__code="QLD").order_by("start_date")
    assert (before.end_date, after.start_date, after.end_date) == (D(2025, 6, 30), D(2025, 7, 1), None)
    assert after.person.user.username == "truong.qld"
    assert before.person != after.person
    for tenure in Tenure.objects.heads():
        tenure.full_clean()  # the model's own check that heads of one unit do not overlap


def test_the_head_who_logs_in_finds_their_own_name_on_their_tenure_and_score(seeded, client):
    """Issue 13: truong.qld signs in as one person; the tenure, the unit tree and the ranking name them."""
    user = get_user_model().objects.get(username="truong.qld")
    name = f"{user.last_name} {user.first_name}"
    head = Tenure.objects.heads().get(unit__code="QLD", end_date__isnull=True)
    assert head.person.user == user
    assert head.person.full_name == name
    client.force_login(user)
    assert name in client.get("/units/").content.decode()


def test_every_unit_has_one_head_and_at_least_one_deputy_today(seeded):
    today = D(2026, 1, 15)
    for unit in Unit.objects.all():
        in_office = Tenure.objects.filter(unit=unit).active_on(today)
        assert in_office.filter(role=TenureRole.HEAD).count() == 1, unit.code
        assert in_office.filter(role=TenureRole.DEPUTY).count() >= 1, unit.code


def test_every_demo_user_logs_in_with_the_demo_password_printed_in_the_table(seeded):
    table = seeded.second.split("Demo logins (password for all: tthc@2026)")[1]
    for username in DEMO_USERNAMES:
        assert Client().login(username=username, password="tthc@2026"), username
        assert f"\n  {username} " in table


def test_each_demo_user_has_the_rights_of_their_role(seeded):
    users = {user.username: user for user in get_user_model().objects.all()}
    qld_tree = set(Unit.objects.filter(code__in={"QLD", *QLD_DIVISIONS}).values_list("pk", flat=True))
    qld, attp = Unit.objects.get(code="QLD"), Unit.objects.get(code="ATTP")

    assert access_for_user(users["vanphong"]).is_ministry_office
    head = access_for_user(users["truong.qld"])
    assert (head.read_unit_ids, head.approve_unit_ids, head.write_unit_ids) == (qld_tree, qld_tree, frozenset())
    assert access_for_user(users["canbo.qld"]).write_unit_ids == {qld.pk}
    assert access_for_user(users["canbo.attp"]).write_unit_ids == {attp.pk}
    auditor = access_for_user(users["thanhtra"])
    assert (auditor.read_all, auditor.write_all, auditor.write_unit_ids) == (True, False, frozenset())


def test_the_portal_key_is_printed_once_and_still_works_after_a_rerun(seeded):
    key = printed_key(seeded.first)
    assert key not in seeded.second
    assert f"starts with {key[:8]}…" in seeded.second

    user, token = ApiTokenAuthentication().authenticate_credentials(key)
    assert user.username == "congdvc"
    access = access_for_token(token)
    assert (access.read_all, access.write_all) == (True, True)
    # Dossiers and sync only: never the catalogue, statistics or scores (issue 13).
    assert token.scopes == ["dossiers:read", "dossiers:write", "sync"]
    assert token.source_system == "dvcqg"  # synchronising needs it: the demo's sync example answered 403
    assert access.can_write_catalogue is False


def test_rotating_the_token_replaces_the_key(seeded):
    old_key = printed_key(seeded.first)

    new_key = printed_key(seed("--rotate-token"))

    assert new_key != old_key
    assert ApiToken.objects.count() == 1
    assert ApiTokenAuthentication().authenticate_credentials(new_key)[0].username == "congdvc"
    with pytest.raises(AuthenticationFailed):
        ApiTokenAuthentication().authenticate_credentials(old_key)


def test_the_2025_plans_add_up_to_about_the_ministrys_reported_cut(seeded):
    summary = reduction_summary(year=2025)
    assert abs(summary.days_cut_percent - 21) <= 3
    assert abs(summary.cost_cut_percent - 20) <= 3
    assert abs(summary.conditions_cut_percent - 31) <= 3
    assert f"processing time {summary.days_cut_percent}%" in seeded.second


@time_machine.travel(datetime.datetime(2024, 3, 31, 20, tzinfo=datetime.UTC), tick=False)
def test_dossiers_are_topped_up_to_the_wanted_count_with_their_statistics():
    from dossiers.models import Dossier
    from stats.models import DailyStat, StatsRun

    seed(dossiers=120)
    assert Dossier.objects.count() == 120
    assert DailyStat.objects.exists()
    assert StatsRun.objects.count() == 1
    # Running again with the same count adds nothing; a larger count adds only the difference.
    seed(dossiers=120)
    assert (Dossier.objects.count(), StatsRun.objects.count()) == (120, 1)
    seed(dossiers=150)
    assert Dossier.objects.count() == 150
    assert Dossier.objects.values("code").distinct().count() == 150


def test_negative_dossier_count_is_refused():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="cannot be negative"):
        seed(dossiers=-1)


def test_ministry_office_demo_user_can_open_the_admin():
    seed()
    client = Client()
    assert client.login(username="vanphong", password="tthc@2026")
    assert client.get("/admin/procedures/procedure/").status_code == 200
    officer = Client()
    assert officer.login(username="canbo.qld", password="tthc@2026")
    assert officer.get("/admin/procedures/procedure/").status_code == 302
