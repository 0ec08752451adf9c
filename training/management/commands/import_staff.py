"""Import staff from an HR export (CSV). A dry run unless --commit; see
training/staff_import.py for the columns and formats."""

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from training.services import staff_import
from training.staff_import import plan_lines


class Command(BaseCommand):
    help = (
        "Import staff from an HR file (CSV: employee_id, first_name, last_name, email, role, "
        "unit, start_date, active, manager_of). Without --commit it only shows what would "
        "change. All or nothing: any bad row stops the whole import."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help='The CSV file ("-" reads standard input).')
        parser.add_argument(
            "--commit", action="store_true", help="Write the changes (default: dry run)."
        )
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Also deactivate active staff whose employee ID is not in the file.",
        )
        parser.add_argument("--user", help="Username recorded in the history as the importer.")

    def handle(self, *args, file, commit, deactivate_missing, user=None, **options):
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named '{user}'.") from None
        try:
            if file == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as handle:
                    data = handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        try:
            plan = staff_import(
                rows_or_file=data,
                commit=commit,
                deactivate_missing=deactivate_missing,
                actor=actor,
            )
        except ValidationError as exc:
            raise CommandError(
                "Nothing was imported. Fix these problems and run the import again:\n  "
                + "\n  ".join(exc.messages)
            ) from exc
        for line in plan_lines(plan):
            self.stdout.write(line)
        if plan.committed:
            self.stdout.write(self.style.SUCCESS(f"Imported {file}: {plan.summary()}."))
        else:
            self.stdout.write(f"Dry run of {file}: {plan.summary()}.")
            if plan.has_changes:
                self.stdout.write("Nothing was written. Run again with --commit to apply.")
