"""The tables of the manager and lead reports, defined once.

Each function returns an `exports.Table` (headings and lazy rows). The report pages offer
them as CSV and XLSX downloads, and the Wagtail admin's report views (admin_compliance) list
and export the very same tables.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import exports, reporting


def _percent(counts: reporting.Counts):
    return "" if counts.percent is None else counts.percent


SUMMARY_HEADINGS = [
    gettext_lazy("Active staff"),
    gettext_lazy("Required"),
    gettext_lazy("Compliant"),
    gettext_lazy("Compliant %"),
    gettext_lazy("Overdue"),
    gettext_lazy("Expired"),
    gettext_lazy("Due soon"),
    gettext_lazy("Exempt"),
    gettext_lazy("People overdue or expired"),
]


def _summary_cells(c: reporting.Counts) -> list:
    return [
        c.staff,
        c.required,
        c.compliant,
        _percent(c),
        c.overdue,
        c.expired,
        c.due_soon,
        c.exempt,
        c.people_late,
    ]


def units_table(org: reporting.Organisation, *, today) -> exports.Table:
    """One row per unit, with each role's compliance % after the totals."""
    role_headings = [_("%(role)s compliant %%") % {"role": role.name} for role in org.roles]

    def rows():
        for s in org.units:
            yield [
                s.unit.name,
                *_summary_cells(s.counts),
                *("" if (p := s.role_percent(r.pk)) is None else p for r in org.roles),
            ]

    return exports.Table(
        name="units",
        title=_("Compliance %(date)s") % {"date": today.isoformat()},
        headings=[_("Unit"), *SUMMARY_HEADINGS, *role_headings],
        rows=rows(),
    )


def roles_table(org: reporting.Organisation, *, today) -> exports.Table:
    """One row per unit and role."""

    def rows():
        for s in org.units:
            for rc in s.by_role:
                yield [s.unit.name, rc.role.name, *_summary_cells(rc.counts)]

    return exports.Table(
        name="roles",
        title=_("By role %(date)s") % {"date": today.isoformat()},
        headings=[_("Unit"), _("Role"), *SUMMARY_HEADINGS],
        rows=rows(),
    )


def matrix_headings(columns) -> list[str]:
    headings = [_("Unit"), _("Employee ID"), _("Name"), _("Role")]
    status, date = _("%(requirement)s – status"), _("%(requirement)s – date")
    for requirement in columns:
        headings += [
            status % {"requirement": requirement.title},
            date % {"requirement": requirement.title},
        ]
    return headings


NOT_REQUIRED = gettext_lazy("Not required")


def matrix_line(row: reporting.Row) -> list:
    """One person's line: who they are, then a status and a date per requirement (needs the
    profile's unit loaded)."""
    p = row.profile
    line = [p.unit.name, p.employee_id, p.full_name, p.role.name]
    for cell in row.cells:
        line += [cell.status.label if cell.status else NOT_REQUIRED, cell.date]
    return line


def matrix_table(*, staff, columns, ctx: reporting.Context, name="matrix") -> exports.Table:
    """Staff x requirement: a status and a date column per requirement (the date is valid
    until, or completed on, when completed; otherwise the due date in force)."""
    headings = matrix_headings(columns)

    def rows():
        staff_rows = staff.select_related("unit")
        for row in reporting.matrix_rows(staff=staff_rows, columns=columns, ctx=ctx):
            yield matrix_line(row)

    return exports.Table(
        name=name,
        title=_("Staff %(date)s") % {"date": ctx.today.isoformat()},
        headings=headings,
        rows=rows(),
    )
