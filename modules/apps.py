from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModulesConfig(AppConfig):
    """What is taught: the module catalogue, lessons, quiz questions and pure grading."""

    name = "modules"
    verbose_name = _("Training modules")
