"""Item analysis of a module's quiz: the arithmetic (facility, Kelley's discrimination index,
choice percentages, pre vs post), the Wagtail admin report and its CSV export, who may see
it, its filters, and query counts that do not grow with the number of attempts."""

import csv
import io
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from modules.grading import grade
from training import services
from training.item_analysis import item_analysis, item_statistics
from training.models import Attempt, Role

from ..conftest import correct_answers
from ..factories import StaffProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def choice(cid, text, correct=False):
    return {"id": cid, "text": text, "correct": correct, "feedback": ""}


Q1 = {
    "id": "q1",
    "kind": "single",
    "scoring": "all_or_nothing",
    "prompt": "<p>A baby turns away and arches. What is this?</p>",
    "skill": "recognise",
    "scenario": None,
    "choices": [
        choice("a", "A stress cue", True),
        choice("b", "An engagement cue"),
        choice("c", "Hunger"),
    ],
}
Q2 = {
    "id": "q2",
    "kind": "multiple",
    "scoring": "partial",
    "prompt": "<p>Which responses support serve and return?</p>",
    "skill": "respond",
    "scenario": None,
    "choices": [
        choice("x", "Name what the baby does", True),
        choice("y", "Wait for the baby's turn", True),
        choice("z", "Turn on the television"),
    ],
}
Q3 = {
    "id": "q3",
    "kind": "true_false",
    "scoring": "all_or_nothing",
    "prompt": "<p>Sustained withdrawal warrants referral.</p>",
    "skill": "refer",
    "scenario": None,
    "choices": [choice("t", "True", True), choice("f", "False")],
}
QUIZ = [Q1, Q2, Q3]

# The hand-computed example: ten learners' quiz answers (Q1, Q2, Q3) and their credit.
# Q2 is partial credit: (correct picked / 2) - (wrong picked / 1), never below 0.
#
#   learner  Q1  Q2     Q3   credits        points  score
#   L1       a   x,y    t    1  1    1      3       1
#   L2       a   x,y    t    1  1    1      3       1
#   L3       a   x      t    1  1/2  1      2.5     5/6
#   L4       a   x,y    f    1  1    0      2       2/3
#   L5       b   x,y    t    0  1    1      2       2/3
#   L6       a   x,z    t    1  0    1      2       2/3   (1/2 - 1 -> 0)
#   L7       a   y      f    1  1/2  0      1.5     1/2
#   L8       a   x      f    1  1/2  0      1.5     1/2
#   L9       b   -      t    0  0    1      1       1/3
#   L10      c   y      t    0  1/2  1      1.5     1/2
#
# Ranked by score, ties by attempt id (earlier first):
#   L1 L2 L3 | L4 L5 L6 L7 | L8 L10 L9     (L7, L8, L10 tie at 1/2; L7 ranks above L8)
# n = 10, group size g = max(1, round(0.27 * 10)) = round(2.7) = 3.
# Upper group: L1, L2, L3. Lower group: L8, L10, L9.
#
# Q1: facility 7/10 = 70%. Upper 3/3 = 1; lower (L8 1, L10 0, L9 0) = 1/3; D = 2/3 -> 0.67.
#     Picks: a 7 (70%), b 2 (20%), c 1 (10%).
# Q2: facility = mean credit = (1+1+.5+1+1+0+.5+.5+0+.5)/10 = 6/10 = 60%.
#     Upper (1, 1, 1/2) = 5/6; lower (1/2, 1/2, 0) = 1/3; D = 1/2 -> 0.50.
#     Picks: x 7 (70%), y 6 (60%), z 1 (10%), no answer 1 (10%).
# Q3: facility 7/10 = 70%. Upper 3/3 = 1; lower (0, 1, 1) = 2/3; D = 1/3 -> 0.33.
#     Picks: t 7 (70%), f 3 (30%).
# Had ties been broken the other way (L10 above L8 above L7), the lower group would be
# L8, L7, L9 and Q1's D would be 1 - 2/3 = 0.33, Q3's 1.00: the tie-break matters.
POST_ANSWERS = [
    {"q1": ["a"], "q2": ["x", "y"], "q3": ["t"]},
    {"q1": ["a"], "q2": ["x", "y"], "q3": ["t"]},
    {"q1": ["a"], "q2": ["x"], "q3": ["t"]},
    {"q1": ["a"], "q2": ["x", "y"], "q3": ["f"]},
    {"q1": ["b"], "q2": ["x", "y"], "q3": ["t"]},
    {"q1": ["a"], "q2": ["x", "z"], "q3": ["t"]},
    {"q1": ["a"], "q2": ["y"], "q3": ["f"]},
    {"q1": ["a"], "q2": ["x"], "q3": ["f"]},
    {"q1": ["b"], "q2": [], "q3": ["t"]},
    {"q1": ["c"], "q2": ["y"], "q3": ["t"]},
]
# Pre-tests by L1-L4:
#   Q1: a b b c          -> 1/4 = 25%   gain 70 - 25 = +45
#   Q2: x, -, x+y, z     -> (1/2 + 0 + 1 + 0)/4 = 3/8 = 37.5% -> 38% (half up)  gain +22
#   Q3: t f f t          -> 2/4 = 50%   gain +20
PRE_ANSWERS = [
    {"q1": ["a"], "q2": ["x"], "q3": ["t"]},
    {"q1": ["b"], "q2": [], "q3": ["f"]},
    {"q1": ["b"], "q2": ["x", "y"], "q3": ["f"]},
    {"q1": ["c"], "q2": ["z"], "q3": ["t"]},
]


def make_attempt(user, module, answers, *, kind="post", questions=QUIZ, revision_id=None):
    """A submitted attempt row with a known snapshot, graded as attempt_submit would."""
    answers = {qid: picked for qid, picked in answers.items() if picked}
    result = grade(questions, answers, module.pass_mark)
    points = Decimal(result.points.numerator) / Decimal(result.points.denominator)
    now = timezone.now()
    return Attempt.objects.create(
        user=user,
        module=module,
        revision_id=revision_id or module.live_revision_id,
        kind=kind,
        questions=questions,
        pass_mark=module.pass_mark,
        answers={r.question_id: sorted(r.selected) for r in result.results},
        correct_count=result.correct_count,
        points=points.quantize(Decimal("0.001")),
        score_percent=result.score_percent,
        passed=result.passed if kind == "post" else None,
        started_at=now,
        submitted_at=now,
    )


@pytest.fixture
def learners(people):
    """Ten learners: L1-L5 registered nurses in NICU, L6-L10 physicians in PICU."""
    physician = Role.objects.get(name="Physician")
    out = []
    for i in range(1, 11):
        role, unit = (people.nurse_role, people.nicu) if i <= 5 else (physician, people.picu)
        out.append(
            StaffProfileFactory(user=UserFactory(username=f"learner{i}"), role=role, unit=unit)
        )
    return out


@pytest.fixture
def example(module, learners):
    """The hand-computed example as attempt rows (post by L1-L10, pre by L1-L4)."""
    for profile, answers in zip(learners, POST_ANSWERS, strict=True):
        make_attempt(profile.user, module, answers)
    for profile, answers in zip(learners, PRE_ANSWERS, strict=False):
        make_attempt(profile.user, module, answers, kind="pre")
    return module


def by_id(analysis):
    return {item.question_id: item for item in analysis.items}


# --- the arithmetic ------------------------------------------------------------------------


def test_hand_computed_example(example):
    analysis = item_analysis(module=example)
    assert analysis.attempts == 10 and analysis.pre_attempts == 4 and analysis.group_size == 3
    items = by_id(analysis)
    assert [i.question_id for i in analysis.items] == ["q1", "q2", "q3"]
    q1, q2, q3 = items["q1"], items["q2"], items["q3"]

    assert [q1.responses, q2.responses, q3.responses] == [10, 10, 10]
    assert (q1.facility, q2.facility, q3.facility) == (
        Fraction(7, 10),
        Fraction(6, 10),
        Fraction(7, 10),
    )
    assert [q1.facility_percent, q2.facility_percent, q3.facility_percent] == [70, 60, 70]

    assert (q1.discrimination, q2.discrimination, q3.discrimination) == (
        Fraction(2, 3),
        Fraction(1, 2),
        Fraction(1, 3),
    )
    assert [q1.discrimination_index, q2.discrimination_index, q3.discrimination_index] == [
        Decimal("0.67"),
        Decimal("0.50"),
        Decimal("0.33"),
    ]
    assert all(i.upper_responses == 3 and i.lower_responses == 3 for i in analysis.items)

    assert [(c.id, c.picked, c.percent, c.correct) for c in q1.choices] == [
        ("a", 7, 70, True),
        ("b", 2, 20, False),
        ("c", 1, 10, False),
    ]
    assert q1.choices_summary == "A stress cue 70%* · An engagement cue 20% · Hunger 10%"
    assert [(c.id, c.percent) for c in q2.choices] == [("x", 70), ("y", 60), ("z", 10)]
    assert q2.unanswered == 1
    assert q2.choices_summary == (
        "Name what the baby does 70%* · Wait for the baby's turn 60%* · "
        "Turn on the television 10% · No answer 10%"
    )
    assert q3.choices_summary == "True 70%* · False 30%"

    # Pre-tests beside the quiz, and the gain per question.
    assert [q1.pre_responses, q2.pre_responses, q3.pre_responses] == [4, 4, 4]
    assert (q1.pre_facility, q2.pre_facility, q3.pre_facility) == (
        Fraction(1, 4),
        Fraction(3, 8),
        Fraction(1, 2),
    )
    assert [q1.pre_facility_percent, q2.pre_facility_percent, q3.pre_facility_percent] == [
        25,
        38,
        50,
    ]
    assert [q1.gain_points, q2.gain_points, q3.gain_points] == [45, 22, 20]

    # Plain text and type for the listing and the spreadsheet.
    assert q1.prompt == "A baby turns away and arches. What is this?"
    assert q2.partial_credit and q2.kind_label == "Multiple answer (partial credit)"
    assert q3.kind_label == "True/false"


def rows(*specs, questions=QUIZ):
    """Plain rows for item_statistics: (id, kind, answers[, questions])."""
    out = []
    for spec in specs:
        attempt_id, kind, answers, *rest = spec
        qs = rest[0] if rest else questions
        result = grade(qs, answers, 0)
        out.append(
            {
                "id": attempt_id,
                "kind": kind,
                "questions": qs,
                "answers": answers,
                "points": result.points,
            }
        )
    return out


def test_discrimination_is_blank_below_two_attempts_and_group_size_rounds():
    one = item_statistics(rows((1, "post", {"q1": ["a"]})))
    assert one.group_size is None
    assert all(i.discrimination is None and i.discrimination_index is None for i in one.items)
    assert by_id(one)["q1"].facility == 1

    # Two attempts: groups of one; the better attempt is the upper group.
    two = item_statistics(rows((1, "post", {"q1": ["b"]}), (2, "post", {"q1": ["a"]})))
    assert two.group_size == 1 and by_id(two)["q1"].discrimination == 1
    # A question both miss does not discriminate.
    assert by_id(two)["q2"].discrimination == 0

    # n = 50: 0.27 * 50 = 13.5 -> 14 (half up).
    fifty = item_statistics(rows(*((i, "post", {"q1": ["a"]}) for i in range(1, 51))))
    assert fifty.group_size == 14
    # Only pre-tests: no quiz statistics at all.
    pre_only = item_statistics(rows((1, "pre", {"q1": ["a"]}), (2, "pre", {"q1": ["b"]})))
    q1 = by_id(pre_only)["q1"]
    assert pre_only.group_size is None and q1.responses == 0 and q1.facility is None
    assert q1.pre_facility == Fraction(1, 2) and q1.gain_points is None


def test_negative_discrimination():
    # The stronger attempt gets q1 and q2 but misses q3; the weaker one only gets q3.
    stats = by_id(
        item_statistics(
            rows(
                (1, "post", {"q1": ["a"], "q2": ["x", "y"], "q3": ["f"]}),
                (2, "post", {"q1": ["b"], "q2": ["z"], "q3": ["t"]}),
            )
        )
    )
    assert stats["q3"].discrimination == -1 and stats["q3"].discrimination_index == Decimal("-1.00")


def test_drawn_questions_count_only_where_drawn_and_texts_come_from_the_latest_draw():
    """Pools draw different questions per attempt; a later revision rewords a question."""
    reworded = dict(Q1, prompt="<p>A baby <em>turns away</em> &amp; arches.</p>")
    reworded["choices"] = [dict(Q1["choices"][0], text="Stress"), *Q1["choices"][1:]]
    stats = item_statistics(
        rows(
            (1, "post", {"q1": ["a"], "q2": ["x", "y"]}, [Q1, Q2]),
            (2, "post", {"q2": ["x"], "q3": ["t"]}, [Q2, Q3]),
            (3, "post", {"q1": ["b"], "q3": ["f"]}, [reworded, Q3]),
        ),
    )
    items = by_id(stats)
    assert [items["q1"].responses, items["q2"].responses, items["q3"].responses] == [2, 2, 2]
    assert items["q1"].facility == Fraction(1, 2)
    assert items["q1"].prompt == "A baby turns away & arches."
    assert items["q1"].choices[0].text == "Stress"
    # Scores: #1 = 2/2, #2 = 1.5/2, #3 = 0/2 -> upper #1, lower #3 (group size 1).
    assert items["q1"].discrimination == 1  # #1 right, #3 wrong
    assert items["q2"].discrimination is None  # the lower attempt did not draw q2
    # Current pool order puts q3 first; choices follow the authored order.
    pool = [dict(Q3, choices=[Q3["choices"][1], Q3["choices"][0]]), Q1, Q2]
    ordered = item_statistics(rows((1, "post", {"q1": ["a"]})), pool=pool)
    assert [i.question_id for i in ordered.items] == ["q3", "q1", "q2"]
    assert [c.id for c in ordered.items[0].choices] == ["f", "t"]


def test_the_report_grades_attempts_made_through_the_services(people, module):
    """Real attempts (shuffled choices, ids from the page) give the same kind of numbers."""
    attempt = services.attempt_start(user=people.staff, module=module)
    answers = {k[2:]: v for k, v in correct_answers(attempt.questions).items()}
    services.attempt_submit(attempt_id=attempt.pk, user=people.staff, answers=answers)
    attempt = services.attempt_start(user=people.other_staff, module=module)
    services.attempt_submit(attempt_id=attempt.pk, user=people.other_staff, answers={})
    analysis = item_analysis(module=module)
    pool = module.quiz_pool()
    assert [i.question_id for i in analysis.items] == [q["id"] for q in pool]
    for item, question in zip(analysis.items, pool, strict=True):
        assert item.responses == 2 and item.facility == Fraction(1, 2)
        assert item.discrimination == 1
        assert [c.id for c in item.choices] == [c["id"] for c in question["choices"]]


# --- the admin report -----------------------------------------------------------------------


def url(module, query=""):
    return f"/admin/reports/item-analysis/{module.pk}/{query}"


def squash(html):
    return re.sub(r"\s+", " ", html)


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("who", ["admin", "educator", "lead"])
def test_report_shows_the_numbers(example, people, login, who):
    response = login(getattr(people, who)).get(url(example))
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert example.title in html
    assert "A baby turns away and arches. What is this?" in html
    assert "Based on 10 submitted quiz attempts and 4 pre-tests." in html
    assert "compares the 3 highest-scoring with the 3 lowest-scoring quiz attempts" in html
    for number in ("70%", "60%", "25%", "38%", "+45 pts", "0.67", "0.50", "0.33"):
        assert number in html
    assert "mean credit" in html  # the facility column says how partial credit counts


@pytest.mark.parametrize("who", ["admin", "educator", "lead"])
def test_csv_export_has_the_same_rows(example, people, login, who):
    response = login(getattr(people, who)).get(url(example, "?export=csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"item-analysis-{example.slug}-" in response["Content-Disposition"]
    header, *body = csv_rows(response)
    column = {name: i for i, name in enumerate(header)}
    assert "Quiz facility % (partial credit: mean credit)" in column
    got = {
        row[column["Question ID"]]: (
            row[column["Responses"]],
            row[column["Quiz facility % (partial credit: mean credit)"]],
            row[column["Discrimination index (upper 27% − lower 27%)"]],
            row[column["Pre-test facility %"]],
            row[column["Gain (percentage points)"]],
            row[column["Choices picked (* correct)"]],
        )
        for row in body
    }
    assert got == {
        "q1": (
            "10",
            "70",
            "0.67",
            "25",
            "45",
            "A stress cue 70%* · An engagement cue 20% · Hunger 10%",
        ),
        "q2": (
            "10",
            "60",
            "0.50",
            "38",
            "22",
            "Name what the baby does 70%* · Wait for the baby's turn 60%* · "
            "Turn on the television 10% · No answer 10%",
        ),
        "q3": ("10", "70", "0.33", "50", "20", "True 70%* · False 30%"),
    }


def test_xlsx_export(example, people, login):
    response = login(people.lead).get(url(example, "?export=xlsx"))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]


def test_csv_neutralises_formulas(module, learners, login, people):
    evil = dict(Q1, prompt='=HYPERLINK("http://x")')
    make_attempt(learners[0].user, module, {"q1": ["a"]}, questions=[evil])
    header, row = csv_rows(login(people.lead).get(url(module, "?export=csv")))
    assert row[header.index("Question")].startswith("'=")


@pytest.mark.parametrize("who", ["staff", "manager", "other_manager"])
def test_staff_and_managers_are_refused(example, people, login, who):
    client = login(getattr(people, who))
    for path in (url(example), url(example, "?export=csv"), "/admin/reports/item-analysis/"):
        response = client.get(path)
        # Wagtail sends users without admin access to the admin login page.
        assert response.status_code == 302 and "login" in response["Location"]


def test_anonymous_is_sent_to_log_in(example, client):
    for path in (url(example), url(example, "?export=csv"), "/admin/reports/item-analysis/"):
        response = client.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_admin_users_without_the_permission_are_refused(example, login):
    editor = UserFactory(username="editor")
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client = login(editor)
    for path in (url(example), url(example, "?export=csv"), "/admin/reports/item-analysis/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/admin/"
    assert "Item analysis" not in client.get("/admin/").content.decode()


def test_menu_item_and_index_list_modules_with_counts(example, people, login):
    client = login(people.educator)
    assert "/admin/reports/item-analysis/" in client.get("/admin/").content.decode()
    response = client.get("/admin/reports/item-analysis/")
    assert response.status_code == 200
    html = response.content.decode()
    assert example.title in html and url(example) in html
    header, *body = csv_rows(client.get("/admin/reports/item-analysis/?export=csv"))
    assert header == ["Module", "Published", "Quiz attempts", "Pre-tests", "Last submitted"]
    row = next(r for r in body if r[0] == example.title)
    assert row[1:4] == ["True", "10", "4"]


def test_unknown_module_is_404(people, login):
    assert login(people.lead).get("/admin/reports/item-analysis/999999/").status_code == 404


def responses_in_csv(client, module, query):
    header, *body = csv_rows(client.get(url(module, f"?export=csv&{query}")))
    return {r[header.index("Question ID")]: int(r[header.index("Responses")]) for r in body}


def test_filters_by_role_unit_and_revision(example, people, learners, login):
    client = login(people.lead)
    physician = Role.objects.get(name="Physician")
    assert responses_in_csv(client, example, "") == {"q1": 10, "q2": 10, "q3": 10}
    assert responses_in_csv(client, example, f"role={people.nurse_role.pk}") == {
        "q1": 5,
        "q2": 5,
        "q3": 5,
    }
    assert responses_in_csv(client, example, f"unit={people.picu.pk}") == {
        "q1": 5,
        "q2": 5,
        "q3": 5,
    }
    assert responses_in_csv(client, example, f"role={physician.pk}&unit={people.nicu.pk}") == {}

    # A new revision: two more attempts drawn from it.
    old_revision = example.live_revision_id
    example.title = "Sample module (revised)"
    example.save_revision().publish()
    example.refresh_from_db()
    for profile in learners[:2]:
        make_attempt(profile.user, example, {"q1": ["b"], "q2": ["z"], "q3": ["f"]})
    # L1 and L2 retook the quiz on the new revision; unfiltered, each learner counts once.
    assert responses_in_csv(client, example, "")["q1"] == 10
    assert responses_in_csv(client, example, f"revision={example.live_revision_id}") == {
        "q1": 2,
        "q2": 2,
        "q3": 2,
    }
    assert responses_in_csv(client, example, f"revision={old_revision}")["q1"] == 10

    # The page shows the filters and the filtered numbers.
    html = client.get(url(example, f"?revision={example.live_revision_id}")).content.decode()
    assert "Based on 2 submitted quiz attempts" in html and "(live)" in html
    html = squash(client.get(url(example, f"?unit={people.nicu.pk}")).content.decode())
    # NICU: L1-L5 once each (the retakes of L1 and L2 are not counted again), 4 pre-tests.
    assert "Based on 5 submitted quiz attempts and 4 pre-tests matching the filters" in html


def test_filtering_in_place_returns_the_results_fragment(example, people, login):
    """The filter drawer refreshes the listing from the results URL without a page load."""
    query = f"?unit={people.picu.pk}&_w_filter_fragment=1"
    response = login(people.educator).get(url(example, f"results/{query}"))
    assert response.status_code == 200
    html = squash(response.content.decode())
    assert "Based on 5 submitted quiz attempts and 0 pre-tests matching the filters" in html
    assert "<html" not in html
    assert login(people.staff).get(url(example, f"results/{query}")).status_code == 302


def test_rows_can_be_sorted(example, people, login):
    client = login(people.lead)
    header, *body = csv_rows(client.get(url(example, "?export=csv&ordering=-discrimination")))
    assert [r[header.index("Question ID")] for r in body] == ["q1", "q2", "q3"]
    header, *body = csv_rows(client.get(url(example, "?export=csv&ordering=discrimination")))
    assert [r[header.index("Question ID")] for r in body] == ["q3", "q2", "q1"]
    assert client.get(url(example, "?ordering=facility")).status_code == 200


# --- query counts ---------------------------------------------------------------------------


def _grow(module, learners, count):
    """`count` more submitted attempts (quiz and pre-test) spread over the learners."""
    for i in range(count):
        profile = learners[i % len(learners)]
        make_attempt(
            profile.user, module, POST_ANSWERS[i % 10], kind="pre" if i % 5 == 4 else "post"
        )


def _count(client, path):
    client.get(path)  # warm per-process caches (site root, site settings)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        elif hasattr(response, "getvalue"):
            response.getvalue()
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reports/item-analysis/",
        "/admin/reports/item-analysis/?export=csv",
        "{report}",
        "{report}?export=csv",
        "{report}?export=xlsx",
        "{report}?role={role}&unit={unit}&revision={revision}",
        "{report}?role={role}&export=csv",
    ],
)
def test_query_count_does_not_grow_with_attempts(module, people, learners, login, path):
    client = login(people.lead)
    path = path.format(
        report=url(module),
        role=people.nurse_role.pk,
        unit=people.nicu.pk,
        revision=module.live_revision_id,
    )
    _grow(module, learners, 5)
    small = _count(client, path)
    _grow(module, learners, 45)
    assert Attempt.objects.filter(module=module).count() == 50
    large = _count(client, path)
    assert small == large, f"{path}: {small} queries with 5 attempts, {large} with 50"
    assert large <= 30


def test_selector_is_one_query(module, learners, django_assert_num_queries):
    _grow(module, learners, 50)
    with django_assert_num_queries(1):
        analysis = item_analysis(module=module, role_id=learners[0].role_id)
    # Each learner counts once per kind (their first submitted quiz and first pre-test).
    learners_by_kind = set(
        Attempt.objects.filter(
            module=module, submitted_at__isnull=False, user__staff_profile__role=learners[0].role
        ).values_list("user_id", "kind")
    )
    assert analysis.attempts == sum(1 for _, kind in learners_by_kind if kind == "post")
    assert analysis.pre_attempts == sum(1 for _, kind in learners_by_kind if kind == "pre")
    assert analysis.attempts + analysis.pre_attempts < 25  # retakes were left out


def test_retakes_count_once_per_learner(module, learners):
    """A learner who fails and retakes is one examinee, counted by their first attempt."""
    wrong = {"q1": ["b"], "q2": ["z"], "q3": ["f"]}
    right = {"q1": ["a"], "q2": ["x", "y"], "q3": ["t"]}
    make_attempt(learners[0].user, module, wrong)
    make_attempt(learners[0].user, module, right)  # the retake
    make_attempt(learners[1].user, module, right)
    analysis = item_analysis(module=module)
    assert analysis.attempts == 2
    assert by_id(analysis)["q1"].responses == 2
    assert by_id(analysis)["q1"].facility_percent == 50
