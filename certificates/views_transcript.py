"""Transcript PDFs: a learner's own, and a person's for their managers and education leads.

Rendered on each request (a transcript is a page or two). Who may see whose transcript is
`training.access.can_view_learner_records`; anyone else gets a 404, as does an unknown id,
so an id never tells anyone who exists. A render that runs out of time or grows too large
answers with an explanation and status 503, never a 500.
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from training import access
from training.models import StaffProfile

from . import rendering
from .transcripts import Transcript, transcript_data

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 120


def transcript_filename(transcript: Transcript) -> str:
    """attune-transcript-<name>-<YYYY-MM-DD>.pdf"""
    name = slugify(transcript.person.name) or f"user-{transcript.person.user_id}"
    return f"attune-transcript-{name}-{transcript.today.isoformat()}.pdf"


def _pdf_response(request, user_id: int, *, back: str) -> HttpResponse:
    transcript = transcript_data(user_id=user_id, today=timezone.localdate())
    if transcript is None:
        raise Http404(_("No such person among the records you may see."))
    context = {"t": transcript, "generated_at": timezone.localtime()}
    try:
        pdf = rendering.render_transcript_pdf(context)
    except (rendering.RenderTimeout, rendering.RenderTooLarge) as error:
        logger.warning("Transcript of user %s could not be rendered: %s", user_id, error)
        reason = (
            _("It took too long to build.")
            if isinstance(error, rendering.RenderTimeout)
            else _("It came out too large to build.")
        )
        response = render(
            request,
            "certificates/transcript_unavailable.html",
            {"reason": reason, "back": back},
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=transcript_filename(transcript)
    )
    return response


@never_cache
@login_required
@require_GET
def my_transcript(request):
    """The logged-in user's own transcript (a staff profile is not needed)."""
    return _pdf_response(request, request.user.pk, back=reverse("certificates:mine"))


@never_cache
@login_required
@require_GET
def transcript(request, user_id: int):
    """A person's transcript for themself, their unit's managers, education leads, admins."""
    if not access.can_view_learner_records(request.user, user_id):
        raise Http404(_("No such person among the records you may see."))
    if user_id != request.user.pk and not StaffProfile.objects.filter(user_id=user_id).exists():
        # Only staff have transcripts for others to read: an id never reveals the name of an
        # account that is not on the staff (an admin's, say), even to an education lead.
        raise Http404(_("No such person among the records you may see."))
    if user_id == request.user.pk:
        back = reverse("certificates:mine")
    else:
        back = reverse("reports:person", args=[user_id])
    return _pdf_response(request, user_id, back=back)
