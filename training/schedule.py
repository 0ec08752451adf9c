"""Date arithmetic of requirement schedules, and an assignment's status on a given day.

Pure functions over dates (no database), so every schedule and edge date can be tested
directly. Dates here are calendar dates in the hospital's time zone: a completion's date is
`timezone.localdate(completed_at)`, so a DST change never moves a due date.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

ONCE = "once"
RECURRING = "recurring"
ANNUAL = "annual"

START_DATE = "start_date"
ASSIGNED = "assigned"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb;
    29 Feb 2028 + 12 = 28 Feb 2029)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def annual_date(year: int, month: int, day: int) -> datetime.date:
    """The fixed annual due date in a given year; 29 February falls on 28 February in
    years that have none."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_annual_on_or_after(day: datetime.date, month: int, dom: int) -> datetime.date:
    candidate = annual_date(day.year, month, dom)
    return candidate if candidate >= day else annual_date(day.year + 1, month, dom)


@dataclass(frozen=True)
class Schedule:
    """A requirement's schedule, detached from the model."""

    frequency: str = ONCE
    due_basis: str = START_DATE
    due_days: int = 30
    interval_months: int | None = None
    annual_month: int | None = None
    annual_day: int | None = None
    grace_days: int = 0
    effective_from: datetime.date = datetime.date(2000, 1, 1)

    def first_due(self, starts_on: datetime.date) -> datetime.date:
        """Due date of a person's first cycle, whose clock starts on `starts_on` (their start
        date, or the day they were assigned, as the requirement says).

        The clock never starts before the requirement takes effect, so a new requirement does
        not make long-serving staff overdue on its first day. A fixed annual date: the first
        such date on or after the day the days to complete run out.
        """
        due = max(starts_on, self.effective_from) + datetime.timedelta(days=self.due_days)
        if self.frequency == ANNUAL:
            return next_annual_on_or_after(due, self.annual_month, self.annual_day)
        return due

    def cycle_due(self, *, starts_on: datetime.date, renewal: bool) -> datetime.date:
        """Due date of a cycle: a first cycle's, or the day a renewed completion (made on
        `starts_on`) stops being valid."""
        if renewal:
            return self.valid_until(starts_on)
        return self.first_due(starts_on)

    def valid_until(self, completed_on: datetime.date) -> datetime.date | None:
        """Last day a completion on `completed_on` keeps a person compliant (None: forever).

        Recurring: the same day N months later; a late completion restarts the cycle from
        the day it was actually completed. Annual: the annual date after the one the
        completion counted for (completing any time up to 31 December counts for that year
        and holds until 31 December of the next). A completion within the grace period after
        an annual date counts for that date, not for the next year's: otherwise a person who
        always completed in the grace period would only need to train every other year.
        """
        if self.frequency == RECURRING:
            return add_months(completed_on, self.interval_months)
        if self.frequency == ANNUAL:
            counted_for = next_annual_on_or_after(
                completed_on - datetime.timedelta(days=self.grace_days),
                self.annual_month,
                self.annual_day,
            )
            return annual_date(counted_for.year + 1, self.annual_month, self.annual_day)
        return None


# Statuses, most urgent first (the order of a learner's list).
EXEMPT = "exempt"
OVERDUE = "overdue"
EXPIRED = "expired"
DUE_SOON = "due_soon"
IN_PROGRESS = "in_progress"
NOT_STARTED = "not_started"
COMPLETED = "completed"


def status_on(
    *,
    today: datetime.date,
    due_on: datetime.date,
    grace_days: int,
    due_soon_days: int,
    completed_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    renewal: bool = False,
    started: bool = False,
    exempt: bool = False,
) -> str:
    """An assignment's status on `today`.

    `due_on` is the date in force (an extension replaces the scheduled date). A cycle that
    renews a completion (`renewal`) holds a valid completion until `due_on`. Past the due
    date and the grace period a first cycle is overdue and a renewal is expired (the expired
    completion reopens the requirement). From `due_soon_days` before the due date until the
    grace period ends the status is due soon. A completed cycle with no renewal (one-time
    requirements) stays completed; `valid_until` is kept for display.
    """
    if exempt:
        return EXEMPT
    if completed_on is not None and (valid_until is None or today <= valid_until):
        return COMPLETED
    if today > due_on + datetime.timedelta(days=grace_days):
        return EXPIRED if renewal else OVERDUE
    if today >= due_on - datetime.timedelta(days=due_soon_days):
        return DUE_SOON
    if renewal:
        return COMPLETED
    return IN_PROGRESS if started else NOT_STARTED


def is_compliant(status: str, *, renewal: bool) -> bool:
    """Holds a valid completion today: completed, or due for renewal but not yet expired."""
    return status == COMPLETED or (renewal and status == DUE_SOON)
