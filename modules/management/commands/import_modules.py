"""Create or update training modules from YAML files (see modules/content_io.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from modules.content_io import SpecError, module_paths
from modules.services import load_specs, modules_import


class Command(BaseCommand):
    help = (
        "Create or update training modules from YAML files or folders of them. An update is a "
        "new revision of the same page, made only when the content changed. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="YAML files, or folders holding them")
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the imported revisions (default: leave them as drafts).",
        )
        parser.add_argument("--user", help="Username recorded as the author of the revisions.")

    def handle(self, *args, paths, publish, user=None, **options):
        author = None
        if user:
            try:
                author = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user named '{user}'.") from None
        try:
            specs = load_specs(module_paths(paths))
            results = modules_import(specs=specs, publish=publish, user=author)
        except SpecError as exc:
            raise CommandError(
                "Nothing was imported. Fix these problems and run the import again:\n  "
                + "\n  ".join(exc.errors)
            ) from exc
        for r in results:
            state = "published" if r.live else "draft"
            self.stdout.write(f"{r.action:<9} {r.slug} ({state}) – {r.title}")
