"""Send today's reminder emails (or the managers' weekly digests) at once, without the task
queue: for a manual run, or to catch up a missed day. Already-sent events are skipped."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from training.services.reminders import digests_send, reminders_send


class Command(BaseCommand):
    help = (
        "Email staff about training due soon or overdue (or, with --digest, each unit "
        "manager's weekly digest of overdue staff). Nothing is emailed twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--digest", action="store_true", help="Send the managers' weekly digests instead."
        )
        parser.add_argument(
            "--date", help="The day to send for, YYYY-MM-DD (default: today, local time)."
        )

    def handle(self, *args, digest=False, date=None, **options):
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from None
        else:
            today = timezone.localdate()
        what = "digests" if digest else "reminders"
        result = (digests_send if digest else reminders_send)(today=today)
        if not result["enabled"]:
            self.stdout.write(
                f"Reminder emails are turned off in the site settings; no {what} sent."
            )
            return
        line = (
            f"{today.isoformat()}: {result['events']} new event(s), {result['emails']} "
            f"{what[:-1]} email(s) sent, {result['failed']} failed."
        )
        style = self.style.WARNING if result["failed"] else self.style.SUCCESS
        self.stdout.write(style(line))
