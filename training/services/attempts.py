"""Quiz attempts and completions."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from modules.draw import draw_questions
from modules.grading import AnswerError, QuizError, grade, validate_answers, validate_quiz
from modules.models import TrainingModulePage

from ..models import Attempt, Completion, StaffProfile
from ..selectors import renewal
from ..signals import completion_recorded
from ._common import _stamp
from .assignments import assignments_sync

GRACE = datetime.timedelta(seconds=60)  # network slack after a time limit runs out


class AlreadySubmitted(ValidationError):
    """A second submission of a graded attempt: nothing changes; show the result again."""


def _local_time(moment) -> str:
    return formats.time_format(timezone.localtime(moment), "H:i")


def _expire_if_due(attempt: Attempt, *, now) -> bool:
    """Grade an open attempt whose time ran out, with the answers saved before then."""
    if attempt.is_submitted or attempt.deadline is None or now <= attempt.deadline + GRACE:
        return False
    _grade(attempt, attempt.answers or {}, attempt.confidence, now=attempt.deadline, actor=None)
    attempt.timed_out = True
    attempt.save(update_fields=["timed_out"])
    return True


def attempt_start(
    *, user: User, module: TrainingModulePage, kind: str = Attempt.Kind.POST
) -> Attempt:
    """Start (or resume) the learner's quiz, pre-test or practice round for a module.

    A practice round (kind PRACTICE) draws questions as the quiz does but has no time limit,
    no pre-test requirement, no limit on the number of rounds or wait between them, and is
    allowed after passing: it never completes the module and is left out of every report.

    An open attempt whose time ran out is graded first, in its own transaction, and returned
    (the learner sees its result). Otherwise the module's rules decide whether a new attempt
    may start (pre-test first, the number of attempts, the wait between them). The attempt
    stores the live revision, the questions it drew (choice order included) and the rules, so
    later edits never change it.
    """
    expired = _close_expired(user=user, module=module, kind=kind)
    if expired is not None:
        return expired
    return _attempt_start(user=user, module=module, kind=kind)


@transaction.atomic
def _close_expired(*, user: User, module: TrainingModulePage, kind: str) -> Attempt | None:
    if not StaffProfile.objects.filter(user=user, active=True).exists():
        return None  # _attempt_start refuses with a message
    now = timezone.now()
    latest = None
    open_attempts = Attempt.objects.select_for_update().filter(
        user=user, module=module, kind=kind, submitted_at__isnull=True
    )
    for attempt in open_attempts.order_by("started_at"):
        if _expire_if_due(attempt, now=now):
            latest = attempt
    return latest


@transaction.atomic
def _attempt_start(*, user: User, module: TrainingModulePage, kind: str) -> Attempt:
    # Lock the learner's profile row so that two clicks on "Start" cannot make two attempts.
    profile = StaffProfile.objects.select_for_update().filter(user=user, active=True).first()
    if profile is None:
        raise ValidationError(_("Only active staff members can take quizzes."))
    if not module.live or module.live_revision_id is None:
        raise ValidationError(_("This module is not published."))
    module = TrainingModulePage.objects.get(pk=module.pk)  # live content, not a stale copy
    now = timezone.now()
    mine = Attempt.objects.filter(user=user, module=module, kind=kind)
    unfinished = mine.filter(submitted_at__isnull=True).order_by("-started_at").first()
    if unfinished is not None:
        return unfinished

    if kind == Attempt.Kind.PRACTICE:
        # As often as the learner likes (nothing about it counts), but not before the
        # pre-test, which measures what they knew before, nor beside an open quiz attempt.
        if (
            module.pretest
            and not Attempt.objects.filter(
                user=user, module=module, kind=Attempt.Kind.PRE, submitted_at__isnull=False
            ).exists()
        ):
            raise ValidationError(
                _("Please take the short pre-test first: it shows what you knew beforehand.")
            )
        if Attempt.objects.filter(
            user=user, module=module, kind=Attempt.Kind.POST, submitted_at__isnull=True
        ).exists():
            raise ValidationError(_("You have a quiz in progress. Finish it before practising."))
    elif kind == Attempt.Kind.PRE:
        if not module.pretest:
            raise ValidationError(_("This module has no pre-test."))
        if mine.filter(revision_id=module.live_revision_id, submitted_at__isnull=False).exists():
            raise ValidationError(_("You have already taken this module's pre-test."))
        if Attempt.objects.filter(user=user, module=module, kind=Attempt.Kind.POST).exists():
            raise ValidationError(
                _(
                    "The pre-test measures what you knew before the lessons, so it is only "
                    "offered before your first attempt at the quiz."
                )
            )
    elif kind != Attempt.Kind.POST:
        raise ValidationError(_("Unknown kind of attempt."))
    else:
        if Completion.objects.filter(user=user, module=module).exists():
            _refuse_unless_renewal_open(user=user, module=module)
        if (
            module.pretest
            and not Attempt.objects.filter(
                user=user, module=module, kind=Attempt.Kind.PRE, submitted_at__isnull=False
            ).exists()
        ):
            raise ValidationError(_("Please take the short pre-test before the quiz."))
        graded = mine.filter(submitted_at__isnull=False)
        last_done = (
            Completion.objects.filter(user=user, module=module).order_by("-completed_at").first()
        )
        if last_done is not None:  # a renewal: attempts are counted afresh
            graded = graded.filter(started_at__gt=last_done.completed_at)
        if module.max_attempts and graded.count() >= module.max_attempts:
            raise ValidationError(
                _(
                    "You have used all %(count)s attempts at this quiz. "
                    "Please contact the education team."
                )
                % {"count": module.max_attempts}
            )
        last = graded.order_by("-submitted_at").first()
        if last and module.attempt_wait_minutes:
            ready = last.submitted_at + datetime.timedelta(minutes=module.attempt_wait_minutes)
            if now < ready:
                day = formats.date_format(timezone.localtime(ready), "j F")
                raise ValidationError(
                    _(
                        "You can try again from %(time)s on %(day)s. "
                        "Use the time to revisit the lessons."
                    )
                    % {"time": _local_time(ready), "day": day}
                )

    questions = draw_questions(module.quiz_pool(), settings=module.draw_settings())
    try:
        validate_quiz(questions)
    except QuizError as exc:
        raise ValidationError(
            _("This quiz cannot be taken yet: %(problem)s Please tell the education team.")
            % {"problem": exc}
        ) from exc
    practice = kind == Attempt.Kind.PRACTICE
    # Practice has no time limit, and asks for no confidence ratings (nothing reports them).
    limit = 0 if practice else module.time_limit_minutes
    attempt = Attempt(
        user=user,
        module=module,
        kind=kind,
        revision_id=module.live_revision_id,
        questions=questions,
        rules={
            "review_after_fail": module.review_after_fail,
            "review_after_pass": module.review_after_pass,
            "confidence": "none" if practice else module.confidence,
            "time_limit_minutes": limit,
        },
        pass_mark=module.pass_mark,
        started_at=now,
        deadline=now + datetime.timedelta(minutes=limit) if limit else None,
    )
    attempt.full_clean()
    _stamp(attempt, user).save()
    return attempt


def _refuse_unless_renewal_open(*, user: User, module: TrainingModulePage) -> None:
    """A passed module can be taken again only when a requirement needs a new completion."""
    today = timezone.localdate()
    again = renewal(user=user, module_id=module.pk, today=today)
    if again.open:
        return
    if again.opens_on is not None:
        raise ValidationError(
            _("Your completion is valid until %(until)s. You can renew it from %(opens)s.")
            % {
                "until": formats.date_format(again.valid_until, "j F Y"),
                "opens": formats.date_format(again.opens_on, "j F Y"),
            }
        )
    raise ValidationError(_("You have already passed this module."))


@transaction.atomic
def attempt_close_if_expired(*, attempt_id: int, user: User) -> bool:
    """Grade the learner's open attempt if its time ran out (with the answers saved in time)."""
    attempt = _open_attempt_for_update(attempt_id, user)
    return _expire_if_due(attempt, now=timezone.now())


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


def confidence_from_post(data) -> dict[str, str]:
    """Confidence ratings named `conf-<question id or skill>`."""
    return {key[5:]: data.get(key) for key in data if key.startswith("conf-") and data.get(key)}


def _clean_confidence(attempt: Attempt, confidence) -> dict[str, int] | None:
    mode = attempt.rules.get("confidence", "none")
    if not confidence:
        return None
    if mode == "none":
        raise ValidationError(_("This quiz does not ask for confidence ratings."))
    allowed = (
        {q["id"] for q in attempt.questions}
        if mode == "question"
        else {q["skill"] for q in attempt.questions}
    )
    clean = {}
    for key, value in confidence.items():
        if key not in allowed:
            raise ValidationError(
                _("A confidence rating was given for something not on this quiz.")
            )
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = 0
        if not 1 <= number <= 5:
            raise ValidationError(_("Confidence ratings go from 1 (not at all) to 5 (very)."))
        clean[key] = number
    return clean


def _open_attempt_for_update(attempt_id: int, user: User) -> Attempt:
    try:
        return Attempt.objects.select_for_update().get(pk=attempt_id, user=user)
    except Attempt.DoesNotExist:
        raise ValidationError(_("This attempt does not exist.")) from None


def attempt_save(
    *, attempt_id: int, user: User, answers: Mapping[str, Sequence[str]], confidence=None
) -> Attempt:
    """Save answers so far without grading (resume later, on any device).

    Called on every change by the quiz page's autosave, and by "Save and finish later".
    Answers that do not fit the quiz raise ValidationError and change nothing. An attempt
    whose time ran out is graded with the answers saved in time (that grading is kept) and
    AlreadySubmitted is raised, as for an attempt that was already submitted.
    """
    if attempt_close_if_expired(attempt_id=attempt_id, user=user):
        raise AlreadySubmitted(
            _(
                "Time ran out before these answers arrived; "
                "the answers saved before then were graded."
            )
        )
    return _attempt_save(attempt_id=attempt_id, user=user, answers=answers, confidence=confidence)


@transaction.atomic
def _attempt_save(*, attempt_id: int, user: User, answers, confidence) -> Attempt:
    attempt = _open_attempt_for_update(attempt_id, user)
    if attempt.is_submitted:
        raise AlreadySubmitted(_("This attempt has already been submitted."))
    if not StaffProfile.objects.filter(user=user, active=True).exists():
        raise ValidationError(_("Only active staff members can save quiz answers."))
    try:
        clean = validate_answers(attempt.questions, answers)
    except AnswerError as exc:
        raise ValidationError(str(exc)) from exc
    attempt.answers = {qid: sorted(picked) for qid, picked in clean.items()}
    attempt.confidence = _clean_confidence(attempt, confidence)
    attempt.full_clean()
    _stamp(attempt, user).save()
    return attempt


@transaction.atomic
def attempt_submit(
    *, attempt_id: int, user: User, answers: Mapping[str, Sequence[str]], confidence=None
) -> Attempt:
    """Grade an attempt on the server and, when a quiz is passed, record the completion.

    A second submission changes nothing (AlreadySubmitted). Answers that do not fit the quiz
    or someone else's attempt raise ValidationError and change nothing. After the time limit
    (and a minute's grace) the posted answers are ignored and the saved ones are graded.
    """
    attempt = _open_attempt_for_update(attempt_id, user)
    if attempt.is_submitted:
        raise AlreadySubmitted(_("This attempt was already submitted and graded."))
    if not StaffProfile.objects.filter(user=user, active=True).exists():
        raise ValidationError(_("Only active staff members can submit quizzes."))
    now = timezone.now()
    if _expire_if_due(attempt, now=now):
        return attempt
    _grade(attempt, answers, _clean_confidence(attempt, confidence), now=now, actor=user)
    return attempt


def _grade(attempt: Attempt, answers, confidence, *, now, actor) -> None:
    try:
        result = grade(attempt.questions, answers, attempt.pass_mark)
    except (AnswerError, QuizError) as exc:
        raise ValidationError(str(exc)) from exc
    attempt.answers = {r.question_id: sorted(r.selected) for r in result.results}
    attempt.confidence = confidence
    attempt.correct_count = result.correct_count
    attempt.points = Decimal(result.points.numerator) / Decimal(result.points.denominator)
    attempt.points = attempt.points.quantize(Decimal("0.001"))
    attempt.score_percent = result.score_percent
    # Only a quiz passes: a pre-test or a practice round never completes the module.
    attempt.passed = result.passed if attempt.kind == Attempt.Kind.POST else None
    attempt.submitted_at = now
    attempt.full_clean()
    _stamp(attempt, actor).save()
    active = StaffProfile.objects.filter(user_id=attempt.user_id, active=True).exists()
    if attempt.passed and active:
        completion_record(attempt=attempt, actor=actor)


@transaction.atomic
def completion_record(*, attempt: Attempt, actor: User | None) -> Completion:
    """Record that the attempt's learner passed its module, pinned to the attempt's revision."""
    if not attempt.passed:
        raise ValidationError(_("Only a passed attempt can complete a module."))
    if Completion.objects.filter(attempt=attempt).exists():
        raise ValidationError(_("This attempt has already completed the module."))
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
    assignments_sync(user_ids=[attempt.user_id], actor=actor, reason="Completion recorded")
    # After the sync: the cycles this completion completed know how long it stays valid.
    completion_recorded.send(sender=Completion, completion=completion, actor=actor)
    return completion
