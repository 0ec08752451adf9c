"""Bring every assignment up to date (the daily task does this too)."""

from django.core.management.base import BaseCommand

from training.services import assignments_sync


class Command(BaseCommand):
    help = (
        "Recompute every staff member's assignments from the requirements, staff records and "
        "completions. Safe to run at any time; running it twice changes nothing."
    )

    def handle(self, *args, **options):
        result = assignments_sync(reason="sync_assignments command")
        self.stdout.write(
            self.style.SUCCESS(
                "Assignments up to date: {created} created, {updated} updated "
                "({ended} ended, {completed} cycles completed).".format(**result)
            )
        )
