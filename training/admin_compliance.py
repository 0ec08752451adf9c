"""Compliance reports in the Wagtail admin (Reports → Compliance), for education leads and
admins.

Built on Wagtail's ReportView for the admin's listing, paging and export buttons, but the
rows and the files are the front-end's: every view here lists an `exports.Table` from
`training.report_tables` and exports it with `training.exports`, so a report has one
implementation whichever door it is opened from.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView

from . import access, exports, reporting
from .models import Unit
from .report_tables import matrix_headings, matrix_line, matrix_table, units_table


class ComplianceAccessMixin:
    """Education leads and admins (training.view_all_reports); Wagtail's admin check first."""

    permission_policy = None

    def dispatch(self, request, *args, **kwargs):
        if not access.can_view_all_units(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TableReportView(ComplianceAccessMixin, ReportView):
    """A ReportView over an `exports.Table`: one column per heading; ?export= streams the
    table through training.exports (formula cells neutralised in both formats)."""

    header_icon = "tasks"
    link_column = 0  # the column that links to `row_url`, if any

    def build_table(self) -> exports.Table:
        raise NotImplementedError

    def rows(self, table: exports.Table) -> Sequence:
        return list(table.rows)

    def row_url(self, row) -> str | None:
        return None

    @cached_property
    def table(self) -> exports.Table:
        return self.build_table()

    @cached_property
    def ctx(self) -> reporting.Context:
        return reporting.Context.load(timezone.localdate())

    @property
    def list_export(self):
        """The headings (non-empty, so Wagtail shows its download buttons)."""
        return list(self.table.headings)

    @property
    def columns(self):
        columns = []
        for i, heading in enumerate(self.table.headings):
            if i == self.link_column:
                columns.append(
                    TitleColumn(
                        f"c{i}",
                        label=heading,
                        accessor=itemgetter(i),
                        get_url=self.row_url,
                        classname="w-whitespace-nowrap",
                    )
                )
            else:
                columns.append(Column(f"c{i}", label=heading, accessor=itemgetter(i)))
        return columns

    def get(self, request, *args, **kwargs):
        fmt = exports.requested(request)
        if fmt:
            name = self.get_filename()
            table = self.build_table()
            if fmt == exports.CSV:
                return exports.csv_response(table, name)
            return exports.xlsx_response(table, name)
        return super().get(request, *args, **kwargs)

    def get_filtered_queryset(self):
        return self.rows(self.table)


class LinkedRow(list):
    """A table row that knows where its title links to."""

    url: str | None = None


class ComplianceUnitsView(TableReportView):
    """/admin/reports/compliance/: every unit side by side (the organisation view's table)."""

    page_title = _("Compliance by unit")
    index_url_name = "training_compliance:index"
    index_results_url_name = "training_compliance:index_results"
    paginate_by = 100

    @cached_property
    def organisation(self) -> reporting.Organisation:
        return reporting.unit_summaries(units=Unit.objects.all(), ctx=self.ctx)

    def build_table(self) -> exports.Table:
        return units_table(self.organisation, today=self.ctx.today)

    def rows(self, table):
        out = []
        for summary, values in zip(self.organisation.units, table.rows, strict=True):
            row = LinkedRow(values)
            row.url = reverse("training_compliance:unit", args=[summary.unit.pk])
            out.append(row)
        return out

    def row_url(self, row):
        return row.url

    def get_filename(self):
        return exports.filename("organisation", "units")


class MatrixRows(Sequence):
    """The staff x requirement lines of a unit, computed one page at a time."""

    def __init__(self, *, staff, columns, ctx):
        self.staff = staff
        self.columns = columns
        self.ctx = ctx

    @cached_property
    def _count(self) -> int:
        return self.staff.count()

    def __len__(self):
        return self._count

    def count(self):
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            profiles = list(self.staff[index])
            return [matrix_line(r) for r in reporting._cells(profiles, self.columns, self.ctx)]
        return self[index : index + 1][0]


class ComplianceUnitView(TableReportView):
    """/admin/reports/compliance/<unit>/: the unit's staff x requirement matrix."""

    page_title = _("Compliance")
    paginate_by = 50
    link_column = None

    @cached_property
    def unit(self) -> Unit:
        return get_object_or_404(Unit, pk=self.kwargs["unit_id"])

    def get_page_subtitle(self):
        return self.unit.name

    def get_index_url(self):
        return reverse("training_compliance:unit", args=[self.unit.pk])

    def get_index_results_url(self):
        return reverse("training_compliance:unit_results", args=[self.unit.pk])

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("training_compliance:index"), "label": _("Compliance by unit")},
            {"url": "", "label": self.unit.name},
        ]

    @cached_property
    def staff(self):
        return reporting.staff_queryset(
            unit=self.unit, filters=reporting.MatrixFilters(), ctx=self.ctx
        ).select_related("unit")

    @cached_property
    def requirements(self):
        return reporting.unit_columns(unit=self.unit)

    def build_table(self) -> exports.Table:
        return matrix_table(staff=self.staff, columns=self.requirements, ctx=self.ctx)

    @property
    def columns(self):
        return [
            Column(f"c{i}", label=heading, accessor=itemgetter(i))
            for i, heading in enumerate(matrix_headings(self.requirements))
        ]

    def rows(self, table):
        return MatrixRows(staff=self.staff, columns=self.requirements, ctx=self.ctx)

    def get_filename(self):
        return exports.filename(self.unit.name)
