"""Keeping assignments true; exemptions and extensions."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .. import access
from .. import assignments as engine
from ..models import Assignment
from ._common import _stamp

# Any number for PostgreSQL's advisory lock, the same in every process.
SYNC_LOCK = 0x41_7454_756E_65  # "AtTune"


def _serialise_syncs() -> None:
    """One sync at a time across every web and worker process (PostgreSQL): a requirement
    edit and a learner's completion syncing at the same moment would otherwise both open the
    same cycle. The lock is released when the transaction ends. SQLite's IMMEDIATE
    transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SYNC_LOCK])


def _sync_summary(work: engine.Plan) -> dict[str, int]:
    return {
        "created": len(work.creates),
        "updated": len(work.updates),
        "ended": work.ended,
        "completed": work.completed,
    }


@transaction.atomic
def assignments_sync(
    *,
    user_ids: Sequence[int] | None = None,
    requirement_ids: Sequence[int] | None = None,
    actor: User | None = None,
    reason: str = "Assignments brought up to date",
    joined_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict[str, int]:
    """Make the assignments of these people (or under these requirements; everyone and
    everything when neither is given) true: open, follow, complete and end cycles as
    training/assignments.py describes.

    Reads in a fixed number of queries and writes in bulk, every change recorded in history
    with `actor` and `reason`. Running it again changes nothing. Returns counts of rows
    created, updated, ended and cycles completed.
    """
    _serialise_syncs()
    snapshot = engine.load(
        user_ids=None if user_ids is None else list(user_ids),
        requirement_ids=None if requirement_ids is None else list(requirement_ids),
        for_update=user_ids is not None,
    )
    work = engine.plan(snapshot, today=today or timezone.localdate(), joined_on=joined_on)
    if work.updates:
        # Rows that stop being current go first, so that "one current row" always holds.
        bulk_update_with_history(
            list(work.updates.values()),
            Assignment,
            sorted(work.fields),
            default_user=actor,
            default_change_reason=reason,
        )
    if work.creates:
        bulk_create_with_history(
            work.creates, Assignment, default_user=actor, default_change_reason=reason
        )
    return _sync_summary(work)


def _assignment_for_update(*, assignment_id: int, actor: User) -> Assignment:
    try:
        assignment = Assignment.objects.select_for_update().get(pk=assignment_id, current=True)
    except Assignment.DoesNotExist:
        raise ValidationError(_("This assignment is no longer current.")) from None
    if not access.can_manage_assignment(actor, assignment):
        raise ValidationError(_("Only a manager of this person's unit or an admin can do this."))
    return assignment


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Please give the reason (a few words), for the record."))
    return reason[:2000]


@transaction.atomic
def assignment_exempt(*, assignment_id: int, actor: User, reason: str) -> Assignment:
    """Exempt a person from the current cycle of a requirement (say, they hold the same
    training from another hospital). Recorded in history with the actor and the reason."""
    reason = _clean_reason(reason)
    assignment = _assignment_for_update(assignment_id=assignment_id, actor=actor)
    if assignment.completed_on is not None:
        raise ValidationError(_("This cycle is already completed; there is nothing to exempt."))
    if assignment.exempt:
        raise ValidationError(_("This person is already exempt."))
    assignment.exempt = True
    assignment.exempt_reason = reason
    assignment.full_clean()
    _stamp(assignment, actor)
    assignment._change_reason = f"Exempted: {reason}"
    assignment.save()
    return assignment


@transaction.atomic
def assignment_unexempt(*, assignment_id: int, actor: User, reason: str) -> Assignment:
    """Withdraw an exemption; the cycle's due date applies again."""
    reason = _clean_reason(reason)
    assignment = _assignment_for_update(assignment_id=assignment_id, actor=actor)
    if not assignment.exempt:
        raise ValidationError(_("This person is not exempt."))
    assignment.exempt = False
    assignment.exempt_reason = ""
    assignment.full_clean()
    _stamp(assignment, actor)
    assignment._change_reason = f"Exemption withdrawn: {reason}"
    assignment.save()
    return assignment


MAX_EXTENSION_DAYS = 366


@transaction.atomic
def assignment_extend(
    *, assignment_id: int, actor: User, until: datetime.date, reason: str
) -> Assignment:
    """Extend the due date of a person's current cycle (say, after long leave). The new
    date must be later than the date in force and within a year of the scheduled one."""
    reason = _clean_reason(reason)
    assignment = _assignment_for_update(assignment_id=assignment_id, actor=actor)
    if assignment.completed_on is not None:
        raise ValidationError(_("This cycle is already completed; there is nothing to extend."))
    if not isinstance(until, datetime.date):
        raise ValidationError(_("Give the new due date."))
    if until <= assignment.due_date:
        raise ValidationError(
            _("The new due date must be after the current one (%(date)s).")
            % {"date": formats.date_format(assignment.due_date, "j M Y")}
        )
    if (until - assignment.due_on).days > MAX_EXTENSION_DAYS:
        raise ValidationError(_("An extension can be at most a year past the scheduled due date."))
    assignment.extended_to = until
    assignment.extension_reason = reason
    assignment.full_clean()
    _stamp(assignment, actor)
    assignment._change_reason = f"Due date extended to {until.isoformat()}: {reason}"
    assignment.save()
    return assignment
