"""Question types, partial credit and drawing from a pool (pure functions and page data)."""

import random
from fractions import Fraction

import pytest

from modules.content_io import module_fields
from modules.draw import draw_questions
from modules.grading import QuizError, grade, learner_view
from modules.models import TrainingModulePage


def choice(cid, correct):
    return {"id": cid, "text": cid.upper(), "correct": correct, "feedback": f"about {cid}"}


def question(qid, correct, wrong, *, kind="multiple", scoring="partial", skill="recognise"):
    return {
        "id": qid,
        "kind": kind,
        "scoring": scoring,
        "skill": skill,
        "prompt": "<p>?</p>",
        "rationale": "r",
        "scenario": None,
        "pinned": False,
        "choices": [choice(c, True) for c in correct] + [choice(w, False) for w in wrong],
    }


@pytest.mark.parametrize(
    "picked, credit",
    [
        (["a", "b"], Fraction(1)),  # all correct, nothing wrong
        (["a"], Fraction(1, 2)),  # half the correct choices
        (["a", "x"], Fraction(0)),  # 1/2 - 1/2
        (["a", "b", "x"], Fraction(1, 2)),  # 1 - 1/2
        (["x", "y"], Fraction(0)),  # never below zero
        ([], Fraction(0)),
    ],
)
def test_partial_credit_with_penalty_for_wrong_picks(picked, credit):
    q = question("q", ["a", "b"], ["x", "y"])
    result = grade([q], {"q": picked} if picked else {}, pass_mark=50)
    assert result.results[0].credit == credit
    assert result.points == credit


def test_all_or_nothing_multiple_answer_gives_no_partial_credit():
    q = question("q", ["a", "b"], ["x"], scoring="all_or_nothing")
    assert grade([q], {"q": ["a"]}, pass_mark=50).points == 0


def test_partial_credit_adds_up_exactly_against_the_pass_mark():
    qs = [question(f"q{i}", ["a", "b"], ["x"]) for i in range(3)]
    # 1 + 1 + 1/2 = 2.5 of 3 = 83.33…%: passes at 83, fails at 84, shows 83.
    answers = {"q0": ["a", "b"], "q1": ["a", "b"], "q2": ["a"]}
    assert grade(qs, answers, pass_mark=83).passed
    result = grade(qs, answers, pass_mark=84)
    assert not result.passed and result.score_percent == 83 and result.correct_count == 2


def test_single_answer_question_with_two_correct_choices_cannot_be_graded():
    q = question("q", ["a", "b"], ["x"], kind="single", scoring="all_or_nothing")
    with pytest.raises(QuizError, match="single-answer but has 2 correct"):
        grade([q], {}, pass_mark=50)


SPEC = {
    "slug": "types",
    "title": "Types",
    "summary": "s",
    "estimated_minutes": 5,
    "pass_mark": 50,
    "lessons": [{"title": "L", "blocks": [{"type": "text", "value": "<p>x</p>"}]}],
    "quiz": [
        {
            "type": "true_false",
            "prompt": "<p>Looking away can be a baby's way of taking a break.</p>",
            "skill": "interpret",
            "rationale": "Brief withdrawal paces an interaction.",
            "correct_answer": True,
            "feedback_true": "Yes.",
            "feedback_false": "It often is a break.",
        },
        {
            "type": "scenario",
            "title": "A long night",
            "setting": "PICU",
            "vignette": "<p>Sione's father has not slept.</p>",
            "questions": [
                {
                    "prompt": "<p>What do you notice first?</p>",
                    "skill": "recognise",
                    "rationale": "r",
                    "choices": [
                        {"text": "His exhaustion", "correct": True, "feedback": "Yes."},
                        {"text": "Nothing", "correct": False, "feedback": "No."},
                    ],
                },
                {
                    "prompt": "<p>Which help?</p>",
                    "skill": "respond",
                    "rationale": "r",
                    "scoring": "partial",
                    "choices": [
                        {"text": "Offer a break", "correct": True, "feedback": "Yes."},
                        {"text": "Name the baby's cues", "correct": True, "feedback": "Yes."},
                        {"text": "Tell him to go home", "correct": False, "feedback": "No."},
                    ],
                },
            ],
        },
    ]
    + [
        {
            "prompt": f"<p>Standalone {i}</p>",
            "skill": skill,
            "rationale": "r",
            "pin_choice_order": i == 0,
            "choices": [
                {"text": f"Right {i}", "correct": True, "feedback": "Yes."},
                {"text": f"Wrong {i}a", "correct": False, "feedback": "No."},
                {"text": f"Wrong {i}b", "correct": False, "feedback": "No."},
                {"text": f"Wrong {i}c", "correct": False, "feedback": "No."},
            ],
        }
        for i, skill in enumerate(["recognise", "recognise", "refer", "refer", "refer"])
    ],
}


@pytest.fixture
def pool(db):
    return TrainingModulePage(**module_fields(SPEC)).quiz_pool()


def test_pool_flattens_true_false_and_scenario_sets(pool):
    assert [q["kind"] for q in pool[:3]] == ["true_false", "single", "multiple"]
    tf = pool[0]
    assert [(c["text"], c["correct"]) for c in tf["choices"]] == [("True", True), ("False", False)]
    assert pool[1]["scenario"]["title"] == pool[2]["scenario"]["title"] == "A long night"
    assert pool[2]["scoring"] == "partial"
    assert len(pool) == 8


def test_draw_of_zero_takes_every_question_in_authored_order(pool):
    drawn = draw_questions(pool, settings={"draw_count": 0, "shuffle_choices": False})
    assert [q["id"] for q in drawn] == [q["id"] for q in pool]


def test_draw_n_keeps_scenario_sets_whole(pool):
    drawn = draw_questions(pool, settings={"draw_count": 2}, rng=random.Random(1))
    in_sets = [q for q in drawn if q["scenario"]]
    assert len(in_sets) == 2  # the whole set
    assert len(drawn) == 4  # the set + 2 standalone questions drawn from 6


def test_draw_per_skill(pool):
    for seed in range(20):
        drawn = draw_questions(
            pool, settings={"draw_count": 1, "per_skill": True}, rng=random.Random(seed)
        )
        standalone = [q["skill"] for q in drawn if not q["scenario"]]
        assert sorted(standalone) == ["interpret", "recognise", "refer"]


def test_choices_are_shuffled_unless_pinned(pool):
    orders = set()
    for seed in range(30):
        drawn = draw_questions(pool, settings={"draw_count": 0}, rng=random.Random(seed))
        by_prompt = {q["prompt"]: q for q in drawn}
        pinned = by_prompt["<p>Standalone 0</p>"]
        assert [c["text"] for c in pinned["choices"]][0] == "Right 0"
        assert [c["text"] for c in drawn[0]["choices"]] == ["True", "False"]
        orders.add(tuple(c["text"] for c in by_prompt["<p>Standalone 1</p>"]["choices"]))
    assert len(orders) > 5


def test_learner_view_never_shows_the_key_for_any_type(pool):
    text = repr(learner_view(pool))
    assert "correct" not in text and "feedback" not in text and "rationale" not in text
    assert "A long night" in text  # the scenario itself is shown


def test_module_page_counts_every_question_of_a_scenario_set(site, people, client):
    from ..conftest import publish_module

    page = publish_module(site.catalogue, SPEC)
    assert page.question_count == 8 and len(page.quiz) == 7
    client.force_login(people.staff)
    assert "Quiz of 8 questions" in client.get(page.url).content.decode()
