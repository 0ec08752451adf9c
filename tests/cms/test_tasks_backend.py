"""The production tasks backend (django-tasks-db): enqueueing only stores the task; the
`db_worker` command runs it. Dev, demo and the rest of the suite use the immediate backend
(ATTUNE_TASKS_BACKEND unset)."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from training import services
from training.models import ReminderLog
from training.tasks import weekly_digest_task

from ..factories import StaffProfileFactory, UserFactory

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings):
    # Changing TASKS sends setting_changed, which makes django-tasks drop its cached backends
    # (and again when the fixture restores the setting).
    settings.TASKS = DATABASE_TASKS
    assert isinstance(weekly_digest_task.get_backend(), DatabaseBackend)


def test_the_immediate_backend_is_the_default():
    assert type(weekly_digest_task.get_backend()).__name__ == "ImmediateBackend"


# The worker commits and, like any long-running process, closes old database connections
# (on PostgreSQL that would end the test's wrapping transaction), so this test runs outside a
# transaction, as the worker does in production; `committed_db` puts every table back after.
def test_database_backend_stores_the_task_and_the_worker_runs_it(
    committed_db, database_tasks, people
):
    # A NICU nurse who started 60 days ago: 30 days overdue, so her manager gets a digest.
    late = StaffProfileFactory(
        user=UserFactory(username="latenurse", first_name="Rosa", last_name="Lindqvist"),
        role=people.nurse_role,
        unit=people.nicu,
        start_date=timezone.localdate() - datetime.timedelta(days=60),
    )
    services.assignments_sync(user_ids=[late.user_id])

    result = weekly_digest_task.enqueue()

    row = DBTaskResult.objects.get(id=result.id)
    assert row.task_path == "training.tasks.weekly_digest_task"
    assert row.status == TaskResultStatus.READY
    assert row.started_at is None and row.finished_at is None
    assert not ReminderLog.objects.filter(kind=ReminderLog.Kind.DIGEST).exists()
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL, row.traceback
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["digests"]["emails"] == 1
    (digest,) = mail.outbox
    assert digest.to == [people.manager.email]
    assert "Rosa Lindqvist" in digest.body
