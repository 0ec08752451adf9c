"""Where a learner is in a module's lessons (resume where they left off)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import LessonProgress
from ._common import _stamp


@transaction.atomic
def lesson_progress_record(*, user, module, number: int) -> LessonProgress:
    """Record that `user` opened lesson `number` (1-based) of the live `module`.

    The position is kept on the server, so the learner resumes there on any device. It is
    written only when it changes (the lesson, the furthest lesson reached, or the revision
    the numbers refer to): reloading a lesson adds no history. When the module's lessons
    were edited since, `furthest` is capped at the lessons the module now has.
    """
    count = len(module.lessons.raw_data)
    if not isinstance(number, int) or not 1 <= number <= count:
        raise ValidationError(
            _("This module has no lesson %(number)s.") % {"number": number}, code="invalid"
        )
    revision_id = module.live_revision_id
    progress = LessonProgress.objects.select_for_update().filter(user=user, module=module).first()
    if progress is None:
        progress = LessonProgress(user=user, module=module, started_at=timezone.now())
        furthest = number
    else:
        furthest = max(min(progress.furthest, count), number)
        if (
            progress.current == number
            and progress.furthest == furthest
            and progress.revision_id == revision_id
        ):
            return progress
    progress.current = number
    progress.furthest = furthest
    progress.revision_id = revision_id
    progress.updated_at = timezone.now()
    progress.full_clean()
    _stamp(progress, user)
    if progress.pk is None:
        try:
            with transaction.atomic():  # two tabs opening the module at the same moment
                progress.save()
        except IntegrityError:
            return lesson_progress_record(user=user, module=module, number=number)
    else:
        progress.save()
    return progress
