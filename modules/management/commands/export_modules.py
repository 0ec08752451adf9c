"""Write training modules (including ones authored in the editor) as YAML files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from modules.content_io import dump_spec, module_spec
from modules.models import TrainingModulePage


class Command(BaseCommand):
    help = (
        "Write training modules to YAML in the format import_modules reads: each module's "
        "latest revision (or its live one with --live)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Modules to export (default: all).")
        parser.add_argument(
            "--output",
            "-o",
            default="-",
            help="Folder to write <slug>.yaml files into, or - for standard output (default).",
        )
        parser.add_argument(
            "--live", action="store_true", help="Export the published content, not the draft."
        )

    def handle(self, *args, slugs, output, live, **options):
        pages = TrainingModulePage.objects.order_by("title")
        if slugs:
            pages = pages.filter(slug__in=slugs)
            unknown = sorted(set(slugs) - set(pages.values_list("slug", flat=True)))
            if unknown:
                raise CommandError(f"No module with slug: {', '.join(unknown)}.")
        if live:
            pages = pages.live()
        folder = None if output == "-" else Path(output)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for page in pages:
            content = page if live else page.get_latest_revision_as_object()
            text = dump_spec(module_spec(content))
            if folder is None:
                self.stdout.write("---\n" + text if len(pages) > 1 else text)
            else:
                path = folder / f"{page.slug}.yaml"
                path.write_text(text, encoding="utf-8")
                self.stdout.write(f"wrote {path}")
