"""Learner and manager pages. Thin: services write, selectors read, access decides who."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.images import get_image_model

from modules.grading import learner_view, review, review_level
from modules.models import TrainingModulePage

from . import access, selectors, services
from .models import Attempt, Status


def _require_staff(request):
    profile = access.staff_profile(request.user)
    if profile is None:
        raise PermissionDenied("My training is for staff members with an active staff profile.")
    return profile


@login_required
def dashboard(request):
    _require_staff(request)
    data = selectors.learner_dashboard(user=request.user, today=timezone.localdate())
    return render(request, "training/dashboard.html", {"dashboard": data, "Status": Status})


@login_required
@require_POST
def attempt_start(request, module_id: int):
    _require_staff(request)
    module = get_object_or_404(TrainingModulePage.objects.live(), pk=module_id)
    kind = Attempt.Kind.PRE if request.POST.get("kind") == "pre" else Attempt.Kind.POST
    try:
        attempt = services.attempt_start(user=request.user, module=module, kind=kind)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(module.get_url(request) or "training:dashboard")
    return redirect("training:attempt", pk=attempt.pk)


@login_required
@require_http_methods(["GET", "POST"])
def attempt_detail(request, pk: int):
    """The quiz while the attempt is open; the result once it has been graded."""
    attempt = get_object_or_404(Attempt.objects.select_related("module"), pk=pk, user=request.user)
    _require_staff(request)
    if request.method == "POST":
        return _attempt_post(request, attempt)
    if not attempt.is_submitted and services.attempt_close_if_expired(
        attempt_id=attempt.pk, user=request.user
    ):
        messages.info(request, "Time ran out, so the answers saved before then were graded.")
        return redirect("training:attempt", pk=attempt.pk)
    if not attempt.is_submitted:
        return render(request, "training/quiz.html", _quiz_context(attempt))
    level = review_level(kind=attempt.kind, passed=attempt.passed, rules=attempt.rules)
    items = review(attempt.questions, attempt.answers or {}, level=level)
    return render(
        request,
        "training/result.html",
        {
            "attempt": attempt,
            "module": attempt.module,
            "review": items,
            "level": level,
            "images": _images(items),
            "total": len(attempt.questions),
        },
    )


def _attempt_post(request, attempt: Attempt):
    save_only = request.POST.get("action") == "save"
    service = services.attempt_save if save_only else services.attempt_submit
    try:
        attempt = service(
            attempt_id=attempt.pk,
            user=request.user,
            answers=services.answers_from_post(request.POST),
            confidence=services.confidence_from_post(request.POST),
        )
    except services.AlreadySubmitted as exc:
        messages.info(request, " ".join(exc.messages))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if save_only:
            messages.success(request, "Your answers are saved. You can come back to them later.")
        elif attempt.timed_out:
            messages.info(request, "Time ran out, so the answers saved before then were graded.")
    return redirect("training:attempt", pk=attempt.pk)


def _images(questions) -> dict:
    ids = {q["image_id"] for q in questions if q.get("image_id")}
    return get_image_model().objects.in_bulk(ids) if ids else {}


def _quiz_context(attempt: Attempt) -> dict:
    """The quiz as the learner may see it, with what they saved so far ticked."""
    questions = learner_view(attempt.questions)
    saved = attempt.answers or {}
    rated = attempt.confidence or {}
    for q in questions:
        picked = set(saved.get(q["id"], ()))
        for c in q["choices"]:
            c["checked"] = c["id"] in picked
        q["confidence"] = rated.get(q["id"])
    mode = attempt.rules.get("confidence", "none")
    skills = sorted({q["skill"] for q in questions}) if mode == "skill" else []
    return {
        "attempt": attempt,
        "module": attempt.module,
        "questions": questions,
        "images": _images(questions),
        "confidence_mode": mode,
        "skill_ratings": [(skill, rated.get(skill)) for skill in skills],
    }


# Reports ---------------------------------------------------------------------------------


def _require_reports(request):
    if not access.can_view_reports(request.user):
        raise PermissionDenied("Reports are for unit managers and education leads.")
