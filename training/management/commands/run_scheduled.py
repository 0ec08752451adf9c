"""Enqueue the scheduled tasks; run it from cron (see README, "Scheduled work")."""

from django.core.management.base import BaseCommand

from training.tasks import daily_upkeep_task, weekly_digest_task

JOBS = {"daily": daily_upkeep_task, "weekly": weekly_digest_task}


class Command(BaseCommand):
    help = (
        "Enqueue the daily upkeep (assignments, compliance snapshot, reminders) or the weekly "
        "manager digest. With the immediate backend the work runs at once; with the database "
        "backend a worker (manage.py db_worker) runs it."
    )

    def add_arguments(self, parser):
        parser.add_argument("job", choices=sorted(JOBS))

    def handle(self, *args, job, **options):
        result = JOBS[job].enqueue()
        self.stdout.write(self.style.SUCCESS(f"Enqueued the {job} job ({result.id})."))
