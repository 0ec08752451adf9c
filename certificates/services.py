"""Every write in certificates that carries a business rule."""

from __future__ import annotations

import datetime
import logging
import math

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cms.models import OrganisationSettings
from training import access, charts, reporting
from training.models import Assignment, Completion, Requirement, Unit

from .models import Certificate, CompetencyReport
from .rendering import render_certificate_pdf, render_competency_report_pdf

logger = logging.getLogger(__name__)


def _organisation() -> OrganisationSettings:
    return OrganisationSettings.for_default_site()


# Logo and signature print at most 2.6 x 0.8 inches: 800 x 300 pixels is about 300 dpi.
CERTIFICATE_IMAGE_RENDITION = "max-800x300"


def _image_file(image) -> str:
    """The media file printed for a settings image: a rendition no larger than print needs
    (its storage name is frozen on the certificate)."""
    if image is None:
        return ""
    try:
        return image.get_rendition(CERTIFICATE_IMAGE_RENDITION).file.name
    except Exception:  # a missing or unreadable original: print without it, say so
        logger.exception("Certificate image %s could not be prepared", image.pk)
        return ""


def _expires_on(completion) -> datetime.date | None:
    """The last day this completion keeps its holder compliant: the earliest, among the
    requirements the person holds now that include the module (on its own or in a set), of
    the day their schedule says a completion on this date lapses. None when they are all
    one-time, or the person holds none (a voluntary completion)."""
    held = Assignment.objects.filter(user_id=completion.user_id, current=True).values(
        "requirement_id"
    )
    requirements = (
        Requirement.objects.filter(pk__in=held)
        .filter(Q(module_id=completion.module_id) | Q(module_set__modules=completion.module_id))
        .distinct()
    )
    dates = [r.as_schedule().valid_until(completion.completed_on) for r in requirements]
    return min((d for d in dates if d is not None), default=None)


def _freeze(certificate: Certificate, org: OrganisationSettings) -> None:
    """Copy what the certificate prints from the person, the settings and the completion."""
    # One query, for the fields printed: not the revision's content (the whole page as JSON)
    # nor the rest of the module page.
    completion = (
        Completion.objects.select_related("user", "module", "revision")
        .only(
            "user_id",
            "completed_on",
            "revision_id",
            "module_id",
            "user__first_name",
            "user__last_name",
            "user__username",
            "module__title",
            "module__ce_hours",
            "revision__object_str",
        )
        .get(pk=certificate.completion_id)
    )
    user = completion.user
    certificate.learner_name = user.get_full_name() or user.get_username()
    certificate.module_title = (
        completion.revision.object_str if completion.revision_id else completion.module.title
    ) or completion.module.title
    certificate.module_revision = completion.revision_id
    certificate.completed_on = completion.completed_on
    certificate.expires_on = _expires_on(completion)
    certificate.ce_hours = completion.module.ce_hours
    certificate.organisation_name = org.organisation_name
    certificate.signatory_name = org.signatory_name
    certificate.signatory_title = org.signatory_title
    certificate.ce_statement = org.ce_statement
    certificate.paper_size = org.paper_size
    certificate.logo_file = _image_file(org.logo)
    certificate.signature_file = _image_file(org.signature_image)


@transaction.atomic
def certificate_issue(*, completion, actor=None) -> Certificate:
    """Issue the certificate for a completion, freezing what it says.

    Called once the completion's requirement cycles are updated, so the expiry date is
    known. The PDF is rendered separately (certificate_render_pdf, a background task once
    this commits) so that a slow or failed render never loses the record of the completion.
    """
    if Certificate.objects.filter(completion=completion).exists():
        raise ValidationError(_("A certificate was already issued for this completion."))
    certificate = Certificate(completion=completion, user_id=completion.user_id)
    _freeze(certificate, _organisation())
    # The fields' own rules; not the lookups that would only repeat what is known here: the
    # completion and its person exist, the completion's certificate was looked for above, and
    # a new code's uniqueness (160 random bits) is left to the database's unique index.
    certificate.full_clean(exclude=["completion", "user", "code"], validate_unique=False)
    if actor is not None:
        certificate._history_user = actor
    certificate._change_reason = "Issued"
    certificate.save()
    return certificate


def _store_pdf(certificate: Certificate) -> None:
    pdf = render_certificate_pdf(certificate)
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(pdf), save=False)
    certificate.skip_history_when_saving = True
    certificate.save(update_fields=["pdf"])
    del certificate.skip_history_when_saving


@transaction.atomic
def certificate_render_pdf(*, certificate_id: int) -> Certificate:
    """Render and store the certificate's PDF once; later calls return the stored file."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if not certificate.pdf:
        _store_pdf(certificate)
    return certificate


def _reason(reason: str, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing})
    if len(reason) > 1000:
        raise ValidationError({"reason": _("Keep the reason under 1,000 characters.")})
    return reason


@transaction.atomic
def certificate_revoke(*, certificate_id: int, actor, reason: str) -> Certificate:
    """Revoke a certificate: it verifies as revoked (with the date) from now on, everywhere
    it appears. Recorded in the history with the acting user and the reason."""
    reason = _reason(reason, _("Say why the certificate is revoked."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.revoked_at:
        raise ValidationError(_("This certificate was already revoked."))
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    certificate.full_clean()
    certificate._history_user = actor
    certificate._change_reason = f"Revoked: {reason}"
    certificate.save()
    return certificate


@transaction.atomic
def certificate_reissue(*, certificate_id: int, actor, reason: str) -> Certificate:
    """Re-issue a certificate under the same code: copy the person's name, the module and
    the settings afresh and render a new PDF (a corrected name, say). The earlier wording
    stays in the history, with the acting user and the reason. A revoked certificate is not
    re-issued."""
    reason = _reason(reason, _("Say why the certificate is re-issued."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate_id)
    if certificate.revoked_at:
        raise ValidationError(_("A revoked certificate cannot be re-issued."))
    _freeze(certificate, _organisation())
    certificate.reissued_at = timezone.now()
    certificate.full_clean()
    certificate._history_user = actor
    certificate._change_reason = f"Re-issued: {reason}"
    certificate.save()
    _store_pdf(certificate)  # a new file; the earlier one stays in storage, unreferenced
    return certificate


# --- competency reports ---------------------------------------------------------------------

# A report still pending after this long is taken as lost (a worker died mid-render): asking
# again queues a new one instead of returning it, and its page offers "Try again".
COMPETENCY_REPORT_STALE_AFTER = datetime.timedelta(minutes=15)
# Requirement columns per staff table in the PDF: with more requirements than this the staff
# table is split into several tables of about equal width, so a column never gets too narrow
# to read on a landscape page.
COMPETENCY_REPORT_COLUMNS_PER_TABLE = 10


def competency_report_is_stale(report: CompetencyReport) -> bool:
    return report.is_pending and timezone.now() - report.requested_at > (
        COMPETENCY_REPORT_STALE_AFTER
    )


def competency_report_filename(report: CompetencyReport) -> str:
    """attune-<unit>-competency-<as of>.pdf"""
    return f"attune-{slugify(report.unit.name) or 'unit'}-competency-{report.as_of.isoformat()}.pdf"


@transaction.atomic
def competency_report_request(*, unit: Unit, user) -> CompetencyReport:
    """Ask for a unit's competency report; a background task builds the PDF once this commits.

    Only someone who may see the unit's reports may ask. While the same person's report for
    the unit is still being prepared, asking again returns it instead of queuing a second
    render (a double click costs nothing).
    """
    if not access.reportable_units(user).filter(pk=unit.pk).exists():
        raise ValidationError(_("You may not see this unit's reports."))
    pending = (
        CompetencyReport.objects.filter(
            unit=unit,
            requested_by=user,
            status=CompetencyReport.State.PENDING,
            requested_at__gte=timezone.now() - COMPETENCY_REPORT_STALE_AFTER,
        )
        .order_by("-requested_at")
        .first()
    )
    if pending is not None:
        return pending
    report = CompetencyReport(unit=unit, requested_by=user, as_of=timezone.localdate())
    report.full_clean()
    report._history_user = user
    report.save()
    from .tasks import render_competency_report_task  # tasks imports this module

    transaction.on_commit(lambda: render_competency_report_task.enqueue(report.pk))
    return report


def competency_report_render(*, report_id: int) -> CompetencyReport:
    """Build a requested report's PDF, store it and mark the report ready; on any error mark
    it failed with the reason, so it is never left pending by an exception.

    The figures are for the day the render runs (`as_of` is set to it). The database is only
    read while WeasyPrint works; the row is locked just to store the result. A report that is
    no longer pending is returned as it is, so a task run twice renders once.
    """
    report = CompetencyReport.objects.select_related("unit", "requested_by").get(pk=report_id)
    if not report.is_pending:
        return report
    try:
        context = _competency_report_context(report)
        pdf = render_competency_report_pdf(context)
        return _competency_report_store(
            report_id=report.pk,
            pdf=pdf,
            as_of=context["today"],
            staff_count=context["summary"].counts.staff,
        )
    except Exception as exc:  # any failure is recorded on the report, never left pending
        logger.exception("Competency report %s could not be built", report.pk)
        message = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        return _competency_report_fail(report_id=report.pk, message=message[:1000])


def _competency_report_context(report: CompetencyReport) -> dict:
    """Everything the PDF shows, read through training's report selectors (a fixed number
    of queries per table, the staff in batches)."""
    unit = report.unit
    ctx = reporting.Context.load(timezone.localdate())
    summary = reporting.unit_summaries(units=Unit.objects.filter(pk=unit.pk), ctx=ctx).units[0]
    trend = reporting.compliance_trend(unit_ids=[unit.pk], today=ctx.today)
    columns = reporting.unit_columns(unit=unit)
    staff = reporting.staff_queryset(unit=unit, filters=reporting.MatrixFilters(), ctx=ctx)
    parts = max(1, math.ceil(len(columns) / COMPETENCY_REPORT_COLUMNS_PER_TABLE))
    size = max(1, math.ceil(len(columns) / parts))
    chunks = [columns[i : i + size] for i in range(0, len(columns), size)] or [[]]
    tables = [
        {
            "columns": chunk,
            "first": i * size + 1,
            "last": i * size + len(chunk),
            "rows": reporting.matrix_rows(staff=staff, columns=chunk, ctx=ctx),
        }
        for i, chunk in enumerate(chunks)
    ]
    return {
        "report": report,
        "unit": unit,
        "organisation": _organisation(),
        "today": ctx.today,
        "window": ctx.window,
        "generated_at": timezone.localtime(),
        "requested_by": report.requested_by.get_full_name() or report.requested_by.get_username(),
        "summary": summary,
        "chart": charts.trend_chart(trend.get(unit.pk, []), today=ctx.today),
        "columns": columns,
        "tables": tables,
        "split": len(tables) > 1,
    }


@transaction.atomic
def _competency_report_store(
    *, report_id: int, pdf: bytes, as_of: datetime.date, staff_count: int
) -> CompetencyReport:
    report = CompetencyReport.objects.select_for_update().get(pk=report_id)
    if not report.is_pending:
        return report
    report.as_of = as_of
    report.file.save(competency_report_filename(report), ContentFile(pdf), save=False)
    report.status = CompetencyReport.State.READY
    report.staff_count = staff_count
    report.finished_at = timezone.now()
    report.error = ""
    report.full_clean()
    _stamp_render(report)
    report.save()
    return report


@transaction.atomic
def _competency_report_fail(*, report_id: int, message: str) -> CompetencyReport:
    report = CompetencyReport.objects.select_for_update().get(pk=report_id)
    if not report.is_pending:
        return report
    report.status = CompetencyReport.State.FAILED
    report.error = message or _("The PDF could not be built.")
    report.finished_at = timezone.now()
    _stamp_render(report)
    report.save()
    return report


def _stamp_render(report: CompetencyReport) -> None:
    """The background task works on the requester's behalf; history says so."""
    report._history_user = report.requested_by
    report._change_reason = "Built by the background task"
