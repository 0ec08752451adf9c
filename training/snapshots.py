"""Reading compliance snapshots back: a unit's compliance as recorded on a past date.

The daily task (training.services.compliance_snapshot_take) records every unit at once, so
the snapshot in force on a date is the latest day recorded on or before it, whichever unit
it is for. A unit with no rows that day had nobody holding a requirement.
Fixed queries whatever the number of units, staff, requirements or days recorded.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, Min
from django.utils.translation import gettext as _

from .models import ComplianceSnapshot, Unit


@dataclass(frozen=True)
class SnapshotRow:
    requirement_id: int
    title: str
    assigned: int
    compliant: int
    overdue: int
    exempt: int

    @property
    def required(self) -> int:
        """Assigned and not exempt: the denominator of the compliance rate."""
        return self.assigned - self.exempt

    @property
    def percent(self) -> int | None:
        return None if self.required <= 0 else (self.compliant * 100) // self.required


@dataclass
class UnitCompliance:
    unit: Unit
    asked_on: datetime.date
    taken_on: datetime.date | None  # the snapshot shown: on or before asked_on; None if none
    taken_at: datetime.datetime | None = None
    first_taken_on: datetime.date | None = None  # earliest snapshot, when none was found
    rows: list[SnapshotRow] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.taken_on is not None

    @property
    def exact(self) -> bool:
        return self.taken_on == self.asked_on

    @property
    def overall(self) -> SnapshotRow:
        return SnapshotRow(
            requirement_id=0,
            title=_("All requirements"),
            assigned=sum(r.assigned for r in self.rows),
            compliant=sum(r.compliant for r in self.rows),
            overdue=sum(r.overdue for r in self.rows),
            exempt=sum(r.exempt for r in self.rows),
        )


def unit_compliance_on(*, unit: Unit, on: datetime.date) -> UnitCompliance:
    """The unit's counts per requirement from the snapshot of `on`, or of the nearest
    earlier day recorded if none was taken that day. Two queries (three when no snapshot
    exists on or before `on`, to say when they start)."""
    taken_on = ComplianceSnapshot.objects.filter(taken_on__lte=on).aggregate(day=Max("taken_on"))[
        "day"
    ]
    if taken_on is None:
        first = ComplianceSnapshot.objects.aggregate(day=Min("taken_on"))["day"]
        return UnitCompliance(unit=unit, asked_on=on, taken_on=None, first_taken_on=first)
    snapshots = list(
        ComplianceSnapshot.objects.filter(unit=unit, taken_on=taken_on).select_related(
            "requirement", "requirement__module", "requirement__module_set"
        )
    )
    rows = sorted(
        (
            SnapshotRow(
                requirement_id=s.requirement_id,
                title=s.requirement.title,
                assigned=s.assigned,
                compliant=s.compliant,
                overdue=s.overdue,
                exempt=s.exempt,
            )
            for s in snapshots
        ),
        key=lambda r: (r.title.lower(), r.requirement_id),
    )
    taken_at = max((s.taken_at for s in snapshots), default=None)
    return UnitCompliance(unit=unit, asked_on=on, taken_on=taken_on, taken_at=taken_at, rows=rows)
