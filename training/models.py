"""People and the record of their training."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    PASSED = "passed", "Passed"
    OVERDUE = "overdue", "Overdue"


class Role(models.Model):
    """A clinical discipline (registered nurse, physician, social worker, ...).

    Requirements are set per role because what each discipline must learn differs.
    """

    name = models.CharField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Unit(models.Model):
    """A clinical unit (NICU, PICU, cardiology clinic, ...) and the people who manage it.

    Managers see the training records of the staff in their units and nothing else.
    """

    name = models.CharField(max_length=100, unique=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="managed_units"
    )
    history = HistoricalRecords(m2m_fields=[managers])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_all_reports", "Can view every unit's reports and learning evidence"),
            # Item analysis of module quizzes (Wagtail admin report); not tied to a unit.
            ("view_item_analysis", "Can view item analysis of module quizzes"),
        ]

    def __str__(self):
        return self.name


class StaffProfile(models.Model):
    """Makes a user a member of staff: their role and unit decide what they must learn."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="staff")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="staff")
    employee_id = models.CharField(max_length=50, unique=True)
    start_date = models.DateField(help_text="First day in this post, in the hospital's time zone.")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        permissions = [
            # The HR import page in the Wagtail admin (superusers have it anyway).
            ("import_staff", "Can import staff from an HR file"),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.employee_id})"

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class ModuleRequirement(models.Model):
    """A module that staff in some roles (optionally only in some units) must complete.

    Each person is due `due_days` after the later of their start date and the date the
    requirement takes effect, so a new requirement does not make long-serving staff overdue
    on its first day.
    """

    module = models.ForeignKey(
        "modules.TrainingModulePage", on_delete=models.CASCADE, related_name="requirements"
    )
    roles = models.ManyToManyField(Role, related_name="requirements")
    units = models.ManyToManyField(
        Unit,
        blank=True,
        related_name="requirements",
        help_text="Leave empty to require it in every unit.",
    )
    due_days = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    effective_from = models.DateField(
        default=timezone.localdate,
        help_text="Staff who started before this date are due this many days after it.",
    )
    history = HistoricalRecords(m2m_fields=[roles, units])

    class Meta:
        ordering = ["module__title"]

    def __str__(self):
        return f"{self.module.title} (within {self.due_days} days)"


class Attempt(models.Model):
    """One try at a module's quiz, or its pre-test.

    It keeps the page revision, the questions it drew (with the answer key and choice order)
    and the module's rules at the time, so later edits to the module never change a past
    result, and item statistics can be grouped by revision.
    """

    class Kind(models.TextChoices):
        PRE = "pre", "Pre-test"
        POST = "post", "Quiz"

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
        default=dict, help_text="The module's review, time and confidence rules at the start."
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
    """Proof that a person passed a module, pinned to the revision they were graded on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    module = models.ForeignKey(
        "modules.TrainingModulePage", on_delete=models.PROTECT, related_name="completions"
    )
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="completion")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    completed_on = models.DateField(help_text="Completion date in the hospital's time zone.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="one_completion_per_module")
        ]

    def __str__(self):
        return f"{self.user} – {self.module_id} – {self.completed_on}"
