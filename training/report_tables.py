"""The tables of the manager and lead reports, defined once.

Each function returns an `exports.Table` (headings and lazy rows). The report pages offer
them as CSV and XLSX downloads, and the Wagtail admin's report views (admin_compliance) list
and export the very same tables.
"""

from __future__ import annotations

from . import exports, reporting


def _percent(counts: reporting.Counts):
    return "" if counts.percent is None else counts.percent


SUMMARY_HEADINGS = [
    "Active staff",
    "Required",
    "Compliant",
    "Compliant %",
    "Overdue",
    "Expired",
    "Due soon",
    "Exempt",
    "People overdue or expired",
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
    role_headings = [f"{role.name} compliant %" for role in org.roles]

    def rows():
        for s in org.units:
            yield [
                s.unit.name,
                *_summary_cells(s.counts),
                *("" if (p := s.role_percent(r.pk)) is None else p for r in org.roles),
            ]

    return exports.Table(
        name="units",
        title=f"Compliance {today.isoformat()}",
        headings=["Unit", *SUMMARY_HEADINGS, *role_headings],
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
        title=f"By role {today.isoformat()}",
        headings=["Unit", "Role", *SUMMARY_HEADINGS],
        rows=rows(),
    )


def matrix_headings(columns) -> list[str]:
    headings = ["Unit", "Employee ID", "Name", "Role"]
    for requirement in columns:
        headings += [f"{requirement.title} – status", f"{requirement.title} – date"]
    return headings


def matrix_line(row: reporting.Row) -> list:
    """One person's line: who they are, then a status and a date per requirement (needs the
    profile's unit loaded)."""
    p = row.profile
    line = [p.unit.name, p.employee_id, p.full_name, p.role.name]
    for cell in row.cells:
        line += [cell.status.label if cell.status else "Not required", cell.date]
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
        name=name, title=f"Staff {ctx.today.isoformat()}", headings=headings, rows=rows()
    )
