"""Who may see whose training records. One place, used by every view and export."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from .models import StaffProfile, Unit

VIEW_ALL_REPORTS = "training.view_all_reports"


def can_view_all_units(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_ALL_REPORTS)


def reportable_units(user: User | AnonymousUser) -> QuerySet[Unit]:
    """Units whose staff records this user may read: all for education leads and admins,
    the units they manage for managers, none for everyone else."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if can_view_all_units(user):
        return Unit.objects.all()
    return Unit.objects.filter(managers=user)


def can_view_reports(user: User | AnonymousUser) -> bool:
    return can_view_all_units(user) or (user.is_authenticated and reportable_units(user).exists())


def can_view_learner_records(viewer: User | AnonymousUser, learner_id: int) -> bool:
    """The learner themself, a manager of the learner's unit, or an education lead."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == learner_id or can_view_all_units(viewer):
        return True
    return StaffProfile.objects.filter(user_id=learner_id, unit__managers=viewer).exists()


def can_manage_assignment(user: User | AnonymousUser, assignment) -> bool:
    """Exempt or extend: a manager of the person's unit now (not for themself), or an admin."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if user.pk == assignment.user_id:
        return False
    return StaffProfile.objects.filter(user_id=assignment.user_id, unit__managers=user).exists()


def staff_profile(user: User | AnonymousUser) -> StaffProfile | None:
    """The user's active staff profile, looked up once per user object (one request)."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_attune_staff_profile"):
        user._attune_staff_profile = (
            StaffProfile.objects.select_related("role", "unit")
            .filter(user=user, active=True)
            .first()
        )
    return user._attune_staff_profile
