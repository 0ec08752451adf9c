from django.core.management.base import BaseCommand

from cms.site_setup import setup_site


class Command(BaseCommand):
    help = "Create the home page, the module catalogue and the staff groups (idempotent)."

    def handle(self, *args, **options):
        home, catalogue, groups = setup_site()
        self.stdout.write(
            f"Site ready: home '{home.title}', catalogue at {catalogue.url_path}, "
            f"groups: {', '.join(sorted(groups))}."
        )
