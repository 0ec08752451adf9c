"""Lesson by lesson: one lesson of a module per page, with the learner's place kept on the
server so that they can resume on any device. Thin: the service writes, the page reads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from modules.models import TrainingModulePage

from . import access, selectors, services


@login_required
@require_GET
def lesson(request, module_id: int, number: int):
    """Lesson `number` (1-based) of a published module, for a staff member."""
    if access.staff_profile(request.user) is None:
        raise PermissionDenied(_("Lessons are for staff members with an active staff profile."))
    module = get_object_or_404(TrainingModulePage.objects.live(), pk=module_id)
    titles = module.lesson_titles()
    if not 1 <= number <= len(titles):
        raise Http404(_("This module has no lesson %(number)s.") % {"number": number})
    try:
        progress = services.lesson_progress_record(user=request.user, module=module, number=number)
    except ValidationError as exc:  # the lessons changed between the two reads
        raise Http404(" ".join(exc.messages)) from exc
    total = len(titles)
    module_url = module.get_url(request) or "/"

    def lesson_url(n: int) -> str:
        return reverse("training:lesson", args=[module.pk, n])

    return render(
        request,
        "modules/lesson.html",
        {
            "module": module,
            "module_url": module_url,
            "catalogue": module.get_parent(),
            "lesson": module.lessons[number - 1],
            "number": number,
            "total": total,
            "steps": selectors.lesson_steps(
                module, current=number, furthest=min(progress.furthest, total)
            ),
            "minutes_left": module.minutes_left(number),
            "previous_url": lesson_url(number - 1) if number > 1 else None,
            "previous_title": titles[number - 2] if number > 1 else None,
            "next_url": lesson_url(number + 1) if number < total else None,
            "next_title": titles[number] if number < total else None,
            "quiz_url": f"{module_url}#quiz",
        },
    )
