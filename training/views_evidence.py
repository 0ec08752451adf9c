"""Evidence of learning pages and exports (education leads and admins only).

Thin: the numbers come from `training.evidence`; these views check who is asking, pick the
rows and hand them to a template or a spreadsheet writer. Every CSV and XLSX cell that is text
is neutralised and numbers stay numbers (training.exports).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_http_methods

from . import access, evidence, exports
from .forms import USWDSFormMixin

FORMATS = exports.FORMATS
TABLES = {"roles": "role", "units": "unit"}


def _require_evidence(request) -> None:
    if not access.can_view_all_units(request.user):
        raise PermissionDenied(_("Evidence of learning is for education leads."))


# --- spreadsheets (training.exports writes them) ----------------------------------------------


def _table_response(rows, fmt: str, filename: str, *, title: str):
    table = exports.Table(
        name=filename,
        title=title,
        headings=[heading for _, heading in evidence.COLUMNS],
        rows=(evidence.row_cells(row) for row in rows),
    )
    if fmt == exports.CSV:
        return exports.csv_response(table, filename)
    return exports.xlsx_response(table, filename)


def _stamp() -> str:
    return f"{timezone.localdate():%Y-%m-%d}"


# --- pages --------------------------------------------------------------------------------------


@login_required
def evidence_index(request):
    _require_evidence(request)
    overview = evidence.evidence_overview()
    rows = evidence.overview_rows(overview)
    return render(
        request,
        "training/reports/evidence.html",
        {
            "overview": overview,
            "rows": rows,
            "chart": evidence.chart(rows, label=lambda row: row.module.title),
            "learners": sum(row.summary.n for row in rows),
            "min_group": evidence.MIN_GROUP,
        },
    )


@login_required
def evidence_table(request, fmt: str):
    _require_evidence(request)
    if fmt not in FORMATS:
        raise Http404(_("Choose CSV or XLSX."))
    rows = evidence.overview_rows(evidence.evidence_overview())
    return _table_response(rows, fmt, f"attune-evidence-modules-{_stamp()}", title=_("Modules"))


def _module(request, module_id: int) -> evidence.ModuleEvidence:
    _require_evidence(request)
    data = evidence.module_evidence(module_id=module_id)
    if data is None:
        raise Http404(_("No such published module."))
    return data


@login_required
def evidence_module(request, module_id: int):
    data = _module(request, module_id)
    return render(
        request,
        "training/reports/evidence_module.html",
        {
            "data": data,
            "module": data.module,
            "role_chart": evidence.chart(data.by_role),
            "unit_chart": evidence.chart(data.by_unit),
            "min_group": evidence.MIN_GROUP,
        },
    )


@login_required
def evidence_module_table(request, module_id: int, table: str, fmt: str):
    data = _module(request, module_id)
    if table not in TABLES or fmt not in FORMATS:
        raise Http404(_("No such table."))
    rows = data.role_rows if TABLES[table] == "role" else data.unit_rows
    filename = f"attune-evidence-{data.module.slug}-by-{TABLES[table]}-{_stamp()}"
    title = _("By role") if TABLES[table] == "role" else _("By unit")
    return _table_response(rows, fmt, filename, title=title)


# --- the de-identified export -------------------------------------------------------------------


class ExportKeyForm(USWDSFormMixin, forms.Form):
    export_key = forms.CharField(
        label=gettext_lazy("Export key"),
        min_length=evidence.MIN_EXPORT_KEY_LENGTH,
        max_length=200,
        strip=True,
        help_text=format_lazy(
            gettext_lazy(
                "At least {length} characters. Use the same key for every file you send to the "
                "same research partner."
            ),
            length=evidence.MIN_EXPORT_KEY_LENGTH,
        ),
        error_messages={
            "required": gettext_lazy("Enter an export key."),
            "min_length": ngettext_lazy(
                "The export key must be at least %(limit_value)d character long "
                "(it has %(show_value)d).",
                "The export key must be at least %(limit_value)d characters long "
                "(it has %(show_value)d).",
                "limit_value",
            ),
            "max_length": ngettext_lazy(
                "The export key can be at most %(limit_value)d character long.",
                "The export key can be at most %(limit_value)d characters long.",
                "limit_value",
            ),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def evidence_export(request):
    _require_evidence(request)
    form = ExportKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            rows = evidence.deidentified_rows(export_key=form.cleaned_data["export_key"])
            table = exports.Table(
                name="deidentified",
                title=_("De-identified"),
                headings=evidence.DEIDENTIFIED_COLUMNS,
                rows=rows,
            )
            return exports.csv_response(table, f"attune-evidence-deidentified-{_stamp()}")
        status = 400
    else:
        status = 200
    return render(
        request,
        "training/reports/evidence_export.html",
        {"form": form, "columns": evidence.DEIDENTIFIED_COLUMNS},
        status=status,
    )
