"""Training records. One module per concern; import models from here."""

from .compliance import ComplianceSnapshot
from .notifications import ReminderLog
from .people import Role, StaffProfile, Unit
from .records import Attempt, Completion, LessonProgress
from .requirements import Assignment, ModuleSet, Requirement, Status

__all__ = [
    "Assignment",
    "Attempt",
    "Completion",
    "ComplianceSnapshot",
    "LessonProgress",
    "ModuleSet",
    "ReminderLog",
    "Requirement",
    "Role",
    "StaffProfile",
    "Status",
    "Unit",
]
