# The simple "required for roles" rule becomes the requirement engine's Requirement.
# Renamed (not recreated) so that existing requirements and their history are kept.

from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("modules", "0004_review_help_text"),
        ("training", "0004_staff_import_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("ModuleRequirement", "Requirement"),
        migrations.RenameModel("HistoricalModuleRequirement", "HistoricalRequirement"),
        migrations.RenameModel("HistoricalModuleRequirement_roles", "HistoricalRequirement_roles"),
        migrations.RenameModel("HistoricalModuleRequirement_units", "HistoricalRequirement_units"),
    ]
