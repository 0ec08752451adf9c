"""Pure quiz grading: no database, no people.

A quiz is a list of question dicts as stored on an attempt (see TrainingModulePage.quiz_pool):

    {"id", "kind": "single" | "multiple" | "true_false",
     "scoring": "all_or_nothing" | "partial", "prompt", "rationale", "references", "skill",
     "image_id", "image_alt", "scenario": None | {"id", "title", "setting", "vignette"},
     "choices": [{"id", "text", "correct", "feedback"}, ...]}

Answers map a question id to the choice ids the learner picked. A question earns credit from
0 to 1: all-or-nothing questions earn 1 when the picked set equals the correct set; partial
credit earns (correct picked / correct) - (wrong picked / wrong), never below 0. Unanswered
earns 0. Arithmetic is exact (fractions), so a pass mark is never missed by rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _


class AnswerError(ValueError):
    """The submitted answers do not fit the quiz (tampered or malformed input)."""


class QuizError(ValueError):
    """The quiz itself cannot be graded fairly (an authoring problem, not the learner's)."""


REVIEW_LEVELS = ("score", "right_wrong", "answers", "full")


def correct_ids(question: Mapping) -> frozenset[str]:
    return frozenset(c["id"] for c in question["choices"] if c["correct"])


def is_multiple_answer(question: Mapping) -> bool:
    kind = question.get("kind")
    if kind is None:  # attempts stored before question types existed
        return len(correct_ids(question)) > 1
    return kind == "multiple"


def scoring_rule(question: Mapping) -> str:
    """Partial credit applies only to multiple-answer questions that ask for it."""
    if is_multiple_answer(question):
        return question.get("scoring", "all_or_nothing")
    return "all_or_nothing"


def validate_quiz(questions: Sequence[Mapping]) -> None:
    """Every question needs two or more choices and a correct choice (exactly one unless it
    is a multiple-answer question); otherwise grading would not be fair."""
    if not questions:
        raise QuizError(_("This quiz has no questions."))
    for number, q in enumerate(questions, start=1):
        if len(q["choices"]) < 2:
            raise QuizError(
                _("Question %(number)s has fewer than two choices.") % {"number": number}
            )
        correct = len(correct_ids(q))
        if not correct:
            raise QuizError(_("Question %(number)s has no correct choice.") % {"number": number})
        if correct > 1 and not is_multiple_answer(q):
            raise QuizError(
                _("Question %(number)s is single-answer but has %(correct)s correct choices.")
                % {"number": number, "correct": correct}
            )


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    selected: frozenset[str]
    correct_ids: frozenset[str]
    choice_ids: frozenset[str]
    scoring: str = "all_or_nothing"

    @classmethod
    def of(cls, question: Mapping, selected: frozenset[str]) -> QuestionResult:
        return cls(
            question_id=question["id"],
            selected=selected,
            correct_ids=correct_ids(question),
            choice_ids=frozenset(c["id"] for c in question["choices"]),
            scoring=scoring_rule(question),
        )

    @property
    def answered(self) -> bool:
        return bool(self.selected)

    @property
    def credit(self) -> Fraction:
        if self.scoring != "partial":
            return Fraction(int(self.selected == self.correct_ids))
        wrong = self.choice_ids - self.correct_ids
        gained = Fraction(len(self.selected & self.correct_ids), len(self.correct_ids))
        lost = Fraction(len(self.selected - self.correct_ids), len(wrong)) if wrong else 0
        return max(Fraction(0), gained - lost)

    @property
    def is_correct(self) -> bool:
        return self.credit == 1


@dataclass(frozen=True)
class GradeResult:
    results: tuple[QuestionResult, ...]
    pass_mark: int

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def points(self) -> Fraction:
        return sum((r.credit for r in self.results), Fraction(0))

    @property
    def correct_count(self) -> int:
        return sum(1 for r in self.results if r.is_correct)

    @property
    def score_percent(self) -> int:
        """Whole percent, rounded down so a displayed score never overstates a fail."""
        if not self.total:
            return 0
        return int(self.points * 100 / self.total)

    @property
    def passed(self) -> bool:
        # Exact: points / total >= pass_mark / 100.
        return self.total > 0 and self.points * 100 >= self.pass_mark * self.total


def validate_answers(
    questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]]
) -> dict[str, frozenset[str]]:
    """Check that answers only name questions on this quiz and choices of those questions.

    Returns the answers normalised to frozensets; raises AnswerError with a message a
    learner can read when anything does not fit.
    """
    by_id = {q["id"]: q for q in questions}
    if any(qid not in by_id for qid in answers):
        raise AnswerError(_("The answers include a question that is not on this quiz."))
    clean: dict[str, frozenset[str]] = {}
    for qid, picked in answers.items():
        picked = list(picked)
        picked_set = frozenset(picked)
        if len(picked_set) != len(picked):
            raise AnswerError(_("A choice was submitted twice for the same question."))
        if not picked_set <= {c["id"] for c in by_id[qid]["choices"]}:
            raise AnswerError(_("The answers include a choice that is not part of its question."))
        if len(picked_set) > 1 and not is_multiple_answer(by_id[qid]):
            raise AnswerError(_("Only one choice may be picked for a single-answer question."))
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
    results = tuple(QuestionResult.of(q, clean.get(q["id"], frozenset())) for q in questions)
    return GradeResult(results=results, pass_mark=pass_mark)


def learner_view(questions: Sequence[Mapping]) -> list[dict]:
    """What a learner's browser may see before review: prompts, images and choice ids/text."""
    return [
        {
            "id": q["id"],
            "number": number,
            "prompt": q["prompt"],
            "kind": q.get("kind") or ("multiple" if is_multiple_answer(q) else "single"),
            "multiple": is_multiple_answer(q),
            "skill": q.get("skill", ""),
            "image_id": q.get("image_id"),
            "image_alt": q.get("image_alt", ""),
            "scenario": q.get("scenario"),
            "choices": [{"id": c["id"], "text": c["text"]} for c in q["choices"]],
        }
        for number, q in enumerate(questions, start=1)
    ]


def review_level(*, kind: str, passed: bool | None, rules: Mapping) -> str:
    """How much of its review an attempt may show, from the rules it started under.

    Pre-tests show the score only (the quiz draws on the same pool). Quizzes follow the
    module's rule for a failed or a passed attempt.
    """
    if kind == "pre":
        return "score"
    if passed:
        return rules.get("review_after_pass", "full")
    return rules.get("review_after_fail", "right_wrong")


def review(
    questions: Sequence[Mapping], answers: Mapping[str, Sequence[str]], *, level: str
) -> list[dict]:
    """Per-question review of a graded attempt, showing no more than `level` allows.

    score: nothing per question. right_wrong: whether each question earned its credit, and
    the learner's own picks. answers: also which choices were correct. full: also every
    choice's feedback, the rationale and the references.
    """
    if level not in REVIEW_LEVELS:
        raise ValueError(f"Unknown review level {level!r}")
    if level == "score":
        return []
    show_key = level in ("answers", "full")
    full = level == "full"
    out = []
    for number, q in enumerate(questions, start=1):
        picked = frozenset(answers.get(q["id"], ()))
        result = QuestionResult.of(q, picked)
        out.append(
            {
                "number": number,
                "prompt": q["prompt"],
                "scenario": q.get("scenario"),
                "image_id": q.get("image_id"),
                "image_alt": q.get("image_alt", ""),
                "answered": bool(picked),
                "is_correct": result.is_correct,
                "credit_percent": int(result.credit * 100),
                "rationale": q["rationale"] if full else None,
                "references": q.get("references") if full else None,
                "choices": [
                    {
                        "text": c["text"],
                        "picked": c["id"] in picked,
                        "correct": c["correct"] if show_key else None,
                        "feedback": c["feedback"] if full else None,
                    }
                    for c in q["choices"]
                ],
            }
        )
    return out
