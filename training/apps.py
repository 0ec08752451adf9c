from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """People and records: who must learn what, attempts, completions, learner and manager views."""

    name = "training"
    verbose_name = _("Training records")

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from modules.models import TrainingModulePage

        from . import receivers

        page_published.connect(
            receivers.module_published, sender=TrainingModulePage, dispatch_uid="attune-pub"
        )
        page_unpublished.connect(
            receivers.module_unpublished, sender=TrainingModulePage, dispatch_uid="attune-unpub"
        )
