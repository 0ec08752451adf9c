"""Pure quiz grading: no database, no people.

A quiz is a list of question dicts as stored on an attempt:

    {"id": str, "prompt": str, "rationale": str, "skill": str,
     "choices": [{"id": str, "text": str, "correct": bool, "feedback": str}, ...]}

Answers map a question id to the choice ids the learner picked. A question is correct when
the picked set equals the set of correct choices (all-or-nothing); unanswered is incorrect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class AnswerError(ValueError):
    """The submitted answers do not fit the quiz (tampered or malformed input)."""


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    selected: frozenset[str]
    correct_ids: frozenset[str]

    @property
    def answered(self) -> bool:
        return bool(self.selected)

    @property
    def is_correct(self) -> bool:
        return self.selected == self.correct_ids


@dataclass(frozen=True)
class GradeResult:
    results: tuple[QuestionResult, ...]
    pass_mark: int

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def correct_count(self) -> int:
        return sum(1 for r in self.results if r.is_correct)

    @property
    def score_percent(self) -> int:
        """Whole percent, rounded down so a displayed score never overstates a fail."""
        if not self.total:
            return 0
        return (self.correct_count * 100) // self.total

    @property
    def passed(self) -> bool:
        # Compare exactly (no rounding): correct / total >= pass_mark / 100.
        return self.total > 0 and self.correct_count * 100 >= self.pass_mark * self.total


class QuizError(ValueError):
    """The quiz itself cannot be graded fairly (an authoring problem, not the learner's)."""


def validate_quiz(questions: Sequence[Mapping]) -> None:
    """Every question needs two or more choices and at least one correct choice; otherwise
    an empty answer would be graded as correct."""
    if not questions:
        raise QuizError("This quiz has no questions.")
    for number, q in enumerate(questions, start=1):
        if len(q["choices"]) < 2:
            raise QuizError(f"Question {number} has fewer than two choices.")
        if not any(c["correct"] for c in q["choices"]):
            raise QuizError(f"Question {number} has no correct choice.")


def correct_ids(question: Mapping) -> frozenset[str]:
    return frozenset(c["id"] for c in question["choices"] if c["correct"])


def is_multiple_answer(question: Mapping) -> bool:
    return len(correct_ids(question)) > 1


def validate_answers(
    questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]]
) -> dict[str, frozenset[str]]:
    """Check that answers only name questions on this quiz and choices of those questions.

    Returns the answers normalised to frozensets; raises AnswerError with a message a
    learner can read when anything does not fit.
    """
    by_id = {q["id"]: q for q in questions}
    unknown = [qid for qid in answers if qid not in by_id]
    if unknown:
        raise AnswerError("The answers include a question that is not on this quiz.")
    clean: dict[str, frozenset[str]] = {}
    for qid, picked in answers.items():
        picked_set = frozenset(picked)
        if len(picked_set) != len(list(picked)):
            raise AnswerError("A choice was submitted twice for the same question.")
        valid = {c["id"] for c in by_id[qid]["choices"]}
        if not picked_set <= valid:
            raise AnswerError("The answers include a choice that is not part of its question.")
        if len(picked_set) > 1 and not is_multiple_answer(by_id[qid]):
            raise AnswerError("Only one choice may be picked for a single-answer question.")
        clean[qid] = picked_set
    return clean


def grade(
    questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]], pass_mark: int
) -> GradeResult:
    """Grade answers against questions.

    Raises QuizError for a quiz that cannot be graded fairly and AnswerError for answers
    that do not fit it.
    """
    validate_quiz(questions)
    clean = validate_answers(questions, answers)
    results = tuple(
        QuestionResult(
            question_id=q["id"],
            selected=clean.get(q["id"], frozenset()),
            correct_ids=correct_ids(q),
        )
        for q in questions
    )
    return GradeResult(results=results, pass_mark=pass_mark)


def learner_view(questions: Sequence[Mapping]) -> list[dict]:
    """What a learner's browser may see before review: prompts and choice ids/text only."""
    return [
        {
            "id": q["id"],
            "number": number,
            "prompt": q["prompt"],
            "multiple": is_multiple_answer(q),
            "choices": [{"id": c["id"], "text": c["text"]} for c in q["choices"]],
        }
        for number, q in enumerate(questions, start=1)
    ]


def review(
    questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]], *, reveal_key: bool
) -> list[dict]:
    """Per-question review of a graded attempt.

    Always: whether each question was right, and the feedback on the choices the learner
    picked. Only with reveal_key: which choices were correct, every choice's feedback and the
    rationale. A learner who has not passed must not be able to read the key and resubmit it.
    """
    out = []
    for number, q in enumerate(questions, start=1):
        picked = frozenset(answers.get(q["id"], ()))
        out.append(
            {
                "number": number,
                "prompt": q["prompt"],
                "answered": bool(picked),
                "is_correct": picked == correct_ids(q),
                "rationale": q["rationale"] if reveal_key else None,
                "choices": [
                    {
                        "text": c["text"],
                        "picked": c["id"] in picked,
                        "correct": c["correct"] if reveal_key else None,
                        "feedback": c["feedback"] if reveal_key or c["id"] in picked else None,
                    }
                    for c in q["choices"]
                ],
            }
        )
    return out
