from django.apps import AppConfig


class ModulesConfig(AppConfig):
    """What is taught: the module catalogue, lessons, quiz questions and pure grading."""

    name = "modules"
    verbose_name = "Training modules"
