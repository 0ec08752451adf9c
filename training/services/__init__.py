"""Every write in training that carries a business rule.

Each service takes keyword-only arguments, runs in one transaction, calls full_clean()
before saving, and raises ValidationError with a message a person can read.
The services live in one module per concern; import them from here.
"""

from .assignments import (
    MAX_EXTENSION_DAYS,
    assignment_exempt,
    assignment_extend,
    assignment_unexempt,
    assignments_sync,
)
from .attempts import (
    GRACE,
    AlreadySubmitted,
    answers_from_post,
    attempt_close_if_expired,
    attempt_save,
    attempt_start,
    attempt_submit,
    completion_record,
    confidence_from_post,
)
from .compliance import compliance_snapshot_take
from .progress import lesson_progress_record
from .reminders import digests_send, reminders_send
from .staff import staff_import

__all__ = [
    "GRACE",
    "MAX_EXTENSION_DAYS",
    "AlreadySubmitted",
    "answers_from_post",
    "assignment_exempt",
    "assignment_extend",
    "assignment_unexempt",
    "assignments_sync",
    "attempt_close_if_expired",
    "attempt_save",
    "attempt_start",
    "attempt_submit",
    "completion_record",
    "compliance_snapshot_take",
    "confidence_from_post",
    "digests_send",
    "lesson_progress_record",
    "reminders_send",
    "staff_import",
]
