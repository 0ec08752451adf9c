"""Importing staff from HR."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..models import StaffProfile
from ..staff_import import (
    CHANGE_REASON,
    ImportPlan,
    ImportWork,
    StaleImportPlan,
    plan_import,
    read_staff_file,
)
from ._common import _stamp
from .assignments import assignments_sync


def staff_import(
    *,
    rows_or_file,
    commit: bool,
    deactivate_missing: bool = False,
    actor: User | None,
    expected_fingerprint: str | None = None,
) -> ImportPlan:
    """Import staff from an HR file (see training/staff_import.py for the format).

    Every row is checked before anything is written; any problem raises StaffImportError
    listing each as "line N, column X: message", and nothing changes. With commit=False
    nothing is written and the plan (creates, updates, deactivations) is returned. With
    commit=True the whole plan is written in one transaction, each change recorded in
    history as made by `actor`. Importing the same file again plans and writes nothing.
    `deactivate_missing` also deactivates active staff whose employee ID is not in the file.
    `expected_fingerprint` (from a previewed plan) refuses to commit anything different:
    StaleImportPlan carries the new plan.
    """
    source = read_staff_file(rows_or_file)
    if not commit:
        plan, _work = plan_import(source, deactivate_missing=deactivate_missing)
        return plan
    try:
        with transaction.atomic():
            plan, work = plan_import(source, deactivate_missing=deactivate_missing, for_update=True)
            if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
                raise StaleImportPlan(plan)
            _staff_import_write(work, actor=actor)
    except IntegrityError:
        raise ValidationError(
            _(
                "Staff records were changed by someone else during the import, so nothing was "
                "imported. Please run the import again."
            )
        ) from None
    plan.committed = True
    return plan


def _staff_import_write(work: ImportWork, *, actor: User | None) -> None:
    """Bulk writes: a fixed number of queries for any number of people, plus a few per unit
    whose managers change. The objects were full_clean()ed when the plan was made."""
    if work.new_users:
        User.objects.bulk_create(work.new_users)  # bulk_create below copies the new keys
        bulk_create_with_history(
            work.new_profiles,
            StaffProfile,
            default_user=actor,
            default_change_reason=f"{CHANGE_REASON}: new",
        )
    if work.changed_users:
        User.objects.bulk_update(work.changed_users, sorted(work.user_fields))
    if work.changed_profiles:
        for profile in work.changed_profiles:
            _stamp(profile, actor)
        bulk_update_with_history(
            work.changed_profiles,
            StaffProfile,
            sorted(work.profile_fields),
            default_user=actor,
            default_change_reason=CHANGE_REASON,
        )
    for unit, (add, remove) in work.managers.items():
        _stamp(unit, actor)
        unit._change_reason = f"{CHANGE_REASON}: managers"
        if remove:
            unit.managers.remove(*remove)
        if add:
            unit.managers.add(*add)
    # New staff count from their start date; people whose role, unit or active flag
    # changed join their new audiences today.
    new_ids = [p.user_id for p in work.new_profiles]
    if new_ids:
        assignments_sync(user_ids=new_ids, actor=actor, reason=f"{CHANGE_REASON}: new")
    changed_ids = [p.user_id for p in work.changed_profiles]
    if changed_ids:
        assignments_sync(
            user_ids=changed_ids,
            actor=actor,
            reason=CHANGE_REASON,
            joined_on=timezone.localdate(),
        )
