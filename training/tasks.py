"""Scheduled background work, through the django-tasks API.

`daily_upkeep_task` (once a day, early morning): brings every assignment up to date, takes
the day's compliance snapshot and sends due-soon and overdue reminders.
`weekly_digest_task` (once a week, Monday morning): each unit manager's digest of overdue
staff. `manage.py run_scheduled daily|weekly` enqueues them; cron (or any scheduler) runs
that command, and a django-tasks worker runs the tasks (README: "Scheduled work").
"""

from django.utils import timezone
from django_tasks import task

from . import services


@task()
def daily_upkeep_task() -> dict:
    today = timezone.localdate()
    synced = services.assignments_sync(reason="Daily upkeep", today=today)
    snapshot = services.compliance_snapshot_take(day=today)
    sent = services.reminders_send(today=today)
    return {"assignments": synced, "snapshot_rows": snapshot, "reminders": sent}


@task()
def weekly_digest_task() -> dict:
    return {"digests": services.digests_send(today=timezone.localdate())}
