"""The record of learning: quiz attempts and completions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Attempt(models.Model):
    """One try at a module's quiz, or its pre-test.

    It keeps the page revision, the questions it drew (with the answer key and choice order)
    and the module's rules at the time, so later edits to the module never change a past
    result, and item statistics can be grouped by revision.
    """

    class Kind(models.TextChoices):
        PRE = "pre", _("Pre-test")
        POST = "post", _("Quiz")
        # Practice: the same kind of questions, graded and reviewed, but never a completion,
        # never counted against the attempts allowed, and left out of every report.
        PRACTICE = "prac", _("Practice")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    module = models.ForeignKey(
        "modules.TrainingModulePage", on_delete=models.PROTECT, related_name="attempts"
    )
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.POST)
    questions = models.JSONField()
    rules = models.JSONField(
        default=dict, help_text=_("The module's review, time and confidence rules at the start.")
    )
    pass_mark = models.PositiveSmallIntegerField()
    answers = models.JSONField(null=True, blank=True)
    confidence = models.JSONField(null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(null=True, blank=True)
    points = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    score_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False)
    history = HistoricalRecords(excluded_fields=["questions"])

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["user", "module"]),
            models.Index(fields=["module", "kind", "submitted_at"]),
        ]

    def __str__(self):
        return f"{self.user} – {self.module_id} – {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Completion(models.Model):
    """Proof that a person passed a module, pinned to the revision they were graded on.

    A person may complete a module again to renew a recurring requirement; each completion
    is kept (and gets its own certificate).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    module = models.ForeignKey(
        "modules.TrainingModulePage", on_delete=models.PROTECT, related_name="completions"
    )
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="completion")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    completed_on = models.DateField(help_text=_("Completion date in the hospital's time zone."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["user", "module", "completed_at"])]

    def __str__(self):
        return f"{self.user} – {self.module_id} – {self.completed_on}"


class LessonProgress(models.Model):
    """Where a learner is in a module's lessons, kept on the server so that "resume where I
    left off" works on any device (a shared workstation, then a phone).

    `current` is the lesson last opened and `furthest` the furthest reached (both 1-based).
    `revision` is the module revision the numbers refer to: when a new revision changes the
    lessons, the learner is shown the new lessons from where the numbers still fit.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    module = models.ForeignKey(
        "modules.TrainingModulePage", on_delete=models.CASCADE, related_name="lesson_progress"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current = models.PositiveSmallIntegerField(default=1)
    furthest = models.PositiveSmallIntegerField(default=1)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module"], name="one_lesson_progress_per_module"
            ),
            models.CheckConstraint(
                condition=models.Q(current__gte=1) & models.Q(furthest__gte=models.F("current")),
                name="lesson_progress_positions_valid",
            ),
        ]

    def __str__(self):
        return gettext("%(user)s – %(module)s – lesson %(lesson)s") % {
            "user": self.user,
            "module": self.module_id,
            "lesson": self.current,
        }
