"""The unit and ministry dashboards on the known history of ``test_reports``, seen on 25 November 2025.

Besides that history, one more dossier of QLD is due soon: received Thursday 20/11/2025, due
Thursday 27/11/2025, two working days after "today". Open on 25/11/2025:

======  ==========  ======================================================
unit    appointment  state on 25/11/2025
======  ==========  ======================================================
QLD     15/10/2025  overdue (a_overdue)
QLD     17/11/2025  overdue (a_within)
QLD     24/11/2025  overdue (a_after)
QLD     27/11/2025  due soon (the extra one)
ATTP    19/11/2025  overdue (b_within)
ATTP    —           awaiting a supplement: neither overdue nor due soon
======  ==========  ======================================================
"""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dashboards import selectors as dashboards
from dossiers import services
from dossiers.choices import Channel, Outcome
from dossiers.models import Dossier
from stats import rollups
from stats.selectors import period_figures
from stats.tests.test_reports import NOW, build_known_dossiers
from tests.factories import (
    MembershipFactory,
    ProcedureFactory,
    ProcedureVersionFactory,
    UnitFactory,
    UserFactory,
)
from tests.helpers import local
from units.choices import MembershipRole

D = datetime.date
TODAY = D(2025, 11, 25)
NOVEMBER = {"period": "custom", "date_from": "2025-10-15", "date_to": "2025-11-14"}
UNIT_URL = "/dashboards/units/{}/"
MINISTRY_URL = "/dashboards/ministry/"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def known(unit_a, unit_a1, unit_b, officer_a):
    made = build_known_dossiers(unit_a=unit_a, unit_a1=unit_a1, unit_b=unit_b, officer=officer_a)
    made["a_due_soon"] = services.dossier_receive(
        procedure=made["a_overdue"].procedure,
        channel=Channel.ONLINE,
        applicant=services.Applicant(name="Trần Thị Bình"),
        received_at=local(2025, 11, 20),
        by=officer_a,
    )
    rollups.stats_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 11, 24))
    return made


def get(client, user, url, language="vi", **query):
    """The page as ``user`` sees it in ``language`` (chosen with the switcher, which sets the cookie)."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url, query)


def unit_page(client, user, code="QLD", **query):
    return get(client, user, UNIT_URL.format(code), **query)


def chart_data(response) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(match.group(1))


class TestUnitDashboardFigures:
    def test_the_figures_of_the_period_are_those_of_the_statistics(self, client, known, head_a, unit_a):
        response = unit_page(client, head_a, **NOVEMBER)
        assert response.status_code == 200
        dashboard = response.context["dashboard"]
        figures = dashboard.figures
        # QLD and its sub-unit QLD_KD together (test_reports.EXPECTED).
        assert (figures.received_total, figures.carried_over, figures.newly_received) == (8, 2, 6)
        assert (figures.resolved_total, figures.resolved_early, figures.resolved_on_time, figures.resolved_late) == (
            5,
            2,
            1,
            2,
        )
        assert (figures.open_within_deadline, figures.open_overdue) == (1, 2)
        assert (figures.on_time_rate, figures.progress_rate, figures.online_rate, figures.satisfaction_rate) == (
            Decimal("60.00"),
            Decimal("50.00"),
            Decimal("50.00"),
            None,
        )
        expected = period_figures(date_from=D(2025, 10, 15), date_to=D(2025, 11, 14), subtree=unit_a)
        assert figures == expected

    def test_an_officer_sees_the_figures_of_their_own_unit_only(self, client, known, officer_a, unit_a, officer_b):
        # An officer of QLD may not read its division QLD_KD (test_reports: the Form 06 shows QLD only).
        response = unit_page(client, officer_a, **NOVEMBER)
        figures = response.context["dashboard"].figures
        assert figures == period_figures(date_from=D(2025, 10, 15), date_to=D(2025, 11, 14), unit_ids=[unit_a.pk])
        assert (figures.resolved_total, figures.on_time_rate) == (3, Decimal("66.67"))
        assert response.context["subtree_has_units"] is False

    def test_the_page_shows_the_rates_with_the_vietnamese_decimal_comma(self, client, known, head_a):
        html = unit_page(client, head_a, **NOVEMBER).content.decode()
        assert re.search(r'id="on-time-rate" data-value="60.00">60,00%<', html)
        assert re.search(r'id="progress-rate" data-value="50.00">50,00%<', html)
        assert 'id="received-total">8<' in html
        assert "Cục Quản lý Dược" in html

    def test_the_procedures_with_late_dossiers_most_late_first(self, client, known, head_a):
        late = unit_page(client, head_a, **NOVEMBER).context["dashboard"].late_procedures
        assert [(row.code, row.resolved_late, row.resolved_total) for row in late] == [
            ("1.000001", 1, 3),
            ("1.000002", 1, 2),
        ]

    def test_the_late_figure_links_to_the_dossiers_resolved_late(self, client, known, head_a):
        response = unit_page(client, head_a, **NOVEMBER)
        html = response.content.decode()
        link = (
            "/dossiers/?subtree=QLD&amp;timeliness=late&amp;ended_from=2025-10-15&amp;ended_to=2025-11-14"
            "&amp;procedure=1.000001"
        )
        assert f'href="{link}"' in html
        listed = get(client, head_a, link.replace("&amp;", "&")).context["dossiers"]
        assert [dossier.code for dossier in listed] == [known["a_late"].code]

    def test_the_trend_covers_twelve_months_with_gaps_where_nothing_was_resolved(self, client, known, head_a):
        response = unit_page(client, head_a, **NOVEMBER)
        trend = chart_data(response)["trend"]
        assert trend["labels"] == ["12/2024", *(f"{month:02d}/2025" for month in range(1, 12))]
        # The months before the period are in the trend too: October holds a_before (early, 3/10),
        # a_late (late), a_early (early), a_on_time (on time), a1_early (early); November to the
        # 14th holds a1_late (late).
        assert trend["on_time"] == [None] * 10 + [80.0, 0.0]
        assert trend["resolved"] == [0] * 10 + [5, 1]
        assert chart_data(response)["target"] == 90.0


class TestLiveLists:
    def test_overdue_now_oldest_appointment_first_linking_to_each_dossier(self, client, known, head_a):
        response = unit_page(client, head_a, **NOVEMBER)
        overdue = response.context["dashboard"].overdue
        assert [(item.dossier.code, item.dossier.appointment_date) for item in overdue.items] == [
            (known["a_overdue"].code, D(2025, 10, 15)),
            (known["a_within"].code, D(2025, 11, 17)),
            (known["a_after"].code, D(2025, 11, 24)),
        ]
        assert overdue.total == 3
        assert [item.working_days for item in overdue.items] == [29, 6, 1]
        html = response.content.decode()
        for name in ("a_overdue", "a_within", "a_after"):
            code = known[name].code
            assert f'href="/dossiers/{code}/">{code}</a>' in html

    def test_due_soon_lists_the_dossier_due_in_two_working_days(self, client, known, head_a):
        due_soon = unit_page(client, head_a, **NOVEMBER).context["dashboard"].due_soon
        assert [(item.dossier.code, item.working_days) for item in due_soon.items] == [(known["a_due_soon"].code, 2)]
        assert due_soon.total == 1

    def test_the_see_all_links_open_the_same_dossiers_in_the_list(self, client, known, head_a):
        response = unit_page(client, head_a, **NOVEMBER)
        links = response.context["links"]
        assert links["overdue"] == "/dossiers/?subtree=QLD&overdue=true&ordering=appointment_date"
        assert links["due_soon"] == "/dossiers/?subtree=QLD&due_soon=true&ordering=appointment_date"
        listed = get(client, head_a, links["overdue"]).context["dossiers"]
        assert [dossier.code for dossier in listed] == [
            item.dossier.code for item in response.context["dashboard"].overdue.items
        ]
        listed = get(client, head_a, links["due_soon"]).context["dossiers"]
        assert [dossier.code for dossier in listed] == [known["a_due_soon"].code]

    def test_a_list_shows_ten_and_counts_them_all(self, client, known, head_a, officer_a):
        procedure = known["a_overdue"].procedure
        for day in range(3, 15):  # twelve more dossiers of QLD, all overdue on 25/11
            services.dossier_receive(
                procedure=procedure,
                channel=Channel.IN_PERSON,
                applicant=services.Applicant(name="Lê Văn Cường"),
                received_at=local(2025, 10, day),
                by=officer_a,
            )
        response = unit_page(client, head_a, **NOVEMBER)
        overdue = response.context["dashboard"].overdue
        assert (len(overdue.items), overdue.total, overdue.more) == (10, 15, 5)
        assert overdue.items[0].dossier.code == known["a_overdue"].code or (
            overdue.items[0].dossier.appointment_date <= D(2025, 10, 15)
        )
        assert [item.dossier.appointment_date for item in overdue.items] == sorted(
            item.dossier.appointment_date for item in overdue.items
        )
        assert "See all 15 dossiers" in get(client, head_a, UNIT_URL.format("QLD"), language="en").content.decode()

    def test_nothing_overdue_says_so(self, client, known, officer_b, unit_b):
        Dossier.objects.filter(unit=unit_b).delete()
        html = unit_page(client, officer_b, "ATTP", language="en").content.decode()
        assert "No dossier is overdue today." in html
        assert "No dossier is due in the next working days." in html


class TestPeriods:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({}, (D(2025, 11, 15), D(2025, 11, 24), "month")),
            ({"period": "month"}, (D(2025, 11, 15), D(2025, 11, 24), "month")),
            ({"period": "quarter"}, (D(2025, 9, 15), D(2025, 11, 24), "quarter")),
            ({"period": "year"}, (D(2024, 12, 15), D(2025, 11, 24), "year")),
            ({"date_from": "2025-10-15", "date_to": "2025-11-14"}, (D(2025, 10, 15), D(2025, 11, 14), "custom")),
        ],
    )
    def test_presets_run_from_the_start_of_the_reporting_period_to_yesterday(
        self, client, known, head_a, query, expected
    ):
        response = unit_page(client, head_a, **query)
        assert response.status_code == 200
        period = response.context["dashboard"].period
        assert (period.date_from, period.date_to, period.preset) == expected

    def test_the_page_names_the_reporting_period_its_15th_to_14th_days_and_how_far_the_figures_go(
        self, client, known, head_a
    ):
        html = unit_page(client, head_a).content.decode()  # today 25/11/2025: month 12 runs 15/11–14/12
        assert "Kỳ báo cáo tháng 12/2025 (15/11–14/12), số liệu đến hết ngày 24/11" in html
        html = unit_page(client, head_a, period="year").content.decode()
        assert "Kỳ báo cáo năm 2025 (15/12/2024–14/12/2025), số liệu đến hết ngày 24/11" in html
        html = unit_page(client, head_a, date_from="2025-10-15", date_to="2025-11-14").content.decode()
        assert "15/10/2025 – 14/11/2025" in html

    def test_a_whole_period_needs_no_up_to(self):
        period = dashboards.preset_period("month", today=D(2025, 11, 15))
        with translation.override("en"):
            assert period.summary == "Reporting month 11/2025 (15/10–14/11)"

    def test_on_the_first_day_of_a_period_the_previous_one_is_shown_whole(self):
        period = dashboards.preset_period("month", today=D(2025, 11, 15))
        assert (period.date_from, period.date_to) == (D(2025, 10, 15), D(2025, 11, 14))

    def test_the_year_preset_figures_equal_the_statistics(self, client, known, head_a, unit_a):
        figures = unit_page(client, head_a, period="year").context["dashboard"].figures
        assert figures == period_figures(date_from=D(2024, 12, 15), date_to=D(2025, 11, 24), subtree=unit_a)
        assert figures.newly_received == 11

    def test_the_active_preset_is_highlighted(self, client, known, head_a):
        html = unit_page(client, head_a, period="quarter").content.decode()
        assert re.search(r'class="btn btn-primary" href="\?period=quarter" aria-current="true"', html)

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"date_from": "2025-11-14", "date_to": "2025-10-15"}, "The end date is before the start date."),
            ({"date_from": "2025-13-40", "date_to": "2025-11-14"}, "Enter a valid date."),
            ({"date_from": "15/10/2025", "date_to": "2025-11-14"}, "Enter a valid date."),
            ({"date_from": "2025-11-01", "date_to": "2025-11-26"}, "26/11/2025 lies in the future"),
            ({"period": "custom", "date_from": "2025-11-01"}, "Give this date for a custom range."),
            ({"period": "fortnight"}, "Select a valid choice."),
            ({"date_from": "2015-01-01", "date_to": "2025-11-14"}, "A report covers less than 5 years"),
        ],
    )
    def test_a_bad_period_is_a_form_error_not_a_server_error(self, client, known, head_a, office_staff, query, message):
        for user, url in ((head_a, UNIT_URL.format("QLD")), (office_staff, MINISTRY_URL)):
            response = get(client, user, url, language="en", **query)
            assert response.status_code == 400
            assert "dashboard" not in response.context
            html = response.content.decode()
            assert 'id="period-errors"' in html
            assert message in html


class TestAccess:
    def test_the_head_of_a_sees_a_and_its_sub_unit(self, client, known, head_a):
        assert unit_page(client, head_a).status_code == 200
        response = unit_page(client, head_a, "QLD_KD", **NOVEMBER)
        assert response.status_code == 200
        assert response.context["dashboard"].figures.resolved_total == 2

    def test_the_head_of_a_is_refused_unit_b(self, client, known, head_a):
        response = unit_page(client, head_a, "ATTP")
        assert response.status_code == 403
        assert "dashboard" not in response.context

    def test_an_officer_of_b_is_refused_the_dashboard_of_a(self, client, known, officer_b):
        assert unit_page(client, officer_b, "QLD").status_code == 403
        assert unit_page(client, officer_b, "ATTP").status_code == 200

    def test_the_ministry_office_and_auditors_open_any_unit_and_the_ministry(
        self, client, known, office_staff, auditor
    ):
        for user in (office_staff, auditor):
            assert unit_page(client, user, "QLD").status_code == 200
            assert unit_page(client, user, "ATTP").status_code == 200
            assert get(client, user, MINISTRY_URL).status_code == 200

    def test_heads_and_officers_are_refused_the_ministry_dashboard(self, client, known, head_a, officer_b):
        assert get(client, head_a, MINISTRY_URL).status_code == 403
        assert get(client, officer_b, MINISTRY_URL).status_code == 403

    def test_an_unknown_unit_is_not_found(self, client, known, office_staff):
        assert unit_page(client, office_staff, "NOPE").status_code == 404

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, known):
        for url in ("/dashboards/", UNIT_URL.format("QLD"), MINISTRY_URL):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")

    def test_the_unit_selector_lists_what_the_user_may_read(self, client, known, head_a, officer_b, office_staff):
        codes = [code for code, _label in unit_page(client, head_a).context["unit_options"]]
        assert codes == ["QLD", "QLD_KD"]
        assert [code for code, _label in unit_page(client, officer_b, "ATTP").context["unit_options"]] == ["ATTP"]
        assert 'id="unit-picker"' not in unit_page(client, officer_b, "ATTP").content.decode()
        options = unit_page(client, office_staff).context["unit_options"]
        assert options[0] == ("BYT", "BYT – Bộ Y tế")
        assert sorted(options[1:]) == [
            ("ATTP", "— ATTP – Cục An toàn thực phẩm"),
            ("QLD", "— QLD – Cục Quản lý Dược"),
            ("QLD_KD", "— — QLD_KD – Phòng Quản lý kinh doanh dược"),
            ("VPB", "— VPB – Văn phòng Bộ"),
        ]
        # A sub-unit follows its parent.
        codes = [code for code, _label in options]
        assert codes.index("QLD_KD") == codes.index("QLD") + 1


class TestIndex:
    def test_heads_and_officers_land_on_their_unit_ministry_staff_on_the_ministry(
        self, client, known, head_a, officer_b, office_staff, auditor
    ):
        expected = {
            head_a: "/dashboards/units/QLD/",
            officer_b: "/dashboards/units/ATTP/",
            office_staff: "/dashboards/ministry/",
            auditor: "/dashboards/ministry/",
        }
        for user, location in expected.items():
            response = get(client, user, "/dashboards/")
            assert (response.status_code, response["Location"]) == (302, location)

    def test_a_head_who_is_also_an_officer_elsewhere_lands_on_the_unit_they_head(self, client, known, unit_b, head_a):
        MembershipFactory(user=head_a, unit=unit_b, role=MembershipRole.UNIT_OFFICER)
        assert get(client, head_a, "/dashboards/")["Location"] == "/dashboards/units/QLD/"

    def test_the_selector_opens_a_unit_keeping_the_period(self, client, known, office_staff):
        response = get(client, office_staff, "/dashboards/", unit="ATTP", period="year", other="x")
        assert response["Location"] == "/dashboards/units/ATTP/?period=year"

    def test_a_code_no_unit_can_have_is_not_found(self, client, known, office_staff):
        assert get(client, office_staff, "/dashboards/", unit="QLD/../x").status_code == 404
        assert get(client, office_staff, "/dashboards/", unit="NOPE")["Location"] == "/dashboards/units/NOPE/"

    def test_a_user_without_a_role_is_refused(self, client, known):
        assert get(client, UserFactory(username="nobody"), "/dashboards/").status_code == 403

    def test_the_navigation_bar_links_to_the_dashboards(self, client, known, head_a):
        html = unit_page(client, head_a, language="en").content.decode()
        assert re.search(r'<a class="nav-link active" aria-current="page" href="/dashboards/">.*Dashboard</a>', html)


class TestMinistryDashboard:
    def test_top_level_units_sorted_by_on_time_rate_with_their_subtrees(self, client, known, office_staff):
        response = get(client, office_staff, MINISTRY_URL, **NOVEMBER)
        assert response.status_code == 200
        lines = response.context["dashboard"].lines
        assert [
            (line.unit.code, line.figures.resolved_total, line.figures.on_time_rate, line.overdue_now) for line in lines
        ] == [
            ("ATTP", 1, Decimal("100.00"), 1),
            ("QLD", 5, Decimal("60.00"), 3),  # QLD with its sub-unit QLD_KD
            ("VPB", 0, None, 0),
        ]

    def test_each_line_equals_the_statistics_of_its_subtree(self, client, known, office_staff, unit_a, unit_b):
        lines = get(client, office_staff, MINISTRY_URL, **NOVEMBER).context["dashboard"].lines
        period = {"date_from": D(2025, 10, 15), "date_to": D(2025, 11, 14)}
        by_code = {line.unit.code: line.figures for line in lines}
        assert by_code["QLD"] == period_figures(**period, subtree=unit_a)
        assert by_code["ATTP"] == period_figures(**period, subtree=unit_b)

    def test_the_totals_and_the_live_counts(self, client, known, office_staff):
        dashboard = get(client, office_staff, MINISTRY_URL, **NOVEMBER).context["dashboard"]
        assert dashboard.totals == period_figures(date_from=D(2025, 10, 15), date_to=D(2025, 11, 14))
        assert dashboard.totals.on_time_rate == Decimal("66.67")
        assert dashboard.overdue_now == Dossier.objects.overdue(on=TODAY).count() == 4
        assert dashboard.due_soon_now == 1
        assert dashboard.units_below_target == 1

    def test_the_bar_chart_compares_the_units_that_resolved_something(self, client, known, office_staff):
        data = chart_data(get(client, office_staff, MINISTRY_URL, language="en", **NOVEMBER))
        assert data["units"] == {
            "labels": ["Vietnam Food Administration", "Drug Administration"],
            "codes": ["ATTP", "QLD"],
            "on_time": [100.0, 60.0],
        }
        assert data["target"] == 90.0
        assert data["labels"]["on_time"] == "On-time rate"

    def test_the_ministry_trend(self, client, known, office_staff):
        trend = chart_data(get(client, office_staff, MINISTRY_URL, **NOVEMBER))["trend"]
        # October: the five of QLD and QLD_KD (one late) and b_on_time (on time): 5 of 6; November: a1_late.
        assert trend["on_time"][-2:] == [83.33, 0.0]

    def test_units_deeper_in_the_tree_roll_up_to_their_top_level_unit(self, unit_a, unit_a1, ministry):
        grandchild = UnitFactory(code="QLD_KD_1", parent=unit_a1)
        ancestors = dashboards.top_level_ancestor_ids([ministry, unit_a, unit_a1, grandchild])
        assert ancestors == {
            ministry.pk: ministry.pk,
            unit_a.pk: unit_a.pk,
            unit_a1.pk: unit_a.pk,
            grandchild.pk: unit_a.pk,
        }

    def test_dossiers_of_the_ministry_itself_get_a_line(self, client, known, office_staff, ministry, officer_a):
        procedure = ProcedureVersionFactory(procedure=ProcedureFactory(code="1.000009", unit=ministry)).procedure
        dossier = services.dossier_receive(
            procedure=procedure,
            channel=Channel.ONLINE,
            applicant=services.Applicant(name="Vũ Văn Dũng"),
            received_at=local(2025, 10, 20),
            by=officer_a,
        )
        services.dossier_end(dossier=dossier, by=officer_a, outcome=Outcome.RESOLVED, at=local(2025, 10, 21))
        rollups.stats_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 11, 24))
        lines = get(client, office_staff, MINISTRY_URL, **NOVEMBER).context["dashboard"].lines
        # BYT's own dossier was resolved early: 100% like ATTP, and ties keep the tree order.
        assert [line.unit.code for line in lines] == ["BYT", "ATTP", "QLD", "VPB"]
        assert lines[0].figures.resolved_total == 1


class TestEmulationCard:
    def test_without_a_score_the_card_says_so(self, client, known, head_a):
        response = unit_page(client, head_a, language="en")
        assert response.context["dashboard"].emulation is None
        assert "No emulation score has been computed for this unit yet." in response.content.decode()

    def test_the_stored_score_band_and_rank_with_a_link_to_the_breakdown(self, client, known, head_a, unit_a, unit_b):
        from emulation.models import EmulationYear, UnitScore

        year = EmulationYear.objects.create(year=2025)
        window = {"window_start": D(2024, 12, 15), "window_end": D(2025, 11, 24), "applicable_max": Decimal(100)}
        UnitScore.objects.create(
            year=year, unit=unit_b, points=Decimal("95.5"), total=Decimal("95.50"), band="outstanding", rank=1, **window
        )
        UnitScore.objects.create(
            year=year, unit=unit_a, points=Decimal("78.25"), total=Decimal("78.25"), band="good", rank=2, **window
        )
        response = unit_page(client, head_a, language="en", period="year")
        emulation = response.context["dashboard"].emulation
        assert (emulation.year, emulation.total, emulation.band, emulation.rank, emulation.ranked_units) == (
            2025,
            Decimal("78.25"),
            "good",
            2,
            2,
        )
        html = response.content.decode()
        assert "No. 2" in html and "of 2" in html and "Tasks completed well" in html
        assert 'href="/emulation/2025/units/QLD/"' in html

    def test_a_later_period_shows_the_latest_year_scored(self, unit_a):
        from emulation.models import EmulationYear, UnitScore

        year = EmulationYear.objects.create(year=2024)
        UnitScore.objects.create(
            year=year,
            unit=unit_a,
            window_start=D(2023, 12, 15),
            window_end=D(2024, 12, 14),
            points=Decimal(40),
            applicable_max=Decimal(100),
            total=Decimal(40),
            band="not_completed",
            rank=None,
        )
        summary = dashboards.emulation_summary(unit_a, year=2026)
        assert (summary.year, summary.rank, summary.ranked_units, summary.band_label) == (
            2024,
            None,
            0,
            "Tasks not completed",
        )
        assert dashboards.emulation_summary(unit_a, year=2023) is None


class TestLanguageAndScripts:
    def test_vietnamese_first_english_on_request(self, client, known, head_a):
        vietnamese = unit_page(client, head_a).content.decode()
        english = get(client, head_a, UNIT_URL.format("QLD"), language="en").content.decode()
        assert '<html lang="vi">' in vietnamese and '<html lang="en">' in english
        assert re.search(r'id="overdue-list-heading">.*?Quá hạn', vietnamese, re.S)
        assert re.search(r'id="overdue-list-heading">.*?Overdue', english, re.S)
        assert ">Drug Administration <" in english and ">Cục Quản lý Dược <" in vietnamese

    def test_no_inline_script_only_the_json_data_island(self, client, known, office_staff):
        for url in (UNIT_URL.format("QLD"), MINISTRY_URL):
            html = get(client, office_staff, url).content.decode()
            scripts = re.findall(r"<script([^>]*)>", html)
            assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts)
            assert '<script src="/static/js/dashboards.js">' in html
            assert '<script src="/static/vendor/chart.js/chart.umd.min.js">' in html
            assert "cdn" not in html.lower()


def _more_data(ministry, officer):
    """Ten more top-level units, each with a sub-unit and a procedure, and dossiers in all of them."""
    for number in range(10):
        top = UnitFactory(code=f"EXTRA{number}", parent=ministry)
        sub = UnitFactory(code=f"EXTRA{number}_S", parent=top)
        for unit in (top, sub):
            MembershipFactory(user=officer, unit=unit, role=MembershipRole.UNIT_OFFICER)
            procedure = ProcedureVersionFactory(procedure=ProcedureFactory(unit=unit), processing_days=3).procedure
            for day in (6, 7, 8, 20, 21):
                dossier = services.dossier_receive(
                    procedure=procedure,
                    channel=Channel.ONLINE,
                    applicant=services.Applicant(name="Đỗ Thị Hoa"),
                    received_at=local(2025, 10, day),
                    by=officer,
                )
                if day > 7:
                    services.dossier_end(dossier=dossier, by=officer, outcome=Outcome.RESOLVED, at=local(2025, 10, 28))
    rollups.stats_backfill(date_from=D(2025, 10, 1), date_to=D(2025, 11, 24))


class TestQueryCounts:
    """A page costs the same whatever the number of units, procedures and dossiers."""

    def count(self, client, user, url, **query) -> int:
        client.force_login(user)
        client.get(url, query)  # warm the per-process caches (working-day calendar)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, query)
        assert response.status_code == 200
        return len(queries)

    def test_the_unit_dashboard(self, client, known, office_staff, ministry, officer_a, django_assert_max_num_queries):
        few = self.count(client, office_staff, UNIT_URL.format("QLD"), **NOVEMBER)
        _more_data(ministry, officer_a)
        many = self.count(client, office_staff, UNIT_URL.format("QLD"), **NOVEMBER)
        assert few == many
        client.force_login(office_staff)
        # Session, user, memberships, the readable units; Form 06 (4), the trend (2), the two live
        # lists and their counts (4), the emulation result, the last computed day; the national
        # index tile (8: the configuration, the units in scope, the flows, stocks and feedback, the
        # catalogue's versions, the flags' history on the period's last day and the receipts per
        # procedure).
        with django_assert_max_num_queries(24):
            client.get(UNIT_URL.format("EXTRA1"), NOVEMBER)

    def test_the_unit_dashboard_of_a_head(self, client, known, head_a, ministry, officer_a):
        few = self.count(client, head_a, UNIT_URL.format("QLD"), **NOVEMBER)
        _more_data(ministry, officer_a)
        # Two more than the ministry office's: the units the head heads and their subtree, for their rights.
        assert self.count(client, head_a, UNIT_URL.format("QLD"), **NOVEMBER) == few == 26

    def test_the_ministry_dashboard(
        self, client, known, office_staff, ministry, officer_a, django_assert_max_num_queries
    ):
        few = self.count(client, office_staff, MINISTRY_URL, **NOVEMBER)
        _more_data(ministry, officer_a)
        many = self.count(client, office_staff, MINISTRY_URL, **NOVEMBER)
        assert few == many
        client.force_login(office_staff)
        # Session, user, memberships, the selector's units, all units (for the roll-up); Form 06 (4),
        # overdue now by unit, the trend (2), due soon now, the last computed day.
        with django_assert_max_num_queries(14):
            response = client.get(MINISTRY_URL, NOVEMBER)
        assert len(response.context["dashboard"].lines) == 13
