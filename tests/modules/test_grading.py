"""Pure grading rules (modules.grading) — no database."""

import pytest

from modules.grading import AnswerError, QuizError, grade, learner_view, review, validate_quiz

QUESTIONS = [
    {
        "id": "q1",
        "prompt": "<p>Single</p>",
        "rationale": "r",
        "skill": "recognise",
        "choices": [
            {"id": "a", "text": "A", "correct": True, "feedback": "fa"},
            {"id": "b", "text": "B", "correct": False, "feedback": "fb"},
        ],
    },
    {
        "id": "q2",
        "prompt": "<p>Multiple</p>",
        "rationale": "r",
        "skill": "respond",
        "choices": [
            {"id": "c", "text": "C", "correct": True, "feedback": "fc"},
            {"id": "d", "text": "D", "correct": True, "feedback": "fd"},
            {"id": "e", "text": "E", "correct": False, "feedback": "fe"},
        ],
    },
    {
        "id": "q3",
        "prompt": "<p>Single</p>",
        "rationale": "r",
        "skill": "refer",
        "choices": [
            {"id": "f", "text": "F", "correct": False, "feedback": "ff"},
            {"id": "g", "text": "G", "correct": True, "feedback": "fg"},
        ],
    },
]


def test_all_correct_passes():
    result = grade(QUESTIONS, {"q1": ["a"], "q2": ["c", "d"], "q3": ["g"]}, pass_mark=80)
    assert (result.correct_count, result.total, result.score_percent) == (3, 3, 100)
    assert result.passed


def test_multiple_answer_is_all_or_nothing():
    partial = grade(QUESTIONS, {"q1": ["a"], "q2": ["c"], "q3": ["g"]}, pass_mark=50)
    assert [r.is_correct for r in partial.results] == [True, False, True]
    extra = grade(QUESTIONS, {"q2": ["c", "d", "e"]}, pass_mark=50)
    assert not extra.results[1].is_correct


def test_unanswered_questions_count_as_wrong():
    result = grade(QUESTIONS, {"q1": ["a"]}, pass_mark=30)
    assert [r.answered for r in result.results] == [True, False, False]
    assert result.correct_count == 1
    assert result.score_percent == 33
    assert result.passed  # 1/3 >= 30%


def test_pass_mark_is_compared_exactly_not_after_rounding():
    # 2 of 3 is 66.67%: it passes at 66 and fails at 67, although both display as 66%.
    answers = {"q1": ["a"], "q2": ["c", "d"], "q3": ["f"]}
    assert grade(QUESTIONS, answers, pass_mark=66).passed
    failed = grade(QUESTIONS, answers, pass_mark=67)
    assert not failed.passed
    assert failed.score_percent == 66


def test_empty_quiz_cannot_be_graded():
    with pytest.raises(QuizError, match="no questions"):
        grade([], {}, pass_mark=1)


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"nope": ["a"]}, "not on this quiz"),
        ({"q1": ["zzz"]}, "not part of its question"),
        ({"q1": ["c"]}, "not part of its question"),  # a choice of another question
        ({"q1": ["a", "b"]}, "Only one choice"),
        ({"q2": ["c", "c"]}, "twice"),
    ],
)
def test_tampered_answers_are_rejected(answers, message):
    with pytest.raises(AnswerError, match=message):
        grade(QUESTIONS, answers, pass_mark=80)


def test_learner_view_carries_no_answer_key_or_feedback():
    view = learner_view(QUESTIONS)
    text = repr(view)
    assert "correct" not in text
    assert "feedback" not in text and "fa" not in text
    assert "rationale" not in text
    assert [q["multiple"] for q in view] == [False, True, False]
    assert [c["id"] for c in view[1]["choices"]] == ["c", "d", "e"]


def test_a_question_without_a_correct_choice_cannot_be_graded():
    broken = [dict(QUESTIONS[0], choices=[dict(c, correct=False) for c in QUESTIONS[0]["choices"]])]
    with pytest.raises(QuizError, match="no correct choice"):
        grade(broken, {}, pass_mark=100)  # an empty answer must not count as correct
    with pytest.raises(QuizError, match="fewer than two"):
        validate_quiz([dict(QUESTIONS[0], choices=QUESTIONS[0]["choices"][:1])])
    with pytest.raises(QuizError):
        validate_quiz([])


@pytest.mark.parametrize("level", ["score", "right_wrong", "answers", "full"])
def test_review_shows_no_more_than_its_level(level):
    answers = {"q1": ["b"], "q2": ["c"]}
    items = review(QUESTIONS, answers, level=level)
    if level == "score":
        assert items == []
        return
    assert [q["is_correct"] for q in items] == [False, False, False]
    assert [q["answered"] for q in items] == [True, True, False]
    picked = [c["text"] for q in items for c in q["choices"] if c["picked"]]
    assert picked == ["B", "C"]  # the learner's own picks are always theirs to see
    key = [c["correct"] for q in items for c in q["choices"]]
    feedback = [c["feedback"] for q in items for c in q["choices"]]
    rationale = [q["rationale"] for q in items]
    if level == "right_wrong":
        assert set(key) == {None} and set(feedback) == {None} and set(rationale) == {None}
    elif level == "answers":
        assert key[:2] == [True, False] and set(feedback) == {None} and set(rationale) == {None}
    else:
        assert key[:2] == [True, False] and all(feedback) and rationale == ["r", "r", "r"]


def test_unknown_review_level_is_an_error():
    with pytest.raises(ValueError):
        review(QUESTIONS, {}, level="everything")
