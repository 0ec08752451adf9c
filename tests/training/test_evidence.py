"""Evidence of learning (issue 6): paired pre-test and quiz scores per module, by role and by
unit, on the /reports/evidence/ pages, their CSV and XLSX downloads, the de-identified export
for research partners and the Wagtail admin report; who may see them; and query counts that
do not grow with the number of attempts."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import math
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from training import evidence
from training.models import Attempt

from ..conftest import SAMPLE_SPEC, publish_module
from ..factories import RoleFactory, StaffProfileFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

BASE = timezone.now() - datetime.timedelta(days=3)


def make_attempt(user, module, kind, score, *, confidence=None, at=0, revision_id=None):
    """A submitted attempt `at` minutes after BASE (started a minute before)."""
    submitted = BASE + datetime.timedelta(minutes=at)
    return Attempt.objects.create(
        user=user,
        module=module,
        revision_id=revision_id or module.live_revision_id,
        kind=kind,
        questions=[],
        pass_mark=module.pass_mark,
        answers={},
        confidence=confidence,
        score_percent=score,
        passed=None if kind == "pre" else score >= module.pass_mark,
        started_at=submitted - datetime.timedelta(minutes=1),
        submitted_at=submitted,
    )


def make_pair(user, module, pre, post, *, pre_conf=None, post_conf=None, at=0):
    make_attempt(user, module, "pre", pre, confidence=pre_conf, at=at)
    make_attempt(user, module, "post", post, confidence=post_conf, at=at + 10)


# Learners' user ids sit far above any score, count or date part, so that the export test's
# "no user id in any cell" check depends on the export, not on where the id sequence stands.
_LEARNER_IDS = itertools.count(7_000_001)


def learner(username, role, unit, **names):
    return StaffProfileFactory(
        user=UserFactory(id=next(_LEARNER_IDS), username=username, **names), role=role, unit=unit
    ).user


def ratings(a, b):
    return {"recognise": a, "respond": b}


# The hand-computed example.
#
#   Six registered nurses in NICU (pre -> quiz, change; confidence pre -> quiz, 1-5):
#     N1 40 -> 80  +40   2.5 -> 4.0
#     N2 50 -> 75  +25   2.0 -> 3.5
#     N3 60 -> 85  +25   3.0 -> 4.5
#     N4 30 -> 50  +20   1.5 -> 3.0   (a retake later scored 95: only the first quiz counts)
#     N5 70 -> 90  +20   3.5 -> 4.5
#     N6 50 -> 100 +50   no ratings
#   Nurses: mean pre 50.0, mean quiz 80.0, mean change 180/6 = 30.0.
#     Deviations 10, -5, -5, -10, -10, 20: squares sum to 750; variance 750/5 = 150;
#     SD = 12.247 -> 12.2; d_z = 30 / 12.247 = 2.449 -> 2.45.
#     95% CI: t(5) = 2.571, SE = 12.247 / sqrt(6) = 5.000; 30 ± 12.855 -> 17.1 to 42.9.
#     Confidence (5 who rated): pre 12.5/5 = 2.50, quiz 19.5/5 = 3.90, change +1.40.
#
#   Two physicians in PICU: P1 60 -> 70 (+10), P2 40 -> 40 (0). Fewer than 5: not shown
#   by role or by unit.
#
#   All 8 learners: mean pre 400/8 = 50.0, mean quiz 590/8 = 73.75 -> 73.8,
#     mean change 190/8 = 23.75 -> 23.8. Deviations 16.25, 1.25, 1.25, -3.75, -3.75, 26.25,
#     -13.75, -23.75: squares sum to 1737.5; variance 1737.5/7 = 248.21; SD = 15.755 -> 15.8;
#     d_z = 23.75 / 15.755 = 1.507 -> 1.51. 95% CI: t(7) = 2.365, SE = 15.755 / sqrt(8)
#     = 5.570; 23.75 ± 13.174 -> 10.6 to 36.9.
#
#   Not paired: a nurse with a pre-test only; a nurse whose pre-test and quiz came from
#   different revisions; a nurse whose quiz began before her pre-test was finished.
NURSES = [
    (40, 80, ratings(2, 3), ratings(4, 4)),
    (50, 75, ratings(2, 2), ratings(3, 4)),
    (60, 85, ratings(3, 3), ratings(4, 5)),
    (30, 50, ratings(1, 2), ratings(3, 3)),
    (70, 90, ratings(3, 4), ratings(4, 5)),
    (50, 100, None, None),
]
PHYSICIANS = [(60, 70), (40, 40)]


@pytest.fixture
def example(people, module):
    physician = RoleFactory(name="Physician")
    users = {}
    for i, (pre, post, pre_conf, post_conf) in enumerate(NURSES, start=1):
        user = learner(
            f"nurse{i}",
            people.nurse_role,
            people.nicu,
            first_name=f"Nursefirst{i}",
            last_name=f"Nurselast{i}",
        )
        make_pair(user, module, pre, post, pre_conf=pre_conf, post_conf=post_conf, at=i * 60)
        users[f"N{i}"] = user
    make_attempt(users["N4"], module, "post", 95, at=1000)  # a retake
    for i, (pre, post) in enumerate(PHYSICIANS, start=1):
        user = learner(f"doctor{i}", physician, people.picu)
        make_pair(user, module, pre, post, at=2000 + i * 60)
        users[f"P{i}"] = user
    # Not paired.
    make_attempt(learner("preonly", people.nurse_role, people.nicu), module, "pre", 10, at=5)
    other_revision = module.save_revision()
    moved = learner("moved", people.nurse_role, people.nicu)
    make_attempt(moved, module, "pre", 0, at=5, revision_id=other_revision.pk)
    make_attempt(moved, module, "post", 100, at=20)
    early = learner("early", people.nurse_role, people.nicu)
    make_attempt(early, module, "post", 100, at=30)  # started at minute 29
    make_attempt(early, module, "pre", 0, at=30)  # finished at minute 30, after the quiz began
    return users


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def row_html(html: str, label: str) -> str:
    """The table row whose header cell holds `label` (first match)."""
    for row in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S):
        header = re.search(r"<th scope=\"row\"[^>]*>(.*?)</th>", row, flags=re.S)
        if header and label in header.group(1):
            return squash(row)
    raise AssertionError(f"no row for {label!r}")


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def xlsx_rows(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def headings():
    return [heading for _, heading in evidence.COLUMNS]


# --- the numbers ---------------------------------------------------------------------------------


def test_selector_statistics_match_the_hand_computed_example(example, module):
    data = evidence.module_evidence(module_id=module.pk)
    overall = data.overall.summary
    assert overall.n == 8
    assert overall.mean_pre == 50 and overall.mean_post * 4 == 295
    assert overall.mean_change * 4 == 95  # 23.75 exactly
    assert round(overall.sd_change, 3) == 15.755
    assert round(overall.d_z, 2) == 1.51
    assert (round(overall.ci_low, 1), round(overall.ci_high, 1)) == (10.6, 36.9)
    nurses = next(r for r in data.by_role if r.group == "Registered nurse")
    assert nurses.summary.n == 6 and nurses.summary.mean_change == 30
    assert round(nurses.summary.d_z, 2) == 2.45
    assert (nurses.ci_low, nurses.ci_high) == (
        evidence.Decimal("17.1"),
        evidence.Decimal("42.9"),
    )
    assert nurses.summary.confidence_n == 5
    assert (nurses.confidence_pre, nurses.confidence_post, nurses.confidence_change) == (
        evidence.Decimal("2.50"),
        evidence.Decimal("3.90"),
        evidence.Decimal("1.40"),
    )
    physicians = next(r for r in data.by_role if r.group == "Physician")
    assert physicians.suppressed and physicians.mean_change == "" and physicians.learners == ""
    assert [r.group for r in data.by_unit] == ["NICU", "PICU"]
    assert [r.suppressed for r in data.by_unit] == [False, True]


def test_overview_page_shows_the_numbers(example, module, people, login):
    response = login(people.lead).get("/reports/evidence/")
    assert response.status_code == 200
    html = response.content.decode()
    row = row_html(html, module.title)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == [
        "8",
        "50.0%",
        "73.8%",
        "+23.8 pts",
        "+10.6 to +36.9",
        "15.8",
        "1.51",
        "2.50 → 3.90 (n=5)",
        "+1.40",
    ]
    assert f'href="/reports/evidence/{module.pk}/"' in row
    text = squash(html)
    assert "mean change divided by the SD of change" in text  # d_z is defined on the page
    assert "current ones, from their staff profile today" in text
    assert "fewer than 5 learners is not shown" in text
    # The chart: server-rendered SVG with a title and the same numbers.
    svg = re.search(r"<svg class=\"evidence-svg\".*?</svg>\s*</svg>", html, flags=re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="modules-chart-title modules-chart-desc"' in svg
    assert '<title id="modules-chart-title">' in svg
    assert "mean pre-test 50.0%, mean quiz 73.8%, 8 learners" in svg
    assert 'width="73.8%"' in svg and 'width="50.0%"' in svg


def test_module_page_by_role_and_by_unit_hides_small_groups(example, module, people, login):
    response = login(people.lead).get(f"/reports/evidence/{module.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    role_table, unit_table = re.findall(
        r"<table class=\"usa-table usa-table--compact evidence-table\">.*?</table>", html, re.S
    )
    nurses = row_html(role_table, "Registered nurse")
    for number in ("6", "50.0%", "80.0%", "+30.0", "+17.1 to +42.9", "12.2", "2.45"):
        assert f">{number}<" in nurses or f"<strong>{number}</strong>" in nurses
    assert "2.50 → 3.90" in nurses and "+1.40" in nurses
    assert "Fewer than 5 learners: not shown" in row_html(role_table, "Physician")
    assert "Fewer than 5 learners: not shown" in row_html(unit_table, "PICU")
    assert ">6<" in row_html(unit_table, "NICU")
    assert "+23.8" in row_html(role_table, "All learners")
    # Nothing about the two physicians on their own: their mean change (+5.0) is not shown.
    assert "+5.0" not in html
    charts = re.findall(r"<svg class=\"evidence-svg\".*?</svg>\s*</svg>", html, flags=re.S)
    assert len(charts) == 2
    role_chart, unit_chart = charts
    assert "Registered nurse" in role_chart and "Physician" not in role_chart
    assert "NICU" in unit_chart and "PICU" not in unit_chart
    text = squash(html)
    assert "Roles with fewer than 5 learners are left out." in text
    assert "Roles and units are learners' current ones" in text


def test_group_is_the_learners_current_role_and_unit(example, module, people, login):
    """A nurse who has since moved to PICU is counted in PICU."""
    example["N1"].staff_profile.unit = people.picu
    example["N1"].staff_profile.save()
    data = evidence.module_evidence(module_id=module.pk)
    assert {r.group: r.summary.n for r in data.by_unit} == {"NICU": 5, "PICU": 3}


def test_small_cases_say_what_is_missing():
    def pair(pre, post):
        return evidence.Pair(1, 1, 1, pre, post, None, None, timezone.now(), "R", "U")

    one = evidence.summarise([pair(40, 60)])
    assert one.n == 1 and one.mean_change == 20
    assert one.sd_change is None and one.d_z is None and one.ci_low is None
    same = evidence.summarise([pair(40, 60), pair(50, 70)])
    assert same.sd_change == 0 and same.d_z is None and same.ci_low == same.ci_high == 20
    module = evidence.ModuleInfo(1, "M", "m", True, "none")
    row = evidence.EvidenceRow(module, evidence.ALL_LEARNERS, evidence.ALL_LEARNERS, same)
    assert "no effect size" in row.note
    assert evidence.summarise([]).n == 0


def test_t_table_holds_students_t_critical_values():
    """Each tabulated t has 97.5% of Student's t distribution below it (to 3 decimals), and
    degrees of freedom between entries use the next smaller entry (a wider interval)."""

    def pdf(x, v):
        c = math.exp(math.lgamma((v + 1) / 2) - math.lgamma(v / 2)) / math.sqrt(v * math.pi)
        return c * (1 + x * x / v) ** (-(v + 1) / 2)

    def cdf(t, v, steps=2000):  # Simpson's rule from 0 to t
        h = t / steps
        total = pdf(0, v) + pdf(t, v)
        total += sum((4 if i % 2 else 2) * pdf(i * h, v) for i in range(1, steps))
        return 0.5 + total * h / 3

    for df, t in evidence.T_95.items():
        assert abs(cdf(float(t), df) - 0.975) < 0.0002, df
        assert cdf(float(t) - 0.002, df) < 0.975 < cdf(float(t) + 0.002, df), df
    assert evidence.t_critical_95(35) == evidence.T_95[30]
    assert evidence.t_critical_95(5000) == evidence.T_95[1000]


# --- downloads ---------------------------------------------------------------------------------


def test_csv_of_the_overview(example, module, people, login):
    response = login(people.lead).get("/reports/evidence/modules.csv")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attune-evidence-modules-" in response["Content-Disposition"]
    header, *body = csv_rows(response)
    assert header == headings()
    (row,) = body
    assert row == [
        module.title,
        "All learners",
        "All learners",
        "8",
        "50.0",
        "73.8",
        "23.8",
        "10.6",
        "36.9",
        "15.8",
        "1.51",
        "5",
        "2.50",
        "3.90",
        "1.40",
        "",
    ]


def test_csv_and_xlsx_of_a_module_by_role_and_by_unit(example, module, people, login):
    client = login(people.lead)
    header, *body = csv_rows(client.get(f"/reports/evidence/{module.pk}/roles.csv"))
    got = {row[2]: row for row in body}
    assert list(got) == ["All learners", "Physician", "Registered nurse"]
    assert got["Registered nurse"][3:7] == ["6", "50.0", "80.0", "30.0"]
    assert got["Physician"][3:-1] == [""] * 12
    assert got["Physician"][-1] == "Fewer than 5 learners: not shown"
    response = client.get(f"/reports/evidence/{module.pk}/units.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    header, *body = xlsx_rows(response)
    assert header == headings()
    got = {row[2]: row for row in body}
    assert list(got) == ["All learners", "NICU", "PICU"]
    assert got["NICU"][3:7] == [6, 50, 80, 30]  # numbers, not text
    assert got["All learners"][6] == pytest.approx(23.8)
    assert got["PICU"][3] is None and got["PICU"][-1] == "Fewer than 5 learners: not shown"
    assert client.get(f"/reports/evidence/{module.pk}/roles.pdf").status_code == 404
    assert client.get(f"/reports/evidence/{module.pk}/people.csv").status_code == 404
    assert client.get("/reports/evidence/modules.txt").status_code == 404


FORMULAS = ['=HYPERLINK("http://x.test","y")', "@SUM(A1)", "+1+2", "\tTab unit", "-2+3"]


def test_formula_looking_names_are_neutralised_in_every_spreadsheet(people, module, login):
    role = RoleFactory(name=FORMULAS[0])
    units = [UnitFactory(name=name) for name in FORMULAS[1:]]
    for i, unit in enumerate(units):
        make_pair(learner(f"f{i}", role, unit), module, 80, 60 - i, at=i * 30)  # falls
    client = login(people.lead)
    expected = {"'" + name for name in FORMULAS}

    def names_in(rows):
        return {cell for row in rows[1:] for cell in row[1:3]}

    for path in (f"/reports/evidence/{module.pk}/roles", f"/reports/evidence/{module.pk}/units"):
        from_csv = csv_rows(client.get(path + ".csv"))
        from_xlsx = xlsx_rows(client.get(path + ".xlsx"))
        assert names_in(from_csv) - {"All learners", "Role", "Unit"} <= expected
        assert names_in(from_xlsx) - {"All learners", "Role", "Unit"} <= expected
    everything = csv_rows(client.get(f"/reports/evidence/{module.pk}/units.csv"))
    assert {row[2] for row in everything[1:]} == {"All learners"} | expected - {"'" + FORMULAS[0]}
    # Falling scores are numbers in the spreadsheet, not neutralised text.
    overview = xlsx_rows(client.get("/reports/evidence/modules.xlsx"))
    assert overview[1][6] == pytest.approx(-21.5)  # 80 -> 60, 59, 58, 57
    assert csv_rows(client.get("/reports/evidence/modules.csv"))[1][6] == "-21.5"
    # The admin report's downloads and the research file too.
    admin_csv = csv_rows(client.get("/admin/reports/learning-evidence/?breakdown=role&export=csv"))
    assert "'" + FORMULAS[0] in {row[2] for row in admin_csv}
    admin_xlsx = xlsx_rows(
        client.get("/admin/reports/learning-evidence/?breakdown=unit&export=xlsx")
    )
    assert {row[2] for row in admin_xlsx[1:]} == {"All learners"} | expected - {"'" + FORMULAS[0]}
    research = csv_rows(client.post("/reports/evidence/export/", {"export_key": "key-12345"}))
    assert {row[3] for row in research[1:]} == {"'" + FORMULAS[0]}
    assert {row[4] for row in research[1:]} == expected - {"'" + FORMULAS[0]}


# --- the de-identified export ----------------------------------------------------------------


def test_deidentified_export(example, module, people, login):
    client = login(people.lead)
    page = client.get("/reports/evidence/export/")
    assert page.status_code == 200 and b'name="export_key"' in page.content
    response = client.post("/reports/evidence/export/", {"export_key": "study-2025-alpha"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    header, *body = csv_rows(response)
    assert header == [
        "pseudonym",
        "module_slug",
        "revision_id",
        "role",
        "unit",
        "pre_score_percent",
        "post_score_percent",
        "pre_confidence_mean",
        "post_confidence_mean",
        "post_test_month",
    ]
    assert len(body) == 8
    assert all(re.fullmatch(r"[0-9a-f]{16}", row[0]) for row in body)
    assert len({row[0] for row in body}) == 8
    assert [row[0] for row in body] == sorted(row[0] for row in body)
    assert {row[1] for row in body} == {module.slug}
    assert {row[2] for row in body} == {str(module.live_revision_id)}
    assert all(re.fullmatch(r"\d{4}-\d{2}", row[9]) for row in body)
    by_scores = {(row[5], row[6]): row for row in body}
    assert by_scores[("40", "80")][3:9] == ["Registered nurse", "NICU", "40", "80", "2.50", "4.00"]
    assert by_scores[("60", "70")][3:9] == ["Physician", "PICU", "60", "70", "", ""]
    # Nothing that names anyone.
    text = "\n".join(",".join(row) for row in body)
    for user in example.values():
        profile = user.staff_profile
        for secret in (user.first_name, user.last_name, user.email, user.username):
            assert secret not in text
        assert profile.employee_id not in text
    assert not {str(user.pk) for user in example.values()} & {c for row in body for c in row}

    again = csv_rows(client.post("/reports/evidence/export/", {"export_key": "study-2025-alpha"}))
    assert again == [header, *body]  # the same key gives the same codes
    other = csv_rows(client.post("/reports/evidence/export/", {"export_key": "study-2025-beta"}))
    assert not {row[0] for row in other[1:]} & {row[0] for row in body}
    assert [row[1:] for row in sorted(other[1:], key=lambda r: r[5:7])] == [
        row[1:] for row in sorted(body, key=lambda r: r[5:7])
    ]


def test_pseudonym_is_an_hmac_of_the_key_and_the_learner():
    a = evidence.pseudonym(export_key="key-one-1", user_id=7)
    assert a == evidence.pseudonym(export_key="key-one-1", user_id=7)
    assert a != evidence.pseudonym(export_key="key-one-1", user_id=8)
    assert a != evidence.pseudonym(export_key="key-two-2", user_id=7)
    assert len(a) == 16


@pytest.mark.parametrize(
    "data, message",
    [
        ({"export_key": "short"}, "must be at least 8 characters long (it has 5)"),
        ({"export_key": "   seven   "}, "must be at least 8 characters long (it has 5)"),
        ({"export_key": ""}, "Enter an export key."),
        ({}, "Enter an export key."),
        ({"export_key": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_export_key_shows_the_form_again(people, login, data, message):
    response = login(people.lead).post("/reports/evidence/export/", data)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html and 'name="export_key"' in html
    assert "pseudonym" in html  # the column list of the page, not a file
    assert "Content-Disposition" not in response


# --- the admin report ----------------------------------------------------------------------------


def test_admin_report_uses_the_same_rows_and_columns(example, module, people, login):
    client = login(people.lead)
    assert "/admin/reports/learning-evidence/" in client.get("/admin/").content.decode()
    response = client.get("/admin/reports/learning-evidence/")
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert module.title in html and "+23.8 pts" in html and "1.51" in html
    assert f"/reports/evidence/{module.pk}/" in html
    by_role = client.get(f"/admin/reports/learning-evidence/?module={module.pk}&breakdown=role")
    rows = re.findall(r"<tr[^>]*>.*?</tr>", by_role.content.decode(), flags=re.S)
    (physicians,) = [squash(row) for row in rows if "Physician" in row]
    assert "Fewer than 5 learners" in physicians and "%" not in physicians
    admin_rows = csv_rows(
        client.get(
            f"/admin/reports/learning-evidence/?module={module.pk}&breakdown=role&export=csv"
        )
    )
    page_rows = csv_rows(client.get(f"/reports/evidence/{module.pk}/roles.csv"))
    assert admin_rows == page_rows  # one implementation: same headings, same cells
    admin_xlsx = xlsx_rows(client.get("/admin/reports/learning-evidence/?export=xlsx"))
    assert admin_xlsx == xlsx_rows(client.get("/reports/evidence/modules.xlsx"))


def test_admin_menu_item_is_only_for_leads_and_admins(example, people, login):
    assert (
        "/admin/reports/learning-evidence/" in login(people.admin).get("/admin/").content.decode()
    )
    educator_home = login(people.educator).get("/admin/").content.decode()
    assert "/admin/reports/learning-evidence/" not in educator_home


# --- who may see what ---------------------------------------------------------------------

KINDS = ["staff", "manager", "other_manager", "lead", "educator", "admin", "anonymous"]
PAGE = [403, 403, 403, 200, 403, 200, 302]
ADMIN = [302, 302, 302, 200, 302, 200, 302]
URLS = [
    ("/reports/evidence/", "get", PAGE),
    ("/reports/evidence/modules.csv", "get", PAGE),
    ("/reports/evidence/modules.xlsx", "get", PAGE),
    ("/reports/evidence/{module}/", "get", PAGE),
    ("/reports/evidence/{module}/roles.csv", "get", PAGE),
    ("/reports/evidence/{module}/roles.xlsx", "get", PAGE),
    ("/reports/evidence/{module}/units.csv", "get", PAGE),
    ("/reports/evidence/{module}/units.xlsx", "get", PAGE),
    ("/reports/evidence/export/", "get", PAGE),
    ("/reports/evidence/export/", "post", PAGE),
    ("/admin/reports/learning-evidence/", "get", ADMIN),
    ("/admin/reports/learning-evidence/results/", "get", ADMIN),
    ("/admin/reports/learning-evidence/?export=csv", "get", ADMIN),
    ("/admin/reports/learning-evidence/?export=xlsx", "get", ADMIN),
    ("/admin/reports/learning-evidence/?breakdown=unit&module={module}", "get", ADMIN),
]


@pytest.mark.parametrize("url, method, expected", URLS, ids=[f"{m} {u}" for u, m, _ in URLS])
@pytest.mark.parametrize("kind", KINDS)
def test_every_url_answers_each_kind_of_user(
    example, module, people, client, url, method, expected, kind
):
    if kind != "anonymous":
        client.force_login(getattr(people, kind))
    path = url.format(module=module.pk)
    data = {"export_key": "a-valid-key"} if method == "post" else None
    response = getattr(client, method)(path, data)
    assert response.status_code == expected[KINDS.index(kind)]
    if response.status_code == 302:
        if path.startswith("/admin/") and kind in ("lead", "educator", "admin"):
            assert response["Location"] == "/admin/"  # Wagtail's refusal for admin users
        else:
            assert "login" in response["Location"]
    if response.status_code == 403:
        assert "Content-Disposition" not in response
        assert b"pseudonym" not in response.content


def test_anonymous_is_sent_to_log_in_with_next(client):
    response = client.get("/reports/evidence/")
    assert response["Location"] == "/accounts/login/?next=/reports/evidence/"


def test_unknown_or_unpublished_module_is_404(module, people, login):
    client = login(people.lead)
    assert client.get("/reports/evidence/999999/").status_code == 404
    assert client.get("/reports/evidence/999999/roles.csv").status_code == 404
    module.unpublish()
    assert client.get(f"/reports/evidence/{module.pk}/").status_code == 404


def test_empty_and_pretest_only_states(site, people, module, login):
    client = login(people.lead)
    html = squash(client.get("/reports/evidence/").content.decode())
    assert "No published module asks for a pre-test yet" in html
    spec = {**SAMPLE_SPEC, "slug": "with-pretest", "title": "Module with a pre-test"}
    spec["quiz_settings"] = {"pretest": True}
    other = publish_module(site.catalogue, spec)
    html = squash(client.get("/reports/evidence/").content.decode())
    assert "No learner has taken both the pre-test and the quiz yet." in html
    assert module.title not in row_html(html, other.title)
    page = squash(client.get(f"/reports/evidence/{other.pk}/").content.decode())
    assert "No learner has taken both the pre-test and the quiz of this module yet." in page


# --- queries do not grow with the data ----------------------------------------------------


def grow(module, people, count, start=0):
    roles = [people.nurse_role, RoleFactory(name="Physician"), RoleFactory(name="Social worker")]
    units = [people.nicu, people.picu, UnitFactory(name="Cardiology")]
    for i in range(start, start + count):
        user = learner(f"bulk{i}", roles[i % 3], units[(i // 3) % 3])
        make_pair(
            user,
            module,
            30 + i % 40,
            60 + i % 35,
            pre_conf=ratings(1 + i % 3, 2),
            post_conf=ratings(3 + i % 3, 4),
            at=i * 30,
        )


def count_queries(client, method, path, data=None):
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(path, data)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, path
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/reports/evidence/"),
        ("get", "/reports/evidence/modules.csv"),
        ("get", "/reports/evidence/modules.xlsx"),
        ("get", "/reports/evidence/{module}/"),
        ("get", "/reports/evidence/{module}/roles.csv"),
        ("get", "/reports/evidence/{module}/units.xlsx"),
        ("post", "/reports/evidence/export/"),
        ("get", "/admin/reports/learning-evidence/"),
        ("get", "/admin/reports/learning-evidence/?breakdown=unit&export=csv"),
        ("get", "/admin/reports/learning-evidence/?module={module}&breakdown=role&export=xlsx"),
    ],
)
def test_query_count_does_not_grow_with_learners(
    module, people, login, django_assert_num_queries, method, path
):
    client = login(people.lead)
    path = path.format(module=module.pk)
    data = {"export_key": "a-valid-key"} if method == "post" else None
    grow(module, people, 6)
    count_queries(client, method, path, data)  # first request: per-process caches fill
    small = count_queries(client, method, path, data)
    grow(module, people, 24, start=6)
    assert len(evidence.module_evidence(module_id=module.pk).pairs) == 30
    with django_assert_num_queries(small):
        response = getattr(client, method)(path, data)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


def test_selectors_take_two_queries(module, people, django_assert_num_queries):
    grow(module, people, 12)
    with django_assert_num_queries(2):
        overview = evidence.evidence_overview()
    assert overview[0].overall.summary.n == 12
    with django_assert_num_queries(2):
        evidence.module_evidence(module_id=module.pk)
    with django_assert_num_queries(2):
        assert len(evidence.deidentified_rows(export_key="a-valid-key")) == 12
