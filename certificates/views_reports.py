"""Competency-report PDFs of a unit: ask for one, watch it being built, download it.

Thin: `services` writes, `training.access` decides who sees what. Every view first asks
`training.views._require_reports` (403 for users who see no reports at all, as on every other
/reports/ page); after that a unit or document the user may not see is a 404, so an id never
tells anyone what exists. A document is seen only by the person who asked for it, and only
while they may still see its unit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from training import access
from training.views import _require_reports

from . import services
from .models import CompetencyReport

REFRESH_SECONDS = 5


def _my_report(request, pk: int) -> CompetencyReport:
    """The user's own report of a unit they may still see, or 404."""
    _require_reports(request)
    return get_object_or_404(
        CompetencyReport.objects.select_related("unit"),
        pk=pk,
        requested_by=request.user,
        unit__in=access.reportable_units(request.user),
    )


@login_required
@require_POST
def report_request(request, unit_id: int):
    """Queue the unit's competency report and go to its page (POST only: it creates one)."""
    _require_reports(request)
    unit = get_object_or_404(access.reportable_units(request.user), pk=unit_id)
    try:
        report = services.competency_report_request(unit=unit, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("reports:unit", unit.pk)
    return redirect("competency_reports:detail", report.pk)


@never_cache
@login_required
@require_GET
def report_detail(request, pk: int):
    """Being prepared (the page refreshes itself), ready (download) or failed (try again)."""
    report = _my_report(request, pk)
    size = None
    if report.is_ready:
        try:
            size = report.file.size
        except (OSError, ValueError):
            size = None  # the file went missing from storage: offer a new one
    stale = services.competency_report_is_stale(report)
    response = render(
        request,
        "certificates/competency_report_status.html",
        {
            "report": report,
            "unit": report.unit,
            "size": size,
            "stale": stale,
            "filename": services.competency_report_filename(report),
        },
    )
    if report.is_pending and not stale:
        response["Refresh"] = str(REFRESH_SECONDS)  # with the page's meta tag: no JavaScript
    return response


@login_required
@require_GET
def report_download(request, pk: int):
    """The PDF as an attachment; not ready yet, back to its page."""
    report = _my_report(request, pk)
    if not report.is_ready:
        return redirect("competency_reports:detail", report.pk)
    try:
        handle = report.file.open("rb")
    except (OSError, ValueError) as error:
        raise Http404(_("This report's file is no longer available; ask for a new one.")) from error
    return FileResponse(
        handle,
        content_type="application/pdf",
        as_attachment=True,
        filename=services.competency_report_filename(report),
    )
