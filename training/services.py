"""Every write in training that carries a business rule.

Each service takes keyword-only arguments, runs in one transaction, calls full_clean()
before saving, and raises ValidationError with a message a person can read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from modules.grading import AnswerError, QuizError, grade, validate_quiz
from modules.models import TrainingModulePage

from .models import Attempt, Completion, StaffProfile
from .signals import completion_recorded


def _stamp(instance, actor: User | None):
    """Record who made the change in django-simple-history."""
    if actor is not None:
        instance._history_user = actor
    return instance


@transaction.atomic
def attempt_start(*, user: User, module: TrainingModulePage) -> Attempt:
    """Start (or resume) the learner's attempt at a module's quiz.

    An unfinished attempt is resumed rather than duplicated. The attempt stores the live
    revision and its questions, so later edits never change what this attempt is graded on.
    """
    # Lock the learner's profile row so that two clicks on "Start" cannot make two attempts.
    profile = StaffProfile.objects.select_for_update().filter(user=user, active=True).first()
    if profile is None:
        raise ValidationError("Only active staff members can take quizzes.")
    if not module.live or module.live_revision_id is None:
        raise ValidationError("This module is not published.")
    if Completion.objects.filter(user=user, module=module).exists():
        raise ValidationError("You have already passed this module.")
    unfinished = (
        Attempt.objects.filter(user=user, module=module, submitted_at__isnull=True)
        .order_by("-started_at")
        .first()
    )
    if unfinished is not None:
        return unfinished
    questions = module.quiz_questions()
    try:
        validate_quiz(questions)
    except QuizError as exc:
        raise ValidationError(
            f"This quiz cannot be taken yet: {exc} Please tell the education team."
        ) from exc
    attempt = Attempt(
        user=user,
        module=module,
        revision_id=module.live_revision_id,
        questions=questions,
        pass_mark=module.pass_mark,
    )
    attempt.full_clean()
    _stamp(attempt, user).save()
    return attempt


def answers_from_post(data) -> dict[str, list[str]]:
    """Read answers from form data named `q-<question id>`; anything else named q-… is kept
    so that grading can reject answers to questions that are not on the quiz."""
    answers: dict[str, list[str]] = {}
    for key in data:
        if key.startswith("q-"):
            picked = [v for v in data.getlist(key) if v]
            if picked:
                answers[key[2:]] = picked
    return answers


@transaction.atomic
def attempt_submit(*, attempt_id: int, user: User, answers: Mapping[str, Sequence[str]]) -> Attempt:
    """Grade an attempt on the server and, on a pass, record the completion.

    A second submission of the same attempt, answers that do not fit the quiz, or someone
    else's attempt raise ValidationError and change nothing.
    """
    try:
        attempt = Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    except Attempt.DoesNotExist:
        raise ValidationError("This attempt does not exist.") from None
    if attempt.is_submitted:
        raise ValidationError("This attempt has already been submitted; it was graded once.")
    if not StaffProfile.objects.filter(user=user, active=True).exists():
        raise ValidationError("Only active staff members can submit quizzes.")
    try:
        result = grade(attempt.questions, answers, attempt.pass_mark)
    except (AnswerError, QuizError) as exc:
        raise ValidationError(str(exc)) from exc
    attempt.answers = {r.question_id: sorted(r.selected) for r in result.results}
    attempt.correct_count = result.correct_count
    attempt.score_percent = result.score_percent
    attempt.passed = result.passed
    attempt.submitted_at = timezone.now()
    attempt.full_clean()
    _stamp(attempt, user).save()
    if result.passed:
        completion_record(attempt=attempt, actor=user)
    return attempt


@transaction.atomic
def completion_record(*, attempt: Attempt, actor: User | None) -> Completion:
    """Record that the attempt's learner passed its module, pinned to the attempt's revision."""
    if not attempt.passed:
        raise ValidationError("Only a passed attempt can complete a module.")
    if Completion.objects.filter(user_id=attempt.user_id, module_id=attempt.module_id).exists():
        raise ValidationError("This module is already completed.")
    completed_at = attempt.submitted_at or timezone.now()
    completion = Completion(
        user_id=attempt.user_id,
        module_id=attempt.module_id,
        attempt=attempt,
        revision_id=attempt.revision_id,
        completed_at=completed_at,
        completed_on=timezone.localdate(completed_at),
    )
    completion.full_clean()
    _stamp(completion, actor).save()
    completion_recorded.send(sender=Completion, completion=completion, actor=actor)
    return completion
