"""Learner and manager pages. Thin: services write, selectors read, access decides who."""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.images import get_image_model

from modules.grading import learner_view, review
from modules.models import TrainingModulePage

from . import access, selectors, services
from .models import Attempt, Status


def _require_staff(request):
    profile = access.staff_profile(request.user)
    if profile is None:
        raise PermissionDenied(_("My training is for staff members with an active staff profile."))
    return profile


@login_required
def dashboard(request):
    _require_staff(request)
    data = selectors.learner_dashboard(user=request.user, today=timezone.localdate())
    return render(request, "training/dashboard.html", {"dashboard": data, "Status": Status})


ATTEMPT_KINDS = {
    "pre": Attempt.Kind.PRE,
    "practice": Attempt.Kind.PRACTICE,
    Attempt.Kind.PRACTICE: Attempt.Kind.PRACTICE,
}


@login_required
@require_POST
def attempt_start(request, module_id: int):
    _require_staff(request)
    module = get_object_or_404(TrainingModulePage.objects.live(), pk=module_id)
    kind = ATTEMPT_KINDS.get(request.POST.get("kind", ""), Attempt.Kind.POST)
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
        messages.info(request, _("Time ran out, so the answers saved before then were graded."))
        return redirect("training:attempt", pk=attempt.pk)
    if not attempt.is_submitted:
        context = _quiz_context(attempt)
        if request.GET.get("unanswered"):
            context["unanswered"] = [q["number"] for q in context["questions"] if not q["answered"]]
        return render(request, "training/quiz.html", context)
    practice = attempt.kind == Attempt.Kind.PRACTICE
    level = selectors.attempt_review_level(attempt)
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
            "practice": practice,
            "practice_at_pass_mark": practice and attempt.score_percent >= attempt.pass_mark,
        },
    )


def _attempt_post(request, attempt: Attempt):
    save_only = request.POST.get("action") == "save"
    answers = services.answers_from_post(request.POST)
    confidence = services.confidence_from_post(request.POST)
    # The quiz form asks the server to check for unanswered questions (check_unanswered=1):
    # then a submission that leaves some unanswered is saved, not graded, and the quiz is
    # shown again listing them, until the learner confirms ("Submit anyway"). Posts without
    # the flag (older pages, scripts) are graded as they are.
    check = (
        not save_only
        and request.POST.get("check_unanswered") == "1"
        and request.POST.get("confirm_unanswered") != "1"
    )
    unanswered = check and any(q["id"] not in answers for q in attempt.questions)
    service = services.attempt_save if save_only or unanswered else services.attempt_submit
    try:
        attempt = service(
            attempt_id=attempt.pk, user=request.user, answers=answers, confidence=confidence
        )
    except services.AlreadySubmitted as exc:
        messages.info(request, " ".join(exc.messages))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if unanswered:
            url = reverse("training:attempt", args=[attempt.pk])
            return redirect(f"{url}?unanswered=1#unanswered-alert")
        if save_only:
            messages.success(request, _("Your answers are saved. You can come back to them later."))
        elif attempt.timed_out:
            messages.info(request, _("Time ran out, so the answers saved before then were graded."))
    return redirect("training:attempt", pk=attempt.pk)


def _json_login_required(view):
    """login_required for the quiz page's background requests: a JSON 401 instead of a
    redirect to the login page, so the page can tell the learner that the session ended."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {"saved": False, "error": _("Your session has ended. Log in again to carry on.")},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@_json_login_required
def attempt_save(request, pk: int):
    """Autosave from the quiz page: the same fields as the quiz form, answered in JSON.

    200 saved; 400 answers that do not fit the quiz (nothing changed); 401 not logged in;
    403 not an active staff member; 404 not one of the learner's attempts; 409 already
    submitted (or graded because its time ran out).
    """
    if not Attempt.objects.filter(pk=pk, user=request.user).exists():
        return JsonResponse(
            {"saved": False, "error": _("This attempt does not exist.")}, status=404
        )
    if access.staff_profile(request.user) is None:
        return JsonResponse(
            {"saved": False, "error": _("Only active staff members can save quiz answers.")},
            status=403,
        )
    try:
        attempt = services.attempt_save(
            attempt_id=pk,
            user=request.user,
            answers=services.answers_from_post(request.POST),
            confidence=services.confidence_from_post(request.POST),
        )
    except services.AlreadySubmitted as exc:
        return JsonResponse(
            {
                "saved": False,
                "submitted": True,
                "error": " ".join(exc.messages),
                "result_url": reverse("training:attempt", args=[pk]),
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"saved": False, "error": " ".join(exc.messages)}, status=400)
    saved_at = selectors.attempt_saved_at(attempt.pk) or timezone.now()
    return JsonResponse(
        {
            "saved": True,
            "saved_at": _iso(saved_at),
            "saved_time": formats.time_format(timezone.localtime(saved_at), "H:i"),
            "answered": len(attempt.answers or {}),
            "total": len(attempt.questions),
        }
    )


def _iso(moment) -> str:
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


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
        q["answered"] = bool(picked)
        q["confidence"] = rated.get(q["id"])
    mode = attempt.rules.get("confidence", "none")
    skills = sorted({q["skill"] for q in questions}) if mode == "skill" else []
    saved_at = selectors.attempt_saved_at(attempt.pk)
    return {
        "attempt": attempt,
        "module": attempt.module,
        "questions": questions,
        "answered_count": sum(1 for q in questions if q["answered"]),
        "images": _images(questions),
        "confidence_mode": mode,
        "skill_ratings": [(skill, rated.get(skill)) for skill in skills],
        "practice": attempt.kind == Attempt.Kind.PRACTICE,
        "saved_at": _iso(saved_at) if saved_at else "",
        "unanswered": [],
    }


# Reports ---------------------------------------------------------------------------------


def _require_reports(request):
    if not access.can_view_reports(request.user):
        raise PermissionDenied(_("Reports are for unit managers and education leads."))
