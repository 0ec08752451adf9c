"""Manager and education-lead reports: the reports home, a unit's matrix, a person's
transcript and the organisation view, each with its tables as CSV and XLSX.

Thin: `training.reporting` reads, `training.access` decides who sees what, `training.exports`
writes the files.
"""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access, charts, exports, reporting
from .forms import MatrixFilterForm
from .models import StaffProfile, Status, Unit
from .report_tables import matrix_table, roles_table, units_table
from .views import _require_reports

PER_PAGE = (25, 50, 100, 200)


def _ctx() -> reporting.Context:
    return reporting.Context.load(timezone.localdate())


# --- the reports home -------------------------------------------------------------------


@login_required
def reports_index(request):
    """My units at a glance; for education leads, the whole organisation first."""
    _require_reports(request)
    ctx = _ctx()
    leads = access.can_view_all_units(request.user)
    managed = Unit.objects.filter(managers=request.user)
    mine = reporting.unit_summaries(units=managed, ctx=ctx)
    organisation = reporting.unit_summaries(units=Unit.objects.all(), ctx=ctx) if leads else None
    response = exports.export_response(
        request,
        {
            "units": lambda: units_table(mine, today=ctx.today),
            "roles": lambda: roles_table(mine, today=ctx.today),
        },
        "my-units",
    )
    if response:
        return response
    shown = Unit.objects.all() if leads else managed
    trend = reporting.compliance_trend(unit_ids=shown.values_list("pk", flat=True), today=ctx.today)
    cards = [
        {"summary": s, "chart": charts.trend_chart(trend.get(s.unit.pk, []), today=ctx.today)}
        for s in mine.units
    ]
    return render(
        request,
        "training/reports/index.html",
        {
            "today": ctx.today,
            "cards": cards,
            "organisation": organisation,
            "organisation_chart": (
                charts.trend_chart(trend.get(None, []), today=ctx.today) if leads else None
            ),
        },
    )


# --- a unit -----------------------------------------------------------------------------


def _filters(request, *, summary, columns):
    form = MatrixFilterForm(
        request.GET,
        roles=[rc.role for rc in summary.by_role],
        requirements=columns,
        statuses=reporting.STATUS_FILTERS,
        sorts=reporting.SORTS,
    )
    if not form.is_valid():
        return form, reporting.MatrixFilters()
    data = form.cleaned_data
    return form, reporting.MatrixFilters(
        role=data["role"],
        status=data["status"] or None,
        requirement=data["requirement"],
        q=data["q"].strip(),
        sort=data["sort"] or "name",
    )


def _per_page(request) -> int:
    try:
        value = int(request.GET.get("per_page", 50))
    except ValueError:
        return 50
    return value if value in PER_PAGE else 50


@login_required
def report_unit(request, unit_id: int):
    """The unit's compliance, its trend, and the staff x requirement matrix: filtered,
    sorted and paginated; the download links export every filtered row."""
    _require_reports(request)
    unit = get_object_or_404(access.reportable_units(request.user), pk=unit_id)
    ctx = _ctx()
    org = reporting.unit_summaries(units=Unit.objects.filter(pk=unit.pk), ctx=ctx)
    summary = org.units[0]
    columns = reporting.unit_columns(unit=unit)
    form, filters = _filters(request, summary=summary, columns=columns)
    if form.is_valid():
        response = exports.export_response(
            request,
            {
                "matrix": lambda: matrix_table(
                    staff=reporting.staff_queryset(unit=unit, filters=filters, ctx=ctx),
                    columns=[
                        c for c in columns if not filters.requirement or c.pk == filters.requirement
                    ],
                    ctx=ctx,
                ),
                "roles": lambda: roles_table(org, today=ctx.today),
            },
            unit.name,
        )
        if response:
            return response
    matrix = reporting.unit_matrix_page(
        unit=unit,
        ctx=ctx,
        filters=filters,
        columns=columns,
        page_number=request.GET.get("page"),
        per_page=_per_page(request),
    )
    trend = reporting.compliance_trend(unit_ids=[unit.pk], today=ctx.today)
    page = matrix.page
    query = request.GET.copy()
    for key in ("page", "export", "table"):
        query.pop(key, None)
    return render(
        request,
        "training/reports/unit.html",
        {
            "unit": unit,
            "summary": summary,
            "matrix": matrix,
            "form": form,
            "filters": filters,
            "chart": charts.trend_chart(trend.get(unit.pk, []), today=ctx.today),
            "query": query.urlencode(),
            "page_range": list(
                page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
            ),
            "per_page": _per_page(request),
            "per_page_choices": PER_PAGE,
            "today": ctx.today,
            "Status": Status,
        },
        status=200 if form.is_valid() else 400,
    )


@login_required
def report_unit_csv(request, unit_id: int):
    """The whole unit's matrix as CSV (the link older bookmarks use)."""
    _require_reports(request)
    unit = get_object_or_404(access.reportable_units(request.user), pk=unit_id)
    ctx = _ctx()
    table = matrix_table(
        staff=reporting.staff_queryset(unit=unit, filters=reporting.MatrixFilters(), ctx=ctx),
        columns=reporting.unit_columns(unit=unit),
        ctx=ctx,
    )
    return exports.csv_response(table, exports.filename(unit.name))


# --- a person ---------------------------------------------------------------------------


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _certificate_state(certificate) -> str:
    """Valid, Expired or Revoked (the certificate's own rule; training never imports it)."""
    return certificate.status_label if certificate is not None else ""


def _transcript_tables(t: reporting.Transcript):
    name = t.profile.full_name

    def requirements():
        for requirement, cell in t.requirements:
            yield [
                requirement.title,
                cell.status.label if cell.status else "",
                cell.due_date,
                cell.completed_on,
                cell.valid_until,
            ]

    def completions():
        for c in t.completions:
            certificate = getattr(c, "certificate", None)
            yield [
                c.module.title,
                c.revision_id,
                c.completed_on,
                c.attempt.score_percent,
                certificate.display_code if certificate else "",
                _certificate_state(certificate),
            ]

    def attempts():
        for a in t.attempts:
            yield [
                a.module.title,
                a.get_kind_display(),
                _local(a.started_at),
                _local(a.submitted_at),
                a.score_percent,
                {True: _("Passed"), False: _("Not passed")}.get(a.passed, _("Open")),
            ]

    return {
        "requirements": lambda: exports.Table(
            "requirements",
            _("Requirements"),
            [_("Requirement"), _("Status"), _("Due"), _("Completed on"), _("Valid until")],
            requirements(),
        ),
        "completions": lambda: exports.Table(
            "completions",
            _("Completions"),
            [
                _("Module"),
                _("Revision"),
                _("Completed on"),
                _("Score %"),
                _("Certificate"),
                _("Certificate status"),
            ],
            completions(),
        ),
        "attempts": lambda: exports.Table(
            "attempts",
            _("Attempts"),
            [_("Module"), _("Kind"), _("Started"), _("Submitted"), _("Score %"), _("Result")],
            attempts(),
        ),
    }, name


@login_required
def person_transcript(request, user_id: int):
    """Everything one person has been required to learn and has done: requirements with
    status, completions with their certificates, and every attempt with its score."""
    _require_reports(request)
    ctx = _ctx()
    t = reporting.transcript(user_id=user_id, viewer=request.user, ctx=ctx)
    if t is None:
        raise Http404(_("No such person among the staff you may see."))
    tables, name = _transcript_tables(t)
    response = exports.export_response(request, tables, name, t.profile.employee_id)
    if response:
        return response
    return render(
        request,
        "training/reports/person.html",
        {"t": t, "profile": t.profile, "today": ctx.today, "Status": Status},
    )


# --- the organisation -------------------------------------------------------------------

ORG_SORTS = {
    "name": lambda s: (s.unit.name.lower(),),
    "compliance": lambda s: (
        s.counts.percent if s.counts.percent is not None else 101,
        s.unit.name.lower(),
    ),
    "late": lambda s: (-s.counts.people_late, s.unit.name.lower()),
}


@login_required
def organisation(request):
    """Every unit side by side, for education leads (and admins)."""
    if not access.can_view_all_units(request.user):
        raise PermissionDenied(_("The organisation view is for education leads."))
    ctx = _ctx()
    units = Unit.objects.all()
    sort = request.GET.get("sort") if request.GET.get("sort") in ORG_SORTS else "name"

    @functools.cache
    def summaries() -> reporting.Organisation:  # not needed for the staff download
        org = reporting.unit_summaries(units=units, ctx=ctx)
        org.units.sort(key=ORG_SORTS[sort])
        return org

    response = exports.export_response(
        request,
        {
            "units": lambda: units_table(summaries(), today=ctx.today),
            "roles": lambda: roles_table(summaries(), today=ctx.today),
            "staff": lambda: matrix_table(
                staff=StaffProfile.objects.filter(active=True)
                .select_related("user", "role")
                .order_by("unit__name", "user__last_name", "user__first_name", "employee_id"),
                columns=reporting.organisation_columns(units=units),
                ctx=ctx,
                name="staff",
            ),
        },
        "organisation",
    )
    if response:
        return response
    trend = reporting.compliance_trend(unit_ids=units.values_list("pk", flat=True), today=ctx.today)
    return render(
        request,
        "training/reports/organisation.html",
        {
            "organisation": summaries(),
            "sort": sort,
            "chart": charts.trend_chart(trend.get(None, []), today=ctx.today),
            "today": ctx.today,
        },
    )
