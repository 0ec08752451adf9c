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
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone

from .. import schedule
from ..models import Assignment, ComplianceSnapshot
from ..selectors import due_soon_days

COUNTED = ("assigned", "compliant", "overdue", "exempt")


@transaction.atomic
def compliance_snapshot_take(*, day: datetime.date) -> int:
    """Store the day's counts per (unit, requirement); return the number of rows written.

    Counts the current assignments of active staff, each under the unit the person belongs
    to, with the statuses the unit report shows on the same day: compliant (holding a valid
    completion), overdue (overdue, or a renewal expired) and exempt. Taking the same day
    again replaces that day's counts, including dropping pairs nobody holds any more.
    A fixed number of queries whatever the number of staff (the insert is batched by the
    database's parameter limit: one INSERT per ~120 unit × requirement pairs on SQLite).

    Only today (in the hospital's time zone) can be taken; any other day is refused.
    """
    today = timezone.localdate()
    if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime):
        raise ValidationError("Give the snapshot's day as a date.")
    if day != today:
        raise ValidationError(
            "A compliance snapshot can only be taken for today (%(today)s): assignments "
            "record the current state, so counting it under %(day)s would falsify the record.",
            params={
                "today": formats.date_format(today, "Y-m-d"),
                "day": formats.date_format(day, "Y-m-d"),
            },
        )
    window = due_soon_days()
    assignments = (
        Assignment.objects.filter(current=True, user__staff_profile__active=True)
        .annotate(snapshot_unit_id=F("user__staff_profile__unit_id"))
        .select_related("requirement")
        .only(
            "requirement__grace_days",
            "due_on",
            "extended_to",
            "completed_on",
            "valid_until",
            "renews_until",
            "exempt",
        )
    )
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(dict.fromkeys(COUNTED, 0).copy)
    for a in assignments:
        # `started` only tells "in progress" from "not started"; neither is counted here.
        status = a.status_on(day, due_soon_days=window)
        tally = counts[(a.snapshot_unit_id, a.requirement_id)]
        tally["assigned"] += 1
        tally["compliant"] += schedule.is_compliant(status, renewal=a.renewal)
        tally["overdue"] += status in (schedule.OVERDUE, schedule.EXPIRED)
        tally["exempt"] += status == schedule.EXEMPT

    taken_at = timezone.now()
    rows = [
        ComplianceSnapshot(
            taken_on=day, unit_id=unit_id, requirement_id=requirement_id, taken_at=taken_at, **c
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
