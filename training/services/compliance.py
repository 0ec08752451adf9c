"""Daily compliance snapshots.

A snapshot records, for every unit and requirement, how many active staff held the
requirement that day and how many of them were compliant, overdue (or expired) and exempt,
so that a past day's compliance rate can be shown to an auditor
(training/snapshots.py reads them back).

Assignments hold the current state only, so a snapshot can only be taken for today:
counting today's state under another date would falsify the record.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .. import reporting
from ..models import ComplianceSnapshot

COUNTED = ("assigned", "compliant", "overdue", "exempt")


@transaction.atomic
def compliance_snapshot_take(*, day: datetime.date) -> int:
    """Store the day's counts per (unit, requirement); return the number of rows written.

    Counts the current assignments of active staff, each under the unit the person belongs
    to, with the reports' own count (`reporting.unit_requirement_counts`): compliant (holding
    a valid completion), overdue (overdue, or a renewal expired) and exempt. Taking the same day
    again replaces that day's counts, including dropping pairs nobody holds any more.
    A fixed number of queries whatever the number of staff (the insert is batched by the
    database's parameter limit: one INSERT per ~120 unit × requirement pairs on SQLite).

    Only today (in the hospital's time zone) can be taken; any other day is refused.
    """
    today = timezone.localdate()
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ValidationError(_("Give the snapshot's day as a date."))
    if day != today:
        raise ValidationError(
            _(
                "A compliance snapshot can only be taken for today (%(today)s): assignments "
                "record the current state, so counting it under %(day)s would falsify the record."
            ),
            params={
                "today": formats.date_format(today, "Y-m-d"),
                "day": formats.date_format(day, "Y-m-d"),
            },
        )
    counts = reporting.unit_requirement_counts(ctx=reporting.Context.load(day))
    taken_at = timezone.now()
    rows = [
        ComplianceSnapshot(
            taken_on=day,
            unit_id=unit_id,
            requirement_id=requirement_id,
            taken_at=taken_at,
            assigned=c.assigned,
            compliant=c.compliant,
            overdue=c.late,  # overdue, or a renewal expired
            exempt=c.exempt,
        )
        for (unit_id, requirement_id), c in sorted(counts.items())
    ]
    for row in rows:  # field checks only: the keys come from existing rows, one per pair
        row.full_clean(
            exclude=["unit", "requirement"], validate_unique=False, validate_constraints=False
        )
    # Replace the day's counts: drop them all, then insert. The upsert keeps two workers
    # taking the same day at once from failing on the one-row-per-day constraint.
    ComplianceSnapshot.objects.filter(taken_on=day).delete()
    ComplianceSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["taken_on", "unit", "requirement"],
        update_fields=[*COUNTED, "taken_at"],
    )
    return len(rows)
