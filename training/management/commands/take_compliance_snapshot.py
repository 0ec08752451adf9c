"""Take today's compliance snapshot (the daily task does this too)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from training.services.compliance import compliance_snapshot_take


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a date; write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Store today's counts of assigned, compliant, overdue and exempt staff per unit and "
        "requirement. Running it again the same day replaces that day's counts. Only today "
        "can be taken: assignments hold the current state, so past days cannot be recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            help="The day to record (YYYY-MM-DD); must be today, the default. Any other day "
            "is refused.",
        )

    def handle(self, *args, date=None, **options):
        day = _date(date) if date else timezone.localdate()
        try:
            written = compliance_snapshot_take(day=day)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Compliance snapshot for {day.isoformat()}: {written} rows written."
            )
        )
