"""Item analysis of a module's quiz: how each question performed across learners' attempts.

Two layers, so the arithmetic can be tested without HTTP or a database:

- `item_statistics(rows, pool=...)` is pure: it takes attempt rows (plain mappings, as
  `attempt_rows` returns them) and returns per-question statistics.
- `analysis_attempts`, `attempt_rows`, `item_analysis` and `modules_with_attempt_counts` are
  selectors: they fetch what the report needs in a fixed number of queries (the attempts in
  one `values()` query, joined to the learner's role and unit), whatever the number of
  attempts.

Every attempt is graded again from its own snapshot (questions with the answer key, as drawn
for it) with `modules.grading.grade`, so editing a module never changes past statistics and a
question keeps its identity (its block id) across revisions.

Definitions (classical test theory):

- Responses: submitted quiz ("post") attempts that drew the question.
- Facility: the mean credit those responses earned. For all-or-nothing questions that is the
  share of responses with full credit; partial-credit questions earn 0–1 each, so their
  facility is the mean credit.
- Discrimination (Kelley's upper–lower index): rank the n submitted quiz attempts by score
  (points / number of questions drawn), highest first, ties broken by attempt id (earlier
  attempt ranks higher). The upper and lower groups are the first and last
  g = max(1, round(0.27 n)) attempts (round half up). D = facility in the upper group minus
  facility in the lower group, counting only group members that drew the question. It runs
  from -1 to 1 and is left blank with fewer than 2 attempts, or when a group has no response
  to the question.
- Pre-test facility: the same mean credit over submitted pre-test attempts, so the gain per
  question (post facility - pre facility, percentage points) can be read side by side.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from modules.grading import QuestionResult, correct_ids, is_multiple_answer, scoring_rule
from modules.models import TrainingModulePage

from .models import Attempt

UPPER_LOWER_SHARE = Fraction(27, 100)
# Practice rounds never count: only quizzes and pre-tests are analysed.
COUNTED_KINDS = (Attempt.Kind.PRE, Attempt.Kind.POST)

# What attempt_rows() loads per attempt; item_statistics() needs id, kind, questions,
# answers and points. role_id and unit_id are the learner's, for callers that group by them.
ROW_FIELDS = ("id", "kind", "revision_id", "questions", "answers", "points")

KIND_LABELS = {
    "single": gettext_lazy("Single answer"),
    "multiple": gettext_lazy("Multiple answer"),
    "true_false": gettext_lazy("True/false"),
}


# --- plain data -----------------------------------------------------------------------------


def _percent(value: Fraction | None) -> int | None:
    """Whole percent, rounded half up (facility is never negative)."""
    if value is None:
        return None
    return math.floor(value * 100 + Fraction(1, 2))


def _two_places(value: Fraction | None) -> Decimal | None:
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _mean(values: Sequence[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def plain_text(markup: str) -> str:
    """A prompt's rich text as one line of plain text (for the listing and spreadsheets)."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(markup or ""))).strip()


@dataclass(frozen=True)
class ChoiceStats:
    """How often one choice was picked among a question's responses."""

    id: str
    text: str
    correct: bool
    picked: int
    responses: int

    @property
    def percent(self) -> int:
        return _percent(Fraction(self.picked, self.responses)) if self.responses else 0

    @property
    def summary(self) -> str:
        return f"{self.text} {self.percent}%{'*' if self.correct else ''}"


@dataclass(frozen=True)
class ItemStats:
    """One question's row in the item analysis."""

    number: int
    question_id: str
    prompt: str
    kind: str
    partial_credit: bool
    skill: str
    scenario_title: str
    responses: int
    facility: Fraction | None
    discrimination: Fraction | None
    upper_responses: int
    lower_responses: int
    choices: tuple[ChoiceStats, ...]
    unanswered: int
    pre_responses: int
    pre_facility: Fraction | None

    @property
    def kind_label(self) -> str:
        label = str(KIND_LABELS.get(self.kind, self.kind))
        if self.kind == "multiple":
            label += " " + (_("(partial credit)") if self.partial_credit else _("(all or nothing)"))
        return label

    @property
    def facility_percent(self) -> int | None:
        return _percent(self.facility)

    @property
    def pre_facility_percent(self) -> int | None:
        return _percent(self.pre_facility)

    @property
    def gain_points(self) -> int | None:
        """Post minus pre facility in percentage points, from the displayed (rounded) values."""
        if self.facility is None or self.pre_facility is None:
            return None
        return self.facility_percent - self.pre_facility_percent

    @property
    def discrimination_index(self) -> Decimal | None:
        """The discrimination index to two decimal places (-1.00 to 1.00)."""
        return _two_places(self.discrimination)

    @property
    def unanswered_percent(self) -> int:
        return _percent(Fraction(self.unanswered, self.responses)) if self.responses else 0

    @property
    def choices_summary(self) -> str:
        """e.g. "Engagement cue 70%* · Stress cue 12% · No answer 18%" (* marks correct)."""
        parts = [c.summary for c in self.choices]
        if self.unanswered:
            parts.append(_("No answer %(percent)s%%") % {"percent": self.unanswered_percent})
        return " · ".join(parts)


@dataclass(frozen=True)
class ItemAnalysis:
    """The whole report: per-question rows and what they were computed from."""

    items: list[ItemStats]
    attempts: int  # submitted quiz attempts
    pre_attempts: int  # submitted pre-tests
    group_size: int | None  # size of each of the upper and lower groups; None below 2 attempts
    skipped: int = 0  # attempts whose stored quiz could not be graded (should never happen)


@dataclass
class _Question:
    """Accumulates one question's responses while the rows are read."""

    question_id: str
    snapshot: Mapping  # the latest attempt's copy of the question (text, key, kind)
    snapshot_attempt: int
    first_seen: tuple[int, int]  # (attempt id, position): order for questions off the pool
    credits: list[Fraction] = field(default_factory=list)
    pre_credits: list[Fraction] = field(default_factory=list)
    picks: dict[str, int] = field(default_factory=dict)
    choice_text: dict[str, tuple[int, str, bool]] = field(default_factory=dict)
    choice_order: dict[str, tuple[int, int]] = field(default_factory=dict)
    unanswered: int = 0


# --- grading ---------------------------------------------------------------------------------


_UNGRADABLE = object()


def _question_key(question: Mapping):
    """(correct ids, choice ids, scoring, multiple) for a stored question, or _UNGRADABLE."""
    correct = correct_ids(question)
    choices = frozenset(c["id"] for c in question["choices"])
    multiple = is_multiple_answer(question)
    if not correct or len(choices) < 2 or (len(correct) > 1 and not multiple):
        return _UNGRADABLE
    return correct, choices, scoring_rule(question), multiple


def _graded(
    row: Mapping, keys: dict | None = None
) -> tuple[dict[str, QuestionResult], Fraction] | None:
    """Each drawn question's result, and the attempt's score (points / questions drawn).

    Grades as modules.grading does. The answer key of a question is worked out once per
    revision (`keys` is shared across rows): attempts drawn from one revision share it.
    Whatever in the stored answers does not fit the snapshot is dropped, so one malformed row
    (which the services never write) cannot take down the report.
    """
    questions = row["questions"] or []
    if not questions:
        return None
    keys = {} if keys is None else keys
    answers = row.get("answers") or {}
    results = {}
    for question in questions:
        revision_id = row.get("revision_id")
        memo = (revision_id, question["id"])
        key = keys.get(memo) if revision_id is not None else None
        if key is None:
            key = _question_key(question)
            if revision_id is not None:
                keys[memo] = key
        if key is _UNGRADABLE:
            return None
        correct, choices, scoring, multiple = key
        picked = answers.get(question["id"]) or ()
        selected = (
            frozenset(p for p in picked if p in choices)
            if not isinstance(picked, str)
            else frozenset()
        )
        if len(selected) > 1 and not multiple:
            selected = frozenset()
        results[question["id"]] = QuestionResult(
            question_id=question["id"],
            selected=selected,
            correct_ids=correct,
            choice_ids=choices,
            scoring=scoring,
        )
    points = row.get("points")
    if points is not None:
        points = Fraction(points)
    else:
        points = sum((r.credit for r in results.values()), Fraction(0))
    return results, points / len(questions)


def _group_size(n: int) -> int:
    """Kelley's 27%: max(1, round(0.27 n)), rounding half up."""
    return max(1, math.floor(UPPER_LOWER_SHARE * n + Fraction(1, 2)))


# --- the pure computation --------------------------------------------------------------------


def item_statistics(rows: Iterable[Mapping], *, pool: Sequence[Mapping] = ()) -> ItemAnalysis:
    """Per-question statistics from submitted attempt rows.

    rows: mappings with id, kind ("pre" or "post"), questions (the attempt's snapshot),
    answers ({question id: [choice ids]}) and points (None: recomputed). Callers pass only
    the attempts they want analysed (one module, already filtered).

    pool: the module's current question pool (optional). Questions are listed in its order
    and choices in its authored order; questions and choices no longer in it follow in the
    order they were first drawn. Texts and the answer key shown come from the latest attempt
    that drew each question; each attempt is graded on its own snapshot.
    """
    questions: dict[str, _Question] = {}
    post: list[tuple[int, dict[str, QuestionResult], Fraction]] = []
    pre_attempts = skipped = 0

    keys: dict = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["kind"] not in COUNTED_KINDS:
            continue  # practice rounds are left out of every statistic
        graded = _graded(row, keys)
        if graded is None:
            skipped += 1
            continue
        results, score = graded
        is_post = row["kind"] == Attempt.Kind.POST
        if is_post:
            post.append((row["id"], results, score))
        else:
            pre_attempts += 1
        for position, q in enumerate(row["questions"]):
            entry = questions.get(q["id"])
            if entry is None:
                entry = questions[q["id"]] = _Question(
                    question_id=q["id"],
                    snapshot=q,
                    snapshot_attempt=row["id"],
                    first_seen=(row["id"], position),
                )
            elif row["id"] >= entry.snapshot_attempt:
                entry.snapshot, entry.snapshot_attempt = q, row["id"]
            for index, choice in enumerate(q["choices"]):
                entry.choice_order.setdefault(choice["id"], (row["id"], index))
                entry.choice_text[choice["id"]] = (row["id"], choice["text"], choice["correct"])
            result = results[q["id"]]
            if not is_post:
                entry.pre_credits.append(result.credit)
                continue
            entry.credits.append(result.credit)
            if not result.selected:
                entry.unanswered += 1
            for choice_id in result.selected:
                entry.picks[choice_id] = entry.picks.get(choice_id, 0) + 1

    # Kelley's upper and lower groups over every submitted quiz attempt in the rows.
    n = len(post)
    group_size = _group_size(n) if n >= 2 else None
    upper: list[dict[str, QuestionResult]] = []
    lower: list[dict[str, QuestionResult]] = []
    if group_size:
        ranked = sorted(post, key=lambda a: (-a[2], a[0]))
        upper = [results for _, results, _ in ranked[:group_size]]
        lower = [results for _, results, _ in ranked[-group_size:]]

    pool_order = {q["id"]: i for i, q in enumerate(pool)}
    pool_choices = {q["id"]: [c["id"] for c in q["choices"]] for q in pool}
    ordered = sorted(
        questions.values(),
        key=lambda e: (
            (0, pool_order[e.question_id], 0) if e.question_id in pool_order else (1, *e.first_seen)
        ),
    )

    items = []
    for number, entry in enumerate(ordered, start=1):
        qid = entry.question_id
        authored = {cid: i for i, cid in enumerate(pool_choices.get(qid, []))}
        latest_order = {c["id"]: i for i, c in enumerate(entry.snapshot["choices"])}
        choice_ids = sorted(
            entry.choice_text,
            key=lambda cid: (
                (0, authored[cid], 0)
                if cid in authored
                else (1, latest_order[cid], 0)
                if cid in latest_order
                else (2, *entry.choice_order[cid])
            ),
        )
        responses = len(entry.credits)
        upper_credits = [r[qid].credit for r in upper if qid in r]
        lower_credits = [r[qid].credit for r in lower if qid in r]
        discrimination = None
        if upper_credits and lower_credits:
            discrimination = _mean(upper_credits) - _mean(lower_credits)
        snapshot = entry.snapshot
        kind = snapshot.get("kind") or ("multiple" if is_multiple_answer(snapshot) else "single")
        items.append(
            ItemStats(
                number=number,
                question_id=qid,
                prompt=plain_text(snapshot.get("prompt", "")),
                kind=kind,
                partial_credit=kind == "multiple" and snapshot.get("scoring") == "partial",
                skill=snapshot.get("skill", ""),
                scenario_title=(snapshot.get("scenario") or {}).get("title", ""),
                responses=responses,
                facility=_mean(entry.credits),
                discrimination=discrimination,
                upper_responses=len(upper_credits),
                lower_responses=len(lower_credits),
                choices=tuple(
                    ChoiceStats(
                        id=cid,
                        text=entry.choice_text[cid][1],
                        correct=entry.choice_text[cid][2],
                        picked=entry.picks.get(cid, 0),
                        responses=responses,
                    )
                    for cid in choice_ids
                ),
                unanswered=entry.unanswered,
                pre_responses=len(entry.pre_credits),
                pre_facility=_mean(entry.pre_credits),
            )
        )
    return ItemAnalysis(
        items=items,
        attempts=n,
        pre_attempts=pre_attempts,
        group_size=group_size,
        skipped=skipped,
    )


# --- selectors --------------------------------------------------------------------------------


def analysis_attempts(module_id: int) -> QuerySet[Attempt]:
    """Submitted quiz and pre-test attempts at a module (no query until evaluated); callers
    narrow it (role, unit, revision) before passing it to `attempt_rows`."""
    return Attempt.objects.filter(
        module_id=module_id, submitted_at__isnull=False, kind__in=COUNTED_KINDS
    )


def attempt_rows(attempts: QuerySet[Attempt]) -> list[dict]:
    """The attempts as plain rows for `item_statistics`, with the learner's role and unit:
    one query. Each learner counts once per kind: their first submitted quiz and their first
    pre-test. Retakes would count the same person several times and, because learners who
    fail retake most, would crowd the lower 27% and inflate discrimination."""
    rows = attempts.order_by("submitted_at", "id").values(
        *ROW_FIELDS,
        "user_id",
        role_id=F("user__staff_profile__role_id"),
        unit_id=F("user__staff_profile__unit_id"),
    )
    first: dict[tuple[int, str], dict] = {}
    for row in rows:
        first.setdefault((row["user_id"], row["kind"]), row)
    return sorted(first.values(), key=lambda row: row["id"])


def item_analysis(
    *,
    module: TrainingModulePage,
    role_id: int | None = None,
    unit_id: int | None = None,
    revision_id: int | None = None,
) -> ItemAnalysis:
    """The item analysis of a module's quiz, optionally only for learners of one role or
    unit, or for attempts drawn from one revision (one query)."""
    attempts = analysis_attempts(module.pk)
    if role_id is not None:
        attempts = attempts.filter(user__staff_profile__role_id=role_id)
    if unit_id is not None:
        attempts = attempts.filter(user__staff_profile__unit_id=unit_id)
    if revision_id is not None:
        attempts = attempts.filter(revision_id=revision_id)
    return item_statistics(attempt_rows(attempts), pool=module.quiz_pool())


def modules_with_attempt_counts() -> QuerySet[TrainingModulePage]:
    """Every module in catalogue order with its numbers of submitted quiz attempts and
    pre-tests and the time of the latest (one query)."""
    submitted = Q(attempts__submitted_at__isnull=False, attempts__kind__in=COUNTED_KINDS)
    return TrainingModulePage.objects.annotate(
        quiz_attempts=Count("attempts", filter=submitted & Q(attempts__kind="post")),
        pretest_attempts=Count("attempts", filter=submitted & Q(attempts__kind="pre")),
        last_submitted_at=Max("attempts__submitted_at", filter=submitted),
    ).order_by("path")
