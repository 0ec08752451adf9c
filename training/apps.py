from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """People and records: who must learn what, attempts, completions, learner and manager views."""

    name = "training"
    verbose_name = "Training records"
